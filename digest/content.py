"""content/<lang>/**/*.md -> Article (frozen): discovery, front matter, validation, Markdown."""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from zlib_ng import zlib_ng

from digest import __version__, markdown, urls, yamlfile
from digest.charset import not_utf8_message
from digest.config import Config
from digest.errors import Collector, Problem, display_path
from digest.files import inside_site, walk
from digest.heap import unscanned
from digest.i18n import translator
from digest.images import ImageError, picture, size_of
from digest.parallel import run_chunked
from digest.records import UNPICKLING_ERRORS, load_record, save_record
from digest.slugs import slugify
from digest.text import clean, clean_field

KNOWN_KEYS = frozenset(
    {"title", "date", "source", "image", "tags", "section", "summary", "translation_key", "related",
     "slug", "draft", "updated", "corrections"}
)
FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$")
FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)[ \t]*$")
MAX_SLUG_BYTES = 200  # a slug names a folder of the output: file systems allow 255 bytes
MAX_ARTICLE_BYTES = 2_000_000  # a news article is a few kilobytes; anything this big is a mistake
TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:")
# Body links to another article's source file are written with this scheme, then replaced by the
# article's URL once every article is known (site.py).
ARTICLE_LINK = "digest-article:"


@dataclass(frozen=True)
class Source:
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Image:
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None
    site_path: str | None = None  # a local image copied beside the article page
    remote_url: str | None = None  # an http(s) image left where it is
    width: int | None = None  # of a local image, read from the file
    height: int | None = None
    srcset: tuple[tuple[str, int], ...] = ()  # (site path, width) of each copy, the original last

    @property
    def has_picture(self) -> bool:
        return bool(self.site_path or self.remote_url)


@dataclass(frozen=True)
class TagRef:
    name: str
    slug: str


@dataclass(frozen=True)
class Asset:
    """A file under content/ that an article refers to, copied to `site_path`."""

    file: Path
    site_path: str


@dataclass(frozen=True)
class ArticleLink:
    """A link in the body to another article's source file."""

    target: str  # path below content/, as in Article.source_path
    line: int


@dataclass(frozen=True)
class Correction:
    """A correction published on the article: when, and what was wrong."""

    date: datetime
    text: str


@dataclass(frozen=True)
class Article:
    file: str  # as shown in messages, relative to the site root
    source_path: str  # below content/, e.g. "fr/2024/x.md"
    digest: str  # changes whenever anything a page shows of the article changes
    card: str  # changes whenever anything but the body changes: what lists and links show of it
    lang: str
    key: str
    slug: str
    url: str  # site path, see urls.py
    title: str
    date: datetime  # in the site time zone
    updated: datetime | None
    source: Source | None
    image: Image | None
    tags: tuple[TagRef, ...]
    section: str | None
    summary: str
    related: tuple[str, ...]
    draft: bool
    # The body's HTML, UTF-8 and compressed (see body_html): a build holds every article in memory, and
    # its forked renderers end up with their own copy of most of it (see digest.parallel).
    body_packed: bytes
    assets: tuple[Asset, ...]
    extra: Mapping[str, Any]
    lines: Mapping[str, int]  # front matter key -> line, for messages about cross-article problems
    article_links: tuple[ArticleLink, ...] = ()
    corrections: tuple[Correction, ...] = ()
    sources: tuple[Source, ...] = ()  # every source, the main one (`source`) first

    @property
    def body_html(self) -> str:
        return unpack_body(self.body_packed)

    @property
    def modified(self) -> datetime:
        """When the article last changed: its `updated` (else `date`) or its latest correction."""
        return max((self.updated or self.date, *(c.date for c in self.corrections)))

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    @property
    def author(self) -> str | None:
        """The byline: `author` in the front matter (kept with the other extra fields), as text."""
        value = self.extra.get("author")
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None
        return clean_field(value) or None


