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
    for name in ("config.yaml", "content", "templates", "images"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, site / name)
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


# --- meta descriptions ----------------------------------------------------------------------------------------

def description(page: lxml_html.HtmlElement) -> list[str]:
    return page.xpath("//head/meta[@name='description']/@content")


def test_every_page_has_its_own_meta_description(example: Path):
    seen: dict[str, str] = {}
    for name, path in example_pages(example).items():
        page = lxml_html.fromstring(path.read_bytes())
        found = description(page)
        assert len(found) == 1 and found[0].strip(), name
        if name != "index.html":  # the root redirect (noindex) describes the default language's home
            assert found[0] not in seen, f"{name} and {seen.get(found[0])} share a description"
            seen[found[0]] = name
        og = page.xpath("//head/meta[@property='og:description']/@content")
        assert og in ([], found), name
    assert len(seen) > 100


@pytest.mark.parametrize(("path", "expected"), [
    ("fr/", "L’essentiel de l’actualité régionale et internationale, chaque jour, en bref."),
    ("en/", "The day’s regional and world news, in brief."),
    ("en/page/2/", "The day’s regional and world news, in brief – Page 2 of 3"),
    ("ar/", "أهم الأخبار المحلية والدولية كل يوم باختصار."),
    ("fr/tags/", "Tous les mots-clés de Revue de presse, avec leur nombre d’articles."),
    ("en/tags/transport/", "Articles tagged Transport in News Digest: 3 articles."),
    ("fr/2024/07/16/", "Revue de presse, édition du 16 juillet 2024 : 2 articles."),
    ("en/2024/07/", "News Digest, editions of July 2024: 10 articles."),
    ("en/2024/", "News Digest, archive of 2024: 11 articles."),
    ("404.html", "La page demandée n’existe pas ou a été déplacée."),
])
def test_descriptions_are_localized_and_page_specific(example: Path, path: str, expected: str):
    file = example / (path if path.endswith(".html") else path + "index.html")
    assert description(lxml_html.fromstring(file.read_bytes())) == [expected]


def test_description_falls_back_from_language_to_site_to_a_sentence(make_site):
    from helpers import BASE_CONFIG

    config = BASE_CONFIG.replace("  fr: {title: Revue de test, locale: fr_FR}",
                                 "  fr: {title: Revue de test, locale: fr_FR, description: Les nouvelles du jour}")
    site = make_site({"fr/2024/a.md": article("A"), "en/2024/a.md": article("A")}, config=config)
    site.build_ok()
    assert description(site.page("fr/")) == ["Les nouvelles du jour"]
    assert description(site.page("en/")) == ["The latest news from Test Digest, in brief."]
    assert description(site.page("ar/")) == ["موجز الاختبار: آخر الأخبار باختصار."]
    site.write("config.yaml", config + "description: A digest for tests\n")
    site.build_ok()
    assert description(site.page("fr/")) == ["Les nouvelles du jour"]
    assert description(site.page("en/")) == ["A digest for tests"]
    assert description(site.page("ar/")) == ["A digest for tests"]
    assert description(site.page("")) == ["Les nouvelles du jour"]  # the root redirect: the default language's


# --- structured data and Open Graph images --------------------------------------------------------------------

def json_ld(page: lxml_html.HtmlElement) -> dict:
    import json

    scripts = page.xpath("//script[@type='application/ld+json']")
    assert len(scripts) == 1
    return json.loads(scripts[0].text)


def png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


IMAGES_CONFIG = "logo: images/logo.png\ndefault_image: images/share.png\n"


