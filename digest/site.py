"""Articles -> Site: languages, translations, related links, tags, pagination."""

from __future__ import annotations

import difflib
import pickle
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from types import MappingProxyType
from typing import overload
from urllib.parse import unquote

from digest import urls
from digest.config import Config
from digest.content import ARTICLE_LINK, Article, pack_body
from digest.errors import Collector
from digest.records import build_time, fingerprint


@dataclass(frozen=True)
class Tag:
    lang: str
    slug: str
    name: str  # the most frequent spelling
    articles: Sequence[Article]  # newest first (a tuple, or Articles in a site loaded from a record)

    @property
    def url(self) -> str:
        return urls.tag(self.lang, self.slug)


@dataclass(frozen=True)
class Edition:
    """One day's articles in one language (days in the site time zone)."""

    lang: str
    day: date
    articles: Sequence[Article]  # newest first (a tuple, or Articles in a site loaded from a record)

    @property
    def url(self) -> str:
        return urls.edition(self.lang, self.day)

    def sections(self, other: str) -> tuple[tuple[str, tuple[Article, ...]], ...]:
        """Articles grouped by rubric, newest rubric first; those without one last, under `other`."""
        groups: dict[str | None, list[Article]] = {}
        for article in self.articles:
            groups.setdefault(article.section, []).append(article)
        named = [(name, tuple(items)) for name, items in groups.items() if name is not None]
        return (*named, (other, tuple(groups[None]))) if None in groups else tuple(named)


@dataclass(frozen=True)
class Page:
    """One page of a paginated list."""

    number: int
    count: int
    items: tuple[Article, ...]
    first_url: str

    def url_of(self, number: int) -> str:
        return urls.paged(self.first_url, number)

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def previous_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None


def paginate(items: Sequence[Article], per_page: int, first_url: str) -> tuple[Page, ...]:
    """Split a list into pages; an empty list still has one (empty) first page."""
    return tuple(page_of(items, per_page, first_url, number) for number in range(1, _page_count(items, per_page) + 1))


def page_of(items: Sequence[Article], per_page: int, first_url: str, number: int) -> Page:
    """Page `number` of a list (see paginate)."""
    return Page(number=number, count=_page_count(items, per_page),
                items=tuple(items[(number - 1) * per_page : number * per_page]), first_url=first_url)


