"""Rebuilds after a change (what `digest build` and `digest serve` do on every change) give exactly the
output of a clean build.

Each test builds a site once with a persistent Builder, changes its input, builds again (an edit that
keeps every outline rewrites only what shows it, in place; other changes plan the whole site), and
compares the result, file by file and byte by byte, with a clean build of the same input into another
folder. Only pages whose inputs changed may be rewritten.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from digest.build import Builder, BuildResult, build
from digest.errors import SiteError

from helpers import BASE_CONFIG, REPO, Site, article, site_tree, texts, tree

MakeSite = Callable[..., Site]
BASE_URL = "https://example.org/sub/"

ARTICLES = {
    "fr/2024/ain.md": article("Irak : drones sur Ain al-Asad", tags="[Irak, États-Unis]", translation_key="ain",
                              related="[retrait]", image="{src: photo.jpg, caption: La base, credit: AFP}",
                              body="Deux drones ont visé la base."),
    "fr/2024/photo.jpg": b"\xff\xd8\xff first photo bytes",
    "fr/2024/retrait.md": article("Retrait des forces", date="2024-07-15T09:00:00+02:00", tags="[Irak]",
                                  translation_key="retrait", related="[ain]"),
    "fr/2024/gaza.md": article("Gaza : une trêve", date="2024-07-14T08:00:00+02:00", tags="[Gaza]",
                               section="International"),
    "fr/2024/liban.md": article("Liban : tensions", date="2024-07-10T08:00:00+02:00", tags="[Liban]",
                                body="Voir aussi [Gaza](gaza.md)."),
    "fr/2023/ancien.md": article("Un ancien article", date="2023-12-01T08:00:00+01:00", tags="[Archives]"),
    "fr/2023/vieux.md": article("Un vieil article", date="2023-11-20T08:00:00+01:00", tags="[Archives]"),
    "en/ain.md": article("Iraq: drones over Ain al-Asad", translation_key="ain", tags="[Iraq]"),
    "en/retrait.md": article("Withdrawal of forces", date="2024-07-15T09:00:00+02:00", translation_key="retrait",
                             related="[ain, 2024/gaza]"),
    "ar/ain.md": article("العراق: طائرات مسيرة فوق عين الأسد", translation_key="ain", tags="[العراق]"),
}

# Pages that a change to the French article "ain" (title, body) must not touch.
UNRELATED = ["fr/2023/12/ancien/index.html", "fr/2023/11/vieux/index.html", "fr/tags/archives/index.html",
             "fr/tags/gaza/index.html", "fr/tags/liban/index.html", "fr/tags/archives/feed.xml",
             "fr/page/2/index.html", "en/tags/iraq/index.html", "404.html", "robots.txt"]


class Incremental:
    """A site built once into incremental/ by a Builder that is kept for rebuilds."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.root / "config.yaml"
        self.output = site.root / "incremental"
        self.builder = Builder(self.config, output_dir=self.output, base_url=BASE_URL, persistent=True)
        self.first = self.builder.build()

    def write(self, relative: str, text: str | bytes) -> Path:
        return self.site.write(relative, text)

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.site.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def rebuild(self) -> BuildResult:
        return self.builder.build()

    def stamps(self, files: list[str]) -> dict[str, tuple[int, int]]:
        return {name: (stat.st_ino, stat.st_mtime_ns) for name in files if (stat := (self.output / name).stat())}

    def page(self, relative: str) -> lxml_html.HtmlElement:
        return lxml_html.fromstring((self.output / relative).read_bytes())

    def assert_equals_clean_build(self) -> None:
        clean = self.site.root / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build(self.config, output_dir=clean, base_url=BASE_URL)
        got, want = site_tree(self.output, folders=True), site_tree(clean, folders=True)
        stale = sorted(set(got) - set(want))
        missing = sorted(set(want) - set(got))
        different = sorted(name for name in set(got) & set(want) if got[name] != want[name])
        assert (stale, missing, different) == ([], [], []), (
            f"incremental output differs from a clean build: stale files and folders {stale}, missing {missing}, "
            f"different bytes {different}")