@pytest.fixture
def pictured_site(make_site):
    from helpers import BASE_CONFIG

    site = make_site({
        "fr/2024/photo.md": article("Avec photo", image="{src: photo.png, caption: Légende, alt: Le port}",
                                    source="{name: Le Courrier, url: 'https://example.com/courrier/1'}",
                                    updated="2024-07-17T10:00:00+02:00"),
        "fr/2024/photo.png": png(1600, 900),
        "fr/2024/auteur.md": article("Sans photo", author="Jeanne Dupont", source="Le Courrier"),
        "fr/2024/source.md": article("Source seule", source="{name: Le Courrier, url: 'https://example.com/c/2'}"),
        "fr/2024/rien.md": article("Ni source ni auteur"),
    }, config=BASE_CONFIG + IMAGES_CONFIG + "social_cards: false\n")  # cards: see test_social_cards.py
    site.write("images/logo.png", png(600, 60))
    site.write("images/share.png", png(1200, 675))
    site.build_ok()
    return site


def test_logo_and_default_image_are_copied_to_the_output(pictured_site):
    site = pictured_site
    assert (site.output / "images/logo.png").read_bytes() == (site.root / "images/logo.png").read_bytes()
    assert (site.output / "images/share.png").read_bytes() == (site.root / "images/share.png").read_bytes()


def test_json_ld_publisher_has_the_logo(pictured_site):
    data = json_ld(pictured_site.page("fr/2024/07/rien/"))
    assert data["@type"] == "NewsArticle"
    assert data["publisher"] == {
        "@type": "Organization", "name": "Revue de test", "url": "https://example.org/sub/fr/",
        "logo": {"@type": "ImageObject", "url": "https://example.org/sub/images/logo.png", "width": 600,
                 "height": 60}}


def test_every_article_has_an_image_its_photo_else_the_default_without_cards(pictured_site):
    site = pictured_site
    photo = site.page("fr/2024/07/photo/")
    assert json_ld(photo)["image"] == ["https://example.org/sub/fr/2024/07/photo/photo.png"]
    assert meta_property(photo, "og:image") == ["https://example.org/sub/fr/2024/07/photo/photo.png"]
    assert meta_property(photo, "og:image:width") == ["1600"]
    assert meta_property(photo, "og:image:height") == ["900"]
    assert meta_property(photo, "og:image:alt") == ["Le port"]
    for slug in ("auteur", "source", "rien"):
        page = site.page(f"fr/2024/07/{slug}/")
        assert json_ld(page)["image"] == ["https://example.org/sub/images/share.png"], slug
        assert meta_property(page, "og:image") == ["https://example.org/sub/images/share.png"], slug
        assert meta_property(page, "og:image:width") == ["1200"]
        assert meta_property(page, "og:image:height") == ["675"]
        assert page.xpath("//meta[@name='twitter:card']/@content") == ["summary_large_image"]
    # other pages share the default image too
    assert meta_property(site.page("fr/"), "og:image") == ["https://example.org/sub/images/share.png"]


def test_remote_photo_has_no_size_but_is_the_image(make_site):
    site = make_site({"fr/2024/a.md": article("A", image="https://cdn.example.com/p.jpg")})
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert json_ld(page)["image"] == ["https://cdn.example.com/p.jpg"]
    assert meta_property(page, "og:image") == ["https://cdn.example.com/p.jpg"]
    assert meta_property(page, "og:image:width") == []
    assert "logo" not in json_ld(page)["publisher"]


def test_author_is_the_source_with_its_url_else_the_publisher(pictured_site):
    """Google's NewsArticle guidelines: an author with a url that identifies it. A byline or a source given by
    name only has none: the digest, as publisher, is the author (the byline stays on the page)."""
    site = pictured_site
    publisher = {"@type": "Organization", "name": "Revue de test", "url": "https://example.org/sub/fr/"}
    assert json_ld(site.page("fr/2024/07/auteur/"))["author"] == publisher
    assert json_ld(site.page("fr/2024/07/source/"))["author"] == {
        "@type": "Organization", "name": "Le Courrier", "url": "https://example.com/c/2"}
    assert json_ld(site.page("fr/2024/07/photo/"))["author"] == {
        "@type": "Organization", "name": "Le Courrier", "url": "https://example.com/courrier/1"}
    assert json_ld(site.page("fr/2024/07/rien/"))["author"] == publisher


