"""Orchestration: config -> content -> site -> render -> output.

A Builder remembers parsed articles and what it wrote, so that `digest serve`
re-parses only the files that changed and re-renders only the pages whose
inputs changed. `digest build` uses a fresh Builder: a full, clean build.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest import sitemap
from digest.config import Config, load_config
from digest.errors import Problem, SiteError
from digest.output import (
    Output,
    Tree,
    WriteResult,
    remove_in_background,
    update_site,
    write_site,
)
from digest.parallel import jobs
from digest.search import (
    BUNDLE,
    Shard,
    index_is_current,
    index_present,
    listing,
    load_state,
    pagefind_executable,
    save_state,
    shards,
    update_index,
    write_index,
)
from digest.state import BuildState, Unchanged, build_time, sources_stamp
from digest.theme import check_templates

if TYPE_CHECKING:
    from digest.content import ArticleCache
    from digest.site import Site


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    written: int  # files whose bytes changed in this build (the rest were unchanged)
    seconds: float
    output_dir: Path
    base_url: str
    scheduled: int = 0  # articles dated after the build's time (left out unless --future)
    next_due: datetime | None = None  # the date of the first of them
    future: bool = False  # whether they were included


class Builder:
    """Builds one site again and again, reusing what did not change.

    With `persistent`, parsed articles and the list of files written are kept in .digest-cache/,
    so that the next `digest build` re-parses only changed articles and hard-links unchanged pages
    from the previous output instead of rendering them.
    """

    def __init__(self, config_file: Path, output_dir: Path | None = None, base_url: str | None = None,
                 include_drafts: bool = False, workers: int = 1, persistent: bool = False,
                 progress: Callable[[str, int, int], None] | None = None, include_future: bool = False) -> None:
        self.config_file = config_file
        self.workers = workers  # processes for parsing and writing; serve keeps 1 (it runs threads)
        self.output_dir = output_dir
        self.base_url = base_url
        self.include_drafts = include_drafts
        self.include_future = include_future  # articles dated after the build's time too
        self.persistent = persistent
        self.progress = progress  # told (stage, done, total) as articles are read and pages written
        self.articles: ArticleCache | None = None
        self.manifest: dict[str, str] | None = None  # what the output folder holds, after a first build
        # An output folder updated in place whose search index is not yet, and the shards it should hold.
        self.search_due: tuple[Path, tuple[Shard, ...], Path] | None = None
        self.search_held: dict[str, str] = {}  # the shards the output folder's index holds (see digest.search)

    def build(self, incremental: bool = False, reindex: bool = True) -> BuildResult:
        """Build the site; with `incremental`, update the output folder of the previous build in place.

        An incremental build re-creates the search index too, unless `reindex` is False: then the
        caller runs `reindex_search()` when it suits it (serve does, in the background).
        """
        started = time.perf_counter()
        now = build_time()
        config = load_config(self.config_file, output_dir=self.output_dir, base_url=self.base_url)
        check_output_dir(config)
        check_templates(config)
        if config.search:
            pagefind_executable()  # a missing binary is reported before anything is done
        state = BuildState(config)
        # Stamped before anything is read: a file changed during the build makes the next one run.
        stamp = sources_stamp(config, (self.include_drafts, self.include_future)) if self.persistent else ""
        if self.persistent and not incremental:
            unchanged = self._unchanged(config, state, stamp, now, started)
            if unchanged is not None:
                return unchanged
        # Only now the modules that parse and render: a build with nothing to do never loads them.
        from digest.content import ArticleCache, load_articles
        from digest.site import build_site

        if self.articles is None:
            self.articles = ArticleCache.load(state.articles_dir) if self.persistent else ArticleCache()
        # Articles live as long as the build: keep the garbage collector from scanning them again and
        # again while others are parsed and pages planned (a large site spends seconds there otherwise).
        gc.freeze()
        try:
            articles = load_articles(config, self.articles, self.workers, self._progress("parse"))
            site = build_site(config, articles, self.include_drafts, self.include_future, now)
            gc.freeze()
            result = self._write(config, state, site, started, incremental, reindex)
        finally:
            gc.unfreeze()
        if self.persistent:
            state.save_sources(stamp, valid_until(site, now), Unchanged(
                pages=result.pages, files=result.files, scheduled=result.scheduled, next_due=result.next_due))
        return result

    def _unchanged(self, config: Config, state: BuildState, stamp: str, now: datetime,
                   started: float) -> BuildResult | None:
        """The last build's result again, if it read the same inputs and its output is intact and right
        at `now`: nothing to parse, plan or write."""
        unchanged = state.unchanged(stamp, now, state.load_tree("manifest", config.output_dir))
        if unchanged is None or (config.search and not index_present(config.output_dir, state.record("search"))):
            return None
        return BuildResult(pages=unchanged.pages, files=unchanged.files, written=0,
                           seconds=time.perf_counter() - started, output_dir=config.output_dir,
                           base_url=config.base_url, scheduled=unchanged.scheduled, next_due=unchanged.next_due,
                           future=self.include_future)

    def _write(self, config: Config, state: BuildState, site: Site, started: float, incremental: bool,
               reindex: bool) -> BuildResult:
        from digest.graph import plan

        outputs = list(plan(site, self.include_drafts))
        wanted = shards(site.articles, config.language_codes) if config.search else ()
        if incremental and self.manifest is not None and config.output_dir.is_dir():
            state.forget("sources", "manifest", "search")  # changed in place from here on: no record holds
            result = update_site(config.output_dir, outputs, self.manifest)
            if self.persistent:  # the folder now is exactly this manifest: a restart can reuse it
                state.save_tree("manifest", result.manifest, time.time_ns())
            self.search_due = (config.output_dir, wanted, state.record("search")) if config.search else None
            if reindex:
                self.reindex_search()
        else:
            result = self._write_tree(config, state, outputs, wanted) or WriteResult(  # None: output/ is this site
                written=0, unchanged=len(outputs), manifest={output.file: output.fingerprint for output in outputs})
        self.manifest = result.manifest
        if self.persistent and not incremental:  # serve's edits: saved with its next full build
            self.articles.save(state.articles_dir)
        built = summary(result, started, config)
        return replace(built, scheduled=len(site.scheduled), future=self.include_future,
                       next_due=site.scheduled[0].date if site.scheduled else None)

    def _write_tree(self, config: Config, state: BuildState, outputs: list[Output],
                    wanted: tuple[Shard, ...]) -> WriteResult | None:
        """Write the site into a new tree and swap it in; None if output/ holds exactly this site already.

        A persistent build keeps the site it replaces (the spare) and, next time, updates that tree
        rather than a fresh one: only the files changed since the build before last are touched.
        """
        if not self.persistent:
            result = write_site(config.output_dir, outputs, finish=search_step(config, state, wanted, False,
                                                                               self.workers),
                                workers=self.workers, progress=self._progress("write"))
            self.search_held = listing(wanted)
            return result
        previous = state.load_tree("manifest", config.output_dir)
        if previous is not None and holds_exactly(previous, outputs, wanted, state):
            return None
        keep_at = state.spare_dir()
        spare = state.load_tree("spare", keep_at) if keep_at and previous else None
        if keep_at is not None and spare is None and keep_at.exists():
            remove_in_background(keep_at)  # left by a build that was interrupted: its state is unknown
        # From here until the new records are saved, neither folder is what its record says.
        state.forget("spare")
        search = search_step(config, state, wanted, True, self.workers)

        def finish(staging: Path, written: int) -> None:
            search(staging, written)
            state.forget("manifest")  # the output folder is about to be replaced

        # The site replaced is kept only if it holds nothing but what its manifest lists.
        keep = keep_at if previous is not None and previous.untouched else None
        result = write_site(config.output_dir, outputs, finish=finish, workers=self.workers, previous=previous,
                            spare=spare, keep_old=keep, progress=self._progress("write"))
        if result.kept_old and previous is not None:
            state.save_tree("spare", previous.files, previous.written_ns)
        state.save_tree("manifest", result.manifest, time.time_ns())
        save_state(state.record("search"), wanted)
        self.search_held = listing(wanted)
        return result

    def _progress(self, stage: str) -> Callable[[int, int], None] | None:
        report = self.progress
        return (lambda done, total: report(stage, done, total)) if report else None

    def reindex_search(self) -> None:
        """Bring the search index of an incrementally updated output folder up to date."""
        if self.search_due is not None:
            (folder, wanted, record), self.search_due = self.search_due, None
            update_index(folder, wanted, self.search_held)
            self.search_held = listing(wanted)
            if self.persistent:
                save_state(record, wanted)


def holds_exactly(tree: Tree, outputs: list[Output], wanted: tuple[Shard, ...], state: BuildState) -> bool:
    """Whether the folder already is, file for file, what these outputs would write (and holds the
    search index of these same articles, if search is on)."""
    if len(outputs) != len(tree.files) or not all(tree.holds(output) for output in outputs):
        return False
    return tree.untouched and (not wanted or index_is_current(tree.folder, wanted, state.record("search")))


def search_step(config: Config, state: BuildState, wanted: tuple[Shard, ...], reuse: bool,
                workers: int) -> Callable[[Path, int], None]:
    """Write the new tree's search index: with `reuse`, shards the output folder holds already (as the
    cache records) are reused, the others indexed. Until the caller records the new state, none is
    recorded: the swap may still fail."""

    def finish(staging: Path, _written: int) -> None:
        record = state.record("search")
        if config.search:
            write_index(staging, wanted, config.output_dir, load_state(record) if reuse else {}, workers)
        else:
            shutil.rmtree(staging / BUNDLE, ignore_errors=True)  # a spare tree's index is out of date
        state.forget("search", "sources")  # the output folder is about to be replaced

    return finish


def valid_until(site: Site, now: datetime) -> datetime | None:
    """Until when a build's output stays right with no input changed: the first instant after `now` at
    which a scheduled article falls due, or an article enters or leaves the news sitemap's two days.
    None when the build's time is fixed (SOURCE_DATE_EPOCH)."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        return None
    instants = [article.date for article in site.scheduled]
    for article in site.all_articles():
        instants += (article.date, article.date + sitemap.NEWS_WINDOW)
    return min((instant for instant in instants if instant > now), default=None)


