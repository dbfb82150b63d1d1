"""config.yaml: every problem reported as `config.yaml:<line>: <message>`, and the settings that work."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from digest.cli import main

from helpers import BASE_CONFIG, Site, article, hrefs, texts
from helpers import problems as problem_lines

MakeSite = Callable[..., Site]

MINIMAL = """\
base_url: https://example.org/sub/
default_language: fr
languages:
  fr: {title: Revue de test, locale: fr_FR}
  en: {title: Test Digest, locale: en_GB}
"""



def line_of(text: str, marker: str) -> int:
    """1-based number of the first line of `text` containing `marker`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the config text")


def problems(result: Result) -> list[tuple[int | None, str]]:
    """(line, message) of every problem of the output in config.yaml (its path absolute or relative to the cwd)."""
    return [(line, message) for path, line, message in problem_lines(result) if path.endswith("config.yaml")]


def assert_problem(result: Result, line: int | None, pattern: str) -> str:
    """The run failed with exit 1 and printed `config.yaml:<line>: <message matching pattern>`."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for found_line, message in problems(result):
        if found_line == line and re.search(pattern, message):
            return message
    raise AssertionError(f"no 'config.yaml:{line}: /{pattern}/' line in:\n{result.output}")


def only_problems(result: Result) -> list[tuple[int | None, str]]:
    """Exit 1 and nothing but `config.yaml[:line]: message` lines: their (line, message)."""
    assert result.exit_code == 1, result.output
    found = problems(result)
    assert len(found) == len(result.output.splitlines()), result.output
    return found


def failing_build(make_site: MakeSite, config: str) -> Result:
    site = make_site({"fr/a.md": article("Un article")}, config=config)
    result = site.build()
    assert not site.output.exists(), "a failed build must not write output/"
    return result


def with_line(base: str, after: str, line: str) -> str:
    """`base` with `line` inserted after the first line that starts with `after`."""
    lines = base.splitlines()
    index = next(i for i, text in enumerate(lines) if text.startswith(after))
    lines.insert(index + 1, line)
    return "\n".join(lines) + "\n"


def replaced(base: str, old: str, new: str) -> str:
    assert old in base
    return base.replace(old, new, 1)


# --- unknown keys -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typo", "meant"), [("titel", "title"), ("per_pgae", "per_page")])
def test_unknown_top_level_key_has_a_did_you_mean_hint(make_site: MakeSite, typo: str, meant: str) -> None:
    config = with_line(BASE_CONFIG, "default_language:", f"{typo}: 5")
    result = failing_build(make_site, config)
    assert only_problems(result) == [(line_of(config, f"{typo}:"), f"unknown key '{typo}' (did you mean '{meant}'?)")]


def test_unknown_key_inside_a_language_has_a_hint(make_site: MakeSite) -> None:
    config = textwrap.dedent("""\
        base_url: https://example.org/
        default_language: fr
        languages:
          fr:
            title: Revue
            locale: fr_FR
          en:
            title: Digest
            locle: en_GB
        """)
    result = failing_build(make_site, config)
    assert only_problems(result) == [(line_of(config, "locle:"),
                                      "unknown key 'languages.en.locle' (did you mean 'locale'?)")]


# --- wrong types --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("per_page", '"ten"', "'per_page' must be a positive integer, not 'ten'"),
        ("per_page", "0", "'per_page' must be a positive integer, not 0"),
        ("search", '"yes"', "'search' must be true or false, not a string"),
        ("markdown", "[1]", "'markdown' must be a mapping such as {html: false}"),
    ],
)
def test_wrong_type_names_the_key_and_the_expected_type(make_site: MakeSite, key: str, value: str,
                                                        expected: str) -> None:
    config = "\n".join(line for line in BASE_CONFIG.splitlines() if not line.startswith(f"{key}:"))
    config = with_line(config, "timezone:", f"{key}: {value}")
    result = failing_build(make_site, config)
    assert only_problems(result) == [(line_of(config, f"{key}:"), expected)]


def test_languages_as_a_list_is_a_type_error(make_site: MakeSite) -> None:
    config = textwrap.dedent("""\
        title: T
        base_url: https://example.org/
        default_language: fr
        languages:
          - fr
          - en
        """)
    result = failing_build(make_site, config)
    assert only_problems(result) == [(line_of(config, "languages:"),
                                      "'languages' must be a mapping of language codes to settings")]


# --- missing and inconsistent values ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["base_url", "default_language", "languages"])
def test_missing_required_key(make_site: MakeSite, key: str) -> None:
    if key == "languages":
        config = "base_url: https://example.org/sub/\ndefault_language: fr\n"
    else:
        config = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(f"{key}:")) + "\n"
    result = failing_build(make_site, config)
    # The key is absent, so there is no line to point at.
    assert only_problems(result) == [(None, f"missing required key '{key}'")]


def test_default_language_must_be_one_of_the_languages(make_site: MakeSite) -> None:
    config = replaced(BASE_CONFIG, "default_language: fr", "default_language: de")
    result = failing_build(make_site, config)
    assert only_problems(result) == [(line_of(config, "default_language:"),
                                      "default_language 'de' is not one of the languages (fr, en, ar)")]


@pytest.mark.parametrize("url", ["/sub/", "example.org/sub/", "ftp://example.org/"])
def test_base_url_must_be_absolute(make_site: MakeSite, url: str) -> None:
    config = replaced(BASE_CONFIG, "base_url: https://example.org/sub/", f"base_url: {url}")
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "base_url:"), r"base_url.*absolute")


def test_unknown_time_zone(make_site: MakeSite) -> None:
    config = replaced(BASE_CONFIG, "timezone: Europe/Paris", "timezone: Mars/Olympus_Mons")
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "timezone:"), r"time zone.*Mars/Olympus_Mons")


def test_time_zone_name_too_long_for_a_file_name_is_an_unknown_time_zone(make_site: MakeSite) -> None:
    name = "Europe/" + "Paris" * 60  # zoneinfo looks the name up as a file: 300 characters is too long
    config = replaced(BASE_CONFIG, "timezone: Europe/Paris", f"timezone: {name}")
    result = failing_build(make_site, config)
    assert result.exit_code == 1
    assert problems(result) == [(line_of(config, "timezone:"),
                                 f"unknown time zone {name!r} (expected a name such as Europe/Paris)")]
    assert len(result.output.splitlines()) == 1, result.output


def test_unknown_locale(make_site: MakeSite) -> None:
    config = textwrap.dedent("""\
        base_url: https://example.org/
        default_language: fr
        languages:
          fr:
            title: Revue
            locale: zz_QQ
        """)
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "locale: zz_QQ"), r"locale.*zz_QQ")


def test_invalid_yaml_is_reported_at_its_line(make_site: MakeSite) -> None:
    config = with_line(BASE_CONFIG, "per_page:", "timezone: Europe: Paris")
    config = "\n".join(line for line in config.splitlines() if line != "timezone: Europe/Paris") + "\n"
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "Europe: Paris"), r"(?i)yaml")


def test_strings_for_an_unknown_language(make_site: MakeSite) -> None:
    config = BASE_CONFIG + "strings:\n  en:\n    read_also: See also\n  de:\n    read_also: Siehe auch\n"
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "  de:"), r"'de'")


def test_every_problem_of_the_file_is_reported_in_one_run(make_site: MakeSite) -> None:
    config = textwrap.dedent("""\
        titel: T
        base_url: /relative/
        default_language: de
        languages:
          fr: {title: Revue, locale: fr_FR}
          en:
            title: Digest
            locle: en_GB
        per_page: ten
        search: "yes"
        timezone: Nowhere/Land
        strings:
          it: {read_also: Leggi anche}
        """)
    result = failing_build(make_site, config)
    expected = [
        ("titel:", "titel"),
        ("base_url:", "base_url"),
        ("default_language:", "'de'"),
        ("locle:", "locle"),
        ("per_page:", "per_page"),
        ("search:", "search"),
        ("timezone:", "Nowhere/Land"),
        ("  it:", "'it'"),
    ]
    for marker, pattern in expected:
        assert_problem(result, line_of(config, marker), pattern)
    assert len(problems(result)) == len(expected), result.output


# --- what a valid config does ------------------------------------------------------------------------------------


def test_minimal_config_with_only_the_required_keys_builds(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Un article"), "en/a.md": article("An article")}, config=MINIMAL)
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert texts(page, "//h1") == ["Un article"]
    assert site.page("en/").get("lang") == "en"
    assert (site.output / "index.html").is_file()


def test_direction_defaults_to_rtl_for_arabic(make_site: MakeSite) -> None:
    site = make_site({"ar/a.md": article("مقال"), "fr/a.md": article("Un article")})
    site.build_ok()
    assert site.page("ar/").get("dir") == "rtl"
    assert site.page("ar/2024/07/a/").get("dir") == "rtl"
    assert site.page("fr/").get("dir") == "ltr"


def test_direction_can_be_forced(make_site: MakeSite) -> None:
    config = replaced(BASE_CONFIG, "ar: {title: موجز الاختبار, locale: ar}",
                      "ar: {title: موجز الاختبار, locale: ar, direction: ltr}")
    config = replaced(config, "en: {title: Test Digest, locale: en_GB}",
                      "en: {title: Test Digest, locale: en_GB, direction: rtl}")
    site = make_site({"ar/a.md": article("مقال")}, config=config)
    site.build_ok()
    assert site.page("ar/").get("dir") == "ltr"
    assert site.page("en/").get("dir") == "rtl"


def test_invalid_direction_is_reported(make_site: MakeSite) -> None:
    config = textwrap.dedent("""\
        base_url: https://example.org/
        default_language: fr
        languages:
          fr:
            title: Revue
            locale: fr_FR
            direction: sideways
        """)
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "direction:"), r"ltr or rtl")


def test_strings_override_a_shipped_string_and_add_a_new_one(make_site: MakeSite) -> None:
    config = BASE_CONFIG + "strings:\n  en:\n    read_also: See also\n    motto: Less is more\n"
    site = make_site({
        "en/a.md": article("First", related="[b]"),
        "en/b.md": article("Second"),
        "fr/a.md": article("Premier", related="[b]"),
        "fr/b.md": article("Deuxième"),
    }, config=config)
    # The site's own 404.html uses the added key; the theme's base.html still applies.
    site.write("templates/404.html", '{% extends "base.html" %}\n{% block main %}'
                                     '<p class="motto">{{ t("motto") }}</p>{% endblock %}\n')
    # 404.html is rendered in the default language; make en the default for this check.
    site.write("config.yaml", replaced(config, "default_language: fr", "default_language: en"))
    site.build_ok()
    page = site.page("en/2024/07/a/")
    assert texts(page, "//section[contains(@class, 'read-also')]//h2") == ["See also"]
    assert texts(page, "//section[contains(@class, 'read-also')]//a") == ["Second"]
    # Other languages keep their shipped string.
    french = site.page("fr/2024/07/a/")
    assert texts(french, "//section[contains(@class, 'read-also')]//h2") == ["Lire aussi"]
    assert texts(site.page("404.html"), "//p[@class='motto']") == ["Less is more"]


def test_base_url_option_overrides_the_config(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Un article")})
    site.build_ok("--base-url", "https://user.github.io/repo")
    page = site.page("fr/2024/07/a/")
    assert hrefs(page, "//link[@rel='canonical']") == ["https://user.github.io/repo/fr/2024/07/a/"]
    # Root-relative links follow the new sub-path too.
    links = hrefs(page, "//a[starts-with(@href, '/')]")
    assert links
    assert all(href.startswith("/repo/") for href in links), links


def test_base_url_option_replaces_an_invalid_config_value(make_site: MakeSite) -> None:
    config = replaced(BASE_CONFIG, "base_url: https://example.org/sub/", "base_url: /local/")
    site = make_site({"fr/a.md": article("Un article")}, config=config)
    site.build_ok("--base-url", "https://example.net/")
    assert hrefs(site.page("fr/"), "//link[@rel='canonical']") == ["https://example.net/fr/"]


def test_invalid_base_url_option_is_reported(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Un article")})
    result = site.build("--base-url", "not a url")
    assert only_problems(result) == [(line_of(BASE_CONFIG, "base_url:"),
                                      "'base_url' must be an absolute http(s) URL, not 'not a url'")]
    assert not site.output.exists()


def test_wrong_type_inside_markdown(make_site: MakeSite) -> None:
    config = BASE_CONFIG + "markdown:\n  html: sometimes\n"
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "html:"), r"markdown\.html.*true or false")


def test_unknown_key_inside_markdown_has_a_hint(make_site: MakeSite) -> None:
    config = BASE_CONFIG + "markdown:\n  htm: true\n"
    result = failing_build(make_site, config)
    assert only_problems(result) == [(line_of(config, "htm:"), "unknown key 'markdown.htm' (did you mean 'html'?)")]


def test_config_that_is_not_a_mapping(make_site: MakeSite) -> None:
    result = failing_build(make_site, "- base_url\n- languages\n")
    assert only_problems(result) == [(None, "the configuration must be a mapping of keys to values")]


def test_empty_config_reports_every_required_key(make_site: MakeSite) -> None:
    result = failing_build(make_site, "")
    assert only_problems(result) == [(None, f"missing required key '{key}'")
                                     for key in ("base_url", "default_language", "languages")]


def test_missing_config_file(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Un article")})
    (site.root / "config.yaml").unlink()
    result = site.build()
    assert only_problems(result) == [(None, f"config file not found in {site.root}{os.sep}; "
                                            "run digest in the site's folder or give --config PATH")]
    assert not site.output.exists()


def test_out_of_range_date_value_is_reported_at_its_line(make_site: MakeSite) -> None:
    config = BASE_CONFIG + "cname: 2024-13-45\n"
    result = failing_build(make_site, config)
    assert "internal error" not in result.output
    message = assert_problem(result, line_of(config, "cname:"), r"^'cname': 2024-13-45 is not a valid date \(")
    assert len(result.output.splitlines()) == 1, result.output
    assert message == "'cname': 2024-13-45 is not a valid date (month must be in 1..12)"


def test_config_not_found_from_a_subfolder_names_the_folder_and_the_sites_config(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Un article")})
    folder = site.root / "content" / "fr"
    previous = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, ["build"])
        elsewhere = CliRunner().invoke(main, ["build", "--config", str(site.root / "content" / "none.yaml")])
    finally:
        os.chdir(previous)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"config.yaml: config file not found in {folder}{os.sep}; the site's is {site.root / 'config.yaml'}: "
        f"run digest in {site.root}{os.sep} or give --config ../../config.yaml"]
    assert elsewhere.exit_code == 1
    assert elsewhere.output.splitlines() == [
        f"{site.root / 'content' / 'none.yaml'}: config file not found in {site.root / 'content'}{os.sep}; "
        "run digest in the site's folder or give --config PATH"]
    assert not site.output.exists()


def test_invalid_utf8_is_reported_at_the_line_of_the_bad_byte(make_site: MakeSite) -> None:
    config = BASE_CONFIG.encode() + b"cname: caf\xff.example.org\n"
    site = make_site({"fr/a.md": article("Un article")})
    site.write("config.yaml", config)
    result = site.build()
    assert_problem(result, BASE_CONFIG.count("\n") + 1, r"UTF-8|utf-8")


@pytest.mark.parametrize("strings", [
    "strings:\n  fr: {feed_title: ''}\n",
    "strings:\n  fr:\n    feed_title: '   '\n",
    "strings:\n  fr:\n    article_count: {one: '{count} article', other: ''}\n",
])
def test_an_empty_ui_string_is_refused_at_its_line(make_site: MakeSite, strings: str) -> None:
    """An empty feed title used to end in "internal error: ValueError: Required fields not set (title)"."""
    config = BASE_CONFIG + strings
    result = failing_build(make_site, config)
    key = "article_count" if "article_count" in strings else "feed_title"
    assert_problem(result, line_of(config, f"{key}:"), rf"'strings\.fr\.{key}' must not be empty")


@pytest.mark.parametrize(("text", "message"), [
    ("'{'", r"Single '\{' encountered in format string in '\{' \(write \{\{ and \}\} for a brace itself\)"),
    ("'Flux {site} }'", r"Single '\}' encountered"),
    ("'Flux {site} {nom}'", r"unknown placeholder \{nom\} in 'Flux \{site\} \{nom\}' \(this text has: \{site\}\)"),
    ("'Flux {}'", r"Format string contains positional fields in 'Flux \{\}'"),
])
def test_a_ui_string_that_cannot_be_filled_in_is_refused_at_its_line(make_site: MakeSite, text: str,
                                                                       message: str) -> None:
    """Found by the fuzz run (seed 424242): `feed_title: '{'` ended in "internal error: ValueError: Single '{'"."""
    config = BASE_CONFIG + f"strings:\n  fr:\n    feed_title: {text}\n"
    result = failing_build(make_site, config)
    assert_problem(result, line_of(config, "feed_title:"), r"^'strings\.fr\.feed_title': " + message)


def test_a_site_string_of_its_own_may_use_any_placeholder(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Un article")},
                     config=BASE_CONFIG + "strings:\n  fr:\n    motto: '{lieu}, {{depuis}} 1999'\n")
    site.build_ok()