def test_modified_time_whenever_updated_is_set(pictured_site):
    site = pictured_site
    page = site.page("fr/2024/07/photo/")
    assert meta_property(page, "article:modified_time") == ["2024-07-17T10:00:00+02:00"]
    assert json_ld(page)["dateModified"] == "2024-07-17T10:00:00+02:00"
    assert meta_property(site.page("fr/2024/07/rien/"), "article:modified_time") == []


def test_example_articles_have_complete_news_article_data(example: Path):
    checked = 0
    for name, path in example_pages(example).items():
        page = lxml_html.fromstring(path.read_bytes())
        if page.xpath("//meta[@property='og:type']/@content") != ["article"]:
            continue
        data = json_ld(page)
        for key in ("headline", "image", "datePublished", "dateModified", "author", "publisher"):
            assert data.get(key), f"{name}: {key}"
        assert data["publisher"]["logo"]["url"] == "https://example.org/digest/images/logo.png"
        assert data["author"]["@type"] in ("Person", "Organization")
        assert data["author"]["name"] and data["author"]["url"].startswith("https://"), name
        if data["author"]["url"].startswith("https://example.org/digest/"):  # not the source: the publisher
            assert data["author"] == {k: v for k, v in data["publisher"].items() if k != "logo"}, name
        assert meta_property(page, "og:image"), name
        checked += 1
    assert checked >= 30


# --- config errors for the new keys ---------------------------------------------------------------------------

CONFIG_LINE = re.compile(r"^.*config\.yaml:(\d+): (.+)$")


@pytest.mark.parametrize(("extra", "files", "message"), [
    ("logo: images/nope.png", {}, r"^'logo': file not found: 'images/nope.png' \(looked for .*images/nope\.png\)$"),
    ("default_image: share.jpg", {}, r"^'default_image': file not found: 'share.jpg'"),
    ("logo: [a.png]", {}, r"^'logo' must be the path of an image file in the site folder, such as logo.png, "
                          r"not a list$"),
    ("logo: ../outside.png", {}, r"^'logo' must be inside the site folder, not '../outside.png'$"),
    ("logo: /etc/logo.png", {}, r"^'logo' must be a path relative to the site folder"),
    ("default_image: https://cdn.example.com/x.png", {}, r"^'default_image' must be a path relative to the site"),
    ("logo: fr/logo.png", {"fr/logo.png": b"x"}, r"^'logo' cannot be in fr/: the build writes that folder"),
    ("logo: notes.txt", {"notes.txt": b"x"}, r"^'logo' must be an image file \(.png, .jpg"),
    ("logo: fake.png", {"fake.png": b"not a png"}, r"^'logo': 'fake.png' is not an image digest can read$"),
    ("description: [a, b]", {}, r"^'description' must be a string, not a list$"),
])
def test_bad_image_and_description_keys_are_errors_at_their_line(make_site, extra: str, files: dict, message: str):
    from helpers import BASE_CONFIG

    config = BASE_CONFIG + extra + "\n"
    site = make_site({"fr/2024/a.md": article("A")}, config=config)
    for relative, data in files.items():
        site.write(relative, data)
    result = site.build()
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    match = CONFIG_LINE.match(lines[0])
    assert match, lines[0]
    assert int(match[1]) == config.splitlines().index(extra) + 1
    assert re.search(message, match[2]), match[2]
    assert not site.output.exists()


def test_language_description_must_be_text(make_site):
    from helpers import BASE_CONFIG

    config = BASE_CONFIG.replace("  en: {title: Test Digest, locale: en_GB}",
                                 "  en:\n    title: Test Digest\n    description: {a: b}")
    site = make_site({"fr/2024/a.md": article("A")}, config=config)
    result = site.build()
    assert result.exit_code == 1
    match = CONFIG_LINE.match(result.output.strip())
    assert match and match[2] == "'languages.en.description' must be a string, not a mapping", result.output
    assert int(match[1]) == config.splitlines().index("    description: {a: b}") + 1
