"""One owner of output/: every build, an edit's included, stages the site and swaps it in with one
atomic exchange. Killed at any moment, an edit build leaves output/ exactly the old site or the new
one (no temporary file inside it), and the next build equals a clean build; two builds at once both
succeed; a failed edit build changes nothing; damaged records in the cache mean rebuilding that part."""

from __future__ import annotations

import io
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
from digest.records import load_record, save_record
from digest.state import BuildState

from helpers import REPO, Site, article, site_hashes, site_tree, tree, tree_hashes

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
            self.references[version] = site_hashes(root / f"reference-{version}")

    def use(self, version: str) -> None:
        """Rewrite the edited files in place (same inodes): the next build is an edit build."""
        for file, text in self.texts[version].items():
            file.write_text(text, encoding="utf-8")


def kind_of_build(config: Path) -> str:
    """Build as `digest build` does, in a process of its own; the kind of build it was (full, edit, unchanged)."""
    code = "import sys; from pathlib import Path; from digest.build import build; print(build(Path(sys.argv[1])).kind)"
    done = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True, text=True, cwd=config.parent,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


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
        assert site_hashes(output) == expected[version]
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
        found = site_hashes(output)
        state = next((name for name, hashes in expected.items() if found == hashes), None)
        assert state is not None, (f"run {run_number} (seed {seed}, killed after {delay:.2f} s of a {duration:.2f} s "
                                   f"edit build): output/ is neither the old nor the new site")
        assert temporary_files(output) == [], f"run {run_number} (seed {seed})"
        seen.append((round(delay, 2), state))
        current = state
        if run_number % 2:
            # A killed build costs the next one little: it knows which site output/ is, and reuses the
            # spare tree the killed build was updating: an edit build (or nothing to do), never a full one.
            kind = kind_of_build(corpus.config)
            assert kind in ("edit", "unchanged"), f"run {run_number} (seed {seed}): the next build was {kind}"
            assert tree_hashes(output) == expected[target], f"run {run_number} (seed {seed})"
            seen.append(kind)
            current = target
    print(f"seed {seed}, edit build {duration:.2f} s, (delay, output/ after the kill), next build: {seen}")

    result = run(corpus.config)
    assert result.returncode == 0, result.stderr
    assert site_hashes(output) == expected[target], seen


