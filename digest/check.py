"""`digest check`: validate everything, build into a temporary folder, verify every internal link."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

from digest.build import build

LINK_ATTRIBUTES = frozenset({"href", "src", "poster", "action"})
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class BrokenLink:
    page: str  # absolute URL of the page or feed holding the link
    target: str

    def __str__(self) -> str:
        return f"{self.page}: broken link -> {self.target}"


@dataclass(frozen=True)
class CheckResult:
    files: int
    links: int
    broken: tuple[BrokenLink, ...]
    warnings: tuple[str, ...] = ()  # `path:line: warning: ...`: published as it is, but probably not meant


def check_site(config_file: Path, base_url: str | None = None, include_drafts: bool = False,
               include_future: bool = False) -> CheckResult:
    """Raises SiteError for content problems, like build; never touches the output folder."""
    with tempfile.TemporaryDirectory(prefix="digest-check-") as temporary:
        result = build(config_file, output_dir=Path(temporary) / "site", base_url=base_url,
                       include_drafts=include_drafts, persistent=False, include_future=include_future)
        links = check_links(result.output_dir, result.base_url)
    return replace(links, warnings=tuple(site_warnings(config_file, base_url, include_drafts, include_future)))


def site_warnings(config_file: Path, base_url: str | None, include_drafts: bool, include_future: bool) -> list[str]:
    """The warnings of a site that builds (see digest.check_warnings)."""
    from digest.check_warnings import article_warnings, config_warnings
    from digest.config import load_config
    from digest.content import ArticleCache, load_articles
    from digest.records import build_time

    config = load_config(config_file)
    found = [] if base_url is not None else config_warnings(config_file, config)
    articles = load_articles(config, ArticleCache.load(config.cache_dir / "articles"))
    return found + article_warnings(articles, build_time(), include_drafts, include_future)


def check_links(root: Path, base_url: str) -> CheckResult:
    """Every href/src of every page, and every URL of feeds and sitemaps, that points into the site."""
    checked_files = links = 0
    broken: list[BrokenLink] = []
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".html", ".xml") or not file.is_file():
            continue
        checked_files += 1
        page_url = base_url + _site_path(file.relative_to(root).as_posix())
        references = _html_references(file, page_url) if file.suffix == ".html" else _xml_references(file, page_url)
        for base, reference in references:
            target = _internal_path(urljoin(base, reference), base_url)
            if target is None:
                continue
            links += 1
            if target is _OUTSIDE or not _exists(root, target):
                broken.append(BrokenLink(page_url, reference))
    return CheckResult(files=checked_files, links=links, broken=tuple(broken))


_OUTSIDE = "\0outside"


def _internal_path(url: str, base_url: str) -> str | None:
    """The site path a URL points to; None for other sites; _OUTSIDE for this host outside base_url."""
    url = urldefrag(url).url.split("?", 1)[0]
    if url.startswith(base_url):
        return unquote(url[len(base_url):])
    target, base = urlsplit(url), urlsplit(base_url)
    if (target.scheme, target.netloc) == (base.scheme, base.netloc):
        return _OUTSIDE
    return None


def _exists(root: Path, path: str) -> bool:
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()):
        return False
    if path == "" or path.endswith("/") or target.is_dir():
        return (target / "index.html").is_file()
    return target.is_file()


def _site_path(relative_file: str) -> str:
    if relative_file == "index.html":
        return ""
    return relative_file.removesuffix("index.html") if relative_file.endswith("/index.html") else relative_file


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not value:
                continue
            if tag == "base" and name == "href":
                self.base = value
            elif name in LINK_ATTRIBUTES:
                self.references.append(value.strip())
            elif name == "srcset":
                self.references.extend(part.split()[0] for part in value.split(",") if part.strip())
            elif tag == "meta" and name == "content" and value.startswith(("http://", "https://")):
                self.references.append(value.strip())


def _html_references(file: Path, page_url: str) -> Iterator[tuple[str, str]]:
    yield from _references_in_html(file.read_text(encoding="utf-8"), page_url)


def _references_in_html(text: str, page_url: str) -> Iterator[tuple[str, str]]:
    collector = _LinkCollector()
    collector.feed(text)
    base = urljoin(page_url, collector.base) if collector.base else page_url
    for reference in collector.references:
        if urlsplit(reference).scheme in ("", "http", "https"):
            yield base, reference


def _xml_references(file: Path, page_url: str) -> Iterator[tuple[str, str]]:
    tree = ElementTree.parse(file)
    for element in tree.iter():
        href = element.get("href")
        if href:
            yield page_url, href
        if element.tag.endswith("}loc") and element.text:
            yield page_url, element.text.strip()
        if element.tag == f"{ATOM}content" and element.get("type") == "html" and element.text:
            yield from _references_in_html(element.text, page_url)
