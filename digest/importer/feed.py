"""An RSS or Atom feed -> one article per entry that is not on the site yet (matched by source URL).

feedparser reads the feed. An entry becomes a draft from its full content when the feed carries it,
else from the page it links to (fetched), else from its summary; the entry's own title, date,
author, tags and link are kept over what the page says.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
from lxml import etree

from digest.config import Config
from digest.errors import Problem, SiteError
from digest.importer.draft import Paragraph, ScrapedArticle
from digest.importer.page import fetch, is_url, read_page
from digest.importer.report import Note
from digest.importer.text import read_file
from digest.importer.tidy import strip_title
from digest.importer.titles import SiteArticles
from digest.importer.words import clean, markdown_escape
from digest.importer.writer import ImportResult, check_options, import_draft

_ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE)
_ENTITY_REFERENCE = re.compile(rb"&([A-Za-z][A-Za-z0-9._-]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def _entities(data: bytes, source: str) -> tuple[bytes, list[str]]:
    """The feed with HTML entities XML does not know (`&eacute;`) as character references and undefined
    ones (`&lol9;`) dropped, with their names; a feed declaring its own entities (entity expansion bombs,
    external entities reading local files) is refused."""
    if _ENTITY_DECLARATION.search(data[:65536]):
        raise SiteError([Problem(source, None, "the feed declares its own XML entities (<!ENTITY ...>): refused, "
                                 "as such entities can expand without bound or read local files")])
    dropped: list[str] = []

    def replace(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode("ascii")
        if name in _XML_ENTITIES:
            return match.group()
        if (char := html.entities.html5.get(name + ";")) is not None:
            return "".join(f"&#{ord(c)};" for c in char).encode("ascii")
        dropped.append(f"&{name};")
        return b""

    return _ENTITY_REFERENCE.sub(replace, data), list(dict.fromkeys(dropped))


def read_feed(source: str) -> Any:
    """The parsed feed at a path or URL; raises SiteError when it cannot be read or is no RSS/Atom feed.
    `parsed["dropped_entities"]` names the undefined entities left out."""
    data = fetch(source) if is_url(source) else read_file(Path(source))
    data, dropped = _entities(data, source)
    parsed = feedparser.parse(data)
    if not parsed.get("version") or (parsed.get("bozo") and not parsed.entries):
        raise SiteError([Problem(source, None, "not an RSS or Atom feed")])
    parsed["dropped_entities"] = dropped
    return parsed


def _stamp(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime(*value[:6], tzinfo=UTC)
    return None


def _document(title: str, body: str, lang: str | None) -> bytes:
    lang_attr = f' lang="{html.escape(lang)}"' if lang else ""
    return (f"<!DOCTYPE html><html{lang_attr}><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>").encode()


def _as_html(detail: Any) -> str:
    """An entry's content or summary as HTML: text/plain escaped, HTML as it is (`AT&amp;T` is `AT&T`)."""
    value = str(detail.get("value", ""))
    if "html" in str(detail.get("type", "text/html")):
        return value
    return "".join(f"<p>{html.escape(part)}</p>" for part in value.split("\n\n"))


def _has_text(markup: str) -> bool:
    if not markup.strip():
        return False
    try:
        return bool(clean(" ".join(lxml.html.fragment_fromstring(markup, create_parent="div").itertext())))
    except (etree.ParserError, ValueError):
        return bool(clean(markup))


def _from_linked_page(link: str, name: str) -> tuple[ScrapedArticle | None, str]:
    try:
        return read_page(fetch(link), name, link), ""
    except SiteError as error:
        return None, error.problems[0].message


def _summary_draft(title: str, body: str, link: str | None, lang: str | None, name: str) -> ScrapedArticle:
    """The draft from an entry's summary, however short (a Google News entry's is one link)."""
    try:
        draft = read_page(_document(title, body, lang), name, link, min_words=0, precise=False)
        if draft.body_markdown:
            return draft
    except SiteError:
        pass
    tree = lxml.html.fragment_fromstring(body, create_parent="div")
    text = clean(" ".join(tree.itertext()))
    return ScrapedArticle(title=title, title_line=0, paragraphs=[Paragraph(0, text)], lang=lang,
                          source_url=link, body_markdown=markdown_escape(text))


def _entry_text(entry: Any, title: str, link: str | None, lang: str | None,
                name: str) -> tuple[ScrapedArticle, Note]:
    """The draft from the entry's content, else the linked page, else the entry's summary. Empty content
    (an empty `<content:encoded>` or Atom `<content>`) is no content."""
    content = [_as_html(item) for item in entry.get("content") or []]
    if content and _has_text(content[0]):
        draft = read_page(_document(title, content[0], lang), name, link, min_words=1, precise=False)
        return draft, Note(None, "text: from the feed entry's content")
    why = ["the entry's content is empty"] if content else []
    if link and is_url(link):
        draft, problem = _from_linked_page(link, name)
        if draft is not None:
            return draft, Note(None, f"text: from the linked page {link}")
        why.append(problem)
    else:
        why.append("the entry links to no page")
    summary = _as_html(entry["summary_detail"]) if "summary_detail" in entry else str(entry.get("summary", ""))
    if not _has_text(summary):
        raise SiteError([Problem(name, None, f"no article text found ({'; '.join(why)}; and no summary)")])
    return _summary_draft(title, summary, link, lang, name), Note(None, f"text: from the feed's summary "
                                                                     f"({'; '.join(why)})")


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
    source = entry.get("source") or {}  # Google News: <source url="https://www.rtbf.be">RTBF</source>
    source_title = clean(str(source.get("title", "")))
    draft.title = strip_title(title, [source_title])[0] or title if source_title else title
    draft.source_url = draft.source_url or link  # the linked page's canonical URL, else the entry's link
    draft.source_name = source_title or clean(feed.feed.get("title", "")) or draft.source_name
    draft.author = clean(entry.get("author", "")) or draft.author
    draft.lang = draft.lang or lang
    if (stamp := _stamp(entry)) is not None:
        draft.date, draft.date_from = stamp, "the feed entry"
    draft.keywords = _entry_tags(entry) or draft.keywords
    draft.image_src = draft.image_src or _entry_image(entry)
    draft.notes = [note]
    if feed.get("dropped_entities"):
        draft.notes.append(Note(None, "dropped undefined entities from the feed: "
                                + ", ".join(feed["dropped_entities"])))
    return draft


def import_feed(config: Config, source: str, lang: str, tags: Sequence[str] = (), limit: int | None = None,
                dry_run: bool = False, force: bool = False, *, now: datetime | None = None,
                download: bool | None = None, merge: bool = False) -> Iterator[ImportResult]:
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
                                  download=download, merge=merge)
            yield result
            imported += result.same_story is None  # a story the site has already is not one of the N
        except SiteError as error:
            yield ImportResult(input=name, problems=error.problems)


def _on_site(site: SiteArticles, url: str | None) -> str | None:
    """The article of the site imported from this URL, if any."""
    return min((a.file for a in site.known if a.has_source(url)), default=None)
