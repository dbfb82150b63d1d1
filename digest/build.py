"""Orchestration: config -> content -> site -> render -> output.

A Builder remembers parsed articles and what it wrote, so that `digest serve`
re-parses only the files that changed and re-renders only the pages whose
inputs changed. `digest build` uses a fresh Builder: a full, clean build.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from digest import __version__, feeds, sitemap, urls
from digest.config import Config, load_config
from digest.content import ArticleCache, load_articles
from digest.errors import Problem, SiteError
from digest.i18n import translator
from digest.output import Output, WriteResult, file_fingerprint, fingerprint, update_site, write_site
from digest.parallel import jobs
from digest.render import Renderer
from digest.search import index_site, reindex_in_place
from digest.site import Site, build_site
from digest.theme import asset_files, check_templates, template_dirs


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    written: int  # files rendered or copied in this build (the rest were unchanged)
    seconds: float
    output_dir: Path
    base_url: str


class Builder:
    def __init__(self, config_file: Path, output_dir: Path | None = None, base_url: str | None = None,
                 include_drafts: bool = False, workers: int = 1) -> None:
        self.config_file = config_file
        self.workers = workers  # processes for parsing and writing; serve keeps 1 (it runs threads)
        self.output_dir = output_dir
        self.base_url = base_url
        self.include_drafts = include_drafts
        self.articles = ArticleCache()
        self.manifest: dict[str, str] | None = None  # what the output folder holds, after a first build
        self.search_dir: Path | None = None  # an output folder whose search index is out of date

    def build(self, incremental: bool = False, reindex: bool = True) -> BuildResult:
        """Build the site; with `incremental`, update the output folder of the previous build in place.

        An incremental build re-creates the search index too, unless `reindex` is False: then the
        caller runs `reindex_search()` when it suits it (serve does, in the background).
        """
        started = time.perf_counter()
        config = load_config(self.config_file, output_dir=self.output_dir, base_url=self.base_url)
        check_output_dir(config)
        check_templates(config)
        site = build_site(config, load_articles(config, self.articles, self.workers), self.include_drafts)
        outputs = list(plan(site, self.include_drafts))
        if incremental and self.manifest is not None and config.output_dir.is_dir():
            result = update_site(config.output_dir, outputs, self.manifest)
            self.search_dir = config.output_dir if config.search else None
            if reindex:
                self.reindex_search()
        else:
            result = write_site(config.output_dir, outputs, finish=index_site if config.search else None,
                                workers=self.workers)
        self.manifest = result.manifest
        return summary(result, started, config)


    def reindex_search(self) -> None:
        """Bring the search index of an incrementally updated output folder up to date."""
        if self.search_dir is not None:
            search_dir, self.search_dir = self.search_dir, None
            reindex_in_place(search_dir)


def build(config_file: Path, output_dir: Path | None = None, base_url: str | None = None,
          include_drafts: bool = False, workers: int | None = None) -> BuildResult:
    """A full, clean build, over every core unless `workers` says otherwise."""
    return Builder(config_file, output_dir, base_url, include_drafts, jobs() if workers is None else workers).build()


def summary(result: WriteResult, started: float, config: Config) -> BuildResult:
    pages = sum(1 for file in result.manifest if file.endswith(".html"))
    return BuildResult(pages=pages, files=len(result.manifest), written=result.written,
                       seconds=time.perf_counter() - started, output_dir=config.output_dir,
                       base_url=config.base_url)


def plan(site: Site, include_drafts: bool) -> Iterator[Output]:
    """Every file of the site, in a fixed order; rendering happens when the writer asks for it."""
    config = site.config
    salt = fingerprint(__version__, repr(config), include_drafts, templates_fingerprint(config))
    entries = []
    for page in Renderer(site, salt).pages():
        if page.sitemap:
            entries.append(page.sitemap)
        yield page
    yield from feed_outputs(site, salt)
    yield Output(urls.SITEMAP, fingerprint(salt, entries), render=lambda: sitemap.sitemap(config, entries))
    yield Output(urls.ROBOTS, salt, render=lambda: sitemap.robots(config))
    yield Output(".nojekyll", "", render=lambda: b"")  # GitHub Pages: serve folders and files as they are
    if config.cname:
        yield Output("CNAME", salt, render=lambda: f"{config.cname}\n".encode())
    yield from copied_files(site)


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
            fingerprint(salt, editions_title, [(e.day.isoformat(), [a.digest for a in e.articles]) for e in editions]),
            render=lambda code=code, editions=editions, editions_title=editions_title, t=t: feeds.editions_feed(
                config, code, editions_title, editions, lambda edition: t("edition_title", date=t.date(edition.day))),
        )
        for path, feed_title, page, articles, full in lists:
            entries = articles[: feeds.FEED_LENGTH]
            yield Output(
                path,
                fingerprint(salt, path, feed_title, [a.digest for a in entries]),
                render=lambda code=code, path=path, feed_title=feed_title, page=page, entries=entries, full=full:
                    feeds.atom_feed(config, code, feed_title, path, page, entries, full),
            )


def copied_files(site: Site) -> Iterator[Output]:
    """Theme assets, then every file an article refers to, beside its page."""
    for file, name in asset_files(site.config):
        yield Output(urls.assets(name), file_fingerprint(file), source=file)
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
