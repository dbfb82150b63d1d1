"""Orchestration: config -> content -> site -> render -> output.

A Builder remembers parsed articles and what it wrote, so that `digest serve`
re-parses only the files that changed and re-renders only the pages whose
inputs changed. `digest build` uses a fresh Builder: a full, clean build.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from digest import __version__, feeds, sitemap, urls
from digest.config import Config, load_config
from digest.content import ArticleCache, load_articles
from digest.errors import Problem, SiteError
from digest.i18n import translator
from digest.output import (
    Output,
    Tree,
    WriteResult,
    file_fingerprint,
    fingerprint,
    remove_in_background,
    update_site,
    write_atomically,
    write_site,
)
from digest.parallel import jobs
from digest.render import Renderer
from digest.search import (
    BUNDLE,
    Shard,
    index_is_current,
    listing,
    load_state,
    pagefind_executable,
    save_state,
    shards,
    update_index,
    write_index,
)
from digest.site import Site, build_site, build_time
from digest.theme import asset_files, check_templates, template_dirs


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
        self.search_due: tuple[Path, tuple[Shard, ...]] | None = None
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
        if self.articles is None:
            self.articles = ArticleCache.load(config.cache_dir / ARTICLES) if self.persistent else ArticleCache()
        # Articles live as long as the build: keep the garbage collector from scanning them again and
        # again while others are parsed and pages planned (a large site spends seconds there otherwise).
        gc.freeze()
        try:
            articles = load_articles(config, self.articles, self.workers, self._progress("parse"))
            site = build_site(config, articles, self.include_drafts, self.include_future, now)
            gc.freeze()
            return self._write(config, site, started, incremental, reindex)
        finally:
            gc.unfreeze()

    def _write(self, config: Config, site: Site, started: float, incremental: bool, reindex: bool) -> BuildResult:
        outputs = list(plan(site, self.include_drafts))
        wanted = shards(site.articles, config.language_codes) if config.search else ()
        if incremental and self.manifest is not None and config.output_dir.is_dir():
            result = update_site(config.output_dir, outputs, self.manifest)
            self.search_due = (config.output_dir, wanted) if config.search else None
            if reindex:
                self.reindex_search()
        else:
            result = self._write_tree(config, outputs, wanted) or WriteResult(  # None: output/ is this site already
                written=0, unchanged=len(outputs), manifest={output.file: output.fingerprint for output in outputs})
        self.manifest = result.manifest
        if self.persistent:
            self.articles.save(config.cache_dir / ARTICLES)
        built = summary(result, started, config)
        return replace(built, scheduled=len(site.scheduled), future=self.include_future,
                       next_due=site.scheduled[0].date if site.scheduled else None)

    def _write_tree(self, config: Config, outputs: list[Output], wanted: tuple[Shard, ...]) -> WriteResult | None:
        """Write the site into a new tree and swap it in; None if output/ holds exactly this site already.

        A persistent build keeps the site it replaces (the spare) and, next time, updates that tree
        rather than a fresh one: only the files changed since the build before last are touched.
        """
        if not self.persistent:
            result = write_site(config.output_dir, outputs, finish=search_step(config, wanted, False, self.workers),
                                workers=self.workers, progress=self._progress("write"))
            self.search_held = listing(wanted)
            return result
        previous = load_tree(config, "manifest", config.output_dir)
        if previous is not None and holds_exactly(previous, outputs, wanted, search_state(config)):
            return None
        keep_at = spare_dir(config)
        spare = load_tree(config, "spare", keep_at) if keep_at and previous else None
        if keep_at is not None and spare is None and keep_at.exists():
            remove_in_background(keep_at)  # left by a build that was interrupted: its state is unknown
        # From here until the new manifests are saved, neither folder is what its manifest says.
        manifest_file(config, "spare").unlink(missing_ok=True)
        search = search_step(config, wanted, True, self.workers)

        def finish(staging: Path, written: int) -> None:
            search(staging, written)
            manifest_file(config, "manifest").unlink(missing_ok=True)

        # The site replaced is kept only if it holds nothing but what its manifest lists.
        keep = keep_at if previous is not None and previous.untouched else None
        result = write_site(config.output_dir, outputs, finish=finish, workers=self.workers, previous=previous,
                            spare=spare, keep_old=keep, progress=self._progress("write"))
        if result.kept_old and previous is not None:
            save_tree(config, "spare", previous.files, previous.written_ns)
        save_tree(config, "manifest", result.manifest, time.time_ns())
        save_state(search_state(config), wanted)
        self.search_held = listing(wanted)
        return result

    def _progress(self, stage: str) -> Callable[[int, int], None] | None:
        report = self.progress
        return (lambda done, total: report(stage, done, total)) if report else None

    def reindex_search(self) -> None:
        """Bring the search index of an incrementally updated output folder up to date."""
        if self.search_due is not None:
            (folder, wanted), self.search_due = self.search_due, None
            update_index(folder, wanted, self.search_held)
            self.search_held = listing(wanted)


ARTICLES = "articles"  # folder of the parsed-article cache


def manifest_file(config: Config, name: str = "manifest") -> Path:
    """One manifest per output folder, so that `--output elsewhere` does not spoil the reuse of output/."""
    return config.cache_dir / f"{name}-{fingerprint(str(config.output_dir))[:12]}.json"


def spare_dir(config: Config) -> Path | None:
    """Where the site replaced by a build is kept, to be updated into the next one: in the cache, if
    that is on the output folder's file system (swapping them is then a rename)."""
    try:
        if os.stat(config.cache_dir).st_dev != os.stat(config.output_dir.parent).st_dev:
            return None
    except OSError:
        return None
    return config.cache_dir / f"spare-{fingerprint(str(config.output_dir))[:12]}"


