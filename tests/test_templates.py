"""Template mistakes in a site's own templates are reported like content problems."""

from __future__ import annotations

import re

import pytest

from helpers import article


def broken_template_site(make_site, text: str):
    site = make_site({"en/2024/a.md": article("A")})
    site.build_ok()
    before = site.files()
    site.write("templates/article.html", text)
    return site, before


def test_template_syntax_error_names_file_and_line(make_site):
    site, before = broken_template_site(
        make_site, '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n')
    result = site.build()
    assert result.exit_code == 1
    assert re.search(r"templates/article\.html:3: ", result.output), result.output
    assert "Traceback" not in result.output
    assert site.files() == before


def test_template_runtime_error_names_file_and_line(make_site):
    site, before = broken_template_site(
        make_site, '{% extends "base.html" %}\n{% block main %}\n\n{{ article.no_such_field }}\n{% endblock %}\n')
    result = site.build()
    assert result.exit_code == 1
    assert re.search(r"templates/article\.html:4: template error: .*no_such_field", result.output), result.output
    assert site.files() == before


@pytest.mark.parametrize(("line", "expected"), [
    ("<h1>{{ article.title|nosuchfilter }}</h1>", "unknown filter 'nosuchfilter'"),
    ("{% if article.title %}{{ article.title|nosuchfilter }}{% endif %}", "unknown filter 'nosuchfilter'"),
    ("{% if article.title is nosuchtest %}x{% endif %}", "unknown test 'nosuchtest'"),
])
def test_unknown_filter_or_test_names_file_and_line(make_site, line: str, expected: str):
    site, before = broken_template_site(
        make_site, f'{{% extends "base.html" %}}\n{{% block main %}}\n\n{line}\n{{% endblock %}}\n')
    result = site.build()
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [f"templates/article.html:4: {expected}"]
    assert site.files() == before


def test_site_without_titles_falls_back_to_host_name(make_site):
    site = make_site({"en/2024/a.md": article("A")},
                     config="base_url: https://news.example.net/\ndefault_language: en\nlanguages: {en: {}}\n")
    site.build_ok()
    assert site.page("en/2024/07/a/").xpath("//title/text()") == ["A – news.example.net"]


def test_cached_fragments_are_reused_per_key_and_place(make_site):
    site = make_site({"en/2024/a.md": article("First"), "en/2024/b.md": article("Second", date="2024-07-17")})
    # Each rendering of a fragment body counts itself in `runs` and shows the count it saw: a fragment
    # that is reused shows the same count twice, and its body ran once.
    site.write("templates/article.html", (
        '{% extends "base.html" %}{% block main %}{% set runs = namespace(n=0) %}'
        '{% for other in [article] * 3 %}{% cache other.card, "same" %}{% set runs.n = runs.n + 1 %}'
        '<p class="one" data-run="{{ runs.n }}">{{ other.title }}</p>{% endcache %}{% endfor %}'
        '{% cache article.card, "same" %}{% set runs.n = runs.n + 1 %}'
        '<p class="two" data-run="{{ runs.n }}">{{ article.title }} again</p>{% endcache %}'
        '<p class="runs">{{ runs.n }}</p>{% endblock %}'))
    site.build_ok()
    for slug, title in (("a", "First"), ("b", "Second")):
        page = site.page(f"en/2024/07/{slug}/")
        ones = page.xpath("//p[@class='one']")
        assert [p.text for p in ones] == [title] * 3
        assert [p.get("data-run") for p in ones] == ["1"] * 3  # rendered once, shown three times
        # same key, another place: a fragment of its own, rendered once more
        assert [(p.text, p.get("data-run")) for p in page.xpath("//p[@class='two']")] == [(f"{title} again", "2")]
        assert page.xpath("//p[@class='runs']/text()") == ["2"]
    site.write("templates/article.html", '{% extends "base.html" %}{% block main %}{% cache %}{% endblock %}')
    result = site.build()
    assert result.exit_code == 1 and re.search(r"templates/article\.html:1: ", result.output), result.output
