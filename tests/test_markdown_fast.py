"""The fast Markdown path (markdown-it-pyrs) gives exactly the reference's (markdown-it-py) results.

Every body is rendered both ways, `markdown.render` (fast path when it applies) and
`markdown.render_reference`, with raw HTML on and off, and the Rendered results (HTML, first
paragraph, problems) must be identical: the public suites (the CommonMark spec's examples and
markdown-it's fixtures, tests/data/markdown), bodies generated from them, the example site, the test
suite's fuzz bodies, generated bench articles, and targeted cases. A site built both ways is
byte-identical (the summary in meta tags, JSON-LD, cards and feeds is the body's first paragraph).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
from test_fuzz import BODY_FRAGMENTS, markdown_bodies

from digest import markdown, markdown_fast
from digest.content import split_front_matter
from digest.text import clean

from helpers import tree

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "tests" / "data" / "markdown"


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
    "strikethrough": "Il a ~~menti~~ dit ~un~.\n",
    "tildes": "Il a ~~menti~~ dit ~~~x~~~ et ~~a~~~~b~~.\n\n~~~\ncode\n~~~\n",
    "raw html": "Texte <b>gras</b> <a href=\"javascript:alert(1)\">x</a>\n\n<div>\n*bloc*\n</div>\n",
    "entities": "&amp; &copy; &#233; &#x110000; &bogus; &nbsp;fin &lt;b&gt;\n",
    "autolinks": "<https://example.com/a?b=c&d> <mailto:a@example.com> <a@example.com> https://nolink.org\n",
    "idn autolink": "<https://例え.jp/パス>\n",
    "nested lists": "- un\n  - deux\n    1. trois\n    2. quatre\n- cinq\n\n  suite\n",
    "tight list first": "- premier point\n- second\n\nParagraphe.\n",
    "code": "```python\nprint('<x>')\n```\n\n    indenté\n\n`inline <code>`\n",
    "non-latin": "## عنوان\n\nالحكومة *أعلنت* اليوم.\n\n日本語の**テキスト**。\n\nТекст по-русски.\n",
    "crlf": "Titre\r\n=====\r\n\r\nLigne un\r\nligne deux\r\n\r\n- a\r\n- b\r\n",
    "tabs": "\tcode\n\n-\tun\n-\tdeux\n",
    "tab in a quote": "> \tcitation\n\n> ```\n>\tcode\n> ```\n",
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
    # found by the differential run over the public suites (CommonMark spec, markdown-it's fixtures)
    "title with backslash lines": '[ref]: https://example.org "Titre\n\\\nsuite"\n\nTexte de l\'article.\n',
    "percent-encoded autolink": "Voir <https://example.org/search?q=caf%C3%A9%2E>.\n",
    "punycode autolink": "Voir <http://xn--n3h.net/>.\n",
    "protocol-relative idn": "[neige](//☃.net/)\n",
    "empty quote with a definition": "[ref]\n\n> [ref]: https://example.org\n",
    "code after tight text": "- point\n  ```\n  code\n  ```\n- second\n",
    "html after tight text": "- point\n  <div>\n  bloc\n  </div>\n",
    "item starting with a heading": "- # Titre\n- Sous-titre\n  ---\n  premier paragraphe\n",
    "tab in nested quote": "> > \t\tcode\n",
    "nested lazy line": "> > citation\n> -\n> suite\n",
    "delimiter row without pipe": "| a |\n----\nTexte\n",
    "header row without pipe": "titre\n:-----:\n",
    "escaped pipe before a pipe": "| a | b |\n|---|---|\n| x\\|| z |\n",
    "table row starting a list": "| a |\n|---|\n| 1 |\n10) liste\n",
    "emphasis sourcemaps": "    chunk1\n*foo****\n\n\\\n  ```\n",
    "blank code span": "Le code `    ` est vide.\n",
    "nbsp in a destination": "[lien](/uri\xa0)\n",
    "space in an angle destination": "[lien](</mon uri >)\n",
    "odd host": "<irc://foo.ba!r:2233/abaz>\n",
    "list item over a delimiter row": "- un\n\n-   a|b\n---|---\nc|d\n",
    "definition then an open parenthesis": "[ref]: https://example.org\n\n# [Ref](\n",
    "definition without destination": "> [Ref]:\n> -\n",
    "label over two lines": "[ré- un\n-\nf]: /url \"titre\"\n",
    "definition in a paragraph, then a delimiter row": "a\n[ref]: /url\n:-:\n",
    "form feed line": "Texte.\n\n\x0c\nsuite\n",
    "open raw block in a list": "1. <script>\n\n<?php\n",
    "unmatched backtick, then longer runs": "Un `seul\n```aaa``bbb``ccc```ddd``eee``\n",
    "nbsp before a title": "[lien](/url\xa0\t\"titre\")\n",
    "line feed reference": "Ligne&#10;\nsuite\n",
    "two ports": "<irc://foo.bar:22:33/baz>\n",
    "empty user": "<http://@example.org>\n",
    "bracket in a label": "[bar]: /url2\n[foo]: /url\n\n[foo][ref[bar]]\n",
    "nbsp at the end of a cell": "| a | b |\n|---|---|\n| x\xa0  | y |\n",
    "failed inline link, then a reference": "[\tlien](nk \\[ref](/uri)\n\n[ref]: https://example.org\n",
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
                                  "nbsp", "symbols", "deep", "backtick and bracket", "lazy table", "empty quote",
                                  "title with backslash lines", "percent-encoded autolink", "punycode autolink",
                                  "protocol-relative idn", "code after tight text", "tab in nested quote",
                                  "nested lazy line", "delimiter row without pipe", "header row without pipe",
                                  "escaped pipe before a pipe", "table row starting a list", "tab in a quote",
                                  "tildes", "blank code span", "nbsp in a destination", "space in an angle destination",
                                  "odd host", "list item over a delimiter row", "definition then an open parenthesis",
                                  "definition without destination", "label over two lines",
                                  "definition in a paragraph, then a delimiter row", "form feed line",
                                  "unmatched backtick, then longer runs", "nbsp before a title", "line feed reference",
                                  "two ports", "empty user", "bracket in a label",
                                  "nbsp at the end of a cell", "failed inline link, then a reference"])
def test_bodies_the_fast_path_cannot_render_identically_go_to_the_reference(name: str) -> None:
    assert not takes_fast_path(TARGETED[name])


def test_raw_html_blocks_left_open_in_a_list_go_to_the_reference() -> None:
    assert markdown_fast.render(TARGETED["open raw block in a list"], True) is None


def test_first_paragraph() -> None:
    def first_paragraph(name: str) -> str:
        """The first paragraph, the same with raw HTML off (read from the HTML) and on (from the syntax tree)."""
        (found,) = {markdown.render(TARGETED[name], html, resolve).first_paragraph for html in (False, True)}
        return found

    assert first_paragraph("empty first paragraph") == "premier point"
    assert first_paragraph("first paragraph in a quote") == "Citation forte & code suite"
    # markdown-it-pyrs alone gave "suite"" (the rest of the definition's title) and the autolink as written
    assert first_paragraph("title with backslash lines") == "Texte de l'article."
    assert first_paragraph("percent-encoded autolink") == "Voir https://example.org/search?q=café.."
    assert first_paragraph("punycode autolink") == "Voir http://☃.net/."
    assert first_paragraph("item starting with a heading") == "premier paragraphe"
    assert first_paragraph("emphasis sourcemaps") == "foo***"


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


# --- the public suites ------------------------------------------------------------------------------------------


def spec_examples() -> list[str]:
    examples = json.loads((SUITES / "commonmark-spec-0.31.2.json").read_text(encoding="utf-8"))
    return [example["markdown"] for example in examples]


def fixture_inputs() -> list[str]:
    """The inputs of markdown-it's fixtures, read as markdown-it-py reads them."""
    return [case[2] for file in sorted((SUITES / "markdown-it").glob("*.md")) for case in read_fixture_file(file)]


