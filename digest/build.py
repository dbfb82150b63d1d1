"""Orchestration: config -> content -> site -> page graph -> output, doing work in proportion to
what changed since the last build (see Builder)."""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest import sitemap
from digest.blobs import DamagedRecord
from digest.config import Config, load_config
from digest.errors import Problem, SiteError
from digest.heap import unscanned
from digest.output import (
    SiteFiles,
    Tree,
    WriteResult,
    check_replaceable,
    link_tree,
    locked,
    remove_in_background,
    write_in_place,
    write_site,
)
from digest.parallel import jobs
from digest.records import build_time
from digest.search import (
    BUNDLE,
    INDEX_PREFIX,
    RECENT_LIMIT,
    IndexInBackground,
    Recent,
    RecordStore,
    Shard,
    ShardUpdate,
    Slots,
    StaleRecords,
    index_files,
    index_is_current,
    index_present,
    listing,
    load_state,
    pagefind_executable,
    pages_of,
    shard_files,
    shards,
    update_index_in_place,
    write_edited_index,
    write_index,
    write_listing,
)
from digest.state import SWAP, BuildState, Frame, Sources, Stamp, Swap, TreeMemo, Unchanged, identity
from digest.theme import check_templates

if TYPE_CHECKING:
    from digest.content import ArticleCache
    from digest.delta import EditPlan, GraphRecord
    from digest.graph import PageGraph
    from digest.site import Site

SEARCH_PENDING = "search-pending"  # the record of a deferred edit build whose search step has not finished


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
    drafts: int = 0  # articles marked draft: true, left out (not --drafts)
    kind: str = "full"  # "full", "edit" (only what shows the edited articles) or "unchanged"