def _page_count(items: Sequence[Article], per_page: int) -> int:
    return max(1, -(-len(items) // per_page))


def newest_first(articles: Sequence[Article]) -> tuple[Article, ...]:
    """Newest first; articles of the same instant in path order, so builds are reproducible."""
    by_path = sorted(articles, key=lambda a: a.file)
    return tuple(sorted(by_path, key=lambda a: a.date, reverse=True))


@dataclass(frozen=True)
class Site:
    config: Config
    articles: Mapping[str, Sequence[Article]]  # lang -> published articles, newest first
    by_key: Mapping[str, Mapping[str, Article]]  # translation key -> lang -> article
    tags: Mapping[str, tuple[Tag, ...]]  # lang -> tags in slug order
    editions: Mapping[str, tuple[Edition, ...]]  # lang -> days with articles, newest first
    now: datetime = datetime(1970, 1, 1, tzinfo=UTC)  # the build's time (SOURCE_DATE_EPOCH, else now)
    scheduled: tuple[Article, ...] = ()  # dated after `now`, oldest first (left out unless --future)
    # A site loaded from a page graph's record: its articles, made when first read (see StoredSite).
    store: ArticleStore | None = field(default=None, compare=False)

    @property
    def digest(self) -> str:
        """Changes when any published article changes."""
        return fingerprint([a.digest for a in self.all_articles()])

    def translations_of(self, article: Article) -> tuple[Article, ...]:
        """The article's other-language versions, in the languages' configured order."""
        versions = self.by_key.get(article.key, {})
        return tuple(versions[code] for code in self.config.language_codes
                     if code != article.lang and code in versions)

    def related_of(self, article: Article) -> tuple[Article, ...]:
        """"Read also": each related key in the article's language, else in the default language."""
        found = []
        for key in article.related:
            versions = self.by_key.get(key, {})
            target = versions.get(article.lang) or versions.get(self.config.default_language)
            if target is not None and target is not article:
                found.append(target)
        return tuple(found)

    def all_articles(self) -> tuple[Article, ...]:
        return tuple(a for code in self.config.language_codes for a in self.articles.get(code, ()))

    def urls_by_source(self) -> Mapping[str, str]:
        """Every published article's URL, by its Article.source_path (what body links name)."""
        if self.store is not None:
            return self.store.stored.urls
        return {article.source_path: article.url for article in self.all_articles()}

    def article(self, file: str) -> Article:
        """A published article, by its file."""
        if self.store is not None:
            return self.store[file]
        return self._by_file[file]

    @cached_property
    def _by_file(self) -> dict[str, Article]:
        return {a.file: a for a in self.all_articles()}

    def replacing(self, versions: Mapping[str, Article], now: datetime) -> Site:
        """The site at `now`, with articles (by file) replaced by new versions of the same outline
        (digest.graph.outline: same language, key, date, tags...): every list keeps its order, and
        only the lists that hold them are made again."""
        if self.store is not None:
            return self.store.stored.site({**self.store.versions, **versions}, now)
        if not versions:
            return replace(self, now=now)

        def swap(articles: tuple[Article, ...]) -> tuple[Article, ...]:
            return tuple(versions.get(a.file, a) for a in articles)

        new = list(versions.values())
        langs = {a.lang for a in new}
        slugs = {(a.lang, ref.slug) for a in new for ref in a.tags}
        days = {(a.lang, a.date.date()) for a in new}
        keys = {a.key for a in new}
        return replace(
            self,
            articles=MappingProxyType({code: swap(items) if code in langs else items
                                       for code, items in self.articles.items()}),
            by_key=MappingProxyType({key: MappingProxyType({code: versions.get(a.file, a) for code, a in found.items()})
                                     if key in keys else found for key, found in self.by_key.items()}),
            tags=MappingProxyType({code: tuple(replace(tag, articles=swap(tag.articles))
                                               if (code, tag.slug) in slugs else tag for tag in tags)
                                   for code, tags in self.tags.items()}),
            editions=MappingProxyType({code: tuple(replace(e, articles=swap(e.articles))
                                                   if (code, e.day) in days else e for e in editions)
                                       for code, editions in self.editions.items()}),
            now=now,
        )


class ArticleStore:
    """The articles of a site loaded from a page graph's record (`stored`), kept pickled one by one and
    each made on first use (an edit reads only the articles of the pages it plans), once: the lists of
    the site share it. `versions` replace the stored articles of their files (the edits since the record)."""

    def __init__(self, stored: StoredSite, versions: Mapping[str, Article]) -> None:
        self.stored = stored
        self.blobs = stored.blobs
        self.versions = dict(versions)
        self._made: dict[str, Article] = dict(versions)

    @property
    def made(self) -> frozenset[str]:
        """The files of the articles made so far."""
        return frozenset(self._made)

    def __getitem__(self, file: str) -> Article:
        article = self._made.get(file)
        if article is None:
            article = self._made[file] = pickle.loads(self.blobs[file])
        return article


class Articles(Sequence[Article]):
    """A list of a stored site's articles, by file (see ArticleStore); a slice is a tuple of articles."""

    __slots__ = ("files", "store")

    def __init__(self, files: tuple[str, ...], store: ArticleStore) -> None:
        self.files = files
        self.store = store

    def __len__(self) -> int:
        return len(self.files)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Article, ...]: ...

    def __getitem__(self, index: int | slice) -> Article | tuple[Article, ...]:
        if isinstance(index, slice):
            return tuple(self.store[file] for file in self.files[index])
        return self.store[self.files[index]]

    def __iter__(self) -> Iterator[Article]:
        return (self.store[file] for file in self.files)


class _ByKey(Mapping[str, Mapping[str, Article]]):
    """Site.by_key of a stored site: translation key -> lang -> article, made when asked for."""

    def __init__(self, files: Mapping[str, Mapping[str, str]], store: ArticleStore) -> None:
        self.files = files
        self.store = store

    def __getitem__(self, key: str) -> Mapping[str, Article]:
        return MappingProxyType({code: self.store[file] for code, file in self.files[key].items()})

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class StoredSite:
    """A site as a page graph's record keeps it (digest.delta): its lists by article file, each
    published article pickled apart (`blobs`, see ArticleStore)."""

    config: Config
    now: datetime
    scheduled: tuple[Article, ...]
    articles: dict[str, tuple[str, ...]]
    by_key: dict[str, dict[str, str]]
    tags: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]]  # lang -> (slug, name, files) of each tag
    editions: dict[str, tuple[tuple[date, tuple[str, ...]], ...]]  # lang -> (day, files) of each edition
    urls: dict[str, str]  # Site.urls_by_source
    blobs: Mapping[str, bytes]  # by file: saved apart (digest.delta, digest.blobs), each read when its article is

    @classmethod
    def of(cls, site: Site, pickled: Callable[[Article], bytes]) -> StoredSite:
        def files(articles: Sequence[Article]) -> tuple[str, ...]:
            return tuple(article.file for article in articles)

        return cls(config=site.config, now=site.now, scheduled=site.scheduled,
                   articles={code: files(items) for code, items in site.articles.items()},
                   by_key={key: {code: a.file for code, a in found.items()} for key, found in site.by_key.items()},
                   tags={code: tuple((t.slug, t.name, files(t.articles)) for t in tags)
                         for code, tags in site.tags.items()},
                   editions={code: tuple((e.day, files(e.articles)) for e in editions)
                             for code, editions in site.editions.items()},
                   urls=dict(site.urls_by_source()),
                   blobs={article.file: pickled(article) for article in site.all_articles()})

    def site(self, versions: Mapping[str, Article] | None = None, now: datetime | None = None) -> Site:
        """The site, its articles made when first read; `versions` replacing some (same outlines)."""
        store = ArticleStore(self, versions or {})
        return Site(
            config=self.config,
            articles=MappingProxyType({code: Articles(files, store) for code, files in self.articles.items()}),
            by_key=_ByKey(self.by_key, store),
            tags=MappingProxyType({code: tuple(Tag(code, slug, name, Articles(files, store))
                                               for slug, name, files in tags) for code, tags in self.tags.items()}),
            editions=MappingProxyType({code: tuple(Edition(code, day, Articles(files, store)) for day, files in days)
                                       for code, days in self.editions.items()}),
            now=self.now if now is None else now, scheduled=self.scheduled, store=store)


