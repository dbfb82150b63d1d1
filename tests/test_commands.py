"""Commands tell the truth: front matter read as the README says, summaries that count what happened."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from helpers import Site, article, hrefs, run_in, texts

SUMMARY = re.compile(r"^Built (?P<pages>\d+) pages \((?P<files>\d+) files: (?P<written>\d+) written, "
                     r"(?P<unchanged>\d+) unchanged\) in [\d.]+ s -> ", re.MULTILINE)

ARTICLES = {
    "fr/2024/one.md": article("Premier", tags="[Irak]"),
    "fr/2024/two.md": article("Deuxième", date="2024-07-15T10:00:00+02:00", tags="[Irak, Drones]"),
    "en/one.md": article("First", tags="[Iraq]"),
}


def test_tags_in_one_string_are_split_on_commas(make_site):
    site = make_site({"fr/2024/a.md": article("Tramway", tags='"Transports, Tourisme, Écologie"'),
                      "fr/2024/b.md": article("Gare", tags="Transports,Gare")})
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert texts(page, '//*[contains(@class, "tags")]//a') == ["Transports", "Tourisme", "Écologie"]
    assert hrefs(page, '//*[contains(@class, "tags")]//a') == [
        "/sub/fr/tags/transports/", "/sub/fr/tags/tourisme/", "/sub/fr/tags/ecologie/"]
    for slug in ("transports", "tourisme", "ecologie", "gare"):
        assert (site.output / "fr/tags" / slug / "index.html").is_file(), slug
    assert not (site.output / "fr/tags/transports-tourisme-ecologie").exists()
    transports = site.page("fr/tags/transports/")
    assert sorted(texts(transports, "//main//article//h2")) == ["Gare", "Tramway"]


def summary(site: Site, *args: str) -> dict[str, int]:
    result = site.build_ok(*args)
    match = SUMMARY.search(result.output)
    assert match, result.output
    return {key: int(value) for key, value in match.groupdict().items()}


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(name for name, data in after.items() if before.get(name) != data)


def test_written_counts_only_files_whose_bytes_changed(make_site):
    site = make_site(ARTICLES)
    first = summary(site)
    assert first["written"] == first["files"] == len(site.files())
    before = site.files()
    site.write("content/fr/2024/three.md", article("Troisième", date="2024-07-10T10:00:00+02:00", tags="[Gaza]"))
    second = summary(site)
    after = site.files()
    changed = changed_files(before, after)
    assert "fr/2024/07/three/index.html" in changed and "en/index.html" not in changed
    assert second["written"] == len(changed), changed
    assert second["unchanged"] == second["files"] - len(changed)
    # A build without the cache renders every page again: the same bytes, so nothing is written.
    shutil.rmtree(site.root / ".digest-cache")
    again = summary(site)
    assert site.files() == after
    assert again["written"] == 0 and again["unchanged"] == again["files"]


# --- user strings that become file names: too long is a message, never a crash ------------------------------------


def test_long_titles_make_file_names_that_fit(make_site):
    site = make_site()
    title = "عنوان " * 60  # 360 characters, 660 bytes of UTF-8: far beyond a file name's 255 bytes
    result = run_in(site.root, "new", title, "--lang", "ar", "--publish")
    assert result.exit_code == 0, result.output
    path = site.root / result.output.strip()
    assert path.is_file() and len(path.name.encode()) <= 160 and path.stem.startswith("عنوان-عنوان")
    assert not path.stem.endswith("-")
    site.build_ok()
    assert [title.strip()] == [" ".join(t.split()) for t in texts(site.page("ar/"), "//main//h2")]
    too_long = run_in(site.root, "new", "Title", "--lang", "en", "--slug", "x" * 300)
    assert too_long.exit_code == 1
    assert too_long.output.splitlines() == ["--slug: the slug is too long for a file name (300 bytes; at most 150)"]


def test_import_of_names_too_long_is_refused_cleanly(make_site):
    site = make_site()
    site.write("in.txt", "Un titre\n\nUn paragraphe de texte.\n")
    long_name = "x" * 300
    for args, message in (
            ((f"{long_name}.txt",), f"{long_name}.txt: cannot read file: File name too long"),
            (("in.txt", "--image", f"{long_name}.jpg"), f"in.txt: --image {long_name}.jpg: photo not found")):
        result = run_in(site.root, "import", *args, "--lang", "fr")
        assert result.exit_code == 1, result.output
        assert result.output.splitlines() == [message]
    assert list((site.root / "content").rglob("*")) == []


def test_init_in_a_folder_name_too_long_is_refused_cleanly(tmp_path):
    result = run_in(tmp_path, "init", "x" * 300)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"{'x' * 300}: cannot create a site here: File name too long"]
    assert list(tmp_path.iterdir()) == []


def test_a_build_with_nothing_to_do_loads_none_of_the_page_machinery(make_site):
    """A build that finds its inputs and output/ as it left them reads its records and stops: it imports
    neither the template engine, the Markdown parsers, Pillow, lxml nor the feed writer (each would cost
    start-up time on every save in an editor that builds on save)."""
    site = make_site(ARTICLES)
    site.build_ok()
    heavy = ["jinja2", "markdown_it", "markdown_it_pyrs", "PIL", "lxml", "feedgen"]
    code = ("import sys; from digest.cli import main\n"
            "try:\n    main.main(args=['build'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(name for name in {heavy!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=site.root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "0 written" in result.stdout + result.stderr
    assert "LOADED []" in result.stdout, result.stdout
