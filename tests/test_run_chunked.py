"""run_chunked shares the chunks between the calling process and forked helpers: results in order,
failures raised in the caller, and no helper left behind whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.errors import SiteError
from digest.output import Output, SiteFiles, write_site
from digest.parallel import run_chunked

from helpers import process_gone

COUNT = 3000  # enough items to be worth forking for


def _no_child_left() -> bool:
    """Whether every child of this process has ended and been reaped."""
    try:
        os.waitpid(-1, os.WNOHANG)  # (0, 0) while one runs; a pid if one ended but was left unreaped
    except ChildProcessError:
        return True  # no child at all
    return False


@pytest.fixture(autouse=True)
def _no_child_before() -> None:
    """Start with no child: builds run earlier in this process may have left a background `rm -rf` of an
    old tree (output.remove_in_background), which would count as a child left here."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)  # one still runs
    pytest.fail("a child of an earlier test did not end within 30 s")


def _in_helpers(action: Callable[[range], object]) -> Callable[[range], int]:
    """A task that does `action` on each chunk a forked helper takes (not on the calling process's)."""
    caller = os.getpid()

    def task(chunk: range) -> int:
        time.sleep(0.005)  # (long enough that both processes take chunks)
        if os.getpid() != caller:
            action(chunk)
        return len(chunk)

    return task


def test_chunks_are_shared_by_the_caller_and_a_helper_results_in_order() -> None:
    caller = os.getpid()
    done: list[int] = []

    def task(chunk: range) -> tuple[int, list[int]]:
        time.sleep(0.005)  # (long enough that both processes take chunks)
        return os.getpid(), [item * item for item in chunk]

    results = run_chunked(task, COUNT, workers=2, progress=done.append)
    assert [square for _, squares in results for square in squares] == [item * item for item in range(COUNT)]
    pids = {pid for pid, _ in results}
    assert caller in pids and len(pids) == 2  # the caller works too, beside one forked helper
    assert done == sorted(done) and done[-1] == COUNT  # progress told in this process, up to every item
    assert _no_child_left()


def test_a_helpers_error_is_raised_in_the_caller() -> None:
    def fail(chunk: range) -> None:
        raise ValueError(f"bad item {chunk.start}")

    with pytest.raises(ValueError, match="bad item"):
        run_chunked(_in_helpers(fail), COUNT, workers=2)
    assert _no_child_left()


def test_an_error_of_the_callers_own_chunk_stops_the_helpers() -> None:
    caller = os.getpid()

    def task(chunk: range) -> int:
        if os.getpid() != caller:
            time.sleep(60)  # a helper that would hold the build for a minute if it were not stopped
        else:
            time.sleep(0.05)
            raise KeyError("in the caller")
        return len(chunk)

    started = time.monotonic()
    with pytest.raises(KeyError):
        run_chunked(task, COUNT, workers=3)
    assert time.monotonic() - started < 10
    assert _no_child_left()


def test_a_helper_killed_midway_is_an_error_not_a_hang() -> None:
    with pytest.raises(RuntimeError, match="ended without its results"):
        run_chunked(_in_helpers(lambda _: os.kill(os.getpid(), signal.SIGKILL)), COUNT, workers=2)
    assert _no_child_left()


def test_an_error_that_cannot_be_pickled_is_told_by_name() -> None:
    class Unpicklable(Exception):
        def __reduce__(self):  # type: ignore[no-untyped-def]
            raise TypeError("no")

    def fail(_: range) -> None:
        raise Unpicklable("deep inside")

    with pytest.raises(RuntimeError, match="Unpicklable: deep inside"):
        run_chunked(_in_helpers(fail), COUNT, workers=2)
    assert _no_child_left()


def _page(file: str, render) -> Output:  # type: ignore[no-untyped-def]
    return Output(file=file, fingerprint=file, render=render)


def test_an_output_apart_is_rendered_in_a_process_of_its_own(tmp_path: Path) -> None:
    caller = os.getpid()
    pages = [_page(f"p{index}.html", lambda: str(os.getpid()).encode()) for index in range(600)]
    apart = Output("whole.xml", "whole", render=lambda: str(os.getpid()).encode(), apart=True)
    result = write_site(tmp_path / "site", SiteFiles([apart, *pages]), workers=2)
    assert result.written == 601
    renderers = {int((tmp_path / "site" / page.file).read_text()) for page in pages}
    whole = int((tmp_path / "site/whole.xml").read_text())
    assert caller in renderers and len(renderers) == 2
    assert whole not in renderers | {caller}
    assert _no_child_left()


def test_an_output_apart_that_fails_leaves_the_site_untouched(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site(site, SiteFiles([_page("index.html", lambda: b"old")]), workers=1)

    def fail() -> bytes:
        raise OSError(28, "No space left on device")

    pages = [_page(f"p{index}.html", lambda: b"new") for index in range(600)]
    with pytest.raises(SiteError, match="No space left on device"):
        write_site(site, SiteFiles([Output("whole.xml", "whole", render=fail, apart=True), *pages]), workers=2)
    assert sorted(path.name for path in site.iterdir()) == ["index.html"]
    assert (site / "index.html").read_text() == "old"
    assert _no_child_left()


def test_helpers_die_with_a_killed_build(tmp_path: Path) -> None:
    """A build killed mid-way (kill -9) leaves no helper rendering on behind it."""
    script = textwrap.dedent(f"""
        import os, time
        from digest.parallel import run_chunked
        caller = os.getpid()

        def task(chunk):
            if os.getpid() != caller:
                open(os.path.join({str(tmp_path)!r}, str(os.getpid())), "w").close()  # a helper, working
            time.sleep(60)

        run_chunked(task, 3000, workers=3)
    """)
    build = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    helpers = {int(path.name) for path in tmp_path.iterdir()}
    assert len(helpers) == 2
    build.kill()
    build.wait()
    assert all(process_gone(pid) for pid in helpers)
