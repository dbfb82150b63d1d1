"""news-sitemap.xml: a Google News sitemap of the articles of the two days before the build's time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from digest.cli import main
from digest.config import Language, load_config
from digest.content import load_articles
from digest.site import build_site
from digest.sitemap import NEWS_LIMIT, news_articles, news_language

from helpers import BASE_CONFIG, Site, article

MakeSite = Callable[..., Site]
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"s": SITEMAP_NS, "news": NEWS_NS}
NOW = datetime.fromisoformat("2024-07-18T12:00:00+00:00")


def epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def build(site: Site, moment: datetime = NOW, *args: str) -> Result:
    result = CliRunner().invoke(main, ["build", "--config", str(site.root / "config.yaml"), *args],
                                env={"SOURCE_DATE_EPOCH": epoch(moment)})
    assert result.exit_code == 0, result.output
    return result


def news(site: Site) -> etree._ElementTree:
    """The news sitemap, parsed, after checking Google's structure rules for every entry."""
    tree = etree.parse(str(site.output / "news-sitemap.xml"))
    root = tree.getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    assert root.nsmap == {None: SITEMAP_NS, "news": NEWS_NS}
    for url in root:
        assert [child.tag for child in url] == [f"{{{SITEMAP_NS}}}loc", f"{{{NEWS_NS}}}news"]
        entry = url[1]
        assert [child.tag for child in entry] == [f"{{{NEWS_NS}}}{name}" for name in
                                                  ("publication", "publication_date", "title")]
        assert [child.tag for child in entry[0]] == [f"{{{NEWS_NS}}}name", f"{{{NEWS_NS}}}language"]
        assert all(child.text for child in entry.iter() if len(child) == 0)
        datetime.fromisoformat(entry[1].text)  # W3C datetime, with its offset
        assert entry[1].text[10] == "T" and entry[1].text[-6] in "+-"
    return tree


def entries(site: Site) -> list[dict[str, str]]:
    return [{"loc": url.findtext("s:loc", namespaces=NS),
             "name": url.findtext("news:news/news:publication/news:name", namespaces=NS),
             "language": url.findtext("news:news/news:publication/news:language", namespaces=NS),
             "date": url.findtext("news:news/news:publication_date", namespaces=NS),
             "title": url.findtext("news:news/news:title", namespaces=NS)}
            for url in news(site).getroot()]


def test_lists_the_articles_of_the_two_days_before_the_build(make_site: MakeSite) -> None:
    site = make_site({
        "fr/old.md": article("Trop ancien", date="2024-07-16T11:59:00+00:00"),
        "fr/edge.md": article("Juste à temps", date="2024-07-16T12:00:00+00:00"),
        "fr/new.md": article("Procès & <verdict> \"final\"", date="2024-07-18T09:00:00+02:00"),
        "en/new.md": article("Trial & <verdict>", date="2024-07-17T08:00:00+00:00"),
        "ar/new.md": article("محاكمة", date="2024-07-18T11:00:00+00:00"),
        "fr/later.md": article("Plus tard", date="2024-07-18T12:00:01+00:00"),
    })
    build(site)
    raw = (site.output / "news-sitemap.xml").read_text(encoding="utf-8")
    assert "Procès &amp; &lt;verdict&gt;" in raw
    assert entries(site) == [
        {"loc": "https://example.org/sub/ar/2024/07/new/", "name": "موجز الاختبار", "language": "ar",
         "date": "2024-07-18T13:00:00+02:00", "title": "محاكمة"},
        {"loc": "https://example.org/sub/fr/2024/07/new/", "name": "Revue de test", "language": "fr",
         "date": "2024-07-18T09:00:00+02:00", "title": 'Procès & <verdict> "final"'},
        {"loc": "https://example.org/sub/en/2024/07/new/", "name": "Test Digest", "language": "en",
         "date": "2024-07-17T10:00:00+02:00", "title": "Trial & <verdict>"},
        {"loc": "https://example.org/sub/fr/2024/07/edge/", "name": "Revue de test", "language": "fr",
         "date": "2024-07-16T14:00:00+02:00", "title": "Juste à temps"},
    ]
    # A day later, only what is still within two days (and the article that has become due).
    build(site, datetime.fromisoformat("2024-07-19T12:00:00+00:00"))
    assert [e["title"] for e in entries(site)] == ["Plus tard", "محاكمة", 'Procès & <verdict> "final"']
    # With --future, scheduled articles get pages, but are not "published in the last two days" yet.
    build(site, NOW, "--future")
    assert "Plus tard" not in [e["title"] for e in entries(site)]