# `digest build`, killed (for real: SIGKILL) just before or just after its swap: argv[1] says which.
KILLED_AT_THE_SWAP = """
import os, signal, sys
from pathlib import Path
from digest import output
from digest.build import build

moment, exchange = sys.argv[1], output.exchange

def killed(a, b):
    if moment == "after":
        exchange(a, b)
    os.kill(os.getpid(), signal.SIGKILL)

output.exchange = killed
build(Path(sys.argv[2]))
"""


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_build_killed_at_its_swap_is_followed_by_an_edit_build(corpus: Corpus, moment: str) -> None:
    """Killed just before the swap, output/ is the old site; just after, the new one, before any record
    says so: either way the next build knows which, and is an edit build."""
    output = corpus.site / "output"
    corpus.use("old")
    assert run(corpus.config).returncode == 0
    corpus.use("new")
    killed = subprocess.Popen([sys.executable, "-c", KILLED_AT_THE_SWAP, moment, str(corpus.config)],
                              cwd=corpus.site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    _, stderr = killed.communicate(timeout=120)
    with suppress(ProcessLookupError):
        os.killpg(killed.pid, signal.SIGKILL)  # its workers and pagefind, if still there
    assert killed.returncode == -signal.SIGKILL, stderr
    assert tree_hashes(output) == corpus.references["old" if moment == "before" else "new"]
    assert temporary_files(output) == []
    assert kind_of_build(corpus.config) == "edit"
    assert tree_hashes(output) == corpus.references["new"]
    # The site replaced was kept as the spare, and is brought up to date by the next edit.
    corpus.use("old")
    assert kind_of_build(corpus.config) == "edit"
    assert tree_hashes(output) == corpus.references["old"]


def test_an_edit_reverted_after_a_build_killed_past_its_swap_gives_the_old_site_again(corpus: Corpus) -> None:
    """Killed just after its swap, an edit build leaves output/ the new site before any record says so:
    the page graph must then describe the new site too, or reverting the edit would re-render only the
    articles' own pages against a graph that thinks the lists still show them as they were."""
    output = corpus.site / "output"
    corpus.use("old")
    assert run(corpus.config).returncode == 0
    corpus.use("new")
    killed = subprocess.Popen([sys.executable, "-c", KILLED_AT_THE_SWAP, "after", str(corpus.config)],
                              cwd=corpus.site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    _, stderr = killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL, stderr
    assert tree_hashes(output) == corpus.references["new"]
    corpus.use("old")  # the editor takes the edit back
    assert kind_of_build(corpus.config) == "edit"
    assert tree_hashes(output) == corpus.references["old"]


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
        assert site_hashes(output) == corpus.references["old"]
    _, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    assert "another build is running on this site; waiting for it to finish" in stderr
    assert site_hashes(output) == corpus.references["new"]

    # Two at once, for real, after an edit: both succeed, and output/ is the clean site.
    corpus.use("old")
    first, second = (subprocess.Popen(command(corpus.config), cwd=corpus.site, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2))
    for process in (first, second):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert site_hashes(output) == corpus.references["old"]


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
    assert site_hashes(output) == corpus.references["new"]

    # Records that check out but that Pagefind refuses: the edit build fails and output/ is untouched.
    corpus.use("old")
    assert run(corpus.config).returncode == 0  # an edit build: the edited quarter indexed again
    for file in records.glob(f"{edited_shard}*.pickle"):
        data = load_record(file, "search-records")
        if data is None:
            continue  # (the damaged version, still listed by nothing but kept until the next prune)
        kept = pickle.loads(data)
        kept["records"] = [{"not": "a record"}] * len(kept["records"])
        save_record(file, "search-records", pickle.dumps(kept))
    before = tree_hashes(output)
    corpus.use("new")
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


def clean_build(site: Site, found: bool = False) -> dict[str, bytes]:
    clean = site.root.parent / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    result = run(site.root / "config.yaml", "--output", str(clean))
    assert result.returncode == 0, result.stderr
    return site_tree(clean, found=found)


@pytest.mark.parametrize("damage", [
    {"saved_ns": []}, {"files": ["index.html"]}, {"files": {"index.html": 3}}, {"saved_ns": "1"},
    # The file list as the record holds it (paths, fingerprints: NUL-separated) but damaged: counts that
    # differ, a part not a string, the layout of an older digest (a pickled dict); or well formed, naming
    # files output/ does not hold (an edit stages against it, and finds out before the swap).
    {"files": pickle.dumps(("index.html\x00404.html", "0123"))}, {"files": pickle.dumps(("index.html", 3))},
    {"files": pickle.dumps({"index.html": "0123", "404.html": "4567"})},
    {"files": pickle.dumps(("index.html\x00gone/index.html", "0123\x004567"))}])
def test_a_manifest_with_wrong_types_means_a_rebuild(small: Site, damage: dict[str, object]) -> None:
    state = BuildState(load_config(small.root / "config.yaml"))
    record = state.record("manifest")
    data = pickle.loads(load_record(record, "state") or b"")
    data.update(damage)  # (sealed anew: the record checks out, only its types are wrong)
    save_record(record, "state", pickle.dumps(data))
    small.write("content/fr/2024/a.md", article("Un article modifié", tags="[Irak]"))
    result = small.build()
    assert result.exit_code == 0, result.output
    assert site_tree(small.output) == clean_build(small)


def test_a_folder_moved_to_the_spares_name_after_its_record_is_not_trusted(small: Site) -> None:
    """The spare tree's record holds for the very folder it was saved for: another folder found at
    its name (as a build killed between moving the site it replaced there and recording it leaves
    one), whose files look older than the record, is not taken to hold what the record says."""
    state = BuildState(load_config(small.root / "config.yaml"))
    first = site_tree(small.output)
    small.write("content/fr/2024/a.md", article("Un article relu", tags="[Irak]"))
    small.build_ok()  # output/: the new site; the spare: the first one, as its record says
    spare = state.spare_dir()
    assert spare is not None and state.load_tree("spare", spare) is not None
    recorded = pickle.loads(load_record(state.record("spare"), "state") or b"")["saved_ns"]
    # Another site in its place: the new one, its files dated before the record (as `cp -p` of an older copy).
    shutil.rmtree(spare)
    shutil.copytree(small.output, spare)
    for path in spare.rglob("*"):
        os.utime(path, ns=(recorded - 10**9, recorded - 10**9), follow_symlinks=False)
    assert state.load_tree("spare", spare) is None
    small.write("content/fr/2024/a.md", article("Un article", tags="[Irak]"))  # back to the first site
    small.build_ok()
    assert site_tree(small.output) == first == clean_build(small)


def test_the_first_edit_after_a_build_from_nothing_stages_into_the_copy_that_build_left(make_site) -> None:
    """A build with no site to keep mirrors the new one as it writes it (hard links, search index
    included) and keeps that copy as the spare: the first edit stages into it (the copy becomes
    output/) instead of linking every file of the site into a fresh folder; the result is a clean build."""
    from helpers import BASE_CONFIG

    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]")},
                     config=BASE_CONFIG.replace("search: false", "search: true"))
    site.build_ok()
    state = BuildState(load_config(site.root / "config.yaml"))
    spare = state.spare_dir()
    assert spare is not None and state.load_tree("spare", spare) is not None
    files = {path.relative_to(site.output): os.stat(path).st_ino for path in site.output.rglob("*") if path.is_file()}
    assert any(str(path).startswith("pagefind/") for path in files)
    assert {path.relative_to(spare): os.stat(path).st_ino for path in spare.rglob("*") if path.is_file()} == files
    copy = os.stat(spare).st_ino
    site.write("content/fr/2024/a.md", article("Un article relu", tags="[Irak]"))
    result = subprocess.run(command(site.root / "config.yaml"), capture_output=True, text=True, cwd=site.root)
    assert result.returncode == 0, result.stderr
    assert os.stat(site.output).st_ino == copy  # the copy, brought up to date, is output/ now
    assert site_tree(site.output) == clean_build(site)


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
    assert site_tree(small.output) == clean_build(small)


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
        assert site_tree(small.output) == clean_build(small)
        small.write("content/fr/2024/a.md", article("Un article modifié", tags="[Liban]"))
        small.build_ok()
        assert site_tree(small.output) == clean_build(small)
        assert os.path.ismount(small.output)
        assert temporary_files(small.output) == []
    finally:
        subprocess.run(["umount", str(small.output)], check=True)


