"""`digest serve`: build, serve, rebuild what changed and reload the browser.

It builds what `digest build` builds (the configured base_url), into its own folder under
.digest-cache/ (never output/), and serves it on 127.0.0.1 at base_url's path, the root redirecting
there, as `mkdocs serve` does with site_url. The live-reload script and the error overlay are added
to pages as they are served, never written. Built on livereload (tornado). A failed rebuild never
stops the server: the last good site stays served, with the errors shown over every HTML page until
a build succeeds again.
"""

from __future__ import annotations

import errno
import functools
import html
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import click
import watchfiles
from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import web
from tornado.ioloop import IOLoop

from digest.build import Builder
from digest.config import Config, load_config
from digest.errors import Problem, SiteError, display_path
from digest.parallel import jobs

_BODY_OPEN = re.compile(rb"<body[^>]*>", re.IGNORECASE)


class DevServer:
    def __init__(self, config_file: Path, host: str, port: int, include_drafts: bool,
                 include_future: bool = False) -> None:
        self.config = load_config(config_file)
        self.config_file = config_file
        self.site_dir = preview_dir(self.config)
        self.local_url = f"http://{host}:{port}{self.config.base_path}"
        self.builder = preview_builder(config_file, self.config, include_drafts, include_future)
        self.problems: tuple[Problem, ...] = ()
        self.building = threading.Lock()  # the watcher and the clock may both ask for a build
        self.next_due: datetime | None = None  # when the next scheduled article falls due

    def first_build(self) -> None:
        result = self.builder.build()
        self.builder.workers = 1  # from now on the server's threads run: no forking
        self.next_due = None if result.future else result.next_due
        click.echo(f"Built {result.pages} pages in {result.seconds * 1000:.0f} ms")

    def publish_when_due(self, changed: Callable[[str | None], None]) -> None:
        """A scheduled article appears in the preview when its time comes, with no file saved."""
        while True:
            due = self.next_due
            wait = (due - datetime.now(UTC)).total_seconds() if due else 60
            time.sleep(min(max(wait, 0) + 0.2, 60))
            if due is not None and due == self.next_due and datetime.now(UTC) >= due:
                changed([])

    def rebuild(self, changed: list[str]) -> None:
        """Called by the watcher with the paths changed (or by the clock with none); prints one line,
        or the problems, and never raises."""
        what = display_path(Path(changed[0]), self.config.root) if changed else "scheduled articles"
        try:
            with self.building:
                result = self.builder.build(changed=changed)
        except SiteError as error:
            self.problems = error.problems
            for problem in error.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{what} changed: build failed, still serving the last good site", err=True)
            return
        except Exception as error:  # a bug must not take the editor's preview down
            self.problems = (Problem(what, None, f"internal error: {type(error).__name__}: {error}"),)
            click.echo(str(self.problems[0]), err=True)
            return
        self.problems = ()
        self.next_due = None if result.future else result.next_due
        click.echo(f"{what} changed: {result.written} files written, {result.files - result.written} unchanged, "
                   f"{result.seconds * 1000:.0f} ms")

    def error_overlay(self) -> bytes:
        items = "".join(f"<li>{html.escape(str(problem))}</li>" for problem in self.problems)
        return (
            '<div id="digest-build-error" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:2147483647;'
            "max-height:60vh;overflow:auto;margin:0;padding:1rem 1.5rem;background:#7a0010;color:#fff;"
            'font:15px/1.5 ui-monospace,monospace;direction:ltr;text-align:left">'
            f"<strong>Build failed: showing the last good version of this page.</strong><ul>{items}</ul></div>"
        ).encode()


