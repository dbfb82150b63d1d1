"""What validators and search engines read: meta descriptions, Open Graph, JSON-LD, hreflang, feeds, markup."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from digest.cli import main

from helpers import REPO, article, texts

VOID_WITH_SLASH = re.compile(rb"<(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b[^>]*/>")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example site, built into a temporary folder: its output folder."""
    site = tmp_path_factory.mktemp("example")
    for name in ("config.yaml", "content", "templates"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, site / name)
    for name in REPO.glob("*"):  # the site's own image files named in config.yaml (logo, default image)
        if name.suffix in (".png", ".jpg", ".svg", ".webp"):
            shutil.copy(name, site / name.name)
    result = CliRunner().invoke(main, ["build", "--config", str(site / "config.yaml")])
    assert result.exit_code == 0, result.output
    return site / "output"


def example_pages(output: Path) -> dict[str, Path]:
    return {p.relative_to(output).as_posix(): p for p in sorted(output.rglob("*.html"))
            if p.relative_to(output).parts[0] != "pagefind"}


# --- Nu HTML Checker warnings -------------------------------------------------------------------------------

def test_no_void_element_has_a_trailing_slash(example: Path):
    pages = example_pages(example)
    assert len(pages) > 100
    offending = {name: VOID_WITH_SLASH.findall(path.read_bytes()) for name, path in pages.items()}
    assert {name: found for name, found in offending.items() if found} == {}


def test_footnotes_section_has_a_heading_in_the_article_language(make_site):
    body = "Une note[^1].\n\n[^1]: La note."
    site = make_site({"fr/2024/a.md": article("Titre", body=body),
                      "ar/2024/a.md": article("عنوان", body=body),
                      "en/2024/a.md": article("Title", body=body)})
    site.build_ok()
    for lang, heading in (("fr", "Notes"), ("ar", "الهوامش"), ("en", "Notes")):
        page = site.page(f"{lang}/2024/07/a/")
        section = page.xpath("//section[contains(@class,'footnotes')]")
        assert len(section) == 1
        first = section[0][0]
        assert first.tag == "h2"
        assert first.text_content() == heading
        assert "visually-hidden" in first.get("class").split()
        assert section[0].xpath("./ol/li/@id") == ["fn1"]
        assert page.xpath("//hr[@class='footnotes-sep']")


def test_footnotes_heading_follows_the_site_strings(make_site):
    from helpers import BASE_CONFIG

    site = make_site({"fr/2024/a.md": article("Titre", body="Une note[^1].\n\n[^1]: La note.")},
                     config=BASE_CONFIG + "strings: {fr: {footnotes: Renvois}}\n")
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert page.xpath("//section[contains(@class,'footnotes')]/h2/text()") == ["Renvois"]


# --- Open Graph locale ----------------------------------------------------------------------------------------

def meta_property(page: lxml_html.HtmlElement, name: str) -> list[str]:
    return page.xpath(f"//head/meta[@property='{name}']/@content")


def test_og_locale_is_language_territory_on_every_page(example: Path):
    expected = {"fr": "fr_FR", "en": "en_GB", "ar": "ar_EG"}  # ar: CLDR's likely territory
    checked = 0
    for name, path in example_pages(example).items():
        page = lxml_html.fromstring(path.read_bytes())
        if name in ("index.html", "404.html"):
            continue
        lang = name.split("/")[0]
        assert meta_property(page, "og:locale") == [expected[lang]], name
        for alternate in meta_property(page, "og:locale:alternate"):
            assert re.fullmatch(r"[a-z]{2,3}_[A-Z]{2}", alternate), name
            assert alternate != expected[lang]
        checked += 1
    assert checked > 100
    home = lxml_html.fromstring((example / "fr/index.html").read_bytes())
    assert meta_property(home, "og:locale:alternate") == ["en_GB", "ar_EG"]


def test_og_locale_alternates_of_an_article_are_its_translations(make_site):
    from helpers import BASE_CONFIG

    config = BASE_CONFIG.replace("locale: en_GB", "locale: en").replace("locale: ar", "locale: ar_MA")
    site = make_site({"fr/2024/a.md": article("Titre"), "en/2024/a.md": article("Title"),
                      "fr/2024/b.md": article("Seul")}, config=config)
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert meta_property(page, "og:locale") == ["fr_FR"]
    assert meta_property(page, "og:locale:alternate") == ["en_US"]
    assert meta_property(site.page("fr/2024/07/b/"), "og:locale:alternate") == []
    assert meta_property(site.page("ar/"), "og:locale") == ["ar_MA"]
    assert meta_property(site.page("ar/"), "og:locale:alternate") == ["fr_FR", "en_US"]


