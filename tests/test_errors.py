"""Content problems: exit 1, `content/...:<line>: <message>`, no traceback, output/ untouched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from click.testing import Result

from helpers import REPO, Site, article, problems, texts, tree

MakeSite = Callable[..., Site]

GOOD_ARTICLES = {
    "fr/2024/ain-al-asad.md": article("Irak : drones sur Ain al-Asad", tags="[Irak, États-Unis]",
                                      image="{src: photo.jpg, caption: La base, credit: AFP}",
                                      translation_key="ain-al-asad", related="[retrait]"),
    "fr/2024/photo.jpg": "not really a JPEG, copied as it is",
    "fr/2024/retrait.md": article("Retrait des forces", date="2024-07-15", translation_key="retrait"),
    "en/ain-al-asad.md": article("Iraq: drones over Ain al-Asad", translation_key="ain-al-asad", tags="[Iraq]"),
}


def find_problem(result: Result, path: str, line: int | None, pattern: str) -> str:
    """The message of the `<...path>:<line>: <message>` output line whose message matches `pattern`."""
    for found_path, found_line, message in problems(result):
        if found_path.endswith(path) and found_line == line and re.search(pattern, message):
            return message
    where = f"{path}:{line}" if line else path
    raise AssertionError(f"no '{where}: /{pattern}/' line in:\n{result.output}")


def assert_clean_failure(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    assert problems(result), result.output


class BuiltSite:
    """A site built once successfully; `broken_build` checks that a failing build leaves output/ alone."""

    def __init__(self, site: Site) -> None:
        self.site = site
        site.build_ok()
        self.snapshot = site.files()
        assert "fr/2024/07/ain-al-asad/index.html" in self.snapshot

    def write(self, relative: str, text: str | bytes) -> None:
        self.site.write(f"content/{relative}", text)

    def broken_build(self, *args: str) -> Result:
        result = self.site.build(*args)
        assert_clean_failure(result)
        assert self.site.files() == self.snapshot, "a failed build changed output/"
        expected = ("config.yaml", "content", "output", ".digest-cache")  # the cache of the good build
        leftovers = [p.name for p in self.site.root.iterdir() if p.name not in expected]
        assert leftovers == [], f"a failed build left {leftovers} beside output/"
        return result


@pytest.fixture
def built(make_site: MakeSite) -> BuiltSite:
    return BuiltSite(make_site(GOOD_ARTICLES))


# --- one problem, one message at the right file and line -----------------------------------------------------------


def test_bad_yaml_in_front_matter_is_reported_at_its_line_in_the_file(built: BuiltSite) -> None:
    built.write("fr/bad.md", "---\ntitle: Titre\ndate: 2024-07-16\nsource: Press TV\nsection: a: b\n---\nCorps.\n")
    result = built.broken_build()
    find_problem(result, "content/fr/bad.md", 5, r"(?i)yaml")


def test_bad_yaml_tab_indentation(built: BuiltSite) -> None:
    built.write("fr/bad.md", "---\ntitle: Titre\ndate: 2024-07-16\n\tsection: x\n---\nCorps.\n")
    result = built.broken_build()
    find_problem(result, "content/fr/bad.md", 4, r"(?i)yaml")


def test_front_matter_that_is_not_a_mapping(built: BuiltSite) -> None:
    built.write("fr/bad.md", "---\n- title\n- date\n---\nCorps.\n")
    result = built.broken_build()
    find_problem(result, "content/fr/bad.md", 2, r"mapping")


def test_missing_title(built: BuiltSite) -> None:
    built.write("fr/notitle.md", "---\ndate: 2024-07-16\nsection: Monde\n---\nCorps.\n")
    result = built.broken_build()
    find_problem(result, "content/fr/notitle.md", 1, r"title")


def test_empty_title(built: BuiltSite) -> None:
    built.write("fr/notitle.md", '---\ndate: 2024-07-16\ntitle: ""\n---\nCorps.\n')
    result = built.broken_build()
    find_problem(result, "content/fr/notitle.md", 3, r"title")


def test_missing_date(built: BuiltSite) -> None:
    built.write("fr/nodate.md", "---\ntitle: Titre\n---\nCorps.\n")
    result = built.broken_build()
    find_problem(result, "content/fr/nodate.md", 1, r"date")


@pytest.mark.parametrize("value", ["le 16 juillet 2024", "2024-07-16 à midi", "12345", "[2024, 7, 16]"])
def test_unparsable_date(built: BuiltSite, value: str) -> None:
    built.write("fr/baddate.md", article("Titre", date=value))
    result = built.broken_build()
    find_problem(result, "content/fr/baddate.md", 3, r"date")


@pytest.mark.parametrize("value", ["2024-13-45", "2024-02-30T10:00:00"])
def test_out_of_range_date(built: BuiltSite, value: str) -> None:
    built.write("fr/baddate.md", article("Titre", date=value))
    result = built.broken_build()
    find_problem(result, "content/fr/baddate.md", 3, r"date|day|month")


@pytest.mark.parametrize("text", ["title: Titre\ndate: 2024-07-16\n\nCorps.\n",
                                  "---\ntitle: Titre\ndate: 2024-07-16\nCorps sans fin de front matter.\n",
                                  "Juste du texte.\n"])
def test_missing_front_matter(built: BuiltSite, text: str) -> None:
    built.write("fr/nofm.md", text)
    result = built.broken_build()
    find_problem(result, "content/fr/nofm.md", 1, r"front matter")


def test_unknown_language_folder(built: BuiltSite) -> None:
    built.write("de/x.md", article("Ein Artikel"))
    result = built.broken_build()
    paths = [(path, line, message) for path, line, message in problems(result) if "content/de" in path]
    assert paths, result.output
    assert any("'de'" in message and "fr" in message for _, _, message in paths), result.output


def test_article_outside_a_language_folder(built: BuiltSite) -> None:
    built.write("stray.md", article("Perdu"))
    result = built.broken_build()
    assert any(path.endswith("content/stray.md") for path, _, _ in problems(result)), result.output


def test_duplicate_translation_key_names_both_files(built: BuiltSite) -> None:
    built.write("fr/autre.md", article("Autre", date="2024-06-01", translation_key="ain-al-asad"))
    result = built.broken_build()
    message = find_problem(result, "content/fr/autre.md", 4, r"ain-al-asad")
    assert "content/fr/2024/ain-al-asad.md" in message


def test_default_key_clashing_with_a_translation_key(built: BuiltSite) -> None:
    # content/fr/retrait.md has the default key "retrait", already given to content/fr/2024/retrait.md.
    built.write("fr/retrait.md", article("Retrait, encore", date="2024-05-01"))
    result = built.broken_build()
    output = result.output
    assert "content/fr/retrait.md" in output and "content/fr/2024/retrait.md" in output


def test_two_articles_on_one_url_names_both_files(built: BuiltSite) -> None:
    # Same slug and same month: both would be /fr/2024/07/doublon/.
    built.write("fr/a/doublon.md", article("Premier", date="2024-07-01"))
    built.write("fr/b/doublon.md", article("Second", date="2024-07-30T10:00:00"))
    result = built.broken_build()
    clash = [message for _, _, message in problems(result) if "doublon" in message]
    assert clash, result.output
    message = clash[0]
    assert "content/fr/a/doublon.md" in message and "content/fr/b/doublon.md" in message
    assert "fr/2024/07/doublon/" in message


def test_two_articles_on_one_url_through_slug(built: BuiltSite) -> None:
    built.write("fr/autre.md", article("Autre", date="2024-07-02", slug="ain-al-asad"))
    result = built.broken_build()
    message = find_problem(result, "content/fr/autre.md", 4, r"ain-al-asad")
    assert "content/fr/2024/ain-al-asad.md" in message and "content/fr/autre.md" in message


def test_missing_image_file_is_reported_at_the_image_line(built: BuiltSite) -> None:
    built.write("fr/img.md", article("Image", source="Press TV", image="{src: absente.jpg, caption: Rien}"))
    result = built.broken_build()
    find_problem(result, "content/fr/img.md", 5, r"absente\.jpg")


def test_unknown_related_key_is_reported_at_the_related_line(built: BuiltSite) -> None:
    built.write("fr/rel.md", article("Lié", section="Monde", related="[retrait, inexistant]"))
    result = built.broken_build()
    find_problem(result, "content/fr/rel.md", 5, r"inexistant")


@pytest.mark.parametrize("src", ["../../../etc/passwd", "../../config.yaml", "../../../../../../../etc/hostname"])
def test_image_escaping_content_is_refused(built: BuiltSite, src: str) -> None:
    built.write("fr/esc.md", article("Évasion", image=f"'{src}'"))
    result = built.broken_build()
    find_problem(result, "content/fr/esc.md", 4, r"outside|not found")


def test_image_escaping_content_through_existing_file_is_refused(built: BuiltSite) -> None:
    # config.yaml exists two levels up: the message must be about leaving content/, not a missing file.
    built.write("fr/esc.md", article("Évasion", image="../../config.yaml"))
    result = built.broken_build()
    find_problem(result, "content/fr/esc.md", 4, r"outside")


def test_body_link_escaping_content_is_refused(built: BuiltSite) -> None:
    built.write("fr/esc.md", article("Évasion", body="Voir [la config](../../config.yaml)."))
    result = built.broken_build()
    find_problem(result, "content/fr/esc.md", 5, r"outside")


@pytest.mark.parametrize("src", ["/etc/passwd", "C:\\\\Windows\\\\win.ini"])
def test_absolute_image_path_is_refused(built: BuiltSite, src: str) -> None:
    built.write("fr/abs.md", article("Absolu", image=f'"{src}"'))
    result = built.broken_build()
    find_problem(result, "content/fr/abs.md", 4, r"absolute|not allowed|must be")


@pytest.mark.parametrize("slug", ["../../x", "a/b", "..", "'!!!'"])
def test_slug_that_is_not_one_url_segment_is_refused(built: BuiltSite, slug: str) -> None:
    built.write("fr/slug.md", article("Slug", slug=slug))
    result = built.broken_build()
    find_problem(result, "content/fr/slug.md", 4, r"slug")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slug", "x" * 300, "slug too long to be a folder name (300 bytes; at most 200)"),
    ("tags", "[" + "ع" * 150 + "]", f"tag {'ع' * 40!r}... is too long to be a folder name (300 bytes; at most 200)"),
])
def test_slug_or_tag_too_long_for_a_folder_name(built: BuiltSite, field: str, value: str, message: str) -> None:
    built.write("fr/long.md", article("Long", **{field: value}))
    result = built.broken_build()
    assert problems(result) == [("content/fr/long.md", 4, message)]


def test_invalid_utf8_names_the_file(built: BuiltSite) -> None:
    built.write("fr/utf.md", b"---\ntitle: Titre\ndate: 2024-07-16\n---\nPremier.\n\nCaf\xe9 \xff\n")
    result = built.broken_build()
    assert any(path.endswith("content/fr/utf.md") and "UTF-8" in message
               for path, _, message in problems(result)), result.output


def test_invalid_utf8_is_reported_at_the_line_of_the_bad_byte(built: BuiltSite) -> None:
    built.write("fr/utf.md", b"---\ntitle: Titre\ndate: 2024-07-16\n---\nPremier.\n\nCaf\xe9 \xff\n")
    result = built.broken_build()
    find_problem(result, "content/fr/utf.md", 7, r"UTF-8")


@pytest.mark.parametrize("tags", ["['!!!']", "[Irak, '!!!']", "'???'"])
def test_tag_without_letters(built: BuiltSite, tags: str) -> None:
    built.write("fr/tag.md", article("Étiquette", tags=tags))
    result = built.broken_build()
    find_problem(result, "content/fr/tag.md", 4, r"tag")


def test_body_link_to_a_missing_local_file_is_reported_at_its_line(built: BuiltSite) -> None:
    body = "Premier paragraphe.\n\nDeuxième paragraphe.\n\n![x](missing.png)\n"
    built.write("fr/lien.md", article("Lien", source="Press TV", body=body))
    result = built.broken_build()
    # lines: 1 ---, 2 title, 3 date, 4 source, 5 ---, 6 first, 7 blank, 8 second, 9 blank, 10 image
    find_problem(result, "content/fr/lien.md", 10, r"missing\.png")


def test_body_link_to_a_missing_file_inside_a_list(built: BuiltSite) -> None:
    body = "Intro.\n\n- un\n- deux [document](docs/rapport.pdf)\n"
    built.write("fr/lien.md", article("Lien", body=body))
    result = built.broken_build()
    find_problem(result, "content/fr/lien.md", 8, r"rapport\.pdf")


def test_several_broken_files_are_all_reported_in_one_run(built: BuiltSite) -> None:
    built.write("fr/a.md", "---\ntitle: A\ndate: 2024-07-16\nsection: a: b\n---\nx\n")
    built.write("fr/b.md", "---\ndate: 2024-07-16\n---\nx\n")
    built.write("fr/c.md", article("C", date="demain"))
    built.write("en/d.md", article("D", image="nothing.jpg", tags="['!!!']"))
    built.write("ar/e.md", article("E", body="![x](absent.png)"))
    built.write("de/f.md", article("F"))
    result = built.broken_build()
    find_problem(result, "content/fr/a.md", 4, r"(?i)yaml")
    find_problem(result, "content/fr/b.md", 1, r"title")
    find_problem(result, "content/fr/c.md", 3, r"date")
    find_problem(result, "content/en/d.md", 4, r"nothing\.jpg")
    find_problem(result, "content/en/d.md", 5, r"tag")
    find_problem(result, "content/ar/e.md", 5, r"absent\.png")
    assert any("content/de" in path for path, _, _ in problems(result)), result.output


def test_several_cross_article_problems_are_all_reported(built: BuiltSite) -> None:
    built.write("fr/x.md", article("X", translation_key="retrait", related="[nulle-part]"))
    built.write("en/y.md", article("Y", related="[ailleurs]"))
    result = built.broken_build()
    find_problem(result, "content/fr/x.md", 4, r"retrait")
    find_problem(result, "content/fr/x.md", 5, r"nulle-part")
    find_problem(result, "content/en/y.md", 4, r"ailleurs")


def test_config_error_leaves_output_alone(built: BuiltSite) -> None:
    config = built.site.root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "per_page: 0\n", encoding="utf-8")
    result = built.broken_build()
    assert any(path.endswith("config.yaml") for path, _, _ in problems(result)), result.output


# --- successful builds --------------------------------------------------------------------------------------------


def test_removed_article_leaves_no_stale_file(built: BuiltSite) -> None:
    site = built.site
    (site.root / "content/fr/2024/retrait.md").unlink()
    site.write("content/fr/2024/ain-al-asad.md", GOOD_ARTICLES["fr/2024/ain-al-asad.md"].replace(
        "related: [retrait]\n", ""))
    site.build_ok()
    files = site.files()
    assert not any("retrait" in name for name in files), [n for n in files if "retrait" in n]
    assert not (site.output / "fr/2024/07/retrait").exists()
    assert b"Retrait des forces" not in files["fr/index.html"]
    assert b"Retrait des forces" not in files["fr/feed.xml"]
    assert b"retrait" not in files["sitemap.xml"]


def test_removed_image_reference_leaves_no_stale_copy(built: BuiltSite) -> None:
    site = built.site
    site.write("content/fr/2024/ain-al-asad.md", GOOD_ARTICLES["fr/2024/ain-al-asad.md"].replace(
        "image: {src: photo.jpg, caption: La base, credit: AFP}\n", ""))
    site.build_ok()
    assert "fr/2024/07/ain-al-asad/photo.jpg" in built.snapshot
    assert "fr/2024/07/ain-al-asad/photo.jpg" not in site.files()


def test_stray_file_in_output_is_removed(built: BuiltSite) -> None:
    site = built.site
    (site.output / "fr/2024/07/old-article").mkdir(parents=True)
    (site.output / "fr/2024/07/old-article/index.html").write_text("old", encoding="utf-8")
    site.build_ok()
    assert site.files() == built.snapshot


def test_two_builds_of_the_same_input_are_byte_identical(built: BuiltSite) -> None:
    time.sleep(1.1)  # a clock read anywhere in the pipeline would show up as a different second
    other = built.site.root.parent / "other-output"
    built.site.build_ok("--output", str(other))
    again = tree(other)
    assert sorted(again) == sorted(built.snapshot)
    for name, data in built.snapshot.items():
        assert again[name] == data, f"{name} differs between two builds"
    built.site.build_ok()
    assert built.site.files() == built.snapshot


def test_drafts_are_excluded_by_default_and_included_with_the_option(built: BuiltSite) -> None:
    site = built.site
    site.write("content/fr/brouillon.md", article("Brouillon secret", draft="true", tags="[Secret]"))
    site.build_ok()
    files = site.files()
    assert "fr/2024/07/brouillon/index.html" not in files
    assert not any(b"Brouillon secret" in data for data in files.values())
    assert "fr/tags/secret/index.html" not in files

    site.build_ok("--drafts")
    page = site.page("fr/2024/07/brouillon/")
    assert texts(page, "//h1") == ["Brouillon secret"]
    assert "fr/tags/secret/index.html" in site.files()
    assert b"Brouillon secret" in site.files()["fr/index.html"]


def test_draft_false_is_published(built: BuiltSite) -> None:
    built.site.write("content/fr/publie.md", article("Publié", draft="false"))
    built.site.build_ok()
    assert texts(built.site.page("fr/2024/07/publie/"), "//h1") == ["Publié"]


def test_broken_draft_is_still_reported(built: BuiltSite) -> None:
    built.write("fr/brouillon.md", article("Brouillon", draft="true", image="absente.jpg"))
    result = built.broken_build()
    find_problem(result, "content/fr/brouillon.md", 5, r"absente\.jpg")


# --- the command line ---------------------------------------------------------------------------------------------


def test_unknown_option_is_a_usage_error(built: BuiltSite) -> None:
    result = built.site.build("--no-such-option")
    assert result.exit_code == 2, result.output
    assert "no-such-option" in result.output
    assert "Traceback" not in result.output
    assert built.site.files() == built.snapshot


def test_python_m_digest_prints_problems_on_stderr_without_traceback(built: BuiltSite) -> None:
    site = built.site
    built.write("fr/a.md", "---\ntitle: A\ndate: 2024-07-16\nsection: a: b\n---\nx\n")
    built.write("fr/b.md", article("B", related="[inexistant]", image="absente.jpg"))
    env = {name: value for name, value in os.environ.items() if name != "DIGEST_DEBUG"}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-m", "digest", "build"], cwd=site.root, capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines, "no problem printed on stderr"
    for line in lines:
        assert re.match(r"^content/[^:]+\.md:\d+: \S", line), line
    assert "content/fr/a.md:4: " in result.stderr
    assert any(line.startswith("content/fr/b.md:5: ") and "absente.jpg" in line for line in lines), lines
    assert site.files() == built.snapshot


# --- messages that carry the hint the editor needs ---------------------------------------------------------------


def only_problem(result: Result) -> tuple[str, int | None, str]:
    found = problems(result)
    assert len(found) == 1 and len(result.output.splitlines()) == 1, result.output
    return found[0]


def test_colon_in_an_unquoted_title_says_to_quote_it(built: BuiltSite) -> None:
    built.write("fr/colon.md", "---\ntitle: Tramway: la gare rouvre\ndate: 2024-07-16\n---\nCorps.\n")
    assert only_problem(built.broken_build()) == (
        "content/fr/colon.md", 2, "invalid YAML: mapping values are not allowed in this context "
        "(a colon followed by a space in a value: put the value in quotes)")


@pytest.mark.parametrize(("text", "line"), [("---\ntitle: Titre\ndate: 2024-07-16\n\tsection: x\n---\nCorps.\n", 4),
                                            ("---\ntitle: Titre\ndate: 2024-07-16\ntags:\n\t- Irak\n---\nCorps.\n", 5)])
def test_tab_indentation_says_yaml_does_not_allow_tabs(built: BuiltSite, text: str, line: int) -> None:
    built.write("fr/tab.md", text)
    assert only_problem(built.broken_build()) == (
        "content/fr/tab.md", line, "invalid YAML: YAML does not allow tabs for indentation (indent with spaces)")


def test_impossible_date_names_the_field_and_the_value(built: BuiltSite) -> None:
    built.write("fr/date.md", article("Titre", date="2024-07-32"))
    assert only_problem(built.broken_build()) == (
        "content/fr/date.md", 3, "'date': 2024-07-32 is not a valid date (day is out of range for month)")


@pytest.mark.parametrize(("lang", "text", "encoding", "named"), [
    ("fr", "Café crème à Genève", "cp1252", "Windows-1252"),
    ("ar", "مرحبا بكم في موجزكم", "cp1256", "Windows-1256"),
])
def test_file_not_in_utf8_says_to_save_it_as_utf8_and_what_it_looks_like(
        built: BuiltSite, lang: str, text: str, encoding: str, named: str) -> None:
    data = f"---\ntitle: Titre\ndate: 2024-07-16\n---\n{text}\n".encode(encoding)
    built.write(f"{lang}/legacy.md", data)
    position = data.index(next(byte for byte in data if byte > 127).to_bytes(1, "big"))
    assert only_problem(built.broken_build()) == (
        f"content/{lang}/legacy.md", 5, f"not valid UTF-8 text (byte {position}): save the file as UTF-8 "
        f"(it looks like {named})")


def test_misspelt_related_key_suggests_the_closest(built: BuiltSite) -> None:
    built.write("fr/2023/tramway-valbrune-gare.md", article("Le tramway", date="2023-05-02"))
    built.write("fr/rel.md", article("Lié", related="[2023/tramway-valbrune-gares]"))
    assert only_problem(built.broken_build()) == (
        "content/fr/rel.md", 4,
        "related key '2023/tramway-valbrune-gares' matches no article (did you mean '2023/tramway-valbrune-gare'?)")


def test_missing_image_reports_the_src_line_and_the_path_looked_for(built: BuiltSite) -> None:
    built.write("fr/2024/img.md", "---\ntitle: Image\ndate: 2024-07-16\nimage:\n  caption: Rien\n"
                                  "  src: photos/absente.jpg\n---\nCorps.\n")
    assert only_problem(built.broken_build()) == (
        "content/fr/2024/img.md", 6,
        "file not found: 'photos/absente.jpg' (looked for content/fr/2024/photos/absente.jpg)")


def test_language_folder_in_capitals_says_codes_are_case_sensitive(built: BuiltSite) -> None:
    built.write("FR/x.md", article("Majuscules"))
    assert only_problem(built.broken_build()) == (
        "content/FR", None, "unknown language folder 'FR' (languages: fr, en, ar); "
        "language codes are case-sensitive: rename it to 'fr'")


@pytest.mark.parametrize("breaker", ["\x85", "\u2028", "\u2029", "\x0b", "\x1e"])
def test_a_file_reference_holding_a_line_break_character_is_one_problem_line(make_site: Callable[..., Site],
                                                                            breaker: str) -> None:
    """Found by the fuzz run (seed 424242): U+0085 in a missing file's name split its message in two lines."""
    site = make_site({"fr/a.md": article("Un article", body=f"Voir [la carte](carte{breaker}2024.pdf).")})
    result = site.build()
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("content/fr/a.md:"), lines
    assert "file not found" in lines[0] and "2024.pdf" in lines[0]