def make_handler(server: DevServer) -> type[StaticFileHandler]:
    class SiteHandler(StaticFileHandler):
        """Serves only what is inside the output folder; shows build errors over HTML pages."""

        dev: ClassVar[DevServer] = server
        opened: BinaryIO | None = None  # the file asked for (see validate_absolute_path)

        @classmethod
        def get_absolute_path(cls, root: str, path: str) -> str:
            absolute, base = os.path.abspath(os.path.join(root, path)), os.path.abspath(root)
            if absolute != base and not absolute.startswith(base + os.sep):
                raise web.HTTPError(404)  # "../" or its encodings: not a file of the site
            return super().get_absolute_path(root, path)

        def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
            real_root = os.path.realpath(root)
            real = os.path.realpath(absolute_path)
            if real != real_root and not real.startswith(real_root + os.sep):
                raise web.HTTPError(404)  # traversal or a symlink leading out: nothing to see
            valid = super().validate_absolute_path(root, absolute_path)
            if valid is not None:
                # Opened once, sized and sent from that one file: an edit renames a new version over it, and
                # tornado would otherwise take the size of one version and send the bytes of the other.
                try:
                    self.opened = open(valid, "rb")  # noqa: SIM115 (closed in on_finish)
                except OSError:
                    pass  # (tornado answers as it would)
                else:
                    self.get_content = functools.partial(_part_of, self.opened)  # type: ignore[method-assign]
            return valid

        def get_content_size(self) -> int:
            if self.opened is None:
                return super().get_content_size()
            return os.fstat(self.opened.fileno()).st_size

        def on_finish(self) -> None:
            if self.opened is not None:
                self.opened.close()

        async def get(self, path: str, include_body: bool = True) -> None:
            if self.dev.problems:
                page = self._html_file(path)
                if page is not None:
                    self.absolute_path = str(page)
                    self._send_html(page.read_bytes() if include_body else b"")
                    return
            await super().get(path, include_body)

        def _send_html(self, body: bytes) -> None:
            """An HTML page, with the build errors over it while the last build failed."""
            if self.dev.problems and body:
                match = _BODY_OPEN.search(body)
                at = match.end() if match else 0
                body = body[:at] + self.dev.error_overlay() + body[at:]
                self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(body)

        def set_extra_headers(self, path: str) -> None:
            # Every file asked again (answered 304 if unchanged): an edit changes the search index and
            # pages under the same names, and a browser's heuristic caching would keep the old ones.
            self.set_header("Cache-Control", "no-cache")

        def compute_etag(self) -> str | None:
            return None if self.dev.problems else super().compute_etag()

        def _html_file(self, path: str) -> Path | None:
            root = Path(self.root).resolve()
            try:
                target = (root / path).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if target.suffix == ".html" and target.is_file() and target.is_relative_to(root):
                    return target
            except (OSError, ValueError):  # a path too long to be a file name, a NUL in it
                pass
            return None

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            not_found = Path(self.root) / "404.html"
            if status_code == 404 and not_found.is_file():
                self._send_html(not_found.read_bytes())
            else:
                super().write_error(status_code, **kwargs)

    return SiteHandler


def _part_of(file: BinaryIO, _path: str, start: int | None = None, end: int | None = None) -> Iterator[bytes]:
    """StaticFileHandler.get_content over a file opened already: its bytes from start to end (exclusive),
    in chunks."""
    file.seek(start or 0)
    remaining = None if end is None else end - (start or 0)
    while remaining is None or remaining > 0:
        chunk = file.read(1 << 16 if remaining is None else min(1 << 16, remaining))
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def preview_builder(config_file: Path, config: Config, include_drafts: bool = False,
                    include_future: bool = False) -> Builder:
    """The Builder serve keeps for its whole run. It builds as `digest build` does, sharing its records
    in .digest-cache/ (same site, same base_url), but into its own folder (preview_dir): over every core
    at first (hard-linking what output/ holds already; a restart finds its last site in place and has
    nothing to do); then an edit writes the few pages that show the edited article straight into that
    folder (the article's own page first), and, in the background and still holding the build lock,
    indexes the edit into its language's recent search shard, exchanged for the old one in place."""
    return Builder(config_file, output_dir=preview_dir(config), include_drafts=include_drafts,
                   include_future=include_future, workers=jobs(), persistent=True, trust_own_output=True,
                   borrow_from=config.output_dir, defer_search=True, recent_search=True, edit_in_place=True)


def preview_dir(config: Config) -> Path:
    """Where serve builds: its own folder in the cache, never output/."""
    return config.cache_dir / "serve"


class _RootRedirect(web.RequestHandler):
    """The server's root (and base_url's path without its final slash) lead to the site."""

    def initialize(self, target: str) -> None:
        self.target = target

    def get(self, *_: str) -> None:
        self.redirect(self.target)

    head = get


class _QuietServer(Server):
    base_path = "/"  # where the site is served: base_url's path

    def get_web_handlers(self, script: bytes) -> list[Any]:
        base = self.base_path
        handlers: list[Any] = [(re.escape(base) + "(.*)", self.SFH,
                                {"path": self.root or ".", "default_filename": self.default_filename})]
        if base != "/":
            handlers.append((f"(?:/|{re.escape(base.rstrip('/'))})", _RootRedirect, {"target": base}))
        return handlers

    def _setup_logging(self) -> None:
        # digest prints its own one line per rebuild; livereload's and tornado's logs would drown it
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.ERROR)


# How long the watcher waits for more changes after one before reporting them: an editor's save (a
# write, or a new file renamed over the old) is over within it, and it is part of every edit's delay.
STEP_MS = 10