def valid_sitemap(tree: etree._ElementTree) -> list[etree._Element]:
    """What the sitemap schema (sitemaps.org sitemap.xsd) requires: a <urlset> of 1 to 50,000 <url>, each with
    one absolute <loc> first; other elements only from other namespaces. The <url> elements."""
    root = tree.getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    assert 1 <= len(root) <= 50_000, "the schema wants at least one <url> (\"Missing child element(s)\")"
    for url in root:
        assert url.tag == f"{{{SITEMAP_NS}}}url"
        assert url[0].tag == f"{{{SITEMAP_NS}}}loc" and url[0].text.startswith("https://example.org/sub/")
        assert 12 <= len(url[0].text) <= 2048
        assert all(etree.QName(child).namespace != SITEMAP_NS for child in url[1:])
    return list(root)


def test_no_article_in_the_two_days_keeps_the_news_sitemap_valid(make_site: MakeSite) -> None:
    """Google lets an article older than two days stay without its <news:news>: the newest one is listed so."""
    site = make_site({"fr/old.md": article("Ancien", date="2020-01-01"),
                      "en/older.md": article("Older", date="2019-06-01")})
    build(site)
    raw = (site.output / "news-sitemap.xml").read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    (url,) = valid_sitemap(etree.fromstring(raw).getroottree())
    assert [child.tag for child in url] == [f"{{{SITEMAP_NS}}}loc"]  # no news metadata: not news any more
    assert url[0].text == "https://example.org/sub/fr/2020/01/old/"
    assert (site.output / "fr/2020/01/old/index.html").exists()
    assert "Sitemap: https://example.org/sub/news-sitemap.xml" in (site.output / "robots.txt").read_text()


def test_a_site_without_articles_lists_its_root_page(make_site: MakeSite) -> None:
    site = make_site({})
    build(site)
    (url,) = valid_sitemap(etree.parse(str(site.output / "news-sitemap.xml")))
    assert url[0].text == "https://example.org/sub/" and len(url) == 1


def test_news_sitemap_with_articles_is_a_valid_sitemap(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("A", date="2024-07-17T09:00:00+02:00")})
    build(site)
    assert len(valid_sitemap(news(site))) == 1


def test_robots_txt_names_both_sitemaps(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("A")})
    build(site)
    lines = (site.output / "robots.txt").read_text().splitlines()
    assert "Sitemap: https://example.org/sub/sitemap.xml" in lines
    assert "Sitemap: https://example.org/sub/news-sitemap.xml" in lines


def test_at_most_a_thousand_newest_first(make_site: MakeSite) -> None:
    count = NEWS_LIMIT + 5
    site = make_site({f"fr/n{i:04}.md": article(f"N{i}", date=f"2024-07-18T{i // 60 % 10:02}:{i % 60:02}:00+00:00")
                      for i in range(count)})
    config = load_config(site.root / "config.yaml")
    site_data = build_site(config, load_articles(config), False, now=NOW)
    chosen = news_articles(site_data.all_articles(), NOW)
    assert len(site_data.all_articles()) == count and len(chosen) == NEWS_LIMIT
    assert [a.date for a in chosen] == sorted((a.date for a in chosen), reverse=True)
    assert min(a.date for a in chosen) >= sorted(a.date for a in site_data.all_articles())[count - NEWS_LIMIT]


@pytest.mark.parametrize(("code", "locale", "expected"), [
    ("fr", "fr_FR", "fr"), ("en", "en_GB", "en"), ("ar", "ar", "ar"), ("pt-BR", "pt_BR", "pt"),
    ("zh", "zh_CN", "zh-cn"), ("zh", "zh_TW", "zh-tw"), ("zh-Hant", "zh_Hant", "zh-tw"), ("zh-tw", "zh_TW", "zh-tw"),
    ("zh-Hans", "zh_Hans_CN", "zh-cn"), ("cn", "zh_CN", "zh-cn"), ("fil", "fil", "fil"),
])
def test_language_codes_as_google_news_expects(code: str, locale: str, expected: str) -> None:
    assert news_language(Language(code=code, title="T", locale=locale, direction="ltr")) == expected


def test_chinese_site_in_a_build(make_site: MakeSite, tmp_path: Path) -> None:
    config = BASE_CONFIG.replace("  ar: {title: موجز الاختبار, locale: ar}\n",
                                 "  zh-TW: {title: 新聞摘要, locale: zh_TW}\n")
    site = make_site({"zh-TW/a.md": article("新聞", date="2024-07-18T08:00:00+00:00")}, config=config)
    build(site)
    assert [(e["language"], e["name"]) for e in entries(site)] == [("zh-tw", "新聞摘要")]