def _jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_damaged_resized_image_or_article_record_in_the_cache_is_made_again(make_site) -> None:
    site = make_site({"fr/2024/a.md": article("Un article", body="Texte original du corps.",
                                              image="{src: photo.jpg, caption: Une photo, credit: AFP}"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00")})
    site.write("content/fr/2024/photo.jpg", _jpeg(1200, 800))
    site.build_ok()
    cache = site.root / ".digest-cache"
    resized = sorted((cache / "images").glob("*-480.jpg"))
    assert resized and (site.output / "fr/2024/07/a/photo-480w.jpg").read_bytes() == resized[0].read_bytes()
    resized[0].write_bytes(b"")  # a full disk, a cache restored from elsewhere
    # An article record altered in the cache (same length: the pickle still loads).
    altered = 0
    for shard in (cache / "articles").glob("*.pickle"):
        data = shard.read_bytes()
        if b"Texte original du corps." in data:
            shard.write_bytes(data.replace(b"Texte original du corps.", b"Texte ALTERE  du corps.."))
            altered += 1
    assert altered == 1
    site.write("content/fr/2024/c.md", article("Un troisième", date="2024-07-14T09:00:00+02:00"))  # a full build
    site.build_ok()
    assert site_tree(site.output) == clean_build(site)
    assert len((site.output / "fr/2024/07/a/photo-480w.jpg").read_bytes()) > 100
    assert "Texte original du corps." in site.page("fr/2024/07/a/").text_content()


def test_serve_and_build_share_the_cache_and_serve_never_writes_output(make_site) -> None:
    """serve's builds (its own folder, the configured base_url) hard-link what output/ holds, leave
    output/ byte for byte as it was, and a `digest build` after a preview edit is an edit build."""
    from digest.build import Builder
    from digest.config import load_config
    from digest.serve import preview_builder

    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]"),
                      "en/a.md": article("An article")})
    site.build_ok()
    before = tree(site.output, folders=True)
    config = site.root / "config.yaml"
    folder = site.root / ".digest-cache" / "serve"
    server = preview_builder(config, load_config(config))
    first = server.build()
    # output/ is right for these inputs: serve takes it over (hard links, the records) and renders nothing.
    assert first.kind == "unchanged" and first.written == 0
    files = [path.relative_to(site.output) for path in site.output.rglob("*") if path.is_file()]
    assert files and all((folder / file).stat().st_ino == (site.output / file).stat().st_ino for file in files)

    path = site.write("content/fr/2024/a.md", article("Un article relu", tags="[Irak]"))
    assert server.build(changed=[str(path)]).kind == "edit"
    assert tree(site.output, folders=True) == before
    assert "Un article relu" in (folder / "fr/2024/07/a/index.html").read_text(encoding="utf-8")

    result = Builder(config, persistent=True).build()
    assert result.kind == "edit", "a build after a preview edit should be an edit build"
    assert site_tree(site.output) == clean_build(site)
    assert site_tree(folder, found=True) == clean_build(site, found=True)


def test_serve_over_an_output_folder_that_is_not_current_builds_its_own(make_site) -> None:
    """Only an output/ right for the current inputs is taken over whole: after an edit it is not."""
    from digest.build import Builder

    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]")})
    site.build_ok()
    before = tree(site.output, folders=True)
    site.write("content/fr/2024/a.md", article("Un article relu", tags="[Irak]"))
    folder = site.root / ".digest-cache" / "serve"
    result = Builder(site.root / "config.yaml", output_dir=folder, persistent=True, trust_own_output=True,
                     borrow_from=site.output).build()
    assert result.kind == "full" and result.written > 0
    assert "Un article relu" in (folder / "fr/2024/07/a/index.html").read_text(encoding="utf-8")
    assert tree(site.output, folders=True) == before
    assert site_tree(folder) == clean_build(site)