def discover(config: Config, problems: Collector) -> Iterator[tuple[str, Path]]:
    """Yield (language code, file) for every article, sorted; report stray files and folders."""
    content = config.content_dir
    if not content.is_dir():
        problems.add(display_path(content, config.root), None, "content folder not found")
        return
    if not inside_site(content, config.root, config.root, problems):
        return
    for entry in sorted(content.iterdir()):
        if entry.name.startswith("."):
            continue
        shown = display_path(entry, config.root)
        if entry.is_symlink() and not inside_site(entry, content, config.root, problems):
            continue
        if entry.is_dir():
            if entry.name not in config.language_codes:
                same = [code for code in config.language_codes if code.lower() == entry.name.lower()]
                hint = (f"; language codes are case-sensitive: rename it to '{same[0]}'" if same else "")
                problems.add(shown, None, f"unknown language folder '{entry.name}' "
                             f"(languages: {', '.join(config.language_codes)}){hint}")
                continue
            for file in walk(entry, content, config.root, problems):
                if file.suffix == ".md":
                    yield entry.name, file
        elif entry.suffix == ".md":
            problems.add(shown, None, "article outside a language folder "
                         f"(move it to content/<lang>/, languages: {', '.join(config.language_codes)})")


def pack_body(html: str) -> bytes:
    """A body as Article.body_packed holds it: a third of its size as a str, for a fiftieth of a
    millisecond to unpack (the few times a build reads it: its page, the feeds, its search record).
    zlib-ng's level 2: half the time of zlib's level 1 (the fastest), into fewer bytes."""
    return zlib_ng.compress(html.encode("utf-8", "surrogatepass"), 2) if html else b""


def unpack_body(packed: bytes) -> str:
    return zlib_ng.decompress(packed).decode("utf-8", "surrogatepass") if packed else ""


_FIELDS = tuple(f.name for f in fields(Article))
_ENCODED = tuple(_FIELDS.index(name) for name in ("summary",))


def article_reduced(article: Article, body: bool = True) -> tuple[Callable[..., Article], tuple[Any, ...]]:
    """How an article is pickled (a pickler's dispatch table entry; `body` False: without its body):
    its summary as UTF-8 bytes (its body is bytes already). Pickling a str of non-ASCII text keeps a
    UTF-8 copy of it inside the str for as long as it lives: done in a build's main process, that
    doubled the memory of every French text (and dirtied pages shared with the workers)."""
    values = [getattr(article, name) for name in _FIELDS]
    if not body:
        values[_FIELDS.index("body_packed")] = b""
    for at in _ENCODED:
        values[at] = values[at].encode("utf-8", "surrogatepass")
    return article_unreduced, (tuple(values),)


def article_unreduced(values: tuple[Any, ...]) -> Article:
    decoded = list(values)
    for at in _ENCODED:
        decoded[at] = decoded[at].decode("utf-8", "surrogatepass")
    return Article(*decoded)


def _pickled(data: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, Article: article_reduced}  # type: ignore[dict-item]
    pickler.dump(data)
    return buffer.getvalue()


# Bump when the parsing changes meaning, so an old cache is never reused (a change to the classes
# stored is noticed by itself).
CACHE_FORMAT = (5, __version__, tuple((cls.__name__, tuple(f.name for f in fields(cls)))  # type: ignore[arg-type]
                                      for cls in (Article, Source, Image, TagRef, Asset, ArticleLink, Correction)))