@pytest.fixture
def site(make_site: MakeSite) -> Incremental:
    return Incremental(make_site(ARTICLES))


def test_first_build_and_a_rebuild_without_change(site: Incremental) -> None:
    assert site.first.written == site.first.files > 40
    site.assert_equals_clean_build()
    before = site.stamps(sorted(tree(site.output)))
    result = site.rebuild()
    assert result.files == site.first.files
    assert result.written == 0
    assert site.stamps(sorted(before)) == before
    site.assert_equals_clean_build()


def test_title_edit_updates_every_page_that_shows_it(site: Incremental) -> None:
    unrelated = site.stamps(UNRELATED)
    site.edit("content/fr/2024/ain.md", "Irak : drones sur Ain al-Asad", "Irak : nouvelle attaque de drones")
    result = site.rebuild()
    site.assert_equals_clean_build()

    new = "Irak : nouvelle attaque de drones"
    assert texts(site.page("fr/2024/07/ain/index.html"), "//h1") == [new]
    for page in ["fr/index.html", "fr/tags/irak/index.html", "fr/tags/etats-unis/index.html",
                 "fr/2024/07/retrait/index.html"]:  # its card in the lists, its "Read also" link
        links = [link for link in site.page(page).xpath("//main//a") if " ".join(link.text_content().split()) == new]
        assert [link.get("href") for link in links] == ["/sub/fr/2024/07/ain/"], page
    for page in ["en/2024/07/ain/index.html", "ar/2024/07/ain/index.html"]:  # the link to the translation
        assert site.page(page).xpath("//a[@hreflang='fr' and @href='/sub/fr/2024/07/ain/']"), page
    for feed in ["fr/feed.xml", "fr/tags/irak/feed.xml"]:
        entries = feedparser.parse((site.output / feed).read_bytes()).entries
        assert [entry.title for entry in entries if entry.link.endswith("/fr/2024/07/ain/")] == [new], feed

    assert 0 < result.written < result.files / 3, f"{result.written} of {result.files} files rewritten"
    assert site.stamps(UNRELATED) == unrelated, "pages that do not show the article were rewritten"


def test_body_edit_rewrites_few_files(site: Incremental) -> None:
    unrelated = site.stamps([*UNRELATED, "en/2024/07/retrait/index.html"])
    site.edit("content/fr/2024/ain.md", "Deux drones ont visé la base.", "Trois drones ont visé la base.")
    result = site.rebuild()
    site.assert_equals_clean_build()
    assert texts(site.page("fr/2024/07/ain/index.html"), "//div[@class='article-body']/p") == [
        "Trois drones ont visé la base."]
    assert 0 < result.written < result.files / 3, f"{result.written} of {result.files} files rewritten"
    assert site.stamps(list(unrelated)) == unrelated


def test_date_change_moves_the_article_to_another_url_and_page(site: Incremental) -> None:
    # gaza moves from July 2024 to March 2022: a new year and month, a new place in the lists;
    # liban's body link to it must follow, and its old page, edition and month must go.
    site.edit("content/fr/2024/gaza.md", "2024-07-14T08:00:00+02:00", "2022-03-05T08:00:00+01:00")
    site.rebuild()
    site.assert_equals_clean_build()
    assert not (site.output / "fr/2024/07/gaza").exists()
    assert (site.output / "fr/2022/03/gaza/index.html").is_file()
    links = site.page("fr/2024/07/liban/index.html").xpath("//div[@class='article-body']//a/@href")
    assert "/sub/fr/2022/03/gaza/" in links


def test_date_change_within_the_month_reorders_lists(site: Incremental) -> None:
    site.edit("content/fr/2024/liban.md", "2024-07-10T08:00:00+02:00", "2024-07-20T08:00:00+02:00")
    site.rebuild()
    site.assert_equals_clean_build()


