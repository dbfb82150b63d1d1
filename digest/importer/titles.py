"""The site's articles as import sees them: titles for "Read also", tags, slugs, source URLs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from digest import similarity
from digest.config import Config
from digest.content import Article, TagRef, discover, load_article
from digest.errors import Collector, display_path
from digest.importer.words import _find_words, words
from digest.slugs import slugify

FEW_WORDS = 3  # a "Read also" text may extend or shorten the title it names by this many words
MAX_AUTO_TAGS = 5


@dataclass(frozen=True)
class KnownArticle:
    key: str
    lang: str
    title: str
    slug: str
    file: str  # as shown in messages
    tags: tuple[TagRef, ...] = ()
    draft: bool = False
    source_url: str | None = None  # the canonical URL of the page it was imported from
    # For story clusters (digest.importer.cluster): every source's URL, the date, the start of the body.
    source_urls: tuple[str, ...] = ()
    date: datetime | None = None
    text: str = ""

    @classmethod
    def of(cls, article: Article) -> KnownArticle:
        return cls(article.key, article.lang, article.title, article.slug, article.file, article.tags, article.draft,
                   article.source.url if article.source is not None else None,
                   tuple(source.url for source in article.sources if source.url), article.date,
                   similarity.plain_text(article.body_html)[: similarity.MAX_WORDS * 12])

    def has_source(self, url: str | None) -> bool:
        return bool(url) and (url == self.source_url or url in self.source_urls)


def _trims(sequence: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int]]:
    """The sequence without up to FEW_WORDS words at its ends, with the number of words cut."""
    for start in range(FEW_WORDS + 1):
        for end in range(FEW_WORDS + 1 - start):
            core = sequence[start : len(sequence) - end]
            if core and (start + end == 0 or len(core) >= 3):
                yield core, start + end


class TitleIndex:
    """Finds the article a "Read also" text names: same words (case, accents, quotes and punctuation
    aside), the text allowed to extend or shorten the title by a few words at its ends."""

    def __init__(self, articles: Iterable[KnownArticle] = ()) -> None:
        self.cores: dict[tuple[str, ...], list[tuple[int, KnownArticle]]] = {}
        for article in articles:
            self.add(article)

    def add(self, article: KnownArticle) -> None:
        if article.draft:
            return
        for core, cut in _trims(tuple(words(article.title))):
            self.cores.setdefault(core, []).append((cut, article))

    def match(self, text: str, lang: str, default_language: str | None = None,
              exclude_key: str | None = None) -> KnownArticle | None:
        query = tuple(words(text))
        candidates = []
        for core, cut in _trims(query):
            for title_cut, article in self.cores.get(core, ()):
                longest = max(len(query), len(core) + title_cut)
                if cut + title_cut > FEW_WORDS or len(core) * 3 < longest * 2 or article.key == exclude_key:
                    continue
                rank = 0 if article.lang == lang else 1 if article.lang == default_language else 2
                candidates.append((rank, cut + title_cut, article.key, article.lang, article))
        return min(candidates, key=lambda c: c[:4])[4] if candidates else None


@dataclass
class SiteArticles:
    """What import needs to know of the site, read leniently: an article with errors is skipped."""

    known: list[KnownArticle]
    unreadable: list[str]
    planned: dict[str, str] = field(default_factory=dict)  # article file -> the input imported there in this run

    @classmethod
    def load(cls, config: Config) -> SiteArticles:
        known, unreadable = [], []
        for lang, file in discover(config, Collector()):
            article = load_article(config, lang, file, Collector())
            if article is None:
                unreadable.append(display_path(file, config.root))
            else:
                known.append(KnownArticle.of(article))
        return cls(known, unreadable)

    def tag_names(self, lang: str) -> dict[str, str]:
        """Tag slug -> its most frequent spelling, for the language's articles."""
        spellings: dict[str, Counter[str]] = {}
        for article in self.known:
            if article.lang == lang:
                for tag in article.tags:
                    spellings.setdefault(tag.slug, Counter())[tag.name] += 1
        return {slug: counts.most_common(1)[0][0] for slug, counts in sorted(spellings.items())}


def find_tags(names: dict[str, str], title: str, lead: str, given: Iterable[str] = (),
              limit: int = MAX_AUTO_TAGS) -> list[str]:
    """The site's tags that appear as words in the title, then the lead (first appearance first)."""
    skip = {slugify(name) for name in given}
    found = []
    for rank, text in enumerate((title, lead)):
        haystack = words(text)
        for slug, name in names.items():
            position = _find_words(haystack, words(name))
            if slug not in skip and position is not None:
                found.append((rank, position, name, slug))
    chosen: list[str] = []
    for _, _, name, slug in sorted(found):
        if slug not in skip:
            chosen.append(name)
            skip.add(slug)
    return chosen[:limit]