class ArticleCache:
    """Parsed articles of earlier builds, reused while neither the file, its images nor the config change.

    Saved in shards: a build that re-parsed one article rewrites one shard, not all of them.
    """

    SHARDS = 16

    def __init__(self) -> None:
        self.config_key = ""
        self.entries: dict[str, tuple[tuple[int, ...], Article]] = {}  # by file path
        self.dirty: set[int] = set(range(self.SHARDS))  # shards changed since loaded

    def use_config(self, config: Config) -> None:
        """Forget every article if the config changed (it can change how any of them reads)."""
        key = repr(config)
        if self.config_key != key:
            self.config_key, self.entries, self.dirty = key, {}, set(range(self.SHARDS))

    def get(self, file: str) -> Article | None:
        hit = self.entries.get(file)
        if hit is None or hit[0] != _stamp(file, hit[1]):
            return None
        return hit[1]

    def put(self, file: str, article: Article) -> None:
        self.entries[file] = (_stamp(file, article), article)
        self.dirty.add(_shard(file, self.SHARDS))

    def parsed(self) -> dict[str, Article]:
        """Every article held, by its file's path."""
        return {file: article for file, (_, article) in self.entries.items()}

    def keep_only(self, files: set[str]) -> None:
        if len(files) != len(self.entries) or not files.issuperset(self.entries):
            self.dirty.update(_shard(file, self.SHARDS) for file in self.entries if file not in files)
            self.entries = {file: entry for file, entry in self.entries.items() if file in files}

    def save(self, folder: Path) -> None:
        """Write the shards that changed into `folder`: the parsed articles kept for the next `digest
        build` (.digest-cache/articles/, or a folder whose files are moved there: then call `saved`)."""
        if not self.dirty:
            return
        shards: list[dict[str, tuple[tuple[int, ...], Article]]] = [{} for _ in range(self.SHARDS)]
        for file, entry in self.entries.items():
            shards[_shard(file, self.SHARDS)][file] = entry
        for number in sorted(self.dirty):
            save_record(folder / f"{number:02}.pickle", "articles",
                        _pickled((CACHE_FORMAT, self.config_key, shards[number])))

    def saved(self) -> None:
        """The shards `save` wrote are in .digest-cache/articles/."""
        self.dirty = set()

    @classmethod
    def load(cls, folder: Path) -> ArticleCache:
        """The cache saved by an earlier build; shards missing, old or unreadable are empty."""
        cache = cls()
        shards = []
        with unscanned():  # unpickling tens of thousands of articles
            for number in range(cls.SHARDS):
                # Sealed with a checksum: a shard damaged or altered in the cache is parsed again.
                data = load_record(folder / f"{number:02}.pickle", "articles")
                try:
                    shards.append(pickle.loads(data) if data is not None else None)
                except UNPICKLING_ERRORS:
                    shards.append(None)
        keys = {shard[1] for shard in shards if shard and shard[0] == CACHE_FORMAT}
        if len(keys) != 1:
            return cache
        cache.config_key = keys.pop()
        cache.dirty = set()
        for number, shard in enumerate(shards):
            if shard and shard[0] == CACHE_FORMAT and shard[1] == cache.config_key:
                cache.entries.update(shard[2])
            else:
                cache.dirty.add(number)
        return cache


def _shard(file: str, shards: int) -> int:
    return zlib.crc32(file.encode("utf-8", "surrogateescape")) % shards


def _stamp(file: str, article: Article | None) -> tuple[int, ...]:
    """What must not change for a parsed article to stay valid: the file and the files it refers to."""
    stamp: list[int] = []
    for path in (file, *(asset.file for asset in article.assets if article)):
        try:
            status = os.stat(path)
        except OSError:
            return (-1,)
        stamp += (status.st_mtime_ns, status.st_size, status.st_ino)
    return tuple(stamp)


# Tags come from a small vocabulary that thousands of articles share: each name is slugified once per process.
_tag_slug = lru_cache(maxsize=8192)(slugify)