class Builder:
    """Builds one site again and again, doing work in proportion to what changed.

    With `persistent` (what `digest build` and `digest serve` do), what a build read and wrote is kept
    in .digest-cache/ (see digest.state): a build with no input changed does nothing; a build after
    edits that keep every article's outline re-reads the edited files and writes only the outputs that
    show them (digest.delta); any other build plans the whole site, re-parsing only changed articles.
    Either way the site is staged (unchanged files hard-linked from the previous output) and swapped
    in whole with one atomic exchange (`_stage`, the one way a persistent build writes its folder),
    under a lock on .digest-cache/: a second build waits for the first.
    """

    def __init__(self, config_file: Path, output_dir: Path | None = None, base_url: str | None = None,
                 include_drafts: bool = False, workers: int = 1, persistent: bool = False,
                 progress: Callable[[str, int, int], None] | None = None, include_future: bool = False,
                 trust_own_output: bool = False, borrow_from: Path | None = None,
                 defer_search: bool = False, recent_search: bool = False, edit_in_place: bool = False) -> None:
        self.config_file = config_file
        self.workers = workers  # processes for parsing and writing; serve keeps 1 (it runs threads)
        self.output_dir = output_dir
        self.base_url = base_url
        self.include_drafts = include_drafts
        self.include_future = include_future  # articles dated after the build's time too
        self.persistent = persistent
        self.progress = progress  # told (stage, done, total) as articles are read and pages written
        self.articles: ArticleCache | None = None
        # The page graph this process last saved, with the stamps of its files: serve's next edit
        # need not read it again.
        self.graph: tuple[tuple[Stamp, Stamp], GraphRecord] | None = None
        # serve's: the output folder is taken to be as this Builder left it, unchecked (one stat per
        # file: too slow for a preview that must follow each keystroke).
        self.trust_own_output = trust_own_output
        self.wrote_ns: int | None = None  # when this Builder last recorded the output folder
        self.spare_ns: int | None = None  # serve's: the spare tree this Builder kept (trusted as it left it)
        # serve's: another output folder of the same site (output/), whose files and search shards a
        # build with no site of its own yet hard-links rather than writes (it is never written).
        self.borrow_from = borrow_from
        self.sources: Sources | None = None  # the inputs' stamps when the last build started
        self.trees: TreeMemo = {}  # the tree records this Builder saved or read: not parsed again while unchanged
        self.waiting: Callable[[str], None] = _say  # told when another build holds the output folder
        # serve's: an edit build swaps the edited pages in first (the index as it was), then re-indexes
        # the edited articles' shards and swaps again in the background, still holding the build lock.
        self.defer_search = defer_search
        # serve's: an edit's new search records go into a small recent shard per language (indexed in
        # milliseconds; search.js drops the records it supersedes). `digest build` indexes the edited
        # article's quarter again instead: its output/, pagefind/ included, is byte-identical to a clean build.
        self.recent_search = recent_search
        # serve's: an edit writes the pages that show it straight into the folder it left (each file
        # renamed into place, the edited article's page first), not into a staged copy swapped in whole:
        # the preview follows a keystroke. Its search step then exchanges the edited shards in place too.
        self.edit_in_place = edit_in_place
        self._deferred: Callable[[], None] | None = None  # the second swap, set by an edit build
        self._search: threading.Thread | None = None  # running it
        self.search_error: BaseException | None = None  # what the last background search step raised

    def build(self, changed: Iterable[str] | None = None) -> BuildResult:
        """Build the site. `changed`
        lists every path changed since this Builder's last build (serve knows them from the file
        system's notifications): only those are looked at under content/, rather than every file."""
        started = time.perf_counter()
        now = build_time()
        config = load_config(self.config_file, output_dir=self.output_dir, base_url=self.base_url)
        check_output_dir(config)
        check_templates(config)
        if config.search:
            pagefind_executable()  # a missing binary is reported before anything is done
        state = BuildState(config, self.trees)
        # What every output depends on, made once here and passed down (see digest.state.Frame).
        frame = Frame(config, self.include_drafts, self.include_future)
        if not self.persistent:
            return self._build_all(frame, state, None, now, started)
        self.wait_for_search()
        lock = contextlib.ExitStack()
        with lock:
            lock.enter_context(locked(config.cache_dir, config.output_dir, self.waiting))
            result = self._build_persistent(frame, state, now, started, changed)
            if self._deferred is not None:
                # The lock passes to the search step: the next build (here or in another process) waits for it.
                self._search = threading.Thread(target=self._finish_search, args=(self._deferred, lock.pop_all()),
                                                daemon=True, name="digest-search")
                self._deferred = None
                self._search.start()
        return result

    def searching(self) -> bool:
        """Whether an edit build's search step is running in the background (see wait_for_search)."""
        return self._search is not None

    def wait_for_search(self) -> None:
        """Wait until the search step an edit build left running in the background (if any) is done."""
        if self._search is not None:
            self._search.join()
            self._search = None

    def _finish_search(self, step: Callable[[], None], lock: contextlib.ExitStack) -> None:
        with lock:
            try:
                step()
                self.search_error = None
            except BaseException as error:  # a background thread: kept for the caller, said, never raised
                self.search_error = error
                _say(f"search index not updated: {error}")

    def _build_persistent(self, frame: Frame, state: BuildState, now: datetime, started: float,
                          changed: Iterable[str] | None) -> BuildResult:
        config = frame.config
        recover(config, state)
        tree = state.load_tree("manifest", config.output_dir)  # what output/ holds, as the last build wrote it
        spare = None  # (read only for a build with something to do)
        own = (self.wrote_ns, self.spare_ns) if self.trust_own_output else ()
        if tree is not None and tree.written_ns not in own:
            tree.check_in_background()  # on other cores while the inputs are stamped and the graph loaded
        try:
            # Stamped before anything is read: a file changed during the build makes the next one run.
            previous = self.sources
            sources = Sources.scan(frame, previous, changed)
            self.sources = sources
            # serve's: a file changed since this Builder's last build: not the inputs of the site recorded
            # (whichever it is), and no need to stamp all of them to know it.
            moved = changed is not None and previous is not None and sources.content != previous.content
            done = None if moved else self._unchanged(config, state, sources, tree, now, started)
            if done is None and tree is None:
                done = self._borrow_current(config, state, sources, now, started)
            if done is None and tree is not None and not state.tree_verified("spare"):
                # (A verified spare is read when the pages are staged, after the search step has started.)
                spare = self._spare(state, tree)
                if spare is not None and spare.written_ns not in own and not spare.verified:
                    spare.check_in_background()
            if done is None and tree is not None:
                # An edit allocates little but holds the whole graph: collecting would only scan it again and again.
                with unscanned():
                    try:
                        done = self._build_edit(frame, state, sources, tree, now, started, spare)
                    except DamagedRecord:  # (read before the swap: the graph's pending edits describe no site)
                        state.commit_graph_edits(swapped=False)
                        state.forget_graph()
                        self.graph = None
        finally:
            for folder in (tree, spare):
                if folder is not None:
                    folder.settle()
        return done or self._build_all(frame, state, sources, now, started)

    def _left_by_me(self, tree: Tree, written_ns: int | None) -> bool:
        """serve's: whether `tree` is a folder this Builder recorded at `written_ns` (trusted as it left it)."""
        return self.trust_own_output and tree.written_ns == written_ns

    def _spare(self, state: BuildState, previous: Tree | None) -> Tree | None:
        """The spare tree (the site before last, see _stage), as its record says, if there is a site to update."""
        keep_at = state.spare_dir()
        return state.load_tree("spare", keep_at) if keep_at and previous else None

    def _unchanged(self, config: Config, state: BuildState, sources: Sources, tree: Tree | None, now: datetime,
                   started: float) -> BuildResult | None:
        """The last build's result again, if it read the same inputs and its output is intact and right
        at `now`: nothing to parse, plan or write."""
        unchanged = state.unchanged(sources.stamp, now, tree)
        if unchanged is None or (config.search and not index_present(config.output_dir, state.record("search"))) \
                or state.record(SEARCH_PENDING).exists():
            return None
        return self._result(config, unchanged, 0, started, "unchanged")

    def _borrow_current(self, config: Config, state: BuildState, sources: Sources, now: datetime,
                        started: float) -> BuildResult | None:
        """serve's first build over an output folder (`borrow_from`) that the last `digest build` left
        right for these very inputs: its files and search index hard-linked into this folder, its
        records taken over. Nothing is parsed, planned or rendered."""
        if self.borrow_from is None or self.borrow_from.resolve() == config.output_dir.resolve():
            return None
        other = BuildState(replace(config, output_dir=self.borrow_from))
        tree = other.load_tree("manifest", self.borrow_from)
        report = other.unchanged(sources.stamp, now, tree)
        search = other.record("search")
        if tree is None or report is None or other.record(SEARCH_PENDING).exists() or \
                (config.search and not index_present(self.borrow_from, search)) or not state.adopt_graph(other):
            return None
        held = load_state(search) if config.search else {}
        outputs = SiteFiles((), pages_of(tree.files), self.borrow_from)

        self.graph = None
        with edited_index(config, tree.folder, (), record_store(state), held, tree.files) as place_index:
            result = self._stage(config, state, outputs, place_index, held, borrowed=tree)
        if not state.adopt_sources(other):
            return None  # (the next build finds nothing to trust and builds in full)
        return self._result(config, report, result.written, started, "unchanged")

    def _build_edit(self, frame: Frame, state: BuildState, sources: Sources, tree: Tree, now: datetime,
                    started: float, spare: Tree | None = None) -> BuildResult | None:
        """After edits that keep every article's outline: stage the site with what shows the edited
        articles written again and every other file as output/ holds it, and swap it in."""
        from digest.delta import load_record, plan_edit, save_edits

        config = frame.config
        search = state.record("search")
        if config.search and (not index_present(config.output_dir, search) or state.record(SEARCH_PENDING).exists()):
            return None
        if self._left_by_me(tree, self.wrote_ns):
            tree = replace(tree, trusted=True)
        # (Whether output/ is intact is asked just before the swap: the check runs meanwhile.)
        record = self._remembered(state) or load_record(state, now)
        if record is None:
            return None
        store = record_store(state)
        plan = plan_edit(frame, record, sources, now, load_state(search) if config.search else {}, store,
                         RECENT_LIMIT if self.recent_search else 0)
        if plan is None:
            return None
        if self.edit_in_place and tree.trusted:
            return self._edit_in_place(frame, state, sources, tree, plan, store, record, started)
        index = plan.search()
        if index is None:
            return None
        if not plan.outputs and not index.shards:
            if not tree.trusted and not tree.intact():
                return None
            # output/ is the site of these inputs already (its records completed by `recover`): nothing to stage.
            state.save_sources(sources.stamp, record.valid_until, record.report)
            return self._result(config, record.report, 0, started, "edit")

        # serve's: the pages first, with the index the output folder holds (as its record lists it);
        # the edited shards are indexed again and swapped in by a second build in the background.
        deferred = self.defer_search and config.search and bool(index.shards)
        held = load_state(search) if deferred else index.listing
        # output/ is taken to be as recorded while the site is staged, and that is checked just before the
        # swap (the check runs meanwhile, on the core the staging leaves): found otherwise, the staged tree
        # is dropped and the build starts over in full.
        verify = None if tree.trusted else tree.intact
        try:
            # The edited shards are indexed from here on (in a process forked for it), while the pages are staged.
            with edited_index(config, config.output_dir, () if deferred else index.shards, store,
                              held, tree.files) as place_index:
                # Every other file as output/ holds it (hard-linked, or kept in the spare tree).
                outputs = SiteFiles(plan.outputs, pages_of(tree.files), config.output_dir)
                if deferred:
                    # Until the search step is done, the index is behind the pages: no build may trust it as
                    # current. Marked before the swap (which makes the graph's edits its own): a process killed
                    # at any point after leaves this mark, and the next build indexes those shards again.
                    state.record(SEARCH_PENDING).touch()
                # The graph's edits, saved before the swap and made the graph's once it happened (see
                # recover): killed in between, the next build plans against the site output/ really holds.
                save_edits(state, plan.record, pending=True)
                # One process: all but a few files are linked or kept, no work worth forking for.
                result = self._stage(config, state, outputs, place_index, held if config.search else {},
                                     previous=replace(tree, trusted=True), workers=1, spare=spare, verify=verify)
        except (StaleRecords, NotAsRecorded):  # (raised before the swap: the pending edits describe no site)
            state.commit_graph_edits(swapped=False)
            # A shard's kept records are damaged (the full build indexes it from the articles), or output/
            # was changed by hand.
            return None
        except SiteError:
            if verify is None or verify():
                raise
            state.commit_graph_edits(swapped=False)
            return None  # a file output/ should hold could not be linked: it was changed by hand
        # (Any other failure leaves them pending: the next build's `recover` knows whether the swap happened.)
        self._remember(state, plan.record)  # (its edits are the graph's now: see _stage)
        if not deferred and config.search:
            for update in index.shards:
                store.prune(update.name, update.key)
        if deferred:
            self._deferred = lambda: self._index_edits(frame, state, result.manifest, index.shards, index.listing,
                                                       store, sources, record)
        else:
            state.save_sources(sources.stamp, record.valid_until, record.report)
        return self._result(config, record.report, result.written, started, "edit")

    def _edit_in_place(self, frame: Frame, state: BuildState, sources: Sources, tree: Tree, plan: EditPlan,
                       store: RecordStore, record: GraphRecord, started: float) -> BuildResult | None:
        """serve's edit build (`edit_in_place`): the planned pages written into the folder this Builder
        left (see write_in_place), recorded, and the edited shards indexed in the background, in place
        too (_index_in_place)."""
        from digest.delta import save_edits

        config = frame.config
        state.forget("sources")  # until recorded again below, the folder is not known to be any inputs' site
        if config.search:
            # Marked before the graph's edits are saved: killed after that, the next build would find no edit
            # to plan, and trust an index that may not hold them yet (cleared below if no shard is edited).
            state.record(SEARCH_PENDING).touch()
        written = write_in_place(config.output_dir, plan.outputs, tree.files)
        # The graph before the manifest: killed in between, the folder is found not as recorded (its pages
        # newer than the manifest), and the next build plans from scratch, never from a graph behind it.
        save_edits(state, plan.record)
        self._remember(state, plan.record)
        manifest = {**tree.files, **{output.file: output.fingerprint for output in plan.outputs}}
        self.wrote_ns = time.time_ns()
        state.save_tree("manifest", manifest, self.wrote_ns, config.output_dir)
        search = plan.search()  # (planned once the pages are in place)
        if search is None:
            return None  # a shard's records were not kept: the full build indexes it from the articles
        if config.search and search.shards:
            self._deferred = lambda: self._index_in_place(frame, state, manifest, search.shards, search.listing,
                                                          store, sources, record)
        else:
            state.save_sources(sources.stamp, record.valid_until, record.report)
            state.forget(SEARCH_PENDING)  # (no shard edited: the index is this site's)
        return self._result(config, record.report, written, started, "edit")

    def _index_in_place(self, frame: Frame, state: BuildState, manifest: Mapping[str, str],
                        updates: tuple[ShardUpdate | Recent, ...], listed: dict[str, str], store: RecordStore,
                        sources: Sources, record: GraphRecord) -> None:
        """The search step of serve's edit written in place (under the build lock): the edited shards
        exchanged for the old ones in its folder's index (update_index_in_place), then recorded. Until
        then the search record does not list them: a serve killed in between indexes them again."""
        config = frame.config
        write_listing(state.record("search"), {name: key for name, key in load_state(state.record("search")).items()
                                               if name not in {update.name for update in updates}})
        try:
            update_index_in_place(config.output_dir, updates, store)
        except StaleRecords:
            # A shard's kept records are damaged: a full build indexes it from the articles.
            self._build_all(frame, state, sources, build_time(), time.perf_counter())
            return
        pages = pages_of(manifest)
        self.wrote_ns = time.time_ns()
        state.save_tree("manifest", {**pages, **index_files(config.output_dir, listed)}, self.wrote_ns,
                        config.output_dir)
        write_listing(state.record("search"), listed)
        for update in updates:
            store.prune(update.name, update.key)
        state.save_sources(sources.stamp, record.valid_until, record.report)
        state.forget(SEARCH_PENDING)

    def _index_edits(self, frame: Frame, state: BuildState, manifest: Mapping[str, str],
                     updates: tuple[ShardUpdate | Recent, ...], listed: dict[str, str], store: RecordStore,
                     sources: Sources, record: GraphRecord) -> None:
        """The second half of a deferred edit build (under the build lock): the site as the first half
        left it, with the edited shards indexed again, staged and swapped in whole."""
        config = frame.config
        outputs = SiteFiles((), pages_of(manifest), config.output_dir)

        try:
            with edited_index(config, config.output_dir, updates, store, listed, manifest) as place_index:
                self._stage(config, state, outputs, place_index, listed, workers=1)
        except StaleRecords:
            # A shard's kept records are damaged: a full build indexes it from the articles.
            self._build_all(frame, state, sources, build_time(), time.perf_counter())
            return
        for update in updates:
            store.prune(update.name, update.key)
        state.save_sources(sources.stamp, record.valid_until, record.report)
        state.forget(SEARCH_PENDING)

    def _remembered(self, state: BuildState) -> GraphRecord | None:
        """The graph this process saved last, if its files are still the ones it wrote."""
        if self.graph is None:
            return None
        stamps, record = self.graph
        return record if stamps == state.graph_stamps() else None

    def _remember(self, state: BuildState, record: GraphRecord | None) -> None:
        self.graph = None if record is None else (state.graph_stamps(), record)

    def _build_all(self, frame: Frame, state: BuildState, sources: Sources | None, now: datetime,
                   started: float) -> BuildResult:
        """Read, link and plan the whole site; write it into a new tree swapped in whole."""
        config = frame.config
        # Only now the modules that parse and render: a build with nothing to do never loads them.
        from digest.content import ArticleCache, load_articles
        from digest.graph import PageGraph
        from digest.site import build_site

        if self.articles is None:
            self.articles = ArticleCache.load(state.articles_dir) if self.persistent else ArticleCache()
        # Articles, the site and the plan live as long as the build: the garbage collector is kept from
        # scanning them again and again while more are made (its full collections took 1.5 s of a 2.4 s
        # plan at 10,000 x 2), and then from scanning them at all (see heap.unscanned).
        gc.freeze()
        try:
            with unscanned():
                articles = load_articles(config, self.articles, self.workers, self._progress("parse"))
                site = build_site(config, articles, self.include_drafts, self.include_future, now)
                wanted = shards(site.editions, config.language_codes, frame.version) if config.search else ()
            with self._full_write(config, state, wanted) as write:  # (Pagefind starts now, while pages are planned)
                with unscanned():
                    graph = PageGraph(site, frame.salt, frame.version)
                    planned = list(graph.plan())
                    outputs = SiteFiles(planned)
                report = Unchanged(pages=sum(1 for output in planned if output.file.endswith(".html")),
                                   files=len(outputs), scheduled=len(site.scheduled),
                                   next_due=site.scheduled[0].date if site.scheduled else None,
                                   drafts=0 if self.include_drafts else sum(1 for a in articles if a.draft))
                until = valid_until(site, now)
                keep = None if sources is None else \
                    (lambda folder: self._keep(frame, state, sources, site, graph, until, report, folder))
                with Keeping(state, keep) as keeping:
                    result = self._write_tree(config, state, outputs, wanted, write, keeping.start) or WriteResult(
                        written=0, unchanged=len(outputs),  # (None: output/ is this site already)
                        manifest=dict(outputs.fingerprints))
                    if sources is not None:
                        record = keeping.put()
                        self.articles.saved()
                        if record is not None:
                            self._remember(state, record)
                        state.save_sources(sources.stamp, until, report)
        finally:
            gc.unfreeze()
        return self._result(config, report, result.written, started, "full")

    def _keep(self, frame: Frame, state: BuildState, sources: Sources, site: Site, graph: PageGraph,
              until: datetime | None, report: Unchanged, folder: Path) -> GraphRecord | None:
        """Save into `folder` (BuildState.keep_folder) what a full build keeps once its site is written:
        the parsed articles (the cache's changed shards), the page graph's record (returned)."""
        from digest.delta import new_record, save_record

        assert self.articles is not None
        self.articles.save(folder / "articles")
        record = new_record(frame, sources, site, graph, self.articles.parsed(), until, report)
        if record is not None:
            save_record(state, record, folder / "graph")
        return record

    def _result(self, config: Config, report: Unchanged, written: int, started: float, kind: str) -> BuildResult:
        return BuildResult(pages=report.pages, files=report.files, written=written,
                           seconds=time.perf_counter() - started, output_dir=config.output_dir,
                           base_url=config.base_url, scheduled=report.scheduled, next_due=report.next_due,
                           future=self.include_future, kind=kind, drafts=report.drafts)

    def _full_write(self, config: Config, state: BuildState, wanted: tuple[Shard, ...]) -> FullWrite:
        """What a full build writes over: output/'s manifest (or the folder it borrows from) and its
        search step, started at once."""
        store = record_store(state)
        if not self.persistent:
            return FullWrite(full_index(config, state, wanted, False, store, self.workers))
        previous = state.load_tree("manifest", config.output_dir)
        borrowed = self._borrowed(config) if previous is None else None
        return FullWrite(full_index(config, state, wanted, True, store, self.workers,
                                    borrowed and (borrowed[0].folder, borrowed[1])),
                         previous, borrowed[0] if borrowed else None)

    def _write_tree(self, config: Config, state: BuildState, outputs: SiteFiles, wanted: tuple[Shard, ...],
                    write: FullWrite, pages_written: Callable[[], None]) -> WriteResult | None:
        """Write the site into a staged tree and swap it in; None if output/ holds exactly this site already.
        `pages_written` is told when every page is, before the search index is waited for."""
        search = write.search
        if not self.persistent:
            return write_site(config.output_dir, outputs, finish=lambda staging, _: search(staging),
                              workers=self.workers, progress=self._progress("write"))
        previous = write.previous
        if previous is not None and holds_exactly(previous, outputs, wanted, state):
            return None

        def place_index(staging: Path, kept: Container[str]) -> dict[str, str]:
            pages_written()
            files = search(staging, kept)
            state.forget_graph()  # the graph of the site replaced: a new one is saved after the swap
            self.graph = None
            return files

        result = self._stage(config, state, outputs, place_index, listing(wanted), write.borrowed, previous)
        state.forget(SEARCH_PENDING)  # the index is this site's
        return result

    def _borrowed(self, config: Config) -> tuple[Tree, Path] | None:
        """The site `borrow_from` holds (as its manifest says) and its search record, if known."""
        if self.borrow_from is None or self.borrow_from.resolve() == config.output_dir.resolve():
            return None
        other = BuildState(replace(config, output_dir=self.borrow_from))
        tree = other.load_tree("manifest", self.borrow_from)
        return None if tree is None else (tree, other.record("search"))

    def _stage(self, config: Config, state: BuildState, outputs: SiteFiles,
               place_index: Callable[[Path, Container[str]], dict[str, str]], index: Mapping[str, str],
               borrowed: Tree | None = None, previous: Tree | None = None, workers: int | None = None,
               spare: Tree | None = None, verify: Callable[[], bool] | None = None) -> WriteResult:
        """The one way a persistent build writes output/: stage the whole site, then one atomic exchange.

        The staged tree is the spare one (the site before last, kept by the last build) brought up
        to date, or else a fresh folder; files output/ holds already are hard-linked from it. The
        site replaced becomes the next build's spare. Killed at any moment, the build leaves output/
        the old site or the new one, with records that say which: until the swap, output/ and its
        records are untouched, and the spare's record claims only the files this build leaves as
        they are (the next build brings it up to date again, rather than starting afresh); just
        before the swap, a `swap` record says what output/ holds if the staged folder is found in
        its place (see `recover`). `index` is the search shards the staged index holds. `verify`, if
        given, is asked just before that record: whether `previous` (taken to be as recorded meanwhile)
        really is; if not, nothing is swapped and NotAsRecorded is raised.
        """
        check_replaceable(config.output_dir)
        if previous is None:
            previous = state.load_tree("manifest", config.output_dir)
            if previous is not None and self._left_by_me(previous, self.wrote_ns):
                previous = replace(previous, trusted=True)
        keep_at = state.spare_dir()
        if spare is None:
            spare = self._spare(state, previous)
        if keep_at is not None and spare is None and keep_at.exists():
            remove_in_background(keep_at)  # left by a build that was interrupted: its state is unknown
        if spare is not None and (self._left_by_me(spare, self.spare_ns) or (
                spare.verified and previous is not None and previous.checked_whole) or spare.intact()):
            # Checked whole (or kept by this Builder, or verified when set aside with output/ intact since),
            # before the index is set aside below: each of its files is then known to hold what the record
            # says without a look at it.
            spare = replace(spare, trusted=True)
        # The search shards the spare holds as output/ does stay (place_index keeps those it reuses); if
        # the spare is not known to be as recorded, its whole index is set aside at once (one rename),
        # not deleted file by file (thousands of unlinks and rmdirs in an edit that writes a few pages).
        spare_index = spare is not None and (spare.folder / BUNDLE).is_dir()
        kept = same_shards(spare.files, previous.files) if spare_index and spare is not None and \
            spare.checked_whole and previous is not None else set()
        if spare is not None and spare_index and not kept:
            with contextlib.suppress(OSError):
                aside = config.cache_dir / f".{BUNDLE}-{os.getpid()}-{time.monotonic_ns()}.deleted"
                os.rename(spare.folder / BUNDLE, aside)
                remove_in_background(aside)
        if spare is not None:
            spare = replace(spare, files=pages_of(spare.files))
        # From here until the new records are saved, the spare folder is only partly what its record said.
        if spare is not None:
            state.save_tree("spare", while_updated(spare.files, outputs.fingerprints), spare.written_ns,
                            spare.folder, verified=spare.checked_whole)
        else:
            state.forget("spare")
        # The site replaced is kept only if it holds nothing but what its manifest lists.
        keep = keep_at if previous is not None and previous.untouched else None
        mount = os.path.ismount(config.output_dir)
        # With no site to keep, the new one is mirrored as it is written: the next build's spare.
        mirror = keep_at if keep is None and spare is None and borrowed is None and not mount \
            and not self.edit_in_place else None  # (serve edits its folder in place: no use for a spare)

        swapped: dict[str, str] = {}  # what the swap record says output/ holds once swapped (see finish)

        def finish(staging: Path, _written: int) -> dict[str, str]:
            if verify is not None and not verify():
                raise NotAsRecorded  # (the staged tree is dropped: see write_site)
            files = place_index(staging, kept)
            if mirror is not None and mirror.is_dir() and (staging / BUNDLE).is_dir():
                link_tree(staging / BUNDLE, mirror / BUNDLE)
            state.forget("sources")
            staged = identity(staging)
            if mount or staged is None:
                state.forget("search", "manifest")  # replaced file by file: what it holds is unknown until done
            else:
                swapped.update(outputs.fingerprints)
                swapped.update(files)
                state.save_swap(Swap(staged=staged, replaced=identity(config.output_dir), keep=keep is not None,
                                     written_ns=time.time_ns(), files=swapped, index=dict(index)))
            return files

        result = write_site(config.output_dir, outputs, finish=finish,
                            workers=self.workers if workers is None else workers,
                            previous=previous or borrowed, spare=spare, keep_old=keep,
                            progress=self._progress("write"), mirror=mirror)
        self.wrote_ns = time.time_ns()
        manifest = swapped or result.manifest  # (the swap record's list, if saved: the same, pickled once)
        state.save_tree("manifest", manifest, self.wrote_ns, config.output_dir)
        write_listing(state.record("search"), index)
        self.spare_ns = None
        if result.kept_old and previous is not None and keep is not None:
            state.save_tree("spare", previous.files, previous.written_ns, keep, verified=previous.checked_whole)
            if previous.trusted:
                self.spare_ns = previous.written_ns
        elif result.mirrored and mirror is not None:
            state.save_tree("spare", manifest, self.wrote_ns, mirror, verified=True)
            self.spare_ns = self.wrote_ns
        state.commit_graph_edits(swapped=True)  # an edit build's graph edits describe output/ now
        state.forget(SWAP)
        return result

    def _progress(self, stage: str) -> Callable[[int, int], None] | None:
        report = self.progress
        return (lambda done, total: report(stage, done, total)) if report else None


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def holds_exactly(tree: Tree, outputs: SiteFiles, wanted: tuple[Shard, ...], state: BuildState) -> bool:
    """Whether the folder already is, file for file, what these outputs would write (and holds the
    search index of these same articles, if search is on)."""
    pages = sum(1 for file in tree.files if not is_index_file(file))
    if len(outputs) != pages or (not wanted and pages != len(tree.files)) or \
            not all(tree.holds(output) for output in outputs):
        return False
    return tree.untouched and (not wanted or index_is_current(tree.folder, wanted, state.record("search")))


