"""Reproducible builds: two clean builds of the example site from copies made in different orders, with different
hash seeds, working directories, time zones, locales and worker counts, give byte-identical output trees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO, tree_hashes

SITE_PARTS = ("config.yaml", "content", "templates", "images")


def source_files() -> list[Path]:
    """The example site's files (relative to REPO), in a fixed order."""
    files = [Path("config.yaml")]
    for folder in SITE_PARTS[1:]:
        files += sorted(p.relative_to(REPO) for p in (REPO / folder).rglob("*") if p.is_file())
    return files


def copy_site(target: Path, reverse: bool) -> None:
    """Copy the example site file by file: in order, or in reverse order with other modification times."""
    files = source_files()
    for index, relative in enumerate(reversed(files) if reverse else files):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes((REPO / relative).read_bytes())
        if reverse:  # a different, unrelated mtime for every file
            stamp = 1_000_000_000 + 86_400 * 365 * 20 - index * 3_607
            os.utime(destination, (stamp, stamp))




def build(config: str, cwd: Path, **env: str) -> None:
    environment = {**os.environ, **env}
    environment.pop("DIGEST_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "digest", "build", "--config", config], cwd=cwd,
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_clean_builds_of_the_example_site_are_byte_identical(tmp_path: Path) -> None:
    first, second, elsewhere = tmp_path / "first", tmp_path / "second" / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    copy_site(first, reverse=False)
    copy_site(second, reverse=True)
    assert "search:" not in (first / "config.yaml").read_text(encoding="utf-8"), "search must be on (the default)"

    # Absolute --config from an unrelated folder vs. a relative one from the site itself.
    build(str(first / "config.yaml"), elsewhere, PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C", DIGEST_JOBS="1")
    build("config.yaml", second, PYTHONHASHSEED="4242", TZ="Asia/Kathmandu", LC_ALL="C.UTF-8", DIGEST_JOBS="2")

    one, two = tree_hashes(first / "output"), tree_hashes(second / "output")
    assert any(name.startswith("pagefind/") for name in one), "the search index was not built"
    assert sorted(one) == sorted(two), sorted(set(one) ^ set(two))[:20]
    differing = sorted(name for name in one if one[name] != two[name])
    assert differing == [], f"{len(differing)} files differ: {differing[:20]}"
    assert not (elsewhere / "output").exists(), "the output folder follows the working directory"


def test_rebuilding_a_copy_in_another_folder_gives_the_same_tree(tmp_path: Path) -> None:
    # The same sources moved elsewhere (another absolute path, other inode numbers) and rebuilt.
    site = tmp_path / "a"
    copy_site(site, reverse=False)
    build("config.yaml", site, PYTHONHASHSEED="7")
    before = tree_hashes(site / "output")
    moved = tmp_path / "deeper" / "path with spaces" / "b"
    moved.parent.mkdir(parents=True)
    shutil.copytree(site, moved, ignore=shutil.ignore_patterns("output", ".digest-cache"))
    build(str(moved / "config.yaml"), tmp_path, PYTHONHASHSEED="8")
    assert tree_hashes(moved / "output") == before