def test_renaming_an_article_file_moves_its_url(site: Incremental) -> None:
    os.rename(site.site.root / "content/fr/2024/liban.md", site.site.root / "content/fr/2024/liban-tensions.md")
    site.rebuild()
    assert not (site.output / "fr/2024/07/liban").exists()
    assert (site.output / "fr/2024/07/liban-tensions/index.html").is_file()
    site.assert_equals_clean_build()


def test_deleting_an_article_leaves_no_stale_file(site: Incremental) -> None:
    (site.site.root / "content/fr/2023/ancien.md").unlink()
    (site.site.root / "content/fr/2023/vieux.md").unlink()
    site.rebuild()
    site.assert_equals_clean_build()
    # the whole year, its tag (page and feed) and its archive pages are gone
    assert not (site.output / "fr/2023").exists()
    assert not (site.output / "fr/tags/archives").exists()
    sitemap = etree.fromstring((site.output / "sitemap.xml").read_bytes())
    locations = sitemap.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    assert locations and not [url for url in locations if "/fr/2023/" in url or "/archives/" in url]


def test_deleting_a_translation(site: Incremental) -> None:
    (site.site.root / "content/ar/ain.md").unlink()
    site.rebuild()
    site.assert_equals_clean_build()
    assert not (site.output / "ar/2024").exists()


def test_adding_an_article(site: Incremental) -> None:
    site.write("content/fr/2024/nouveau.md", article("Un nouvel article", date="2024-07-17T08:00:00+02:00",
                                                     tags="[Irak, Nouveau]", translation_key="nouveau"))
    site.write("content/en/new.md", article("A new article", date="2024-07-17T08:00:00+02:00",
                                            translation_key="nouveau"))
    site.rebuild()
    site.assert_equals_clean_build()
    assert texts(site.page("fr/index.html"), "//main//article//h2")[0] == "Un nouvel article"  # the newest
    assert (site.output / "fr/tags/nouveau/feed.xml").is_file()


def test_adding_and_removing_a_tag(site: Incremental) -> None:
    # "Iraq" also exists in English: the English tag page's language switcher now finds a French one
    site.edit("content/fr/2024/gaza.md", "tags: [Gaza]", "tags: [Gaza, Iraq, Trêve]")
    site.rebuild()
    site.assert_equals_clean_build()
    assert (site.output / "fr/tags/treve/index.html").is_file()

    site.edit("content/fr/2024/gaza.md", "tags: [Gaza, Iraq, Trêve]", "tags: [Iraq]")
    site.rebuild()
    site.assert_equals_clean_build()
    assert not (site.output / "fr/tags/treve").exists()
    assert not (site.output / "fr/tags/gaza").exists()


def test_tag_spelling_change(site: Incremental) -> None:
    site.edit("content/fr/2024/retrait.md", "tags: [Irak]", "tags: [IRAK, irak]")
    site.rebuild()
    site.assert_equals_clean_build()


def test_related_change(site: Incremental) -> None:
    site.edit("content/fr/2024/retrait.md", "related: [ain]", "related: [ain, 2024/liban]")
    site.edit("content/fr/2024/liban.md", "title: 'Liban : tensions'", "title: 'Liban : vives tensions'")
    site.rebuild()
    site.assert_equals_clean_build()
    assert "Liban : vives tensions" in texts(site.page("fr/2024/07/retrait/index.html"), "//main//a")


def test_default_language_fallback_in_read_also(site: Incremental) -> None:
    # en/retrait "Read also" shows the French gaza article (there is no English one)
    site.edit("content/fr/2024/gaza.md", "Gaza : une trêve", "Gaza : la trêve tient")
    site.rebuild()
    site.assert_equals_clean_build()
    assert "Gaza : la trêve tient" in texts(site.page("en/2024/07/retrait/index.html"), "//main//a")