class Keeping:
    """What a full build keeps for the next one (the parsed articles, the page graph's record: `write`
    saves them into a folder), written in a thread once `start`ed, and `put` in place by the caller
    once the site is output/'s. Started when the pages are written, while Pagefind finishes the index:
    not after the swap on one core, nor while the pages are written (the main process would grow
    beside its workers, at the build's peak). With no `write` (a build that keeps nothing), nothing."""

    def __init__(self, state: BuildState, write: Callable[[Path], GraphRecord | None] | None) -> None:
        self.state = state
        self.write = write
        self.folder = state.keep_folder() if write is not None else None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-keep")
        self.future: Future[GraphRecord | None] | None = None

    def start(self) -> None:
        if self.future is None and self.write is not None and self.folder is not None:
            self.future = self.pool.submit(self.write, self.folder)

    def put(self) -> GraphRecord | None:
        """What `write` returned, once its files are in place."""
        self.start()
        assert self.folder is not None and self.future is not None
        record = self.future.result()
        self.state.put_kept(self.folder)
        return record

    def __enter__(self) -> Keeping:
        return self

    def __exit__(self, *_: object) -> None:
        self.pool.shutdown(wait=True)  # (a build that failed: what it was writing is dropped below)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class FullWrite:
    """A full build's write, before the pages are planned: its search step (running), and the tree
    output/ holds (its manifest) or, for a first build, the one it borrows from."""

    search: SearchStep
    previous: Tree | None = None
    borrowed: Tree | None = None

    def __enter__(self) -> FullWrite:
        return self

    def __exit__(self, *_: object) -> None:
        self.search.close()