SPEC = spec_examples()
FIXTURES = fixture_inputs()


def variants(body: str) -> list[str]:
    """A suite's input as it is, after a first paragraph, without its final line break, in a list item
    and in a block quote: where an article's body puts it."""
    lines = body.rstrip("\n").split("\n")
    return [body, f"Chapeau de l'article.\n\n{body}", body.rstrip("\n"),
            "- " + "\n  ".join(lines) + "\n", "".join(f"> {line}\n" for line in lines)]


def test_commonmark_spec_examples() -> None:
    assert len(SPEC) == 652
    for example in SPEC:
        for body in variants(example):
            assert_same(body)
    # the fast path takes most of them (what is left has images, relative links, raw HTML the two
    # parsers differ on...): the comparison is not vacuous
    assert sum(map(takes_fast_path, SPEC)) > 300


def test_markdown_it_fixtures() -> None:
    assert len(FIXTURES) > 150
    for fixture in FIXTURES:
        for body in variants(fixture):
            assert_same(body)
    assert sum(map(takes_fast_path, FIXTURES)) > 60


SUITE_LINES = sorted({line for body in SPEC + FIXTURES for line in body.split("\n")})
NEWS_LINES = ["Le gouvernement a annoncé *mardi* un plan de **12 milliards**.", "Selon [l'agence][ref], rien.",
              '[ref]: https://example.org/a "Titre"', "- premier point", "1. étape", "> « Citation »", "",
              "| pays | part |", "|---|---:|", "| France | 12 % |", "## Contexte", "    code", "```", "Suite."]


