"""One owner of output/: every build, an edit's included, stages the site and swaps it in with one
atomic exchange. Killed at any moment, an edit build leaves output/ exactly the old site or the new
one (no temporary file inside it), and the next build equals a clean build; two builds at once both
succeed; a failed edit build changes nothing; damaged records in the cache mean rebuilding that part."""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

from digest.config import load_config
from digest.output import locked
from digest.state import BuildState

from helpers import REPO, Site, article, tree, tree_hashes

KILLS = int(os.environ.get("DIGEST_EDIT_KILLS", "10"))
ARTICLES = 150  # per language; with search on: an edit build of about a second
EDITED = 12  # titles edited: their pages, the lists and tag pages that show their cards, feeds, a shard


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "digest", "build", "--config", str(config), *args]


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(config, *args), capture_output=True, text=True, cwd=config.parent, timeout=300)


class Corpus:
    """A generated site (search on) whose newest French articles have an old and a new title."""

    def __init__(self, root: Path) -> None:
        self.site = root / "site"
        self.config = self.site / "config.yaml"
        subprocess.run([sys.executable, str(REPO / "bench" / "gen_corpus.py"), str(self.site), "--articles",
                        str(ARTICLES)], check=True, capture_output=True, cwd=root)
        files = sorted((self.site / "content" / "fr").rglob("*.md"))[-EDITED:]
        self.texts = {"old": {file: file.read_text(encoding="utf-8") for file in files}}
        self.texts["new"] = {file: text.replace('title: "', 'title: "Mis à jour : ', 1)
                             for file, text in self.texts["old"].items()}
        self.references: dict[str, dict[str, str]] = {}
        for version in ("new", "old"):
            self.use(version)
            result = run(self.config, "--output", str(root / f"reference-{version}"))
            assert result.returncode == 0, result.stderr
            self.references[version] = tree_hashes(root / f"reference-{version}")

    def use(self, version: str) -> None:
        """Rewrite the edited files in place (same inodes): the next build is an edit build."""
        for file, text in self.texts[version].items():
            file.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("edits"))


def temporary_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if (path.name.startswith(".") and path.name != ".nojekyll") or path.name.endswith((".tmp", ".new")))


