"""What a killed edit build costs the next one: SIGKILL `digest build` at random moments of an edit
build, then time the build after it, against the same edit build not killed.

A corpus from gen_corpus.py (fr + en); the newest `--edited` French articles have an old and a new
title, written in place in turn, so that every build is an edit build. For each kill: output/ must be
the old site or the new one, file for file (else it counts as mixed), and the build after the kill
must give the new site exactly; its time and kind (edit, full, unchanged) are recorded.

    python bench/killed_builds.py --articles 2000 --kills 30 --work SCRATCH_DIR
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The build, in a child process as `digest build` runs it, saying what kind of build it was.
BUILD = ("import sys; from pathlib import Path; from digest.build import build; "
         "r = build(Path(sys.argv[1])); print(r.kind, r.written, f'{r.seconds:.3f}')")


def hashes(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def timed_build(site: Path, *args: str) -> tuple[float, str, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD, str(site / "config.yaml"), *args], cwd=site,
                          capture_output=True, text=True, check=True)
    kind, written, _ = done.stdout.split()
    return time.perf_counter() - started, kind, int(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="per language (fr, en)")
    parser.add_argument("--edited", type=int, default=30, help="titles edited in each edit build")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--unkilled", type=int, default=5, help="edit builds timed without a kill")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write every measurement here")
    options = parser.parse_args()

    site = options.work / "site"
    if not (site / "config.yaml").exists():
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(site), "--articles", str(options.articles),
                        "--languages", "fr,en"], check=True, capture_output=True)
    files = sorted((site / "content" / "fr").rglob("*.md"))[-options.edited:]
    texts = {"old": {file: file.read_text(encoding="utf-8") for file in files}}
    texts["old"] = {file: text.replace('title: "Mis à jour : ', 'title: "', 1) for file, text in texts["old"].items()}
    texts["new"] = {file: text.replace('title: "', 'title: "Mis à jour : ', 1) for file, text in texts["old"].items()}

    def use(version: str) -> None:
        for file, text in texts[version].items():
            file.write_text(text, encoding="utf-8")  # in place: same inodes, an edit build

    references = {}
    for version in ("old", "new"):
        use(version)
        reference = options.work / f"reference-{version}"
        if not reference.exists():
            subprocess.run([sys.executable, "-m", "digest", "build", "--output", str(reference)], cwd=site,
                           check=True, capture_output=True)
        references[version] = hashes(reference)
    use("old")
    timed_build(site)  # output/ and the cache: the old site

    unkilled = []
    current = "old"
    for _ in range(options.unkilled):
        current = "new" if current == "old" else "old"
        use(current)
        unkilled.append(timed_build(site))
    edit = statistics.median(seconds for seconds, _, _ in unkilled)
    print(f"edit build, not killed: median {edit:.2f} s of {[(round(s, 2), k, w) for s, k, w in unkilled]}",
          flush=True)

    seed = options.seed if options.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    kills = []
    for number in range(options.kills):
        target = "new" if current == "old" else "old"
        use(target)
        delay = rng.uniform(0.3, edit * 1.1)
        process = subprocess.Popen([sys.executable, "-m", "digest", "build"], cwd=site, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the build, its workers and pagefind
        process.wait(timeout=60)
        found = hashes(site / "output")
        left = next((name for name, reference in references.items() if found == reference), "mixed")
        seconds, kind, written = timed_build(site)
        correct = hashes(site / "output") == references[target]
        kills.append({"delay": round(delay, 3), "left": left, "next_seconds": round(seconds, 3), "next_kind": kind,
                      "next_written": written, "next_correct": correct})
        print(f"kill {number + 1}: after {delay:.2f} s, output/ {left}; next build {kind} in {seconds:.2f} s, "
              f"{written} written, {'correct' if correct else 'WRONG'}", flush=True)
        current = target

    after = [kill["next_seconds"] for kill in kills]
    kinds = {kind: sum(1 for kill in kills if kill["next_kind"] == kind) for kind in {k["next_kind"] for k in kills}}
    budget = 1.5 * edit + 0.5
    print(f"\nseed {seed}; {len(kills)} kills; output/ mixed: {sum(k['left'] == 'mixed' for k in kills)}; "
          f"next build wrong: {sum(not k['next_correct'] for k in kills)}; kinds {kinds}")
    print(f"edit build not killed: median {edit:.2f} s; build after a kill: median {statistics.median(after):.2f} s, "
          f"max {max(after):.2f} s; within 1.5 x edit + 0.5 s ({budget:.2f} s): "
          f"{sum(s <= budget for s in after)} of {len(after)}")
    if options.json:
        options.json.write_text(json.dumps({"seed": seed, "unkilled": unkilled, "kills": kills}, indent=1))


if __name__ == "__main__":
    main()
