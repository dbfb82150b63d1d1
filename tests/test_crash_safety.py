"""Crash safety: a build killed at any point leaves output/ as the complete old site or the complete new one, and an
output folder that cannot be written fails with a clear message and changes nothing."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from helpers import REPO, Site, article, tree, tree_hashes

MakeSite = Callable[..., Site]

KILLS = int(os.environ.get("DIGEST_CRASH_RUNS", "6"))
ARTICLES = 150  # per language: a build of a second or two




def digest_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "digest", "build", "--config", str(config), *args]


def run_build(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(digest_command(config, *args), capture_output=True, text=True, cwd=config.parent,
                          timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One site with two versions of its content (old and new) and a reference build of each."""
    root = tmp_path_factory.mktemp("crash")
    site = root / "site"
    subprocess.run([sys.executable, str(REPO / "bench" / "gen_corpus.py"), str(site), "--articles", str(ARTICLES)],
                   check=True, capture_output=True, cwd=root)
    old = root / "content-old"
    shutil.copytree(site / "content", old, symlinks=True)
    # The new version: one article rewritten, one removed, one added, so pages, tags and feeds all differ.
    articles = sorted((site / "content" / "fr").rglob("*.md"))
    articles[0].write_text(article("Un titre réécrit", date="2024-07-16T10:00:00+02:00", tags="[Réécrit]"),
                           encoding="utf-8")
    articles[1].unlink()
    (site / "content" / "fr" / "nouveau.md").write_text(article("Un nouvel article", tags="[Nouveau]"),
                                                        encoding="utf-8")
    new = root / "content-new"
    shutil.copytree(site / "content", new, symlinks=True)
    references = {}
    for version, content in (("old", old), ("new", new)):
        shutil.rmtree(site / "content")
        shutil.copytree(content, site / "content", symlinks=True)
        result = run_build(site / "config.yaml", "--output", str(root / f"reference-{version}"))
        assert result.returncode == 0, result.stderr
        references[version] = root / f"reference-{version}"
    return {"root": root, "site": site, "old": old, "new": new, **{f"reference-{v}": p for v, p in references.items()}}


def use_content(site: Path, version: Path) -> None:
    shutil.rmtree(site / "content")
    shutil.copytree(version, site / "content", symlinks=True)


def test_killed_builds_leave_the_old_or_the_new_site_never_a_mix(corpus: dict[str, Path]) -> None:
    site, config = corpus["site"], corpus["site"] / "config.yaml"
    expected = {"old": tree_hashes(corpus["reference-old"]), "new": tree_hashes(corpus["reference-new"])}
    assert expected["old"] != expected["new"]
    assert len(expected["old"]) > 1000, "the corpus is too small for the kills to land inside the build"

    # Time a build over a previous one (later builds hard-link unchanged files: faster than the first).
    durations = []
    for version in ("old", "new", "old"):
        use_content(site, corpus[version])
        started = time.perf_counter()
        result = run_build(config)
        durations.append(time.perf_counter() - started)
        assert result.returncode == 0, result.stderr
        assert tree_hashes(site / "output") == expected[version], f"the {version} site differs from its reference"
    duration = max(durations[1:])

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    current, seen = "old", []
    for run in range(KILLS):
        target = "new" if current == "old" else "old"
        use_content(site, corpus[target])
        # Spread the kills over the whole build: start-up, parsing, rendering, writing, the swap, and just after.
        delay = [0.05, duration * 0.5, duration * 2][run] if run < 3 else rng.uniform(0, duration * 1.1)
        process = subprocess.Popen(digest_command(config), cwd=site, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        with suppress(ProcessLookupError):  # the build may be over already
            os.killpg(process.pid, signal.SIGKILL)  # the build and any worker process it forked
        process.wait(timeout=60)
        found = tree_hashes(site / "output")
        state = next((name for name, hashes in expected.items() if found == hashes), None)
        if state is None:
            missing = sorted(set(expected[target]) - set(found))[:5]
            extra = sorted(set(found) - set(expected[target]) - set(expected[current]))[:5]
            pytest.fail(f"run {run} (seed {seed}, killed after {delay:.2f} s of a {duration:.2f} s build): output/ is "
                        f"neither the old nor the new site; missing {missing}, extra {extra}, {len(found)} files")
        seen.append((round(delay, 2), process.returncode, state))
        current = state

    print(f"seed {seed}, build {duration:.2f} s, (delay, exit status, output/ after the kill): {seen}")

    # Whatever the kills left beside output/ (staging folders), the next build completes and is right.
    result = run_build(config)
    assert result.returncode == 0, result.stderr
    assert tree_hashes(site / "output") == expected[target], seen
    leftovers = [p.name for p in site.iterdir() if p.name not in ("config.yaml", "content", "output")]
    assert all(name.startswith(".output.") or name == ".digest-cache" for name in leftovers), leftovers


# --------------------------------------------------------------------------------------------------------------
# An output folder that cannot be written


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]")})
    site.build_ok()
    return site