def scheduled_articles(loaded: Sequence[Article], now: datetime, include_drafts: bool = False) -> tuple[Article, ...]:
    """Articles dated after the build's time (drafts only with `include_drafts`), oldest first."""
    return tuple(sorted((a for a in loaded if a.date > now and (include_drafts or not a.draft)),
                        key=lambda a: (a.date, a.file)))


def build_site(config: Config, loaded: Sequence[Article], include_drafts: bool, include_future: bool = False,
               now: datetime | None = None) -> Site:
    """Link the articles together; raises SiteError for duplicate keys, URL clashes, unknown related keys.

    Drafts are left out unless `include_drafts`; articles dated after `now` (the build's time) unless
    `include_future`.
    """
    problems = Collector()
    now = build_time() if now is None else now
    every_key = {a.key for a in loaded}
    scheduled = scheduled_articles(loaded, now, include_drafts)
    published = [a for a in loaded if (include_drafts or not a.draft) and (include_future or a.date <= now)]
    urls_by_source = {article.source_path: article.url for article in published}
    by_source = {article.source_path: article for article in loaded}
    published = [link_article(article, urls_by_source, by_source, config, problems) for article in published]

    by_key: dict[str, dict[str, Article]] = defaultdict(dict)
    for article in sorted(published, key=lambda a: a.file):
        other = by_key[article.key].get(article.lang)
        if other is not None:
            problems.add(article.file, article.line_of("translation_key"),
                         f"translation key '{article.key}' is already used by {other.file} "
                         f"(two '{article.lang}' articles cannot share a key)")
            continue
        by_key[article.key][article.lang] = article

    for article in published:
        if EDITION_DAY.match(article.slug):
            problems.add(article.file, article.line_of("slug"),
                         f"slug '{article.slug}' would take the URL of the edition of day {article.slug} "
                         "(/<lang>/<yyyy>/<mm>/<dd>/); choose another slug")

    by_url: dict[str, Article] = {}
    for article in sorted(published, key=lambda a: a.file):
        other = by_url.get(article.url)
        if other is not None:
            problems.add(article.file, article.line_of("slug"),
                         f"{other.file} and {article.file} would both be written to /{article.url}")
        by_url[article.url] = article

    for article in loaded:
        for key in article.related:
            if key not in every_key:
                close = difflib.get_close_matches(key, sorted(every_key), n=1, cutoff=0.75)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.add(article.file, article.line_of("related"), f"related key '{key}' matches no article{hint}")
    problems.raise_if_any()

    articles = {code: newest_first([a for a in published if a.lang == code]) for code in config.language_codes}
    tags = {code: _tags(code, articles[code]) for code in config.language_codes}
    editions = {code: _editions(code, articles[code]) for code in config.language_codes}
    return Site(
        config=config,
        articles=MappingProxyType(articles),
        by_key=MappingProxyType({k: MappingProxyType(v) for k, v in by_key.items()}),
        tags=MappingProxyType(tags),
        editions=MappingProxyType(editions),
        now=now,
        scheduled=scheduled,
    )