def load_articles(config: Config, cache: ArticleCache | None = None, workers: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> tuple[Article, ...]:
    """Parse and validate every article; raises SiteError with every problem found."""
    cache = cache if cache is not None else ArticleCache()
    cache.use_config(config)
    problems = Collector()
    found = list(discover(config, problems))
    articles: list[Article | None] = [cache.get(str(file)) for _, file in found]
    missing = [index for index, article in enumerate(articles) if article is None]

    def parse(chunk: range) -> list[tuple[Article | None, list[Problem]]]:
        results = []
        for position in chunk:
            lang, file = found[missing[position]]
            collector = Collector()
            article = load_article(config, lang, file, collector)
            results.append((article, collector.problems))
        return results

    report = (lambda done: progress(done, len(missing))) if progress else None
    parsed = [result for chunk in run_chunked(parse, len(missing), workers, report) for result in chunk]
    for index, (article, article_problems) in zip(missing, parsed, strict=True):
        problems.extend(article_problems)
        if article is not None:
            cache.put(str(found[index][1]), article)
            articles[index] = article
    cache.keep_only({str(file) for _, file in found})
    problems.raise_if_any()
    return tuple(article for article in articles if article is not None)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) or None when there is no front matter."""
    lines = text.split("\n")
    if not lines or not FRONT_MATTER_FENCE.match(lines[0]):
        return None
    for index in range(1, len(lines)):
        if FRONT_MATTER_END.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def read_limited(file: Path, limit: int) -> bytes | None:
    """The file's bytes, or None if it holds more than `limit` (read with plain system calls: tens of
    thousands of files are read)."""
    descriptor = os.open(file, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        size = 0
        while chunk := os.read(descriptor, max(65536, os.fstat(descriptor).st_size + 1) if not chunks else 65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return None
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def load_article(config: Config, lang: str, file: Path, problems: Collector) -> Article | None:
    shown = display_path(file, config.root)
    try:
        data = read_limited(file, MAX_ARTICLE_BYTES)
        if data is None:
            problems.add(shown, None, f"file too large ({file.stat().st_size:,} bytes; an article may have at "
                         f"most {MAX_ARTICLE_BYTES:,})")
            return None
    except OSError as error:
        problems.add(shown, None, f"cannot read file: {error.strerror}")
        return None
    try:
        # CRLF (Windows) and a lone CR (old Mac) are line endings, as CommonMark and YAML read them
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        problems.add(shown, data[: error.start].count(b"\n") + 1, not_utf8_message(data, error.start, lang))
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.add(shown, 1, "missing front matter: the file must start with a '---' line, "
                     "followed by YAML and a closing '---' line")
        return None
    front_matter, body, body_line = parts
    try:
        meta = yamlfile.parse(front_matter)
    except yamlfile.YamlSyntaxError as error:
        problems.add(shown, error.line + 1 if error.line else 1, error.message)
        return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problems.add(shown, 2, "front matter must be a mapping of keys to values")
        return None
    lines = {match.group(1): number
             for number, line in enumerate(front_matter.split("\n"), start=2)
             if (match := TOP_LEVEL_KEY.match(line))}
    reader = _ArticleReader(config, lang, file, shown, meta, lines, problems, yamlfile.line_finder(front_matter))
    return reader.read(body, body_line)


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _ArticleReader:
    """Validates one article's front matter field by field, reporting into `problems`."""

    def __init__(self, config: Config, lang: str, file: Path, shown: str, meta: dict[str, Any],
                 lines: dict[str, int], problems: Collector,
                 find_line: Callable[[yamlfile.KeyPath], int | None] | None = None) -> None:
        self.config = config
        self.find_line = find_line  # line in the front matter (1 = its first line) of a nested key
        self.lang = lang
        self.file = file
        self.shown = shown
        self.meta = meta
        self.lines = lines
        self.problems = problems
        self.failed = False
        self.assets: dict[str, Asset] = {}
        self.article_links: list[ArticleLink] = []
        self.body_line = 1

    def report(self, key: str | None, message: str) -> None:
        self.failed = True
        self.problems.add(self.shown, self.lines.get(key, 1) if key else 1, message)

    def report_at(self, path: yamlfile.KeyPath, message: str) -> None:
        """Report at the line of a nested key such as ("image", "src"), else at its top-level key."""
        line = self.find_line(path) if self.find_line else None
        if line is None:
            self.report(str(path[0]), message)
            return
        self.failed = True
        self.problems.add(self.shown, line + 1, message)  # the front matter starts on the file's line 2

    def read(self, body: str, body_line: int) -> Article | None:
        meta = self.meta
        tz = self.config.tzinfo
        title = self.text("title", required=True)
        when = self.when("date", tz, required=True)
        updated = self.when("updated", tz)
        default_key = PurePosixPath(self.file.relative_to(self.config.content_dir / self.lang)
                                    .with_suffix("").as_posix()).as_posix()
        key = self.text("translation_key") or default_key
        slug = self.slug()
        url = urls.article(self.lang, when, slug) if when and slug else ""
        sources = self.sources()
        source = sources[0] if sources else None
        image = self.image(url)
        tags = self.tags()
        section = self.text("section")
        summary = self.text("summary")
        related = self.string_list("related")
        corrections = self.corrections(tz)
        self.text("author")  # an extra field, but templates show it: it must be text
        draft = meta.get("draft", False)
        if not isinstance(draft, bool):
            self.report("draft", f"'draft' must be true or false, not {draft!r}")

        self.body_line = body_line
        rendered = markdown.render(clean(body), self.config.markdown_html,
                                   lambda reference, line: self.body_link(reference, line, url),
                                   footnotes_heading=translator(self.config, self.lang)("footnotes"))
        for line, message in rendered.problems:
            self.problems.add(self.shown, body_line + line - 1, message)
            self.failed = True
        if self.failed or title is None or when is None:
            return None
        extra = {k: v for k, v in meta.items() if k not in KNOWN_KEYS}
        source_path = self.file.relative_to(self.config.content_dir).as_posix()
        summary = summary or rendered.first_paragraph
        # Everything a page can show of the article but its body, including what was read from the
        # images it refers to (sizes, copies); then the body.
        card = _hash(repr((source_path, self.lang, key, slug, url, title, when, updated, sources, image, tags,
                           section, summary, related, draft, extra, tuple(self.assets.values()), corrections)))
        digest = _hash(f"{card}\0{rendered.html}")
        return Article(
            file=self.shown, source_path=source_path, digest=digest, card=card,
            lang=self.lang, key=key, slug=slug, url=url, title=title, date=when,
            updated=updated, source=source, sources=sources, image=image, tags=tags, section=section,
            summary=summary, related=related, draft=draft,
            body_packed=pack_body(rendered.html), assets=tuple(self.assets.values()),
            extra=extra, lines=dict(self.lines),
            article_links=tuple(self.article_links), corrections=corrections,
        )

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.meta.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
            self.report(key, f"'{key}' must be text, not {type(value).__name__}")
            return None
        text = clean_field(value) if value is not None else ""
        if not text:
            if required:
                self.report(key if key in self.meta else None, f"missing required field '{key}'")
            return None
        return text

    def when(self, key: str, tz: ZoneInfo, required: bool = False) -> datetime | None:
        value = self.meta.get(key)
        if value is None:
            if required:
                self.report(None, f"missing required field '{key}'")
            return None
        parsed = to_datetime(value, tz)
        if parsed is None:
            self.report(key, f"'{key}' is not a valid date: {value!r} "
                        "(expected YYYY-MM-DD or an ISO 8601 date and time such as 2024-07-16T14:30:00+03:00)")
        return parsed

    def corrections(self, tz: ZoneInfo) -> tuple[Correction, ...]:
        """`corrections: [{date, text}, ...]`, each problem reported at the line of its item."""
        value = self.meta.get("corrections")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report("corrections", "'corrections' must be a list of {date: ..., text: ...}")
            return ()
        found = []
        for index, item in enumerate(value):
            line = self.find_line(("corrections", index)) if self.find_line else None
            where = line + 1 if line else self.lines.get("corrections", 1)

            def report(message: str, where: int = where) -> None:
                self.failed = True
                self.problems.add(self.shown, where, message)

            if not isinstance(item, dict):
                report(f"correction {index + 1} must be {{date: ..., text: ...}}, not {type(item).__name__}")
                continue
            unknown = set(item) - {"date", "text"}
            if unknown:
                report(f"unknown key(s) in correction {index + 1}: {', '.join(sorted(map(str, unknown)))} "
                       "(expected date and text)")
            when = item.get("date")
            text = item.get("text")
            moment = to_datetime(when, tz) if when is not None else None
            if when is None:
                report(f"correction {index + 1} needs a 'date'")
            elif moment is None:
                report(f"correction {index + 1}: 'date' is not a valid date: {when!r} "
                       "(expected YYYY-MM-DD or an ISO 8601 date and time)")
            if isinstance(text, bool) or not isinstance(text, (str, int, float, type(None))):
                report(f"correction {index + 1}: 'text' must be text, not {type(text).__name__}")
                continue
            if text is None or not clean_field(text):
                report(f"correction {index + 1} needs a 'text'")
                continue
            if moment is not None:
                found.append(Correction(date=moment, text=clean_field(text)))
        return tuple(found)

    def slug(self) -> str:
        given = self.meta.get("slug")
        if given is None:
            slug = slugify(self.file.stem)
            if not slug:
                self.report(None, f"cannot make a URL slug from the file name '{self.file.name}'; "
                            "set 'slug' in the front matter")
            return slug
        if not isinstance(given, (str, int)) or isinstance(given, bool):
            self.report("slug", "'slug' must be text")
            return ""
        text = str(given)
        slug = slugify(text)
        if "/" in text or "\\" in text or text.strip() in (".", "..") or not slug:
            self.report("slug", f"invalid slug {text!r}: a slug is one URL segment such as 'ain-al-asad'")
            return ""
        if len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
            self.report("slug", f"slug too long to be a folder name ({len(slug.encode('utf-8'))} bytes; "
                        f"at most {MAX_SLUG_BYTES})")
            return ""
        return slug

    def sources(self) -> tuple[Source, ...]:
        """`source`: a name, {name, url}, or a list of those (the first is the main source)."""
        value = self.meta.get("source")
        if value is None:
            return ()
        if isinstance(value, list):
            if not value:
                self.report("source", "'source' is an empty list: give at least one source or leave it out")
                return ()
            found = [self.one_source(item, f"source[{n}]") for n, item in enumerate(value)]
            return tuple(s for s in found if s is not None) if all(found) else ()
        found_one = self.one_source(value, "source")
        return (found_one,) if found_one is not None else ()

    def one_source(self, value: Any, where: str) -> Source | None:
        if isinstance(value, str):
            if clean_field(value):
                return Source(name=clean_field(value))
            self.report("source", f"'{where}' is an empty name")
            return None
        if isinstance(value, dict):
            unknown = set(value) - {"name", "url"}
            if unknown:
                self.report("source", f"unknown key(s) in '{where}': {', '.join(sorted(map(str, unknown)))} "
                            "(expected name and url)")
            name, url = value.get("name"), value.get("url")
            if not isinstance(name, str) or not clean_field(name):
                self.report("source", f"'{where}' needs a 'name'")
                return None
            if url is not None and not (isinstance(url, str) and is_web_url(url)):
                self.report("source", f"'{where}.url' must be an http(s) URL, not {url!r}")
                return None
            return Source(name=clean_field(name), url=url)
        self.report("source", f"'{where}' must be a name or {{name: ..., url: ...}}")
        return None

    def image(self, article_url: str) -> Image | None:
        value = self.meta.get("image")
        if value is None:
            return None
        if isinstance(value, str):
            value = {"src": value}
        if not isinstance(value, dict):
            self.report("image", "'image' must be a path, a URL or {src, caption, credit, alt}")
            return None
        unknown = set(value) - {"src", "caption", "credit", "alt"}
        if unknown:
            self.report("image", f"unknown key(s) in 'image': {', '.join(sorted(map(str, unknown)))} "
                        "(expected src, caption, credit, alt)")
        fields = {}
        for name in ("src", "caption", "credit", "alt"):
            field_value = value.get(name)
            if field_value is not None and not isinstance(field_value, (str, int, float)):
                self.report("image", f"'image.{name}' must be text")
                field_value = None
            fields[name] = clean_field(field_value) or None if field_value is not None else None
        src = fields["src"]
        image = Image(caption=fields["caption"], credit=fields["credit"],
                      alt=fields["alt"] if fields["alt"] is not None else fields["caption"])
        if not src:
            return image
        if is_web_url(src):
            return Image(**{**image.__dict__, "remote_url": src})
        if urlsplit(src).scheme:
            self.report("image", f"'image.src' must be a file next to the article or an http(s) URL, not {src!r}")
            return None
        try:
            asset = self.asset(src, article_url)
        except markdown.LinkError as error:
            self.report_at(("image", "src"), str(error))
            return None
        try:
            found = picture(asset.file, self.config.cache_dir / "images")
        except ImageError as error:
            self.report_at(("image", "src"), str(error))
            return None
        if found is None:
            return Image(**{**image.__dict__, "site_path": asset.site_path})
        stem, suffix = PurePosixPath(asset.site_path).stem, PurePosixPath(asset.site_path).suffix
        folder = asset.site_path.rsplit("/", 1)[0]
        srcset = []
        for width, file in found.variants:
            copy = Asset(file=file, site_path=f"{folder}/{stem}-{width}w{suffix}")
            self.assets[copy.site_path] = copy
            srcset.append((copy.site_path, width))
        srcset.append((asset.site_path, found.width))
        return Image(**{**image.__dict__, "site_path": asset.site_path, "width": found.width,
                        "height": found.height, "srcset": tuple(srcset)})

    def tags(self) -> tuple[TagRef, ...]:
        value = self.meta.get("tags")
        # One string with commas is a list written inline, as `digest new --tags a,b` takes it.
        names = (tuple(dict.fromkeys(clean_field(part) for part in value.split(",") if clean_field(part)))
                 if isinstance(value, str) else self.string_list("tags"))
        refs: dict[str, TagRef] = {}
        for name in names:
            slug = _tag_slug(name)
            if not slug:
                self.report("tags", f"tag {name!r} has no letters or digits to make a URL from")
            elif len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
                self.report("tags", f"tag {name[:40]!r}... is too long to be a folder name "
                            f"({len(slug.encode('utf-8'))} bytes; at most {MAX_SLUG_BYTES})")
            elif slug not in refs:
                refs[slug] = TagRef(name=name, slug=slug)
        return tuple(refs.values())

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.meta.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
        ):
            self.report(key, f"'{key}' must be a list of text items")
            return ()
        return tuple(dict.fromkeys(clean_field(item) for item in value if clean_field(item)))

    def body_link(self, reference: str, line: int, article_url: str) -> markdown.LinkTarget:
        """A relative link in the body: files are copied beside the page, articles get their URL later."""
        path, _, fragment = reference.partition("#")
        fragment = f"#{fragment}" if fragment else ""
        if PurePosixPath(path).suffix == ".md":
            target = self.local_file(path)
            relative = target.relative_to(self.config.content_dir.resolve()).as_posix()
            self.article_links.append(ArticleLink(target=relative, line=self.body_line + line - 1))
            return markdown.LinkTarget(ARTICLE_LINK + urls.encode(relative) + fragment)
        asset = self.asset(path, article_url)
        try:
            size = size_of(asset.file)
        except ImageError as error:
            raise markdown.LinkError(str(error)) from None
        return markdown.LinkTarget(self.config.base_path + urls.encode(asset.site_path) + fragment, size=size)

    def local_file(self, reference: str) -> Path:
        """The file a relative reference names; it must exist inside content/."""
        if reference.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", reference):
            raise markdown.LinkError(f"absolute file path {reference!r} is not allowed; "
                                     "use a path relative to the article")
        content = self.config.content_dir.resolve()
        try:
            target = (self.file.parent / reference).resolve()
            if not target.is_relative_to(content):
                raise markdown.LinkError(f"file {reference!r} is outside the content folder")
            if not target.is_file():
                looked = display_path(target, self.config.root.resolve())
                raise markdown.LinkError(f"file not found: {reference!r} (looked for {looked})")
        except ValueError:
            raise markdown.LinkError(f"invalid file name {reference!r} (it holds a NUL character)") from None
        except RuntimeError:
            raise markdown.LinkError(f"cannot follow {reference!r}: a symlink loop") from None
        except OSError as error:
            raise markdown.LinkError(f"cannot read {reference[:80]!r}: {error.strerror}") from None
        return target

    def asset(self, reference: str, article_url: str) -> Asset:
        """Locate a file referenced from the article and decide where it is copied."""
        target = self.local_file(reference)
        relative = PurePosixPath(reference)
        # Files beside or below the article keep their relative path; others land next to the page.
        name = relative.as_posix() if ".." not in relative.parts else relative.name
        asset = Asset(file=target, site_path=article_url + name.removeprefix("./"))
        self.assets[asset.site_path] = asset
        return asset


def to_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    """A YAML date, datetime or ISO 8601 string as an aware datetime in the site time zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(tz)
    except (OverflowError, ValueError):  # 9999-12-31T23:59-12:00 is year 10000 in Paris
        return None


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