def load_tree(config: Config, name: str, folder: Path) -> Tree | None:
    """What the last build wrote into `folder` (the output folder or the spare one), if still known."""
    try:
        data = json.loads(manifest_file(config, name).read_text(encoding="utf-8"))
        if data["output_dir"] != str(config.output_dir) or data["version"] != __version__ or not folder.is_dir():
            return None
        return Tree(folder=folder, files=data["files"], written_ns=data["saved_ns"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_tree(config: Config, name: str, files: Mapping[str, str], written_ns: int) -> None:
    data = {"version": __version__, "output_dir": str(config.output_dir), "saved_ns": written_ns, "files": files}
    write_atomically(manifest_file(config, name), json.dumps(data).encode())


def holds_exactly(tree: Tree, outputs: list[Output], wanted: tuple[Shard, ...], state: Path) -> bool:
    """Whether the folder already is, file for file, what these outputs would write (and holds the
    search index of these same articles, if search is on)."""
    if len(outputs) != len(tree.files) or not all(tree.holds(output) for output in outputs):
        return False
    return tree.untouched and (not wanted or index_is_current(tree.folder, wanted, state))


def search_step(config: Config, wanted: tuple[Shard, ...], reuse: bool, workers: int) -> Callable[[Path, int], None]:
    """Write the new tree's search index: with `reuse`, shards the output folder holds already (as the
    cache records) are reused, the others indexed. Until the caller records the new state, none is
    recorded: the swap may still fail."""

    def finish(staging: Path, _written: int) -> None:
        state = search_state(config)
        if config.search:
            write_index(staging, wanted, config.output_dir, load_state(state) if reuse else {}, workers)
        else:
            shutil.rmtree(staging / BUNDLE, ignore_errors=True)  # a spare tree's index is out of date
        state.unlink(missing_ok=True)

    return finish


def search_state(config: Config) -> Path:
    """Which search shards the output folder holds (see digest.search), one file per output folder."""
    return manifest_file(config, "search")


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


def plan(site: Site, include_drafts: bool) -> Iterator[Output]:
    """Every file of the site, in a fixed order; rendering happens when the writer asks for it."""
    config = site.config
    renderer = Renderer(site, site_salt(site, include_drafts))
    pages = list(renderer.pages())
    # Which pages there are, their dates and versions: all follows from the articles' cards. The sitemap
    # is the largest single file: first in line, so that no worker is left waiting for it at the end.
    yield Output(urls.SITEMAP, renderer.structure,
                 render=lambda: sitemap.sitemap(config, [page.sitemap() for page in pages if page.sitemap]))
    news = sitemap.news_articles(site.all_articles(), site.now)
    yield Output(urls.NEWS_SITEMAP, fingerprint(renderer.salt, "news", [a.card for a in news]),
                 render=lambda: sitemap.news_sitemap(config, news))
    yield from pages
    yield from feed_outputs(site, renderer.salt)
    yield Output(urls.ROBOTS, renderer.salt, render=lambda: sitemap.robots(config))
    yield Output(".nojekyll", "", render=lambda: b"")  # GitHub Pages: serve folders and files as they are
    if config.cname:
        yield Output("CNAME", renderer.salt, render=lambda: f"{config.cname}\n".encode())
    yield from copied_files(site)


def site_salt(site: Site, include_drafts: bool) -> str:
    """What every output depends on: digest's version, the config, the templates and UI strings."""
    return fingerprint(__version__, repr(site.config), include_drafts, templates_fingerprint(site.config))


def feed_outputs(site: Site, salt: str) -> Iterator[Output]:
    config = site.config
    for code in config.language_codes:
        t = translator(config, code)
        title = config.language(code).title
        lists = [(urls.feed(code), t("feed_title", site=title), urls.home(code), site.articles[code], True)]
        lists += [(urls.tag_feed(code, tag.slug), t("tag_feed_title", site=title, tag=tag.name), tag.url,
                   tag.articles, False) for tag in site.tags[code]]
        editions = site.editions[code][: feeds.FEED_LENGTH]
        editions_title = t("editions_feed_title", site=title)
        yield Output(
            urls.editions_feed(code),
            fingerprint(salt, editions_title, [(e.day.isoformat(), [a.card for a in e.articles]) for e in editions]),
            render=lambda code=code, editions=editions, editions_title=editions_title, t=t: feeds.editions_feed(
                config, code, editions_title, editions, lambda edition: t("edition_title", date=t.date(edition.day))),
        )
        for path, feed_title, page, articles, full in lists:
            entries = articles[: feeds.FEED_LENGTH]
            yield Output(
                path,
                fingerprint(salt, path, feed_title, [a.digest if full else a.card for a in entries]),
                render=lambda code=code, path=path, feed_title=feed_title, page=page, entries=entries, full=full:
                    feeds.atom_feed(config, code, feed_title, path, page, entries, full),
            )


def copied_files(site: Site) -> Iterator[Output]:
    """Theme assets, then every file an article refers to, beside its page."""
    for file, name in asset_files(site.config):
        yield Output(urls.assets(name), file_fingerprint(file), source=file)
    site_images = {image.path for image in (site.config.logo, site.config.default_image) if image}
    for path in sorted(site_images):  # the logo and default image of config.yaml, at their own path
        file = site.config.root / path
        yield Output(path, file_fingerprint(file), source=file)
    for article in site.all_articles():
        for asset in article.assets:
            yield Output(asset.site_path, file_fingerprint(asset.file), source=asset.file)


def templates_fingerprint(config: Config) -> str:
    """Changes when any template or shipped UI string changes."""
    stamps = []
    for directory in [*template_dirs(config), Path(str(files("digest") / "locales"))]:
        for file in sorted(directory.rglob("*")):
            if file.is_file() and "assets" not in file.relative_to(directory).parts:
                stamps.append((file.relative_to(directory).as_posix(), file.read_bytes()))
    return fingerprint(stamps)


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