# --- hreflang and canonical -----------------------------------------------------------------------------------

def head_alternates(page: lxml_html.HtmlElement) -> dict[str, str]:
    return {link.get("hreflang"): link.get("href") for link in page.xpath("//head/link[@rel='alternate'][@hreflang]")}


def test_hreflang_is_consistent_across_page_kinds(example: Path):
    """Every page either lists all its versions (itself included) plus x-default for the default language's
    version, or, when it exists in one language only, no hreflang at all."""
    with_links = without = 0
    for name, path in example_pages(example).items():
        if name in ("index.html", "404.html"):
            continue
        page = lxml_html.fromstring(path.read_bytes())
        alternates = head_alternates(page)
        if not alternates:
            without += 1
            continue
        with_links += 1
        canonical = page.xpath("//link[@rel='canonical']/@href")[0]
        lang = name.split("/")[0]
        languages = {code for code in alternates if code != "x-default"}
        assert len(languages) >= 2, name
        assert alternates[lang] == canonical, name
        assert alternates.get("x-default") == alternates.get("fr"), name  # fr is the default language
    assert with_links > 10 and without > 10
    # a day that exists in English only: no hreflang (it used to list only itself, without x-default)
    assert head_alternates(lxml_html.fromstring((example / "en/2024/07/21/index.html").read_bytes())) == {}


def test_single_language_pages_of_every_kind_carry_no_hreflang(make_site):
    from helpers import BASE_CONFIG

    config = BASE_CONFIG.replace("  en: {title: Test Digest, locale: en_GB}\n", "").replace(
        "  ar: {title: موجز الاختبار, locale: ar}\n", "")
    site = make_site({"fr/2024/a.md": article("Titre", tags="[Irak]")}, config=config)
    site.build_ok()
    for path in ("fr/", "fr/tags/", "fr/tags/irak/", "fr/2024/07/a/", "fr/2024/07/16/", "fr/2024/07/", "fr/2024/"):
        assert head_alternates(site.page(path)) == {}, path
    sitemap = (site.output / "sitemap.xml").read_text(encoding="utf-8")
    assert "hreflang" not in sitemap


def test_sitemap_hreflang_matches_the_pages(example: Path):
    from lxml import etree

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    tree = etree.parse(str(example / "sitemap.xml"))
    base = "https://example.org/digest/"
    for url in tree.xpath("//s:url", namespaces=ns):
        loc = url.findtext("s:loc", namespaces=ns)
        in_sitemap = {link.get("hreflang"): link.get("href") for link in url.xpath("x:link", namespaces=ns)}
        page = lxml_html.fromstring((example / unquote(loc.removeprefix(base)) / "index.html").read_bytes())
        assert in_sitemap == head_alternates(page), loc


def test_404_and_root_redirect_carry_noindex_and_no_canonical(example: Path):
    for name in ("404.html", "index.html"):
        page = lxml_html.fromstring((example / name).read_bytes())
        assert page.xpath("//head/meta[@name='robots']/@content") == ["noindex"], name
        assert page.xpath("//link[@rel='canonical']") == [], name
    home = lxml_html.fromstring((example / "fr/index.html").read_bytes())
    assert home.xpath("//link[@rel='canonical']/@href") == ["https://example.org/digest/fr/"]


# --- feeds ----------------------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def entry_links(feed_file: Path) -> dict[str, list[str]]:
    """Every href and src in the HTML content of each entry (read with lxml, not feedparser, which would
    resolve relative links itself), by entry id."""
    from lxml import etree

    links = {}
    for entry in etree.parse(str(feed_file)).getroot().iter(f"{ATOM}entry"):
        content = entry.findtext(f"{ATOM}content") or ""
        body = lxml_html.fragment_fromstring(content, create_parent="div") if content.strip() else None
        links[entry.findtext(f"{ATOM}id")] = [] if body is None else body.xpath("//@href | //@src")
    return links


def test_feed_entries_carry_no_relative_links(make_site):
    body = """
    A note[^1], a [link](b.md), a [site](https://example.com/x), ![chart](chart.png),
    a [mail](mailto:a@example.org) and [a section](#suite).

    [^1]: The note.
    """
    site = make_site({"fr/2024/a.md": article("A", body=body), "fr/2024/b.md": article("B"),
                      "fr/2024/chart.png": b"png"})
    site.build_ok()
    page = "https://example.org/sub/fr/2024/07/a/"
    links = entry_links(site.output / "fr/feed.xml")[page]
    assert links == [f"{page}#fn1", "https://example.org/sub/fr/2024/07/b/", "https://example.com/x",
                     f"{page}chart.png", "mailto:a@example.org", f"{page}#suite", f"{page}#fnref1"]
    # the page itself keeps its short links
    assert site.page("fr/2024/07/a/").xpath("//*[contains(@class,'article-body')]//a[@href='#fn1']")


