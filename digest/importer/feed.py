"""An RSS or Atom feed -> one article per entry that is not on the site yet (matched by source URL).

feedparser reads the feed. An entry becomes a draft from its full content when the feed carries it,
else from the page it links to (fetched), else from its summary; the entry's own title, date,
author, tags and link are kept over what the page says.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

from digest.config import Config
from digest.errors import Problem, SiteError
from digest.importer.draft import ScrapedArticle
from digest.importer.page import fetch, is_url, read_page
from digest.importer.report import Note
from digest.importer.text import read_file
from digest.importer.titles import SiteArticles
from digest.importer.words import clean
from digest.importer.writer import ImportResult, check_options, import_draft


def read_feed(source: str) -> Any:
    """The parsed feed at a path or URL; raises SiteError when it cannot be read or is no RSS/Atom feed."""
    data = fetch(source) if is_url(source) else read_file(Path(source))
    parsed = feedparser.parse(data)
    if not parsed.get("version") or (parsed.get("bozo") and not parsed.entries):
        raise SiteError([Problem(source, None, "not an RSS or Atom feed")])
    return parsed


def _stamp(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime(*value[:6], tzinfo=UTC)
    return None


def _document(title: str, body: str, lang: str | None) -> bytes:
    if "<" not in body:  # a plain-text summary
        body = "".join(f"<p>{html.escape(part)}</p>" for part in body.split("\n\n"))
    lang_attr = f' lang="{html.escape(lang)}"' if lang else ""
    return (f"<!DOCTYPE html><html{lang_attr}><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>").encode()


def _from_linked_page(link: str, name: str) -> tuple[ScrapedArticle | None, Note | None]:
    try:
        return read_page(fetch(link), name, link), Note(None, f"text: from the linked page {link}")
    except SiteError as error:
        return None, Note(None, f"text: from the feed's summary ({error.problems[0].message})")


def _entry_text(entry: Any, title: str, link: str | None, lang: str | None,
                name: str) -> tuple[ScrapedArticle, Note]:
    """The draft from the entry's content, else the linked page, else the entry's summary."""
    content = entry.get("content") or []
    if content:
        body, note = content[0].get("value", ""), Note(None, "text: from the feed entry's content")
    else:
        if link and is_url(link):
            draft, note = _from_linked_page(link, name)
            if draft is not None:
                return draft, note
        else:
            note = Note(None, "text: from the feed's summary (the entry links to no page)")
        body = entry.get("summary", "")
    return read_page(_document(title, body, lang), name, link, min_words=1, precise=False), note


def _entry_tags(entry: Any) -> list[str]:
    return [clean(tag.get("term", "")) for tag in entry.get("tags", []) if clean(tag.get("term", ""))]


def _entry_image(entry: Any) -> str | None:
    for media in entry.get("media_content", []) + entry.get("enclosures", []):
        url = media.get("url") or media.get("href")
        if url and str(media.get("type", "image/")).startswith("image/"):
            return str(url)
    return None


def entry_draft(entry: Any, feed: Any, name: str) -> ScrapedArticle:
    """The draft of one entry; raises SiteError when it has no title or no text. The entry's title, link, date,
    author, tags and picture win over the page's."""
    title = clean(html.unescape(entry.get("title", "")))
    if not title:
        raise SiteError([Problem(name, None, "the entry has no title")])
    link = entry.get("link") or None
    lang = (entry.get("language") or feed.feed.get("language") or "").split("-")[0].lower() or None
    draft, note = _entry_text(entry, title, link, lang, name)
    draft.title = title
    draft.source_url = draft.source_url or link  # the linked page's canonical URL, else the entry's link
    draft.source_name = clean(feed.feed.get("title", "")) or draft.source_name
    draft.author = clean(entry.get("author", "")) or draft.author
    draft.lang = draft.lang or lang
    if (stamp := _stamp(entry)) is not None:
        draft.date, draft.date_from = stamp, "the feed entry"
    draft.keywords = _entry_tags(entry) or draft.keywords
    draft.image_src = draft.image_src or _entry_image(entry)
    draft.notes = [note]
    return draft


def import_feed(config: Config, source: str, lang: str, tags: Sequence[str] = (), limit: int | None = None,
                dry_run: bool = False, force: bool = False, *, now: datetime | None = None,
                merge: bool = False) -> Iterator[ImportResult]:
    """Import the feed's entries that are not on the site yet, at most `limit` of them; an entry already there
    (same source URL) is skipped and reported, a refused entry does not stop the others."""
    check_options(config, source, lang, tags)
    feed = read_feed(source)
    site = SiteArticles.load(config)
    imported = 0
    for number, entry in enumerate(feed.entries, start=1):
        link = entry.get("link") or None
        name = link or f"{source} (entry {number})"
        if (on_site := _on_site(site, link)) and not force:
            yield ImportResult(input=name, skipped=f"already on the site: {on_site}")
            continue
        if limit is not None and imported >= limit:
            break
        try:
            draft = entry_draft(entry, feed, name)
            if (on_site := _on_site(site, draft.source_url)) and not force:
                yield ImportResult(input=name, skipped=f"already on the site: {on_site} (same canonical URL)")
                continue
            result = import_draft(config, draft, name, lang, None, None, tags, dry_run, force, site=site, now=now,
                                  merge=merge)
            yield result
            imported += result.same_story is None  # a story the site has already is not one of the N
        except SiteError as error:
            yield ImportResult(input=name, problems=error.problems)


def _on_site(site: SiteArticles, url: str | None) -> str | None:
    """The article of the site imported from this URL, if any."""
    return min((a.file for a in site.known if a.has_source(url)), default=None)
