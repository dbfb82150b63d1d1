"""The fast Markdown path (markdown-it-pyrs) gives exactly the reference's (markdown-it-py) results.

Every body is rendered both ways, `markdown.render` (fast path when it applies) and
`markdown.render_reference`, with raw HTML on and off, and the Rendered results (HTML, first
paragraph, problems) must be identical: the example site, the test suite's fuzz bodies, generated
bench articles, and targeted cases.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import BODY_FRAGMENTS, markdown_bodies

from digest import markdown, markdown_fast
from digest.content import split_front_matter
from digest.text import clean

ROOT = Path(__file__).resolve().parent.parent


def resolve(reference: str, line: int) -> markdown.LinkTarget | None:
    if "missing" in reference:
        raise markdown.LinkError(f"file not found: {reference!r}")
    size = (4, 3) if reference.endswith(".png") else None
    return markdown.LinkTarget("/files/" + reference, size=size)


def assert_same(body: str) -> None:
    for allow_html in (False, True):
        fast = markdown.render(body, allow_html, resolve, footnotes_heading="Notes")
        reference = markdown.render_reference(body, allow_html, resolve, footnotes_heading="Notes")
        assert fast == reference, (body, allow_html)


def takes_fast_path(body: str) -> bool:
    return markdown_fast.render(body, False) is not None


def example_bodies() -> list[str]:
    bodies = []
    for file in sorted((ROOT / "content").rglob("*.md")):
        parts = split_front_matter(file.read_text(encoding="utf-8"))
        if parts:
            bodies.append(clean(parts[1]))
    return bodies


def bench_bodies(count: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("gen_corpus", ROOT / "bench" / "gen_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # written to the article files with a final line break, as the build reads them
    return [body + "\n" for _, _, _, body in module.articles(count, ["fr", "en"])]


def test_example_site() -> None:
    bodies = example_bodies()
    assert len(bodies) >= 20
    for body in bodies:
        assert_same(body)


def test_bench_corpus() -> None:
    bodies = bench_bodies(150)  # 300 articles, fr and en
    for body in bodies:
        assert_same(body)
    # the point of it all: plain news bodies take the fast path
    assert sum(map(takes_fast_path, bodies)) == len(bodies)


def test_body_fragments_of_the_fuzz_tests() -> None:
    for fragment in BODY_FRAGMENTS:
        for body in (fragment, fragment + "\n", f"Intro.\n\n{fragment}\n", f"- {fragment}\n", f"> {fragment}\n"):
            assert_same(body)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(markdown_bodies)
def test_fuzz_bodies(body: str) -> None:
    assert_same(body)
    assert_same(body + "\n")


markup = st.text(st.sampled_from(list("[]()`*_~<>!\\-|#: \n\r\t\0ax&;^\"'=/1.éд€\xa0")), max_size=60)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(markup)
def test_markup_soup(body: str) -> None:
    assert_same(body + "\n")


TARGETED = {
    "table": "| item | value | share |\n|---|---:|:---:|\n| prix | 12 | 3 % |\n| *a* | **b** | [c](https://x.org) |\n",
    "footnotes": "Texte[^1] et ^[inline].\n\n[^1]: La note.\n",
    "strikethrough": "Il a ~~menti~~ dit ~~~x~~~ et ~un~.\n",
    "raw html": "Texte <b>gras</b> <a href=\"javascript:alert(1)\">x</a>\n\n<div>\n*bloc*\n</div>\n",
    "entities": "&amp; &copy; &#233; &#x110000; &bogus; &nbsp;fin &lt;b&gt;\n",
    "autolinks": "<https://example.com/a?b=c&d> <mailto:a@example.com> <a@example.com> https://nolink.org\n",
    "idn autolink": "<https://例え.jp/パス>\n",
    "nested lists": "- un\n  - deux\n    1. trois\n    2. quatre\n- cinq\n\n  suite\n",
    "tight list first": "- premier point\n- second\n\nParagraphe.\n",
    "code": "```python\nprint('<x>')\n```\n\n    indenté\n\n`inline <code>`\n",
    "non-latin": "## عنوان\n\nالحكومة *أعلنت* اليوم.\n\n日本語の**テキスト**。\n\nТекст по-русски.\n",
    "crlf": "Titre\r\n=====\r\n\r\nLigne un\r\nligne deux\r\n\r\n- a\r\n- b\r\n",
    "tabs": "\tcode\n\n-\tun\n-\tdeux\n\n> \tcitation\n",
    "nul": "Avant\0après *\0* `\0`\n",
    "long line": ("mot *important* " * 5000) + "\n",
    "long link line": "[lien](https://example.com/" + "a" * 10000 + ")\n",
    "no final line break": "<div>\nouvert",
    "empty": "",
    "blank": "\n\n  \n",
    "heading only": "# Titre\n",
    "image": "Avant ![photo](photo.png \"titre\") après\n",
    "relative link": "[autre](other.md#x) [manquant](missing.md)\n",
    "absolute link": "[site](https://example.com) [racine](/a) [ancre](#b) [requête](?c)\n",
    "reference link": "[ref] et [autre][ref]\n\n[ref]: https://example.com \"titre\"\n",
    "nbsp": "\xa0Début avec espace insécable\xa0: fin\xa0\n\n| a\xa0| b |\n|---|---|\n",
    "symbols": "*€* _°_ **→** ~~©~~ *😀*\n",
    "deep": "> " * 30 + "profond\n\n" + "- " * 30 + "liste\n",
    "backtick and bracket": "[`\n\nx [`a` b](https://x.org)\n",
    "lazy table": "> citation\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "empty quote": ">\n",
    "html comment": "<!-- note -->\n\nTexte.\n",
    "empty first paragraph": "[](https://example.com)\n\n- premier *point*\n  > citation\n",
    "first paragraph in a quote": "## Titre\n\n> Citation **forte** &amp; `code`\n> suite\n\nTexte.\n",
}


@pytest.mark.parametrize("body", TARGETED.values(), ids=TARGETED.keys())
def test_targeted(body: str) -> None:
    assert_same(body)


@pytest.mark.parametrize("name", ["table", "strikethrough", "entities", "autolinks", "nested lists",
                                  "tight list first", "non-latin", "crlf", "tabs", "long line", "absolute link",
                                  "reference link", "empty first paragraph", "first paragraph in a quote"])
def test_plain_bodies_take_the_fast_path(name: str) -> None:
    assert takes_fast_path(TARGETED[name])


@pytest.mark.parametrize("name", ["footnotes", "image", "relative link", "no final line break", "idn autolink",
                                  "nbsp", "symbols", "deep", "backtick and bracket", "lazy table", "empty quote"])
def test_bodies_the_fast_path_cannot_render_identically_go_to_the_reference(name: str) -> None:
    assert not takes_fast_path(TARGETED[name])


def test_first_paragraph() -> None:
    assert markdown.render(TARGETED["empty first paragraph"], False, resolve).first_paragraph == "premier point"
    assert markdown.render(TARGETED["first paragraph in a quote"], False, resolve).first_paragraph == (
        "Citation forte & code suite")


def test_relative_links_still_resolved_and_reported() -> None:
    rendered = markdown.render("Texte.\n\n[autre](other.md) [manquant](missing.md)\n", False, resolve)
    assert 'href="/files/other.md"' in rendered.html
    assert rendered.problems == ((3, "file not found: 'missing.md'"),)


def test_reference_switch(tmp_path: Path) -> None:
    """DIGEST_MARKDOWN=reference renders every body with markdown-it-py (same results, by the tests above)."""
    script = ("from digest import markdown, markdown_fast\n"
              "calls = []\n"
              "original = markdown_fast.render\n"
              "markdown_fast.render = lambda *a: calls.append(a) or original(*a)\n"
              "r = markdown.render('Texte *simple*.\\n', False, lambda ref, line: None)\n"
              "print(len(calls), r.html, end='')\n")
    for value, calls in (("reference", "0"), ("", "1")):
        env = {**os.environ, "DIGEST_MARKDOWN": value}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        assert result.stdout == f"{calls} <p>Texte <em>simple</em>.</p>\n"


def test_a_parser_panic_falls_back_silently() -> None:
    """markdown-it-pyrs 0.4 panics on "[`" ending a paragraph: such bodies never reach it (no Rust
    message on stderr) and render with the reference."""
    script = "from digest import markdown\nprint(markdown.render('[`\\n', False, lambda r, l: None).html, end='')\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout == "<p>[`</p>\n"
    assert result.stderr == ""