@pytest.fixture
def themed(make_site: MakeSite) -> Incremental:
    built = make_site(ARTICLES)
    built.write("templates/article.html", (REPO / "templates/article.html").read_text(encoding="utf-8"))
    return Incremental(built)


def test_template_change(themed: Incremental) -> None:
    themed.edit("templates/article.html", "<h1>{{ article.title }}</h1>",
                '<h1 class="changed">{{ article.title }}</h1>')
    result = themed.rebuild()
    themed.assert_equals_clean_build()
    assert themed.page("fr/2024/07/ain/index.html").xpath("//h1[@class='changed']")
    assert result.written > 0


def test_a_template_saved_again_unchanged_rewrites_no_file(themed: Incremental) -> None:
    """The inputs' stamp sees the template's new time (the site is planned again), but pages are keyed
    on the templates' bytes: not one file is written, and the build after finds nothing to do."""
    template = themed.site.root / "templates/article.html"
    before = themed.stamps(["fr/2024/07/ain/index.html", "fr/index.html"])
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 5_000_000_000))
    result = themed.rebuild()
    assert (result.kind, result.written) == ("full", 0)
    assert themed.stamps(["fr/2024/07/ain/index.html", "fr/index.html"]) == before
    assert themed.rebuild().kind == "unchanged"
    themed.assert_equals_clean_build()


def test_adding_a_template_override_and_a_theme_asset(site: Incremental) -> None:
    text = (REPO / "templates/article.html").read_text(encoding="utf-8")
    site.write("templates/article.html", text.replace("<h1>{{ article.title }}</h1>",
                                                      '<h1 class="override">{{ article.title }}</h1>'))
    site.write("templates/assets/extra.css", "body { color: red }\n")
    site.rebuild()
    site.assert_equals_clean_build()
    assert (site.output / "assets/extra.css").is_file()

    shutil.rmtree(site.site.root / "templates")
    site.rebuild()
    site.assert_equals_clean_build()
    assert not (site.output / "assets/extra.css").exists()


@pytest.mark.parametrize(("old", "new"), [
    ("per_page: 3", "per_page: 2"),
    ("per_page: 3", "per_page: 10"),
    ("en: {title: Test Digest, locale: en_GB}", "en: {title: Changed Digest, locale: en_GB}"),
    ("timezone: Europe/Paris", "timezone: Asia/Tokyo"),
], ids=["per_page-down", "per_page-up", "language-title", "timezone"])
def test_config_change(site: Incremental, old: str, new: str) -> None:
    assert old in BASE_CONFIG
    site.edit("config.yaml", old, new)
    site.rebuild()
    site.assert_equals_clean_build()


def test_adding_an_image(site: Incremental) -> None:
    site.write("content/fr/2024/gaza.png", b"\x89PNG\r\n\x1a\n fake png bytes")
    site.edit("content/fr/2024/gaza.md", "section: International",
              "section: International\nimage: {src: gaza.png, caption: Gaza, credit: AFP}")
    site.rebuild()
    site.assert_equals_clean_build()
    assert (site.output / "fr/2024/07/gaza/gaza.png").read_bytes().startswith(b"\x89PNG")


def test_replacing_an_image(site: Incremental) -> None:
    page = "fr/2024/07/ain/index.html"
    before = site.stamps([page])
    site.write("content/fr/2024/photo.jpg", b"\xff\xd8\xff the second photo, longer than the first")
    site.rebuild()
    site.assert_equals_clean_build()
    assert (site.output / "fr/2024/07/ain/photo.jpg").read_bytes().endswith(b"longer than the first")
    assert site.stamps([page]) == before, "the page did not change: it should not be rewritten"

    # same size, new bytes, a new file renamed over the old one
    replacement = site.site.root / "content/fr/2024/photo.new"
    replacement.write_bytes(b"\xff\xd8\xff the third photo, longer than the first")
    os.replace(replacement, site.site.root / "content/fr/2024/photo.jpg")
    site.rebuild()
    site.assert_equals_clean_build()
    assert (site.output / "fr/2024/07/ain/photo.jpg").read_bytes().startswith(b"\xff\xd8\xff the third")