class SearchStep:
    """The index step of a build: the staged tree's search index, written at once in the background
    (IndexInBackground: Pagefind runs while the pages are rendered or staged) by `write`, moved into
    the staged tree by the finish step, which returns its files (the shards `held`). Until the caller
    records the new state, none is recorded: the swap may still fail. `close` when the build is over."""

    def __init__(self, config: Config, write: Callable[[Path, threading.Event], object], held: Mapping[str, str],
                 slots: Slots | None = None, forked: bool = False, known: Mapping[str, str] | None = None) -> None:
        self.held = held
        self.slots = slots  # widened once the pages are written
        self.known = known  # the manifest of the folder whose shards are reused (see index_files)
        self.background = IndexInBackground(config.output_dir, write, forked) if config.search else None

    def __call__(self, staging: Path, kept: Container[str] = ()) -> dict[str, str]:
        """Place the index into the staged tree (which holds the shards `kept` as output/ does)."""
        if self.slots is not None:
            self.slots.widen()
        if self.background is None:
            shutil.rmtree(staging / BUNDLE, ignore_errors=True)  # a spare tree's index is out of date
            return {}
        self.background.place(staging, kept)
        return index_files(staging, self.held, self.known)

    def close(self) -> None:
        if self.slots is not None:
            self.slots.widen()  # (shards waiting for a slot see the stop)
        if self.background is not None:
            self.background.close()

    def __enter__(self) -> SearchStep:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def full_index(config: Config, state: BuildState, wanted: tuple[Shard, ...], reuse: bool, store: RecordStore,
               workers: int, borrowed: tuple[Path, Path] | None = None) -> SearchStep:
    """The index step of a full build: with `reuse`, shards the output folder holds already (as the cache
    records) are reused, the others indexed (or, for a first build, those of the folder `borrowed`:
    folder, record)."""
    source, record = borrowed or (config.output_dir, state.record("search"))
    old = load_state(record) if reuse and config.search else {}
    # While pages are rendered, half as many Pagefind processes as render workers (one on two cores):
    # the workers keep the cores busy, and more processes would hold more indexes in memory at once (a
    # cold build's peak) for no shorter build. Once the pages are written, one per core for the shards
    # left (one process alone used to finish them with the other core idle: ~15 s at 10,000 x 2).
    slots = Slots(workers // 2, workers)
    return SearchStep(config, lambda folder, stop: write_index(folder, wanted, source, old, store, slots, stop),
                      listing(wanted), slots)


def edited_index(config: Config, reuse_from: Path, updates: Sequence[ShardUpdate | Recent], store: RecordStore,
                 held: Mapping[str, str], known: Mapping[str, str]) -> SearchStep:
    """The index step of a build that keeps the index `reuse_from` holds (as its manifest `known` lists
    it) but for `updates` (see write_edited_index): the edited shards are indexed while the pages are staged."""
    # In a child process, where one can be forked: the rewrite of a shard is Python's work (decoding and
    # encoding its words), which in a thread would take turns with the pages' for the one interpreter.
    return SearchStep(config, lambda folder, _: write_edited_index(folder, reuse_from, updates, store), held,
                      forked=bool(updates), known=known)


def recover(config: Config, state: BuildState) -> None:
    """After a build killed between its swap and its records (see Builder._stage): if output/ is the
    folder it staged, its records say so now (the manifest, the search index, the spare: the site it
    replaced); else the swap did not happen and output/ is still what its records say. The next build
    is then an edit build as usual."""
    swap = state.load_swap()
    swapped = swap is not None and identity(config.output_dir) == swap.staged
    if swap is not None and swapped:
        keep_at = state.spare_dir()
        kept = swap.keep and keep_at is not None and identity(keep_at) == swap.replaced
        # The manifest still records the site replaced, now in the spare's place if kept.
        replaced = state.load_tree("manifest", keep_at) if kept and keep_at is not None else None
        state.save_tree("manifest", swap.files, swap.written_ns, config.output_dir)
        write_listing(state.record("search"), swap.index)
        if replaced is not None and keep_at is not None:
            state.save_tree("spare", replaced.files, replaced.written_ns, keep_at)
        else:
            state.forget("spare")
    state.commit_graph_edits(swapped)  # (an edit build's graph edits: the graph's if its site is in place)
    if swap is not None:
        state.forget(SWAP)


class NotAsRecorded(Exception):
    """The output folder an edit build staged against is not as its record says (changed by hand)."""


UNKNOWN = "?"  # a file that may be in a folder, or not, with bytes unknown: never fingerprinted so


def while_updated(spare: Mapping[str, str], wanted: Mapping[str, str]) -> dict[str, str]:
    """What a spare tree may be said to hold at any moment while it is brought up to date with
    the files `wanted` (file -> fingerprint): those kept as they are, with their fingerprints; every other
    file the update may write or delete as UNKNOWN (never held: written again, or deleted if not wanted)."""
    files = {file: mark if wanted.get(file) == mark else UNKNOWN for file, mark in spare.items()}
    files.update(dict.fromkeys(wanted.keys() - files.keys(), UNKNOWN))
    return files


def same_shards(spare: Mapping[str, str], current: Mapping[str, str]) -> set[str]:
    """The search shards (folders of pagefind/) that two trees' records say they hold alike: the same
    files with the same fingerprints (a shard's files are fingerprinted with its key: see index_files)."""
    mine = shard_files(spare)
    theirs = shard_files(current)  # (last: the index step asks for output/'s again, see index_files)
    return {name for name, files in mine.items() if theirs.get(name) == files}


def record_store(state: BuildState) -> RecordStore:
    """The search records of the cache, pruned only of what no output folder's index holds."""
    return RecordStore(state.search_records, lambda: state.records_of_every_folder("search"))


def is_index_file(file: str) -> bool:
    """Whether a file of the output folder belongs to the search index (written by its own step)."""
    return file.startswith(INDEX_PREFIX)


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


def check_output_dir(config: Config) -> None:
    """Refuse an output folder that cannot be one, before anything is read or written."""
    if config.output_dir.exists() and not config.output_dir.is_dir():
        raise SiteError([Problem(str(config.output_dir), None, "output folder exists and is not a folder")])
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


def drafts_line(count: int) -> str:
    """What `digest build` says of the drafts it left out."""
    return "1 draft left out (--drafts includes it)" if count == 1 else \
        f"{count} drafts left out (--drafts includes them)"
