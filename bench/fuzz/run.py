"""Long fuzz run: the property tests of tests/test_fuzz.py with many examples each (not part of CI).

    python bench/fuzz/run.py [--examples 2600] [--jobs 2] [--seed N] [--strict]

Each property test runs in its own pytest process (`--jobs` at a time) with DIGEST_FUZZ_EXAMPLES set, and logs
every example it runs (DIGEST_FUZZ_LOG); this script then prints, per test, how many examples built, were
refused with a clean `path:line: message` report, or hit a known bug (see KNOWN_BUGS in tests/test_fuzz.py), and
the most frequent refusal messages. It exits 1 when a test failed (a new bug: its reproduction is in the output).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = [
    "test_any_config_file_builds_or_is_reported",
    "test_any_article_file_builds_or_is_reported",
    "test_any_markdown_body_builds_safely",
    "test_any_config_and_articles_together",
]


def run_one(test: str, examples: int, seed: int, strict: bool, logs: Path) -> tuple[str, int, float, str]:
    log = logs / f"{test}.log"
    env = {**os.environ, "DIGEST_FUZZ_EXAMPLES": str(examples), "DIGEST_FUZZ_LOG": str(log),
           "DIGEST_FUZZ_STRICT": "1" if strict else ""}
    env.pop("DIGEST_DEBUG", None)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/test_fuzz.py::{test}", "-q", "-p", "no:cacheprovider",
         f"--hypothesis-seed={seed}"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    return test, result.returncode, time.perf_counter() - started, result.stdout + result.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2600, help="examples per property test (default 2600)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="tests run at once")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed (default: random, printed)")
    parser.add_argument("--strict", action="store_true", help="fail on known bugs too")
    parser.add_argument("--tests", nargs="*", default=TESTS, help="property tests to run (default: all four)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz: {len(args.tests)} tests x {args.examples} examples, seed {seed}, {args.jobs} at once", flush=True)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="digest-fuzz-logs-") as folder:
        logs = Path(folder)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            runs = list(pool.map(lambda test: run_one(test, args.examples, seed, args.strict, logs), args.tests))
        wall = time.perf_counter() - started
        total: Counter[str] = Counter()
        failed = []
        for test, code, seconds, output in runs:
            log = logs / f"{test}.log"
            rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
            outcomes = Counter(row[1] for row in rows)
            reasons = Counter(row[2] for row in rows if row[1] == "refused")
            total.update(outcomes)
            status = "passed" if code == 0 else "FAILED"
            print(f"\n{test}: {status} in {seconds:.0f} s, {len(rows)} examples run")
            for outcome, count in sorted(outcomes.items()):
                print(f"  {count:6d}  {outcome}")
            for reason, count in reasons.most_common(5):
                print(f"          {count:6d}  refused: {reason}")
            if code != 0:
                failed.append(test)
                print(output[-6000:])
    print(f"\ntotal: {sum(total.values())} examples in {wall:.0f} s "
          f"({', '.join(f'{count} {outcome}' for outcome, count in sorted(total.items()))}); "
          f"{'failed: ' + ', '.join(failed) if failed else 'no failure'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
