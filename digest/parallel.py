"""Run independent work over all cores with forked worker processes.

Forking lets workers inherit the planned site (templates, articles, closures)
instead of receiving it pickled: only index ranges go out, and small results
come back.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import multiprocessing
import os
import pickle
import queue
import selectors
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Generic, NoReturn, TypeVar

from digest.records import UNPICKLING_ERRORS

R = TypeVar("R")

# Below this many items, starting processes costs more than it saves.
MIN_PARALLEL_ITEMS = 400

def jobs() -> int:
    """Worker processes to use: DIGEST_JOBS, else one per core."""
    configured = os.environ.get("DIGEST_JOBS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_chunked(task: Callable[[range], R], count: int, workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> list[R]:
    """task(range) over [0, count) in chunks, on `workers` processes when it pays (this one and forked
    helpers); results in order.

    `progress` is told how many items are done after each chunk (in this process).
    """
    workers = jobs() if workers is None else workers
    parallel = pays(workers, count)
    # Many chunks per worker, so that the last ones (which no other worker can share) are short.
    size = max(50, count // (workers * 32), -(-count // _MAX_CHUNKS)) if parallel else max(200, count // 20)
    chunks: Sequence[range] = [range(start, min(start + size, count)) for start in range(0, count, size)]
    if not parallel:
        results: list[R] = []
        done = 0
        for chunk in chunks or [range(0)]:
            results.append(task(chunk))
            done += len(chunk)
            if progress is not None:
                progress(done)
        return results
    return _Shared(task, chunks, workers - 1).run(progress)


def pays(workers: int, count: int) -> bool:
    """Whether `count` items are worth forking `workers` processes for."""
    return workers > 1 and count >= MIN_PARALLEL_ITEMS and "fork" in multiprocessing.get_all_start_methods()


_TOKEN = struct.Struct("=I")
_LENGTH = struct.Struct("=Q")
_PIPE_SIZE = 1 << 20  # Linux's default most
_MAX_CHUNKS = 1024  # their tokens fit in one memory page, the least a pipe holds (written before anyone reads)


class _Shared(Generic[R]):
    """Chunks shared by this process and `helpers` forked ones: each takes the next chunk's token from
    one pipe until none is left. This process works too, rather than wait: a forked helper copies every
    memory page it writes (a reference count is a write) while the parent keeps the original, so a
    parent that only waited would keep a third copy of what two workers touch (most of the site)."""

    def __init__(self, task: Callable[[range], R], chunks: Sequence[range], helpers: int) -> None:
        self.task = task
        self.chunks = chunks
        self.results: dict[int, R] = {}
        self.answers: queue.SimpleQueue[bytes | int] = queue.SimpleQueue()  # an answer, or an ended helper's pid
        self.tokens, write = os.pipe()
        os.write(write, b"".join(_TOKEN.pack(index) for index in range(len(chunks))))
        os.close(write)  # (a helper reading past the last token gets end of file)
        self.helpers: dict[int, int] = {}  # pid -> the pipe of its answers
        self.reader = threading.Thread(target=self._read_answers, name="digest-answers", daemon=True)
        try:
            for _ in range(helpers):
                self._fork()
        except BaseException:
            self._stop()
            raise

    def _fork(self) -> None:
        read, write = os.pipe()
        # A large pipe: its reader is a thread that gets the interpreter between this process's own
        # work (every few milliseconds), and answers (parsed articles) can be megabytes.
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)  # type: ignore[attr-defined]
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            for other in self.helpers.values():
                os.close(other)
            os.close(read)
            self._help(write, parent)
        os.close(write)
        self.helpers[pid] = read

    def _help(self, answers: int, parent: int) -> NoReturn:
        """In a helper: take chunks until none is left (or one fails), answering each through `answers`."""
        try:
            _die_with(parent)
            while index := self._take():
                done, outcome = _pickled_outcome(partial(self.task, self.chunks[index - 1]))
                write_all(answers, _LENGTH.pack(_TOKEN.size + len(outcome)) + _TOKEN.pack(index - 1) + outcome)
                if not done:
                    break
        finally:
            os._exit(0)

    def _take(self) -> int:
        """The next chunk's index plus one, or 0 when none is left (a pipe read of a few bytes is whole)."""
        token = os.read(self.tokens, _TOKEN.size)
        return _TOKEN.unpack(token)[0] + 1 if token else 0

    def run(self, progress: Callable[[int], None] | None) -> list[R]:
        done = 0

        def settle(answer: bytes | int) -> None:
            nonlocal done
            if isinstance(answer, int):  # a helper ended (its answers are in the queue before this)
                return
            index = _TOKEN.unpack_from(answer)[0]
            ok, value = pickle.loads(memoryview(answer)[_TOKEN.size:])
            if not ok:
                raise value
            self.results[index] = value
            done += len(self.chunks[index])
            if progress is not None:
                progress(done)

        self.reader.start()
        try:
            while index := self._take():
                self.results[index - 1] = self.task(self.chunks[index - 1])
                done += len(self.chunks[index - 1])
                if progress is not None:
                    progress(done)
                while not self.answers.empty():
                    settle(self.answers.get())
            while len(self.results) < len(self.chunks):
                if not self.helpers and self.answers.empty():
                    raise RuntimeError("a worker process ended without its results")
                settle(self.answers.get())
        except BaseException:
            self._stop()
            raise
        self.reader.join()  # (every helper ends once no token is left)
        os.close(self.tokens)
        return [self.results[index] for index in range(len(self.chunks))]

    def _read_answers(self) -> None:
        """(A thread) the helpers' answers, as they come: a helper blocked on a full pipe would wait for
        this process to finish a chunk of its own."""
        with selectors.DefaultSelector() as selector:
            buffers: dict[int, bytearray] = {}
            for pid, pipe in list(self.helpers.items()):
                selector.register(pipe, selectors.EVENT_READ, pid)
                buffers[pipe] = bytearray()
            while selector.get_map():
                for key, _ in selector.select():
                    pipe, pid = key.fd, key.data
                    data = os.read(pipe, 1 << 20)
                    buffer = buffers[pipe]
                    buffer += data
                    while len(buffer) >= _LENGTH.size and \
                            len(buffer) >= _LENGTH.size + (length := _LENGTH.unpack_from(buffer)[0]):
                        self.answers.put(bytes(buffer[_LENGTH.size:_LENGTH.size + length]))
                        del buffer[:_LENGTH.size + length]
                    if not data:
                        selector.unregister(pipe)
                        self.helpers.pop(pid, None)
                        _reap(pid, pipe)
                        self.answers.put(pid)

    def _stop(self) -> None:
        """Kill the helpers still running (after a failure, or an interrupt); the reader reaps them."""
        for pid in list(self.helpers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.reader.ident is not None:
            self.reader.join()
        else:
            for pid, pipe in self.helpers.items():
                _reap(pid, pipe)
            self.helpers.clear()
        os.close(self.tokens)


def write_all(descriptor: int, data: bytes) -> None:
    """Write every byte of `data` (os.write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _reap(pid: int, pipe: int) -> None:
    os.close(pipe)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def can_fork() -> bool:
    """Whether a child forked now would be sound: fork is there, and no other thread runs (a child
    has only the thread that forked it, and locks another one held stay held in it forever)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class Forked(Generic[R]):
    """`task()` run in a forked child process, beside this one: its work (Python's, even) takes none
    of this process's interpreter. `result()` waits for what it returned, or raises what it raised
    (both pickled back through a pipe); `kill()` stops it. Only where `can_fork()`, or for a task as
    plain as a pool worker's (run_chunked forks those beside whatever threads run)."""

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
        _reap(self.pid, self.pipe)


def _serve_task(task: Callable[[], Any], pipe: int, parent: int) -> NoReturn:
    """In a forked child: run `task`, send its outcome, end (never returning into the parent's code)."""
    try:
        # Nothing the parent holds open stays open here (its build lock, say, would outlive a parent killed).
        os.closerange(3, pipe)
        os.closerange(pipe + 1, 1 << 16)
        _die_with(parent)
        gc.disable()  # short-lived: a collection would walk (and copy) the parent's whole heap
        write_all(pipe, _pickled_outcome(task)[1])
    finally:
        os._exit(0)


def _pickled_outcome(task: Callable[[], Any]) -> tuple[bool, bytes]:
    """Run `task` (in a forked child): whether it returned, and (True, what it returned) or (False, what
    it raised) pickled for the parent, which re-raises it (as a RuntimeError naming it, if it cannot be
    pickled)."""
    try:
        return True, pickle.dumps((True, task()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as error:
        try:
            return False, pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return False, pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))


def _die_with(parent: int) -> None:
    """Linux: this process is killed when `parent`, its parent, dies (a build killed mid-way leaves no
    worker behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # (it died before that was asked)
        os._exit(1)
