"""The default theme's layout in real headless Chromium: list markers and alignment, read from computed styles
and bounding boxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from browser import built_and_served, chromium
from helpers import BASE_CONFIG, Site, article

PREFIX = "/digest/"
ARTICLES = {
    "fr/2024/a.md": article("Titre", tags="[Irak, Drones]", author="Jeanne Dupont"),
    "ar/2024/a.md": article("عنوان", tags="[العراق, اقتصاد]"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small site built for and served under http://127.0.0.1:<port>/digest/."""
    site = Site(tmp_path_factory.mktemp("site"))
    site.write("config.yaml", BASE_CONFIG.replace("search: false", "search: true"))
    for relative, text in ARTICLES.items():
        site.write(f"content/{relative}", text)
    root = tmp_path_factory.mktemp("served")
    with built_and_served(site.root / "config.yaml", root, PREFIX) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


@pytest.fixture
def open_page(browser, served: str) -> Iterator[Callable[[str, int], object]]:
    pages = []

    def open_(path: str, width: int = 1600) -> object:
        page = browser.new_page(viewport={"width": width, "height": 900})
        pages.append(page)
        page.goto(served + path)
        return page

    yield open_
    for page in pages:
        page.close()


LIST_STYLE = "el => getComputedStyle(el).listStyleType"
BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.width]; }"
CONTENT_BOX = """el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return [r.left + parseFloat(s.paddingLeft) + parseFloat(s.borderLeftWidth),
          r.right - parseFloat(s.paddingRight) - parseFloat(s.borderRightWidth)]; }"""


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_tag_and_share_lists_show_no_bullets(open_page, lang: str):
    page = open_page(f"{lang}/2024/07/a/")
    for selector in (".tags ul", ".tags li", ".share ul", ".share li"):
        items = page.locator(selector)
        assert items.count() >= 1, selector
        for index in range(items.count()):
            assert items.nth(index).evaluate(LIST_STYLE) == "none", selector
    # still laid out as a row of pills starting at the column's edge
    tags_list, first_tag = page.locator(".tags ul"), page.locator(".tags li").first
    edge = 0 if lang == "fr" else 1  # left edge in LTR, right edge in RTL
    assert abs(tags_list.evaluate(BOX)[edge] - first_tag.evaluate(BOX)[edge]) < 1


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("width", [1600, 600])
def test_footer_links_line_up_with_the_footer_title(open_page, lang: str, width: int):
    page = open_page(f"{lang}/", width)
    title_left, title_right, title_width = page.locator(".site-footer > p").evaluate(BOX)
    links_left, links_right, links_width = page.locator(".site-footer > ul").evaluate(BOX)
    assert abs(title_left - links_left) < 1 and abs(title_right - links_right) < 1
    assert abs(title_width - links_width) < 1
    first_link = page.locator(".site-footer li").first.evaluate(BOX)
    if lang == "fr":
        assert abs(first_link[0] - title_left) < 1
    else:
        assert abs(first_link[1] - title_right) < 1
    if width == 1600:  # wider than the column: both are centred in it, away from the page edge
        assert title_left > 100 and links_left > 100
        assert abs(title_left - (width - title_right)) < 20


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_on_a_phone_the_search_field_spans_the_column(open_page, lang: str):
    """At 375 px the search field wraps below the languages: it runs from one edge of the column to the other
    (it used to stop 23 px short, on the left in Arabic)."""
    page = open_page(f"{lang}/", 375)
    field = page.locator("#search-input")
    field.wait_for(state="visible")  # search.js shows the form
    left, right, _ = field.evaluate(BOX)
    column_left, column_right = page.locator("main").evaluate(CONTENT_BOX)
    assert (column_left, column_right) == (16, 359)  # 375 px less the 1rem margins
    assert abs(left - column_left) < 1 and abs(right - column_right) < 1, (left, right)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("width", [1280, 1600, 800])
def test_the_header_lines_up_with_the_content(open_page, lang: str, width: int):
    """The masthead's bar (languages and search) and its section links share the content's edges (at 1280 px
    the bar sat 16 px outside them)."""
    page = open_page(f"{lang}/", width)
    page.locator("#search-input").wait_for(state="visible")
    content = page.locator("main").evaluate(CONTENT_BOX)
    for selector in (".bar", ".section-nav ul"):
        edges = page.locator(selector).evaluate(BOX)[:2]
        assert abs(edges[0] - content[0]) < 1 and abs(edges[1] - content[1]) < 1, (selector, edges, content)
    field = page.locator("#search-input").evaluate(BOX)
    end = 1 if lang == "fr" else 0  # the search field ends the bar: on the right in LTR, on the left in RTL
    assert abs(field[end] - content[end]) < 1
    assert 300 <= field[2] <= 330  # about 20rem beside the languages, not stretched
