"""Orchestration: config -> content -> site -> render -> output."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digest import feeds, sitemap, urls
from digest.config import Config, load_config
from digest.content import load_articles
from digest.errors import Problem, SiteError
from digest.i18n import translator
from digest.output import write_site
from digest.render import Renderer
from digest.site import Site, build_site
from digest.theme import asset_files


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    seconds: float
    output_dir: Path
    base_url: str


def load_site(config: Config, include_drafts: bool = False) -> Site:
    """Everything up to rendering: raises SiteError listing every content problem."""
    return build_site(config, load_articles(config), include_drafts)


def build(config_file: Path, output_dir: Path | None = None, base_url: str | None = None,
          include_drafts: bool = False) -> BuildResult:
    started = time.perf_counter()
    config = load_config(config_file, output_dir=output_dir, base_url=base_url)
    _check_output_dir(config)
    site = load_site(config, include_drafts)
    pages = [0]

    def files() -> Iterator[tuple[str, bytes]]:
        entries = []
        for page in Renderer(site).pages():
            pages[0] += 1
            if page.sitemap:
                entries.append(page.sitemap)
            yield page.file, page.body
        yield from feed_files(site)
        yield urls.SITEMAP, sitemap.sitemap(config, entries)
        yield urls.ROBOTS, sitemap.robots(config)
        yield ".nojekyll", b""  # GitHub Pages: serve folders and files as they are
        if config.cname:
            yield "CNAME", f"{config.cname}\n".encode()

    written = write_site(config.output_dir, files(), copied_files(site))
    return BuildResult(pages=pages[0], files=written, seconds=time.perf_counter() - started,
                       output_dir=config.output_dir, base_url=config.base_url)


def feed_files(site: Site) -> Iterator[tuple[str, bytes]]:
    config = site.config
    for code in config.language_codes:
        t = translator(config, code)
        title = config.language(code).title
        yield urls.feed(code), feeds.atom_feed(config, code, t("feed_title", site=title), urls.feed(code),
                                               urls.home(code), site.articles[code])
        for tag in site.tags[code]:
            path = urls.tag_feed(code, tag.slug)
            yield path, feeds.atom_feed(config, code, t("tag_feed_title", site=title, tag=tag.name), path,
                                        tag.url, tag.articles)


def copied_files(site: Site) -> Iterator[tuple[Path, str]]:
    """Theme assets, then every file an article refers to, beside its page."""
    for file, name in asset_files(site.config):
        yield file, urls.assets(name)
    for article in site.all_articles():
        for asset in article.assets:
            yield asset.file, asset.site_path


def _check_output_dir(config: Config) -> None:
    output = config.output_dir.resolve()
    root = config.root.resolve()
    if root.is_relative_to(output) or config.content_dir.resolve().is_relative_to(output) or \
            output.is_relative_to(config.content_dir.resolve()):
        raise SiteError([Problem(str(config.output_dir), None,
                                 "output folder must not contain the site or be inside content/")])
