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


def run_chunked(task: Callable[[range], R], count: int, workers: int | None = None) -> list[R]:
    """task(range) over [0, count) in chunks, in forked processes when it pays; results in order."""
    workers = jobs() if workers is None else workers
    if workers <= 1 or count < MIN_PARALLEL_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        return [task(range(count))]
    size = max(50, count // (workers * 8))  # several chunks per worker evens out slow ones
    chunks: Sequence[range] = [range(start, min(start + size, count)) for start in range(0, count, size)]
    global _task
    _task = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_run, chunks, chunksize=1)
    finally:
        _task = None


def _run(chunk: range) -> Any:
    assert _task is not None
    return _task(chunk)
