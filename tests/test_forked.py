"""A task run in a forked child (parallel.Forked: an edit build's search rewrite runs so, beside the
pages, with an interpreter of its own): its result or its error comes back, a stopped or orphaned
child is gone, and it holds none of its parent's files open (the build lock among them)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from digest.errors import Problem, SiteError
from digest.parallel import Forked, can_fork
from digest.search import IndexInBackground

from helpers import process_gone

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork here (or a thread runs in this test process)")


def test_the_result_comes_from_another_process() -> None:
    child = Forked(lambda: (os.getpid(), os.getppid(), sorted({"b": 2, "a": 1}.items())))
    pid, parent, value = child.result()
    assert pid != os.getpid() and parent == os.getpid() and value == [("a", 1), ("b", 2)]
    assert child.result() == (pid, parent, value)  # (asked again: the same)
    assert process_gone(pid)


def test_an_error_is_raised_in_the_parent_as_it_was() -> None:
    def fail() -> None:
        raise SiteError([Problem("content/fr/a.md", 3, "a problem found in the child")])

    with pytest.raises(SiteError) as raised:
        Forked(fail).result()
    assert raised.value.problems[0].message == "a problem found in the child"


def test_a_stopped_child_isprocess_gone() -> None:
    child = Forked(lambda: time.sleep(60))
    started = time.monotonic()
    child.kill()
    assert time.monotonic() - started < 5 and process_gone(child.pid)
    with pytest.raises(RuntimeError):
        child.result()


def test_the_child_holds_none_of_the_parents_files_open(tmp_path: Path) -> None:
    held = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)  # (as the build lock is held: see output.locked)
    try:
        open_in_child = Forked(lambda: sorted(int(fd) for fd in os.listdir("/proc/self/fd"))).result()
    finally:
        os.close(held)
    assert held not in open_in_child
    assert len(open_in_child) <= 5  # stdin, stdout, stderr, its pipe (and the listing's own descriptor)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="Linux only: a child dies with its parent by prctl")
def test_a_child_dies_with_its_parent(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys, time
        from digest.parallel import Forked
        child = Forked(lambda: time.sleep(60))
        print(child.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    assert process_gone(pid)


def test_an_index_is_written_by_a_child_only_where_forking_is_sound(tmp_path: Path) -> None:
    output = tmp_path / "output"
    index = IndexInBackground(output, lambda folder, _stop: (os.getpid(), folder.is_dir()), forked=True)
    try:
        pid, folder_there = index.wait()
    finally:
        index.close()
    assert pid != os.getpid() and folder_there
    stop = threading.Event()
    running = threading.Thread(target=stop.wait)  # another thread runs: no fork, a thread writes it
    running.start()
    try:
        index = IndexInBackground(output, lambda _folder, _stop: os.getpid(), forked=True)
        try:
            assert index.wait() == os.getpid()
        finally:
            index.close()
    finally:
        stop.set()
        running.join()