def everything(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` but previous sites that a successful build deletes in the background."""
    return tree(folder, exclude=(".output.*",), folders=True)


def assert_refused_cleanly(site: Site, args: tuple[str, ...], pattern: str) -> None:
    before = everything(site.root.parent)
    result = site.build(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and ": output folder " in lines[0], result.output
    assert re.search(pattern, lines[0]), result.output
    assert everything(site.root.parent) == before, "a refused build changed files"


def test_file_where_the_output_folder_should_be(site: Site) -> None:
    shutil.rmtree(site.output)
    site.output.write_text("not a folder\n", encoding="utf-8")
    assert_refused_cleanly(site, (), r"exists and is not a folder")
    assert site.output.read_text(encoding="utf-8") == "not a folder\n"


def test_file_where_the_output_parent_should_be(site: Site) -> None:
    blocker = site.root / "public"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    assert_refused_cleanly(site, ("--output", str(blocker / "site")), r"cannot be written|not a (folder|directory)")


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make `folder` read-only; for root (who ignores permissions) make it immutable with chattr."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                        capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr +i: no way to make a folder read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_read_only_parent_of_the_output_folder(site: Site) -> None:
    parent = site.root / "www"
    parent.mkdir()
    output = parent / "output"
    site.build_ok("--output", str(output))
    before = everything(output)
    site.write("content/fr/2024/b.md", article("Un autre article", date="2024-07-17"))  # so there is a new site
    with read_only(parent):
        assert_refused_cleanly(site, ("--output", str(output)), r"cannot be written")
    assert everything(output) == before
    assert sorted(p.name for p in parent.iterdir()) == ["output"]


def test_read_only_parent_without_an_output_folder_yet(site: Site) -> None:
    parent = site.root / "www"
    parent.mkdir()
    with read_only(parent):
        assert_refused_cleanly(site, ("--output", str(parent / "output")), r"cannot be written")
    assert list(parent.iterdir()) == []


def test_what_a_killed_build_was_keeping_is_removed_and_never_taken_for_the_cache(site: Site) -> None:
    """A full build writes the records it keeps (parsed articles, page graph) into .digest-cache/.keep-<pid>.tmp/
    and moves them into place once its site is output/'s. One a killed build left is removed by the next
    full build, which does not read it; a build leaves none behind (nor does one that fails once the
    folder is made: see test_read_only_parent_of_the_output_folder, where the cache is left as it was)."""
    site.build_ok()
    cache = site.root / ".digest-cache"
    leftover = cache / ".keep-999999.tmp"
    (leftover / "articles").mkdir(parents=True)
    (leftover / "articles" / "00.pickle").write_bytes(b"half a shard")
    (leftover / "graph").write_bytes(b"half a graph")
    shutil.rmtree(cache / "articles")
    site.write("content/fr/2024/b.md", article("Un autre article", date="2024-07-17"))
    site.build_ok()
    assert not list(cache.glob(".keep-*")), "a folder of kept records was left in the cache"
    assert sorted(p.name for p in (cache / "articles").iterdir()), "the parsed articles were not kept"
    assert all(p.read_bytes() != b"half a shard" for p in (cache / "articles").iterdir())