def test_removing_an_image_reference(site: Incremental) -> None:
    site.edit("content/fr/2024/ain.md", "image: {src: photo.jpg, caption: La base, credit: AFP}",
              "image: {caption: La base, credit: AFP}")
    site.rebuild()
    site.assert_equals_clean_build()
    assert not (site.output / "fr/2024/07/ain/photo.jpg").exists()


def test_failed_build_leaves_output_alone_and_fix_equals_clean_build(site: Incremental) -> None:
    snapshot = tree(site.output, folders=True)
    site.edit("content/fr/2024/ain.md", "title: 'Irak : drones sur Ain al-Asad'", "title: a: b")
    site.edit("content/fr/2024/gaza.md", "Gaza : une trêve", "Gaza : une trêve fragile")  # valid, same build
    with pytest.raises(SiteError) as failed:
        site.rebuild()
    assert [str(p) for p in failed.value.problems] == [
        "content/fr/2024/ain.md:2: invalid YAML: mapping values are not allowed in this context "
        "(a colon followed by a space in a value: put the value in quotes)"]
    assert tree(site.output, folders=True) == snapshot, "a failed incremental build changed the output folder"

    site.edit("content/fr/2024/ain.md", "title: a: b", "title: 'Irak : drones, suite'")
    site.rebuild()
    site.assert_equals_clean_build()
    assert "Gaza : une trêve fragile" in texts(site.page("fr/index.html"), "//main//article//h2")


def test_failed_template_then_fix(themed: Incremental) -> None:
    snapshot = tree(themed.output, folders=True)
    themed.edit("templates/article.html", "<h1>{{ article.title }}</h1>", "<h1>{{ article.title }</h1>")
    themed.edit("content/fr/2024/gaza.md", "Gaza : une trêve", "Gaza : une trêve fragile")
    with pytest.raises(SiteError) as failed:
        themed.rebuild()
    assert any(str(p).startswith("templates/article.html:") for p in failed.value.problems), failed.value
    assert tree(themed.output, folders=True) == snapshot, "a failed incremental build changed the output folder"

    themed.edit("templates/article.html", "<h1>{{ article.title }</h1>", "<h1>{{ article.title }}</h1>")
    themed.rebuild()
    themed.assert_equals_clean_build()


def test_failed_config_then_fix(site: Incremental) -> None:
    snapshot = tree(site.output, folders=True)
    site.edit("config.yaml", "per_page: 3", "per_page: three")
    with pytest.raises(SiteError):
        site.rebuild()
    assert tree(site.output, folders=True) == snapshot
    site.edit("config.yaml", "per_page: three", "per_page: 2")
    site.rebuild()
    site.assert_equals_clean_build()


def test_many_changes_in_a_row(site: Incremental) -> None:
    """A preview session: every rebuild equals a clean build of the input of the moment."""
    site.edit("content/fr/2024/ain.md", "Irak : drones sur Ain al-Asad", "Irak : drones")
    site.rebuild()
    site.assert_equals_clean_build()
    site.write("content/fr/2024/extra.md", article("Extra", date="2024-07-16T10:00:00+02:00", tags="[Gaza]"))
    site.rebuild()
    site.assert_equals_clean_build()
    site.edit("content/fr/2024/extra.md", "2024-07-16T10:00:00+02:00", "2023-11-20T09:00:00+01:00")
    site.rebuild()
    site.assert_equals_clean_build()
    (site.site.root / "content/fr/2024/extra.md").unlink()
    site.rebuild()
    site.assert_equals_clean_build()
    site.edit("config.yaml", "per_page: 3", "per_page: 1")
    site.rebuild()
    site.assert_equals_clean_build()