def contained(body: str, container: str) -> str:
    lines = body.rstrip("\n").split("\n")
    prefix, indent = {"quote": ("> ", "> "), "bullet": ("- ", "  "), "ordered": ("1. ", "   ")}.get(container, ("", ""))
    return prefix + f"\n{indent}".join(lines) + "\n"


# Bodies made of the suites' examples and lines, shuffled together and nested in lists and quotes: the
# differential run that found the differences fixed in markdown_fast.
suite_bodies = st.builds(
    contained,
    st.one_of(
        st.lists(st.sampled_from(SUITE_LINES + NEWS_LINES), min_size=1, max_size=8).map("\n".join),
        st.lists(st.tuples(st.sampled_from(["", "\n", "Paragraphe.\n\n"]), st.sampled_from(SPEC + FIXTURES)),
                 min_size=1, max_size=3).map(lambda parts: "".join(a + b for a, b in parts)),
    ),
    st.sampled_from(["", "", "", "quote", "bullet", "ordered"]),
)


@settings(max_examples=600, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(suite_bodies)
def test_bodies_generated_from_the_suites(body: str) -> None:
    assert_same(body)


# --- a whole site ---------------------------------------------------------------------------------------------


def test_a_site_built_both_ways_is_byte_identical(make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles without a `summary`: their first paragraph is the meta description, Open Graph and
    JSON-LD description, the card text on list pages and the feeds' summary."""
    bodies = {name: TARGETED[name] for name in ("title with backslash lines", "percent-encoded autolink",
                                                "punycode autolink", "item starting with a heading",
                                                "code after tight text", "table", "tight list first")}
    articles = {f"fr/article-{index}.md": (f"---\ntitle: Article {index}\ndate: 2024-07-{index + 10}T10:00:00+02:00\n"
                                           f"---\n{body}") for index, body in enumerate(bodies.values())}
    site = make_site(articles)
    site.build_ok()
    fast = tree(site.output)
    page = site.page("fr/2024/07/article-0/")
    assert page.xpath('//meta[@name="description"]/@content') == ["Texte de l'article."]
    assert page.xpath('//meta[@property="og:description"]/@content') == ["Texte de l'article."]
    assert "http://☃.net/." in site.page("fr/2024/07/article-2/").xpath('//meta[@name="description"]/@content')[0]

    shutil.rmtree(site.output)
    shutil.rmtree(site.root / ".digest-cache")
    monkeypatch.setenv("DIGEST_MARKDOWN", "reference")
    site.build_ok()
    reference = tree(site.output)
    assert fast.keys() == reference.keys()
    assert [name for name in fast if fast[name] != reference[name]] == []
