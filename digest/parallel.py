"""Run independent work over all cores with forked worker processes.

Forking lets workers inherit the planned site (templates, articles, closures)
instead of receiving it pickled: only index ranges go out, and small results
come back.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, NoReturn, TypeVar

from digest.records import UNPICKLING_ERRORS

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


def can_fork() -> bool:
    """Whether a child forked now would be sound: fork is there, and no other thread runs (a child
    has only the thread that forked it, and locks another one held stay held in it forever)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class Forked(Generic[R]):
    """`task()` run in a forked child process, beside this one: its work (Python's, even) takes none
    of this process's interpreter. `result()` waits for what it returned, or raises what it raised
    (both pickled back through a pipe); `kill()` stops it. Only where `can_fork()`."""

    def __init__(self, task: Callable[[], R]) -> None:
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read)
            _serve_task(task, write, parent)
        os.close(write)
        self.pid = pid
        self.pipe = read
        self.outcome: tuple[bool, Any] | None = None

    def result(self) -> R:
        if self.outcome is None:
            chunks = []
            while chunk := os.read(self.pipe, 1 << 20):
                chunks.append(chunk)
            self._reap()
            try:
                self.outcome = pickle.loads(b"".join(chunks))
            except UNPICKLING_ERRORS:
                self.outcome = (False, RuntimeError("a forked worker ended without its result"))
        done, value = self.outcome
        if not done:
            raise value
        return value  # type: ignore[no-any-return]

    def kill(self) -> None:
        if self.outcome is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
            self.outcome = (False, RuntimeError("a forked worker was stopped"))

    def _reap(self) -> None:
        os.close(self.pipe)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve_task(task: Callable[[], Any], pipe: int, parent: int) -> NoReturn:
    """In a forked child: run `task`, send its outcome, end (never returning into the parent's code)."""
    try:
        # Nothing the parent holds open stays open here (its build lock, say, would outlive a parent killed).
        os.closerange(3, pipe)
        os.closerange(pipe + 1, 1 << 16)
        _die_with(parent)
        gc.disable()  # short-lived: a collection would walk (and copy) the parent's whole heap
        try:
            outcome: tuple[bool, Any] = (True, task())
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:  # (what the parent re-raises)
            try:
                data = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                data = pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))
        view = memoryview(data)
        while view:
            view = view[os.write(pipe, view):]
    finally:
        os._exit(0)


def _die_with(parent: int) -> None:
    """Linux: this process is killed when `parent`, its parent, dies (a build killed mid-way leaves no
    worker behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # (it died before that was asked)
        os._exit(1)