class FileWatcher:
    """Reports changes to content/, templates/ and config.yaml as they happen (inotify via watchfiles).

    livereload's own watcher polls every 0.8 s and walks every file each time; file system events
    make an edit show up in milliseconds, on sites of any size. templates/ may appear while serving.
    """

    def __init__(self, config: Config, config_file: Path, on_change: Callable[[list[str]], None]) -> None:
        self.config = config
        self.config_file = config_file.resolve()
        self.on_change = on_change  # called from the watching threads
        self.tree_stop: threading.Event | None = None

    def start(self) -> None:
        self._watch_tree()
        threading.Thread(target=self._watch_root, daemon=True, name="digest-watch-root").start()

    def _watch_tree(self) -> None:
        """(Re)start the recursive watch of content/ and templates/ (whichever exist)."""
        if self.tree_stop is not None:
            self.tree_stop.set()
        stop = self.tree_stop = threading.Event()
        folders = [str(p) for p in (self.config.content_dir, self.config.templates_dir) if p.is_dir()]
        if folders:
            threading.Thread(target=self._watch, args=(folders, True, stop), daemon=True,
                             name="digest-watch-tree").start()

    def _watch_root(self) -> None:
        # The site folder itself, not recursively: config.yaml, and templates/ or content/ appearing.
        watched = {self.config_file.name, self.config.templates_dir.name, self.config.content_dir.name}
        for changes in watchfiles.watch(self.config.root, recursive=False, step=STEP_MS,
                                        watch_filter=lambda _, path: Path(path).name in watched):
            paths = sorted(path for _, path in changes)
            if any(Path(path).name != self.config_file.name for path in paths):
                self._watch_tree()
            self._report(paths)

    def _watch(self, folders: list[str], recursive: bool, stop: threading.Event) -> None:
        for changes in watchfiles.watch(*folders, recursive=recursive, step=STEP_MS, stop_event=stop):
            self._report(sorted(path for _, path in changes))

    def _report(self, paths: list[str]) -> None:
        self.on_change(paths)


class _EventWatcher(Watcher):
    """livereload's watcher interface without its polling: FileWatcher tells what changed."""

    def __init__(self, files: FileWatcher, loop: list[IOLoop]) -> None:
        super().__init__()
        self.files = files
        self.loop = loop  # filled with the server's loop when it starts
        self._tasks = {"digest": {}}  # not empty: livereload would otherwise poll the working directory

    def start(self, callback: Callable[[], None]) -> bool:
        self.loop.append(IOLoop.current())
        self.files.start()
        return True  # no polling

    def examine(self) -> tuple[None, None]:
        return None, None


def port_free(host: str, port: int) -> bool:
    """Whether the server could listen on host:port: on every address the host name gives, as tornado does."""
    try:
        addresses = socket.getaddrinfo(host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                       socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        return True  # not a port problem: tornado reports the host
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado: TIME_WAIT is no obstacle
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return False
    return True


def check_port(host: str, port: int) -> None:
    """Refuse a port that another program listens on, before building anything, and name a free one."""
    if port == 0 or port_free(host, port):
        return
    free = next((other for other in range(port + 1, min(port + 100, 65536)) if port_free(host, other)), None)
    hint = f"; try --port {free}" if free is not None else "; choose another with --port"
    raise SiteError([Problem("--port", None, f"port {port} is in use{hint}")])


def serve(config_file: Path, host: str = "127.0.0.1", port: int = 8000, include_drafts: bool = False,
          open_browser: bool = False, include_future: bool = False) -> None:
    check_port(host, port)
    dev = DevServer(config_file, host, port, include_drafts, include_future)
    dev.first_build()
    # Rebuilds run one after the other in a thread of their own, not in the server's: pages go on being
    # served while one runs, the edited page as soon as it is written (before the lists that show it).
    builds = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-build")
    loop: list[IOLoop] = []

    def rebuild(paths: list[str]) -> None:
        def reload() -> None:  # every open tab (also to show or clear the error), from the server's thread
            loop[0].add_callback(LiveReloadHandler.reload_waiters, paths[0] if paths else "")

        dev.rebuild(paths)
        reload()
        if dev.builder.searching():
            # The edit's search step runs on: once it is done, open tabs load the index that holds the
            # edit (a page keeps the index it loaded). The next rebuild would wait for it anyway.
            dev.builder.wait_for_search()
            if dev.builder.search_error is None:
                reload()

    def changed(paths: list[str]) -> None:  # (from the watcher's and the clock's threads)
        builds.submit(rebuild, paths)

    watcher = FileWatcher(dev.config, config_file, changed)
    threading.Thread(target=dev.publish_when_due, args=(changed,), daemon=True, name="digest-clock").start()
    server = _QuietServer(watcher=_EventWatcher(watcher, loop))
    server.SFH = make_handler(dev)
    server.base_path = dev.config.base_path
    click.echo(f"Serving {dev.local_url} (Ctrl-C to stop)")
    started = time.perf_counter()
    server.serve(host=host, port=port, root=str(dev.site_dir), open_url_delay=0 if open_browser else None)
    builds.shutdown(wait=True, cancel_futures=True)  # a rebuild under way is finished, not cut off,
    dev.builder.wait_for_search()  # and so is an edit's search step
    click.echo(f"Stopped after {time.perf_counter() - started:.0f} s")
