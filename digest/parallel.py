"""Run independent work over all cores with forked worker processes.

Forking lets workers inherit the planned site (templates, articles, closures)
instead of receiving it pickled: only index ranges go out, and small results
come back.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

R = TypeVar("R")

# Below this many items, starting processes costs more than it saves.
MIN_PARALLEL_ITEMS = 400

_task: Callable[[range], Any] | None = None


def jobs() -> int:
    """Worker processes to use: DIGEST_JOBS, else one per core."""
    configured = os.environ.get("DIGEST_JOBS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_chunked(task: Callable[[range], R], count: int, workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> list[R]:
    """task(range) over [0, count) in chunks, in forked processes when it pays; results in order.

    `progress` is told how many items are done after each chunk (in this process).
    """
    workers = jobs() if workers is None else workers
    parallel = workers > 1 and count >= MIN_PARALLEL_ITEMS and "fork" in multiprocessing.get_all_start_methods()
    # Many chunks per worker, so that the last ones (which no other worker can share) are short.
    size = max(50, count // (workers * 32)) if parallel else max(200, count // 20)
    chunks: Sequence[range] = [range(start, min(start + size, count)) for start in range(0, count, size)]
    results: list[R] = []
    done = 0

    def collect(result: R, chunk: range) -> None:
        nonlocal done
        results.append(result)
        done += len(chunk)
        if progress is not None:
            progress(done)

    if not parallel:
        for chunk in chunks or [range(0)]:
            collect(task(chunk), chunk)
        return results
    global _task
    _task = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result, chunk in zip(pool.imap(_run, chunks), chunks, strict=True):
                collect(result, chunk)
        return results
    finally:
        _task = None


def _run(chunk: range) -> Any:
    assert _task is not None
    return _task(chunk)