def test_example_feeds_have_only_absolute_links(example: Path):
    checked = 0
    for feed in sorted(example.rglob("*.xml")):
        if feed.name in ("sitemap.xml", "news-sitemap.xml"):
            continue
        for links in entry_links(feed).values():
            for link in links:
                assert re.match(r"(https?|mailto):", link), f"{feed.relative_to(example)}: {link}"
                checked += 1
    assert checked > 20


# --- bylines and credits --------------------------------------------------------------------------------------

def test_author_is_shown_on_the_article_page_and_in_its_cards(make_site):
    site = make_site({"fr/2024/a.md": article("Titre", author="Jeanne Dupont", tags="[Irak]", source="Le Monde"),
                      "en/2024/a.md": article("Title", author="Jane Doe"),
                      "ar/2024/a.md": article("عنوان", author="'سارة أحمد'"),
                      "fr/2024/b.md": article("Sans auteur", date="2024-07-15")})
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert texts(page, "//article[contains(@class,'article')]//*[@class='byline']/*[@class='author']") == [
        "Par Jeanne Dupont"]
    for path in ("fr/", "fr/tags/irak/", "fr/2024/07/16/"):
        card = site.page(path).xpath("//article[contains(@class,'card')][.//a[@href='/sub/fr/2024/07/a/']]")[0]
        assert texts(card, ".//*[@class='author']") == ["Par Jeanne Dupont"], path
    assert texts(site.page("en/2024/07/a/"), "//*[@class='byline']/*[@class='author']") == ["By Jane Doe"]
    assert texts(site.page("ar/2024/07/a/"), "//*[@class='byline']/*[@class='author']") == ["بقلم سارة أحمد"]
    assert site.page("fr/2024/07/b/").xpath("//*[@class='author']") == []


def test_author_that_is_not_text_is_an_error_at_its_line(make_site):
    site = make_site({"fr/2024/a.md": article("Titre", author="[Jeanne, Paul]")})
    result = site.build()
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["content/fr/2024/a.md:4: 'author' must be text, not list"]
    assert not site.output.exists()


@pytest.mark.parametrize(("lang", "credit", "shown"), [
    ("fr", "AFP", "Photo : AFP"),
    ("fr", "Photo : AFP", "Photo : AFP"),
    ("fr", "photo: AFP", "photo: AFP"),
    ("fr", "Illustration : L'Écho", "Illustration : L'Écho"),
    ("fr", "Photographe inconnu", "Photo : Photographe inconnu"),
    ("en", "Photo: Jane Doe / Reuters", "Photo: Jane Doe / Reuters"),
    ("en", "Reuters", "Photo: Reuters"),
    ("ar", "رويترز", "الصورة: رويترز"),
    ("ar", "تصوير: رويترز", "تصوير: رويترز"),
    ("ar", "الصورة: رويترز", "الصورة: رويترز"),
])
def test_a_credit_that_starts_with_its_label_is_not_labelled_twice(make_site, lang: str, credit: str, shown: str):
    site = make_site({f"{lang}/2024/a.md": article("T", image=f'{{caption: Légende, credit: "{credit}"}}')})
    site.build_ok()
    assert texts(site.page(f"{lang}/2024/07/a/"), "//figcaption/*[@class='credit']") == [shown]


def test_example_site_shows_every_credit_once(example: Path):
    credits = []
    for path in example_pages(example).values():
        credits += texts(lxml_html.fromstring(path.read_bytes()), "//figcaption/*[@class='credit']")
    assert len(credits) > 20
    for credit in credits:
        assert not re.match(r"(Photo|الصورة) ?: ?(Photo|تصوير|الصورة) ?:", credit), credit
    assert "Photo : Gazette des Alpes / M. Reynaud" in credits
    assert "Illustration : L'Écho des Vallées" in credits


def test_example_content_credits_carry_no_photo_label():
    for file in sorted((REPO / "content").rglob("*.md")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("credit:"):
                assert not re.match(r'credit: "?(Photo|تصوير|الصورة) ?:', line.strip()), f"{file}: {line}"
