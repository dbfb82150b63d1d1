"""The example site in real headless Chromium: navigation, search, accessibility (axe), screenshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from browser import built_and_served, chromium
from helpers import REPO

ARTIFACTS = REPO / "test-artifacts"
PREFIX = "/digest/"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    """The example site built for and served under http://127.0.0.1:<port>/digest/."""
    root = tmp_path_factory.mktemp("served")
    site = tmp_path_factory.mktemp("site")
    for name in ("config.yaml", "content", "templates", "images"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, site / name)
    with built_and_served(site / "config.yaml", root, PREFIX) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def new_page(browser, width: int = 1280, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.errors = errors
    return page


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_reader_journey(browser, served: str, lang: str):
    page = new_page(browser)
    page.goto(served + f"{lang}/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    # follow the first article that has translations
    page.locator(".card-title a").first.click()
    page.wait_for_load_state()
    assert page.locator("article h1").count() == 1
    assert page.locator("article time").count() >= 1
    other = next(code for code in ("fr", "en", "ar") if code != lang)
    switch = page.locator(f".language-switcher a[hreflang='{other}']")
    switch.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    page.go_back()
    # a tag page, then its page 2 when it has one; else the home's page 2
    page.goto(served + f"{lang}/tags/")
    page.locator(".tag-index a").first.click()
    page.wait_for_load_state()
    assert page.locator(".card").count() >= 1
    page.goto(served + f"{lang}/")
    page.locator(".pagination a[rel='next']").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{lang}/page/2/")
    assert page.locator(".card").count() >= 1
    # search in the page's language and open a result
    word = {"fr": "glacier", "en": "glacier", "ar": "النهر"}[lang]
    page.fill("#search-input", word)
    first = page.locator(".search-results li a").first
    first.wait_for(timeout=10_000)
    href = first.get_attribute("href")
    assert href.startswith(f"{PREFIX}{lang}/")
    first.click()
    page.wait_for_load_state()
    assert page.url.endswith(href.removeprefix(PREFIX))
    assert page.errors == []


PAGE_TYPES = {
    "home": "{lang}/",
    "article": "{lang}/2024/07/observatoire-solaire-pic/",
    "tag": "{lang}/tags/",
    "edition": "{lang}/2024/07/16/",
    "month": "{lang}/2024/07/",
    "not-found": "404.html",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_no_serious_accessibility_violations(browser, served: str, kind: str, scheme: str):
    from axe_playwright_python.sync_playwright import Axe

    for lang in ("fr", "ar"):
        page = new_page(browser, scheme=scheme)
        page.goto(served + PAGE_TYPES[kind].format(lang=lang))
        results = Axe().run(page)
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{kind} ({lang}, {scheme}): {serious}"
        page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots(browser, served: str, width: int):
    ARTIFACTS.mkdir(exist_ok=True)
    for lang in ("fr", "ar"):
        for kind in ("home", "article"):
            page = new_page(browser, width=width)
            page.goto(served + PAGE_TYPES[kind].format(lang=lang))
            path = ARTIFACTS / f"{kind}-{lang}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
            # nothing overflows the viewport sideways (a common mobile bug)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.close()


def test_home_page_weighs_under_60_kb(browser, served: str):
    page = new_page(browser)
    sizes: dict[str, int] = {}

    def record(response) -> None:
        kind = response.request.resource_type
        if kind in ("document", "stylesheet", "script") and "/pagefind/" not in response.url:
            sizes[response.url] = len(response.body())

    page.on("response", record)
    page.goto(served + "fr/")
    page.wait_for_load_state("networkidle")
    assert sum(sizes.values()) < 60_000, sizes
    assert any(url.endswith(".css") for url in sizes)


def test_reads_without_javascript(browser, served: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "fr/2024/07/observatoire-solaire-pic/")
    assert page.locator("article h1").is_visible()
    assert page.locator("form[role=search]").is_hidden()  # the search box needs scripts: it stays hidden
    context.close()


def test_search_after_an_edit_finds_the_edit_once_and_never_the_old_version(browser, make_site, tmp_path):
    """An edit build puts the edited article in a recent shard: the search box finds its new words, shows
    it once with its new title, never its old version, and still shows a full first page of results."""
    from digest.build import Builder

    from helpers import BASE_CONFIG, article

    articles = {f"fr/2024/glacier-{n:02}.md": article(f"Glacier numéro {n}", body=f"Le glacier {n} recule.")
                for n in range(12)}
    articles["fr/2024/glacier-00.md"] = article("Le glacier ancien", body="Le glacier Vieuxtemps recule.")
    site = make_site(articles, config=BASE_CONFIG.replace("search: false", "search: true"))
    root = tmp_path / "served"
    with built_and_served(site.root / "config.yaml", root, PREFIX) as base:
        site.write("content/fr/2024/glacier-00.md", article("Le glacier nouveau", body="Le glacier Moraine recule."))
        # An edit build as `digest serve` makes it (the edit goes into the recent shard).
        result = Builder(site.root / "config.yaml", output_dir=root / PREFIX.strip("/"), base_url=base,
                         persistent=True, recent_search=True).build()
        assert result.kind == "edit"
        assert (root / PREFIX.strip("/") / "pagefind/fr-recent").is_dir()  # (the edit is in the recent shard)
        page = new_page(browser)
        page.goto(base + "fr/")

        def search(word: str, done: str) -> list[str]:
            """The titles the box lists for `word`, once the script-side condition `done` holds."""
            page.fill("#search-input", word)
            page.wait_for_function(done, timeout=10_000)
            return page.locator(".search-results li a").all_text_contents()

        count = "document.querySelectorAll('.search-results li').length"
        titles = search("glacier", f"{count} >= 9 && {count} !== 1")
        page.wait_for_timeout(500)
        titles = page.locator(".search-results li a").all_text_contents()
        # a full page of ten: the superseded record is dropped before the first ten are taken
        assert len(titles) == 10 and len(set(titles)) == 10, titles
        assert "Le glacier ancien" not in titles
        assert search("Moraine", f"{count} === 1") == ["Le glacier nouveau"]
        none = "document.querySelector('.search-status').textContent !== ''"
        assert search("Vieuxtemps", none) == []
        assert page.errors == []
