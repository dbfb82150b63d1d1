"""Atom feeds (feedgen): one per language, one per tag."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from digest import __version__, urls
from digest.config import Config
from digest.content import Article

FEED_LENGTH = 20
# A feed without entries still needs an <updated>; a fixed instant keeps builds reproducible.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)"')


def absolutize(html: str, base_url: str) -> str:
    """Root-relative links in HTML -> absolute ones, for feed readers that know no page URL."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{origin}{m.group(2)}"', html)


def atom_feed(config: Config, lang: str, title: str, feed_path: str, page_path: str,
              articles: Sequence[Article]) -> bytes:
    """An Atom document for the newest FEED_LENGTH articles (already sorted newest first)."""
    entries = articles[:FEED_LENGTH]

    def absolute(path: str) -> str:
        return config.base_url + urls.encode(path)

    feed = FeedGenerator()
    feed.id(absolute(feed_path))
    feed.title(title)
    feed.language(lang)
    feed.author({"name": config.language(lang).title})
    feed.link(href=absolute(page_path), rel="alternate", type="text/html")
    feed.link(href=absolute(feed_path), rel="self", type="application/atom+xml")
    feed.generator("digest", version=__version__)
    feed.updated(max((a.updated or a.date for a in entries), default=EPOCH))
    for article in entries:
        entry = feed.add_entry(order="append")
        entry.id(absolute(article.url))
        entry.title(article.title)
        entry.link(href=absolute(article.url), rel="alternate", type="text/html")
        entry.published(article.date)
        entry.updated(article.updated or article.date)
        if article.summary:
            entry.summary(article.summary)
        entry.content(absolutize(article.body_html, config.base_url), type="html")
        if article.source:
            entry.author({"name": article.source.name, **({"uri": article.source.url} if article.source.url else {})})
        for tag in article.tags:
            entry.category(term=tag.slug, label=tag.name, scheme=absolute(urls.tag_index(lang)))
    return feed.atom_str(pretty=True)
