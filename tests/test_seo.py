"""What validators and search engines read: meta descriptions, Open Graph, JSON-LD, hreflang, feeds, markup."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from digest.cli import main

from helpers import REPO, article

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
