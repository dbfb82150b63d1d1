"""Commands tell the truth: front matter read as the README says, summaries that count what happened."""

from __future__ import annotations

import re
import shutil

from helpers import Site, article, hrefs, texts

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
