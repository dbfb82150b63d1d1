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
    site.write("templates/article.html", (
        '{% extends "base.html" %}{% block main %}'
        '{% for other in [article] * 2 %}{% cache other.card, "same" %}<p class="one">{{ other.title }}</p>'
        '{% endcache %}{% endfor %}'
        '{% cache article.card, "same" %}<p class="two">{{ article.title }} again</p>{% endcache %}'
        '{% endblock %}'))
    site.build_ok()
    for slug, title in (("a", "First"), ("b", "Second")):
        page = next(site.output.rglob(f"en/2024/*/{slug}/index.html")).read_text(encoding="utf-8")
        assert page.count(f'<p class="one">{title}</p>') == 2
        assert f'<p class="two">{title} again</p>' in page  # same key, another place: its own fragment
    site.write("templates/article.html", '{% extends "base.html" %}{% block main %}{% cache %}{% endblock %}')
    result = site.build()
    assert result.exit_code == 1 and re.search(r"templates/article\.html:1: ", result.output), result.output