def _editions(lang: str, articles: Sequence[Article]) -> tuple[Edition, ...]:
    days: dict[date, list[Article]] = {}
    for article in articles:  # newest first, so days come newest first too
        days.setdefault(article.date.date(), []).append(article)
    return tuple(Edition(lang=lang, day=day, articles=tuple(items)) for day, items in days.items())


EDITION_DAY = re.compile(r"^(0[1-9]|[12][0-9]|3[01])$")
_ARTICLE_LINK = re.compile(re.escape(ARTICLE_LINK) + r'([^"#]*)')


def link_article(article: Article, urls_by_source: Mapping[str, str], known: Mapping[str, Article],
                 config: Config, problems: Collector) -> Article:
    """Replace body links to other articles' source files with those articles' URLs (`urls_by_source`:
    of every published article, by Article.source_path; `known`: every article read, for what to say of
    a link to one that is not published)."""
    if not article.article_links:
        return article
    for link in article.article_links:
        if link.target not in urls_by_source:
            target = known.get(link.target)
            reason = ("not an article (it must be under content/<lang>/)" if target is None else
                      "a draft" if target.draft else f"scheduled for {target.date.isoformat()} (use --future)")
            problems.add(article.file, link.line, f"link to content/{link.target}, which is {reason}")
    body = _ARTICLE_LINK.sub(
        lambda m: config.base_path + urls.encode(urls_by_source.get(unquote(m.group(1)), "")), article.body_html)
    return replace(article, body_packed=pack_body(body), digest=fingerprint(article.digest, body))


def _tags(lang: str, articles: Sequence[Article]) -> tuple[Tag, ...]:
    tagged: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:  # already newest first
        for ref in article.tags:
            tagged[ref.slug].append(article)
            spellings[ref.slug][ref.name] += 1
    return tuple(
        Tag(lang=lang, slug=slug, name=_most_frequent(spellings[slug]), articles=tuple(tagged[slug]))
        for slug in sorted(tagged)
    )


def _most_frequent(spellings: Counter[str]) -> str:
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]
