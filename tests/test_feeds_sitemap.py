"""Atom feeds, sitemap, robots.txt and the other fixed files."""

from __future__ import annotations

import feedparser
from lxml import etree

from helpers import article, hrefs

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def test_language_feed_has_latest_twenty_newest_first(make_site):
    site = make_site({f"en/2024/a{n:02d}.md": article(f"Article {n}", date=f"2024-06-{n:02d}",
                                                       body=f"![p](p{n}.png)", tags="[Tag]")
                      for n in range(1, 26)} | {f"en/2024/p{n}.png": b"png" for n in range(1, 26)})
    site.build_ok()
    feed = feedparser.parse((site.output / "en/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Test Digest"
    assert len(feed.entries) == 20
    assert [e.title for e in feed.entries[:2]] == ["Article 25", "Article 24"]
    first = feed.entries[0]
    assert first.link == "https://example.org/sub/en/2024/06/a25/"
    assert first.published.startswith("2024-06-25")
    # links inside the content are absolute: a feed reader has no page to resolve them against
    assert 'src="https://example.org/sub/en/2024/06/a25/p25.png"' in first.content[0].value
    assert [t.term for t in first.tags] == ["tag"]


def test_tag_feed_lists_only_tagged_articles(make_site):
    site = make_site({"fr/2024/a.md": article("A", tags="[États-Unis]"), "fr/2024/b.md": article("B")})
    site.build_ok()
    feed = feedparser.parse((site.output / "fr/tags/etats-unis/feed.xml").read_bytes())
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["A"]
    tag_page = site.page("fr/tags/etats-unis/")
    assert tag_page.xpath("//head/link[@type='application/atom+xml']/@href")[-1] == "/sub/fr/tags/etats-unis/feed.xml"


def test_every_page_links_its_language_feed(make_site):
    site = make_site({"ar/2024/a.md": article("A")})
    site.build_ok()
    for path in ("ar/", "ar/2024/07/a/", "ar/tags/"):
        assert "/sub/ar/feed.xml" in hrefs(site.page(path), "//head/link[@type='application/atom+xml']")
    feed = feedparser.parse((site.output / "ar/feed.xml").read_bytes())
    assert feed.feed.language == "ar"


def test_sitemap_lists_pages_with_hreflang_alternates(make_site):
    site = make_site({"fr/2024/a.md": article("A", tags="[x]"), "en/2024/a.md": article("A")})
    site.build_ok()
    tree = etree.fromstring((site.output / "sitemap.xml").read_bytes())
    assert tree.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = tree.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)
    assert len(locs) == len(set(locs))
    for expected in ("fr/", "en/", "ar/", "fr/2024/07/a/", "en/2024/07/a/", "fr/tags/", "fr/tags/x/"):
        assert f"https://example.org/sub/{expected}" in locs
    assert "https://example.org/sub/" not in locs  # the redirect page is not for search engines
    assert not [loc for loc in locs if loc.endswith("404.html")]
    url = tree.xpath("//s:url[s:loc='https://example.org/sub/en/2024/07/a/']", namespaces=SITEMAP_NS)[0]
    alternates = {link.get("hreflang"): link.get("href") for link in url.xpath("x:link", namespaces=SITEMAP_NS)}
    assert alternates == {"fr": "https://example.org/sub/fr/2024/07/a/", "en": "https://example.org/sub/en/2024/07/a/",
                          "x-default": "https://example.org/sub/fr/2024/07/a/"}
    assert url.xpath("s:lastmod/text()", namespaces=SITEMAP_NS) == ["2024-07-16T13:30:00+02:00"]


def test_robots_404_nojekyll_and_assets(make_site):
    site = make_site({"fr/2024/a.md": article("A")}, )
    site.build_ok()
    robots = (site.output / "robots.txt").read_text()
    assert "Sitemap: https://example.org/sub/sitemap.xml" in robots
    not_found = site.page("404.html")
    assert not_found.get("lang") == "fr"
    assert "/sub/fr/" in hrefs(not_found, "//a")
    assert (site.output / ".nojekyll").is_file()
    assert (site.output / "assets/style.css").is_file()
    assert not (site.output / "CNAME").exists()


def test_cname_written_when_configured(make_site):
    from helpers import BASE_CONFIG

    site = make_site({}, config=BASE_CONFIG + "cname: news.example.org\n")
    site.build_ok()
    assert (site.output / "CNAME").read_text() == "news.example.org\n"


def test_site_templates_override_the_theme_file_by_file(make_site):
    site = make_site({"en/2024/a.md": article("A")})
    site.write("templates/404.html", "<!DOCTYPE html><html><body><p id='custom'>gone</p></body></html>")
    site.write("templates/assets/style.css", "/* mine */")
    site.write("templates/assets/extra.js", "// extra")
    site.build_ok()
    assert site.page("404.html").xpath("//p[@id='custom']/text()") == ["gone"]
    assert (site.output / "assets/style.css").read_text() == "/* mine */"
    assert (site.output / "assets/extra.js").is_file()
    assert site.page("en/2024/07/a/").xpath("//h1/text()") == ["A"]  # other templates still from the theme
