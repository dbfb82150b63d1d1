"""Atom feeds (feedgen): one per language, one per tag."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from digest import __version__, urls
from digest.config import Config
from digest.content import Article
from digest.site import Edition

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

FEED_LENGTH = 20
# A feed without entries still needs an <updated>; a fixed instant keeps builds reproducible.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def absolutize(body: str, page_url: str) -> str:
    """Every relative URL of an HTML fragment made absolute against the URL of its page (footnote links
    "#fn1", root-relative "/digest/fr/...", "photo.jpg"): feed readers know no page to resolve them against."""
    if not body.strip():
        return body
    import lxml.html  # (here: an edit that renders no feed does not load it)

    container = lxml.html.fragment_fromstring(body, create_parent="div")
    container.make_links_absolute(page_url, resolve_base_href=False, handle_failures="ignore")
    return lxml.html.tostring(container, encoding="unicode").removeprefix("<div>").removesuffix("</div>")


def atom_feed(config: Config, lang: str, title: str, feed_path: str, page_path: str,
              articles: Sequence[Article], full_content: bool = True) -> bytes:
    """An Atom document for the newest FEED_LENGTH articles (already sorted newest first).

    Tag feeds carry summaries only (`full_content` False): a site has hundreds of tags, and the
    language feed already carries every article in full.
    """
    entries = articles[:FEED_LENGTH]

    def absolute(path: str) -> str:
        return config.base_url + urls.encode(path)

    feed = _feed(config, lang, title, feed_path, page_path)
    feed.updated(max((a.modified for a in entries), default=EPOCH))
    for article in entries:
        entry = feed.add_entry(order="append")
        entry.id(absolute(article.url))
        entry.title(article.title)
        entry.link(href=absolute(article.url), rel="alternate", type="text/html")
        entry.published(article.date)
        entry.updated(article.modified)
        if article.summary:
            entry.summary(article.summary)
        if full_content:
            entry.content(absolutize(article.body_html, absolute(article.url)), type="html")
        if article.source:
            entry.author({"name": article.source.name, **({"uri": article.source.url} if article.source.url else {})})
        for tag in article.tags:
            entry.category(term=tag.slug, label=tag.name, scheme=absolute(urls.tag_index(lang)))
    return feed.atom_str(pretty=True)


def editions_feed(config: Config, lang: str, title: str, editions: Sequence[Edition],
                  edition_title: Callable[[Edition], str]) -> bytes:
    """One entry per day (newest FEED_LENGTH days): the day's titles as a list of links."""
    entries = editions[:FEED_LENGTH]

    def absolute(path: str) -> str:
        return config.base_url + urls.encode(path)

    def updated(edition: Edition) -> datetime:
        return max(a.modified for a in edition.articles)

    feed = _feed(config, lang, title, urls.editions_feed(lang), urls.home(lang))
    feed.updated(max((updated(e) for e in entries), default=EPOCH))
    for edition in entries:
        entry = feed.add_entry(order="append")
        entry.id(absolute(edition.url))
        entry.title(edition_title(edition))
        entry.link(href=absolute(edition.url), rel="alternate", type="text/html")
        entry.published(min(a.date for a in edition.articles))
        entry.updated(updated(edition))
        items = "".join(f'<li><a href="{html.escape(absolute(a.url))}">{html.escape(a.title)}</a></li>'
                        for a in edition.articles)
        entry.content(f"<ul>{items}</ul>", type="html")
    return feed.atom_str(pretty=True)


def _feed(config: Config, lang: str, title: str, feed_path: str, page_path: str) -> FeedGenerator:
    from feedgen.feed import FeedGenerator  # (here: an edit that renders no feed does not load it)

    feed = FeedGenerator()
    feed.id(config.base_url + urls.encode(feed_path))
    feed.title(title)
    feed.language(lang)
    feed.author({"name": config.language(lang).title})
    feed.link(href=config.base_url + urls.encode(page_path), rel="alternate", type="text/html")
    feed.link(href=config.base_url + urls.encode(feed_path), rel="self", type="application/atom+xml")
    feed.generator("digest", version=__version__)
    return feed