def test_search_index_follows_edits(make_site: MakeSite) -> None:
    pytest.importorskip("pagefind_bin")
    assert "search: false" in BASE_CONFIG
    site = Incremental(make_site(ARTICLES, config=BASE_CONFIG.replace("search: false", "search: true")))
    assert (site.output / "pagefind/shards.json").is_file()
    site.edit("content/fr/2024/ain.md", "Irak : drones sur Ain al-Asad", "Irak : nouvelle attaque de drones")
    site.rebuild()
    site.assert_equals_clean_build()


def test_large_site_serial_incremental_equals_parallel_clean_build(make_site: MakeSite,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Big enough for the clean build to parse and write in forked workers; the incremental Builder stays serial."""
    monkeypatch.setenv("DIGEST_JOBS", "4")
    articles: dict[str, str | bytes] = dict(ARTICLES)
    for number in range(420):
        day = 1 + number % 28
        articles[f"fr/bulk/n{number:03}.md"] = article(
            f"Article numéro {number}", date=f"2022-{1 + number % 12:02}-{day:02}T08:00:00+01:00",
            tags=f"[Lot {number % 7}]", body=f"Paragraphe {number}.")
    site = Incremental(make_site(articles))
    assert site.first.files > 420
    site.edit("content/fr/bulk/n007.md", "Article numéro 7", "Article sept, modifié")
    (site.site.root / "content/fr/bulk/n100.md").unlink()
    result = site.rebuild()
    assert result.written < result.files / 10, f"{result.written} of {result.files} files rewritten"
    site.assert_equals_clean_build()


def test_the_parsed_articles_kept_read_back_the_same_and_pickling_them_leaves_their_texts_alone(make_site):
    """The article cache pickles each body as UTF-8 bytes: a str of non-ASCII text pickled as it is
    keeps a UTF-8 copy inside itself for as long as it lives (a build's main process held every French
    body twice). Read back, the articles are the ones parsed."""
    import sys

    from digest.config import load_config
    from digest.content import ArticleCache, load_articles

    site = make_site({"fr/2024/ete.md": article("L'été à Genève", body="Chaleur «record» à Genève : 38 °C. " * 40),
                      "fr/2024/ascii.md": article("Plain text", body="Nothing but ASCII.")})
    config = load_config(site.root / "config.yaml")
    cache = ArticleCache()
    parsed = load_articles(config, cache)
    sizes = [sys.getsizeof(a.body_html) + sys.getsizeof(a.summary) for a in parsed]
    folder = site.root / "kept"
    cache.save(folder)
    assert [sys.getsizeof(a.body_html) + sys.getsizeof(a.summary) for a in parsed] == sizes
    again = ArticleCache.load(folder)
    assert sorted(again.parsed().values(), key=lambda a: a.file) == sorted(parsed, key=lambda a: a.file)


def test_a_body_is_held_packed_and_reads_back_as_rendered(make_site):
    """A build holds every article in memory (and its forked renderers a copy of most of it): a body is
    held compressed, a fraction of its size as text, and reads back exactly as Markdown rendered it."""
    import sys

    from digest.config import load_config
    from digest.content import ArticleCache, load_articles

    body = "Chaleur « record » à Genève : 38 °C, l’été s’installe.\n\n" * 60 + "Fin, 😀."
    site = make_site({"fr/2024/ete.md": article("L'été à Genève", body=body)})
    parsed = load_articles(load_config(site.root / "config.yaml"), ArticleCache())
    (only,) = parsed
    assert only.body_html.startswith("<p>Chaleur « record » à Genève : 38 °C, l’été s’installe.</p>\n")
    assert only.body_html.endswith("<p>Fin, 😀.</p>\n")
    assert sys.getsizeof(only.body_packed) * 4 < sys.getsizeof(only.body_html)
    site.build_ok()
    page = site.output / only.url.strip("/") / "index.html"
    assert page.read_text().count("l’été s’installe.</p>") == 60