def build(config_file: Path, output_dir: Path | None = None, base_url: str | None = None,
          include_drafts: bool = False, workers: int | None = None, persistent: bool = True,
          progress: Callable[[str, int, int], None] | None = None, include_future: bool = False) -> BuildResult:
    """A full build over every core (unless `workers` says otherwise), reusing .digest-cache/."""
    return Builder(config_file, output_dir, base_url, include_drafts, jobs() if workers is None else workers,
                   persistent, progress, include_future).build()


def summary(result: WriteResult, started: float, config: Config) -> BuildResult:
    pages = sum(1 for file in result.manifest if file.endswith(".html"))
    return BuildResult(pages=pages, files=len(result.manifest), written=result.written,
                       seconds=time.perf_counter() - started, output_dir=config.output_dir,
                       base_url=config.base_url)


def check_output_dir(config: Config) -> None:
    output = config.output_dir.resolve()
    content = config.content_dir.resolve()
    if config.root.resolve().is_relative_to(output) or content.is_relative_to(output) or \
            output.is_relative_to(content):
        raise SiteError([Problem(str(config.output_dir), None,
                                 "output folder must not contain the site or be inside content/")])


def scheduled_line(count: int, next_due: datetime | None, included: bool) -> str:
    """What `digest build` says of the articles dated after the build's time."""
    articles = "1 scheduled article" if count == 1 else f"{count} scheduled articles"
    if included:
        return f"{articles} included (--future)"
    return f"{articles} left out; the next is due {next_due.isoformat() if next_due else '?'}"
