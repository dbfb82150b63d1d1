"""Run the incremental == clean property (tests/test_stateful.py) for many random edit sequences.

    .venv/bin/python bench/stateful.py [--sequences 1000] [--seed 0] [--steps 8] [--batch 50]
                                       [--search-every 10] [--max-minutes M]

Each sequence builds a small site, applies up to --steps random edits and after each one compares
the incremental `digest build` with a clean build of a fresh copy, byte for byte. Sequences run in
batches of --batch, batch i with seed --seed + i, so a run is reproducible and can be stopped between
batches (--max-minutes). One batch in --search-every uses the machine with search: true (Pagefind).
Prints the sequences and steps run; on a failure, the minimal failing sequence hypothesis found
(and exit status 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_stateful import SearchSiteMachine, SiteMachine


class Counts:
    sequences = 0
    steps = 0
    builds = 0


def counted(machine: type[SiteMachine]) -> type[SiteMachine]:
    """The machine, counting the sequences, steps and compared builds it runs."""

    class Counted(machine):  # type: ignore[valid-type, misc]
        def teardown(self) -> None:
            Counts.sequences += 1
            Counts.steps += max(self.steps, 0)
            Counts.builds += max(self.builds - 1, 0)
            super().teardown()

    Counted.__name__ = machine.__name__
    return Counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequences", type=int, default=1000, help="sequences to run (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first batch (default 0)")
    parser.add_argument("--steps", type=int, default=8, help="steps per sequence, at most (default 8)")
    parser.add_argument("--batch", type=int, default=50, help="sequences per batch (default 50)")
    parser.add_argument("--search-every", type=int, default=10,
                        help="one batch in N runs with search: true (default 10; 0: never)")
    parser.add_argument("--max-minutes", type=float, default=None, help="start no batch after this time")
    args = parser.parse_args()

    started = time.monotonic()
    batch_number = 0
    while Counts.sequences < args.sequences:
        if args.max_minutes is not None and time.monotonic() - started > args.max_minutes * 60:
            print(f"stopped: --max-minutes {args.max_minutes} reached", flush=True)
            break
        search = args.search_every > 0 and batch_number % args.search_every == args.search_every - 1
        machine = counted(SearchSiteMachine if search else SiteMachine)
        size = min(args.batch, args.sequences - Counts.sequences)
        batch_seed = args.seed + batch_number
        factory = seed(batch_seed)(machine)
        try:
            run_state_machine_as_test(factory, settings=settings(
                max_examples=size, stateful_step_count=args.steps, deadline=None, database=None,
                suppress_health_check=list(HealthCheck), print_blob=True))
        except Exception as error:  # the property failed: hypothesis printed the minimal sequence
            print(f"\nFAILED in batch {batch_number} (seed {batch_seed}, {machine.__name__}):", flush=True)
            print(error, flush=True)
            report(started, failed=True)
            return 1
        batch_number += 1
        report(started, failed=False, batch=f"batch {batch_number} (seed {batch_seed}, {machine.__name__})")
    report(started, failed=False)
    return 0


def report(started: float, failed: bool, batch: str | None = None) -> None:
    minutes = (time.monotonic() - started) / 60
    what = f"after {batch}: " if batch else ("total: " if not failed else "until the failure: ")
    print(f"{what}{Counts.sequences} sequences, {Counts.steps} steps, {Counts.builds} incremental builds "
          f"compared with clean builds, {minutes:.1f} min", flush=True)


if __name__ == "__main__":
    sys.exit(main())