def test_killed_edit_builds_leave_the_old_or_the_new_site_and_the_next_build_is_clean(corpus: Corpus) -> None:
    output, expected = corpus.site / "output", corpus.references
    assert expected["old"] != expected["new"]
    durations = []
    for version in ("old", "new", "old"):
        corpus.use(version)
        started = time.perf_counter()
        result = run(corpus.config)
        durations.append(time.perf_counter() - started)
        assert result.returncode == 0, result.stderr
        assert tree_hashes(output) == expected[version]
    # The edit builds really are edits: a few dozen files written, not the site.
    written = int(re.search(r": (\d+) written", result.stdout).group(1))  # type: ignore[union-attr]
    assert 0 < written < len(expected["old"]) // 10, result.stdout
    duration = max(durations[1:])

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    current, seen = "old", []
    for run_number in range(KILLS):
        target = "new" if current == "old" else "old"
        corpus.use(target)
        delay = rng.uniform(0.3, duration * 1.1)  # (before 0.3 s, Python is still starting)
        process = subprocess.Popen(command(corpus.config), cwd=corpus.site, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the build, its workers and pagefind
        process.wait(timeout=60)
        found = tree_hashes(output)
        state = next((name for name, hashes in expected.items() if found == hashes), None)
        assert state is not None, (f"run {run_number} (seed {seed}, killed after {delay:.2f} s of a {duration:.2f} s "
                                   f"edit build): output/ is neither the old nor the new site")
        assert temporary_files(output) == [], f"run {run_number} (seed {seed})"
        seen.append((round(delay, 2), state))
        current = state
    print(f"seed {seed}, edit build {duration:.2f} s, (delay, output/ after the kill): {seen}")

    result = run(corpus.config)
    assert result.returncode == 0, result.stderr
    assert tree_hashes(output) == expected[target], seen


def test_two_builds_at_once_both_succeed_and_the_second_waits(corpus: Corpus) -> None:
    output = corpus.site / "output"
    corpus.use("old")
    assert run(corpus.config).returncode == 0
    corpus.use("new")
    config = load_config(corpus.config)
    # Hold the lock as a running build does: a build started now says it waits, and does wait.
    with locked(config.cache_dir, config.output_dir):
        waiting = subprocess.Popen(command(corpus.config), cwd=corpus.site, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert waiting.poll() is None, "the build did not wait for the one holding the lock"
        assert tree_hashes(output) == corpus.references["old"]
    _, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    assert "another build is running on this site; waiting for it to finish" in stderr
    assert tree_hashes(output) == corpus.references["new"]

    # Two at once, for real, after an edit: both succeed, and output/ is the clean site.
    corpus.use("old")
    first, second = (subprocess.Popen(command(corpus.config), cwd=corpus.site, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2))
    for process in (first, second):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert tree_hashes(output) == corpus.references["old"]


def test_a_damaged_search_record_is_rebuilt_and_a_failing_index_changes_nothing(corpus: Corpus) -> None:
    output = corpus.site / "output"
    corpus.use("old")
    assert run(corpus.config).returncode == 0
    records = corpus.site / ".digest-cache" / "search-records"
    edited_shard = "fr-2024-q"
    # A damaged record (truncated by a full disk, altered in a restored cache): not trusted, rebuilt.
    for file in records.glob(f"{edited_shard}*.pickle"):
        file.write_bytes(file.read_bytes()[: len(file.read_bytes()) // 2])
    corpus.use("new")
    result = run(corpus.config)
    assert result.returncode == 0, result.stderr
    assert tree_hashes(output) == corpus.references["new"]

    # Records that check out but that Pagefind refuses: the edit build fails and output/ is untouched.
    from digest.search import _checksum

    before = tree_hashes(output)
    for file in records.glob(f"{edited_shard}*.pickle"):
        kept = pickle.loads(file.read_bytes()[16:])
        data = pickle.dumps([{"not": "a record"}] * len(kept))
        file.write_bytes(_checksum(data) + data)
    corpus.use("old")
    result = run(corpus.config)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr and "pagefind" in result.stderr, result.stderr
    assert tree_hashes(output) == before
    assert temporary_files(output) == []
    leftovers = [p.name for p in corpus.site.iterdir() if p.name.startswith(".output.")]
    assert leftovers == [], leftovers


# --- damaged records in the cache: rebuild that part, never a traceback or a wrong site ----------------------


@pytest.fixture
def small(make_site) -> Site:
    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]")})
    site.build_ok()
    return site


def clean_build(site: Site) -> dict[str, bytes]:
    clean = site.root.parent / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    result = run(site.root / "config.yaml", "--output", str(clean))
    assert result.returncode == 0, result.stderr
    return tree(clean)


@pytest.mark.parametrize("damage", [{"saved_ns": []}, {"files": ["index.html"]}, {"files": {"index.html": 3}},
                                    {"saved_ns": "1"}])
def test_a_manifest_with_wrong_types_means_a_rebuild(small: Site, damage: dict[str, object]) -> None:
    state = BuildState(load_config(small.root / "config.yaml"))
    record = state.record("manifest")
    data = json.loads(record.read_bytes())
    data.update(damage)
    record.write_text(json.dumps(data), encoding="utf-8")
    small.write("content/fr/2024/a.md", article("Un article modifié", tags="[Irak]"))
    result = small.build()
    assert result.exit_code == 0, result.output
    assert small.files() == clean_build(small)


def test_read_only_output_folder_gives_one_clear_line(small: Site) -> None:
    from test_crash_safety import read_only

    before = tree(small.output, folders=True)
    small.write("content/fr/2024/a.md", article("Un article modifié", tags="[Irak]"))
    with read_only(small.output):
        result = small.build()
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0], result.output
    assert re.fullmatch(r".*output: output folder cannot be replaced: .+", lines[0]), result.output
    assert tree(small.output, folders=True) == before
    assert [p.name for p in small.root.iterdir() if p.name.startswith(".output.")] == []
    small.build_ok()  # writable again: the edit goes in
    assert small.files() == clean_build(small)


def test_an_output_folder_that_is_a_mount_point_is_updated_file_by_file(small: Site) -> None:
    """A mount point (a container volume, a tmpfs) cannot be exchanged: each file is replaced atomically."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "digest-test", str(small.output)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        assert os.path.ismount(small.output) and list(small.output.iterdir()) == []
        small.build_ok()
        assert small.files() == clean_build(small)
        small.write("content/fr/2024/a.md", article("Un article modifié", tags="[Liban]"))
        small.build_ok()
        assert small.files() == clean_build(small)
        assert os.path.ismount(small.output)
        assert temporary_files(small.output) == []
    finally:
        subprocess.run(["umount", str(small.output)], check=True)
