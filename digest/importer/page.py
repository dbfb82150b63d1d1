"""A saved web page (`.html`/`.htm`) or an `http(s)://` URL -> a draft article.

trafilatura finds the main text and the metadata (title, author, site name, tags, section, picture),
htmldate the publication and modification dates; lxml reads what the page states outright (its
language, canonical URL, the lead picture's caption and credit). The main text is turned into
Markdown here from trafilatura's XML, every piece of text escaped and every link checked, so no
markup of the page (script, style, iframe, event handler, `javascript:` link) reaches the article.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import htmldate
import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import decode_file

from digest import __version__
from digest.errors import Problem, SiteError
from digest.importer.draft import Caption, Paragraph, ScrapedArticle
from digest.importer.report import Note
from digest.importer.text import split_credit
from digest.importer.tidy import clutter, glued_date, host_names, is_date_only, is_junk_lead, strip_title
from digest.importer.words import clean, fold

PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
FETCH_TIMEOUT = 20.0  # seconds without data
FETCH_DEADLINE = 30.0  # seconds for a whole download
MAX_PAGE_BYTES = 20_000_000
MIN_WORDS = 25  # less main text than this is not an article (an index page, a login wall, a maintenance page)
USER_AGENT = f"digest/{__version__} (digest import)"


def is_url(text: str) -> bool:
    return re.match(r"https?://", text, re.IGNORECASE) is not None


def is_page(path: Path) -> bool:
    return path.suffix.lower() in PAGE_SUFFIXES


def fetch(url: str, timeout: float | None = None, max_bytes: int | None = None,
          accept: tuple[str, ...] = ()) -> bytes:
    """The bytes at an http(s) URL, read within FETCH_DEADLINE seconds in all and MAX_PAGE_BYTES (a server
    that sends one byte a second gives up as surely as one that sends 1 GB); raises SiteError naming the URL
    and the limit it hit. `accept`: the content types allowed (prefixes such as `image/`), when not anything."""
    timeout = timeout or FETCH_TIMEOUT
    max_bytes = max_bytes or MAX_PAGE_BYTES
    deadline = time.monotonic() + FETCH_DEADLINE
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=min(timeout, FETCH_DEADLINE)) as response:
            kind = response.headers.get_content_type()
            if accept and not kind.startswith(accept):
                raise SiteError([Problem(url, None, f"cannot fetch: {kind}, not {' or '.join(accept)}")])
            while size <= max_bytes:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("deadline")
                _set_read_timeout(response, min(timeout, remaining))
                chunk = response.read1(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            encoding = response.headers.get("Content-Encoding", "").lower()
    except urllib.error.HTTPError as error:
        raise SiteError([Problem(url, None, f"cannot fetch: HTTP {error.code} {error.reason}")]) from None
    except urllib.error.URLError as error:
        reason = error.reason
        text = "timed out" if isinstance(reason, TimeoutError) else getattr(reason, "strerror", None) or str(reason)
        raise SiteError([Problem(url, None, f"cannot fetch: {text}")]) from None
    except TimeoutError as error:
        if time.monotonic() >= deadline or str(error) == "deadline":
            raise SiteError([Problem(url, None, f"cannot fetch: not received in full within {FETCH_DEADLINE:g} s "
                                     f"(the limit for a whole download; {size:,} bytes came)")]) from None
        raise SiteError([Problem(url, None, f"cannot fetch: timed out after {timeout:g} s "
                                 "without data")]) from None
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise SiteError([Problem(url, None, f"cannot fetch: {error}")]) from None
    if size > max_bytes:
        raise SiteError([Problem(url, None, f"cannot fetch: larger than {max_bytes // 1_000_000} MB")])
    data = b"".join(chunks)
    if encoding in ("gzip", "x-gzip") or data[:2] == b"\x1f\x8b":
        data = gunzip(data, url, max_bytes)
    return data


def gunzip(data: bytes, name: str, max_bytes: int = MAX_PAGE_BYTES) -> bytes:
    """Gzipped bytes unpacked to at most `max_bytes`: a gzip bomb (a few KB that unpack to GBs) is refused."""
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise SiteError([Problem(name, None, f"cannot read: broken gzip data ({error})")]) from None
    if len(out) > max_bytes or unpacker.unconsumed_tail:
        raise SiteError([Problem(name, None, f"cannot read: gzip data that unpacks to more than "
                                 f"{max_bytes // 1_000_000} MB (a compression bomb?)")])
    return out


def _set_read_timeout(response: Any, seconds: float) -> None:
    """Each read waits at most what is left of the deadline (http.client exposes no public way to say so)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.01))


# ---------------------------------------------------------------------------------------------
# What the page states outright


def _tree(text: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _first(tree: lxml.html.HtmlElement, *paths: str) -> str | None:
    for path in paths:
        found = tree.xpath(path)
        for value in [found] if isinstance(found, str) else found:
            value = clean(str(value))
            if value:
                return value
    return None


def page_language(tree: lxml.html.HtmlElement) -> str | None:
    """`fr` for `<html lang="fr-FR">`, else the Content-Language or og:locale metadata."""
    found = _first(tree, "/html/@lang", "/html/@xml:lang", "//meta[@http-equiv='content-language' or "
                   "@http-equiv='Content-Language']/@content", "//meta[@property='og:locale']/@content")
    if not found:
        return None
    code = re.split(r"[-_,;\s]", found.strip())[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _web_url(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    url = urljoin(base or "", value.strip())
    return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc else None


def canonical_url(tree: lxml.html.HtmlElement, fetched: str | None) -> str | None:
    """The page's canonical URL, else its og:url, else the URL it was fetched from (None for a saved page)."""
    for path in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        url = _web_url(_first(tree, path), fetched)
        if url:
            return url
    return fetched


_PUBLISHED = ("//meta[@property='article:published_time' or @name='article:published_time' or "
              "@itemprop='datePublished' or @name='pubdate' or @name='publish-date']/@content",
              "//*[@itemprop='datePublished']/@datetime", "//article//time/@datetime", "//time[@pubdate]/@datetime")
_MODIFIED = ("//meta[@property='article:modified_time' or @name='article:modified_time' or "
             "@itemprop='dateModified' or @property='og:updated_time']/@content",
             "//*[@itemprop='dateModified']/@datetime")


def _stamps(tree: lxml.html.HtmlElement, paths: tuple[str, ...], json_key: str) -> list[datetime]:
    found = [str(value) for path in paths for value in tree.xpath(path)]
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        found += re.findall(rf'"{json_key}"\s*:\s*("(?:[^"\\]|\\.)*")', script)
    stamps = []
    for value in found:
        try:
            text = json.loads(value) if value.startswith('"') else value
            stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except (ValueError, TypeError):
            continue
        if stamp.tzinfo is not None and (stamp.hour, stamp.minute) != (0, 0):
            stamps.append(stamp)
    return stamps


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def page_dates(text: str, tree: lxml.html.HtmlElement, url: str | None) -> tuple[date | datetime | None,
                                                                                   date | datetime | None]:
    """(published, updated): the days htmldate finds, with their time when the metadata states it."""
    published_day = _day(htmldate.find_date(text, url=url, original_date=True, extensive_search=False))
    modified_day = _day(htmldate.find_date(text, url=url, original_date=False, extensive_search=False))
    published_stamps = _stamps(tree, _PUBLISHED, "datePublished")
    modified_stamps = _stamps(tree, _MODIFIED, "dateModified")
    if published_day is None and published_stamps:
        published_day = published_stamps[0].date()
    published: date | datetime | None = next((s for s in published_stamps if s.date() == published_day),
                                             published_day)
    updated: date | datetime | None = next(iter(modified_stamps), None)
    if updated is None and modified_day is not None and published_day is not None and modified_day > published_day:
        updated = modified_day
    if updated is not None and published is not None and _as_datetime(updated) <= _as_datetime(published):
        updated = None
    return published, updated


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


def _json_ld_image(tree: lxml.html.HtmlElement) -> str | None:
    """The `image` of the page's JSON-LD article (a URL, a list of them, or an ImageObject)."""
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            image = item.get("image") if isinstance(item, dict) else None
            image = image[0] if isinstance(image, list) and image else image
            image = image.get("url") if isinstance(image, dict) else image
            if isinstance(image, str) and image.strip():
                return image
    return None


def meta_image(tree: lxml.html.HtmlElement, base: str | None) -> str | None:
    """The lead photo the page declares for sharing: og:image, twitter:image, else its JSON-LD image."""
    found = _first(tree, "//meta[@property='og:image' or @name='og:image']/@content",
                   "//meta[@property='og:image:url']/@content",
                   "//meta[@name='twitter:image' or @property='twitter:image' or @name='twitter:image:src']/@content")
    return _web_url(found or _json_ld_image(tree), base)


def _same_picture(a: str, b: str) -> bool:
    """The same photo in another size (`photo-1024x576.jpg`, `photo.jpg?w=800`)."""
    def core(url: str) -> str:
        path = urlsplit(url).path
        return re.sub(r"(?:-\d{2,4}x\d{2,4}|-scaled|_\d{2,4}w)(?=\.\w+$)", "", path.rsplit("/", 1)[-1]).lower()
    return a == b or core(a) == core(b) != ""


def _is_thumbnail(figure: lxml.html.HtmlElement, src: str) -> bool:
    """A small picture, or one linking to another page or set in a related-articles box: another article's."""
    if figure.xpath("ancestor-or-self::*[self::a[@href] or self::aside or self::nav or self::footer or "
                    "contains(@class, 'related') or contains(@class, 'teaser') or contains(@class, 'promo')]"):
        return True
    if figure.xpath(".//a[@href and .//img]"):
        link = _first(figure, ".//a[@href and .//img]/@href") or ""
        if not re.search(r"\.(?:jpe?g|png|gif|webp|avif)(?:\?|$)", link, re.IGNORECASE):
            return True
    sizes = [int(v) for v in figure.xpath(".//img/@width | .//img/@height") if str(v).isdigit()]
    if sizes and max(sizes) < 300:
        return True
    size = re.search(r"-(\d{2,4})x(\d{2,4})\.\w+$", urlsplit(src).path)
    return size is not None and max(int(size.group(1)), int(size.group(2))) < 300


def lead_caption(tree: lxml.html.HtmlElement, image: str | None, base: str | None) -> tuple[str | None, Caption | None]:
    """(picture URL, caption) of the page's lead photo: the `<figure>` showing `image` (the photo the page
    declares), else `image` alone; with no declared photo, the first figure that is not a thumbnail of
    another article."""
    figures = []
    for figure in tree.xpath("//figure[.//img]"):
        src = _web_url(_first(figure, ".//img/@src", ".//img/@data-src"), base)
        if src:
            figures.append((src, figure))
    if image is not None:
        chosen = next(((src, f) for src, f in figures if _same_picture(src, image)), None)
    else:
        chosen = next(((src, f) for src, f in figures if not _is_thumbnail(f, src)), None)
    if chosen is None:
        return image, None
    src, figure = chosen
    credit_nodes = figure.xpath(".//*[contains(@class, 'credit') or contains(@class, 'copyright')]")
    credit = clean(" ".join(credit_nodes[0].itertext())).lstrip("©").strip() if credit_nodes else None
    for node in credit_nodes:
        node.drop_tree()
    caption = _first(figure, "normalize-space(.//figcaption)") or ""
    if not credit and (split := split_credit(caption)):
        caption, credit = split
    alt = _first(figure, ".//img/@alt")
    if not caption and not credit:
        caption = alt or ""
    if not caption and not credit:
        return src, None
    return src, Caption(0, caption.strip(), credit or None, caption)


# ---------------------------------------------------------------------------------------------
# trafilatura's XML -> Markdown


def _in_page_anchor(target: str, base: str | None) -> bool:
    """`#lettre`, or that anchor made absolute (trafilatura joins it to the site's root): it points into the
    source page, not into the article, so the link is left out and its text kept."""
    if target.startswith("#"):
        return True
    parts = urlsplit(target)
    if not parts.fragment:
        return False
    if parts.path in ("", "/") and not parts.query:
        return True
    return base is not None and urldefrag(target)[0] == urldefrag(base)[0]


def _link(target: str | None, base: str | None) -> str | None:
    if not target or _in_page_anchor(target.strip(), base):
        return None
    url = urljoin(base or "", target.strip())
    if urlsplit(url).scheme not in ("http", "https", "mailto"):
        return None  # javascript:, data:, vbscript: and relative links with no base to resolve them against
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _inline(element: etree._Element, base: str | None) -> str:
    """The text of an element as Markdown: escaped text, links, emphasis, line breaks."""
    parts = [_escape(element.text or "")]
    for child in element:
        inner = _inline(child, base).strip()
        marked = child.tag in ("ref", "hi") and inner
        if marked and parts[-1][-1:].isalnum() and inner[:1].isalnum():
            parts.append(" ")  # trafilatura trims the space inside `our<a> policy</a>`: put it back outside
        if child.tag == "ref" and (target := _link(child.get("target"), base)) and inner:
            parts.append(f"[{inner}]({target})")
        elif child.tag == "hi" and inner:
            rend = child.get("rend", "")
            mark = "**" if "#b" in rend else "*" if "#i" in rend else ""
            parts.append(f"{mark}{inner}{mark}" if mark else inner)
        elif child.tag == "lb":
            parts.append("\n")
        elif child.tag != "graphic":
            parts.append(inner)
        tail = _escape(child.tail or "")
        if marked and inner[-1:].isalnum() and tail[:1].isalnum():
            tail = " " + tail  # `<em>écosystème </em>de`
        parts.append(tail)
    return "".join(parts)


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"), None)  # soft hyphens, zero-width spaces, BOM


def _escape(text: str) -> str:
    text = re.sub(r"([\\`*_\[\]<>~|#])", r"\\\1", re.sub(r"\s+", " ", text.translate(_INVISIBLE)))
    return re.sub(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|\w+;)", r"\\&", text)


def _block_start(text: str) -> str:
    """A paragraph whose lines (after `<br>`s too) would start a list, heading or quote in Markdown, escaped."""
    return "\n".join(_line_start(line.strip()) for line in text.strip().split("\n"))


def _line_start(text: str) -> str:
    if number := re.match(r"\d{1,9}(?=[.)])", text):
        return number.group() + "\\" + text[number.end() :]
    return "\\" + text if text[:1] in ("-", "+", "=") else text


@dataclass(frozen=True)
class Block:
    markdown: str
    text: str  # as plain text
    paragraph: bool = False  # a top-level paragraph (the lead is the first)
    heading: bool = False


def to_markdown(body: etree._Element, base: str | None) -> list[Block]:
    """The blocks of trafilatura's `<main>` element as Markdown."""
    blocks: list[Block] = []
    for element in body:
        _block(element, base, blocks, "")
    return blocks


def _plain(element: etree._Element) -> str:
    return clean(" ".join(element.itertext()))


_INLINE = frozenset({"ref", "hi", "lb", "graphic"})


def _block(element: etree._Element, base: str | None, blocks: list[Block], prefix: str) -> None:
    tag = element.tag
    if tag in ("quote", "div"):
        inner = prefix + "> " if tag == "quote" else prefix
        if all(child.tag in _INLINE for child in element):  # running text: `<div>Nikkei (<ref>N225</ref>) fell</div>`
            if text := _block_start(_inline(element, base)):
                blocks.append(Block(inner + text.replace("\n", "  \n" + inner), _plain(element),
                                    tag == "div" and not prefix))
            return
        for child in element:
            _block(child, base, blocks, inner)
        return
    if tag == "list":
        items = []
        for number, item in enumerate(element.iterfind("item"), start=1):
            if text := _block_start(_inline(item, base)):
                items.append(prefix + (f"{number}. " if element.get("rend") == "ol" else "- ") + text)
        if items:
            blocks.append(Block("\n".join(items), _plain(element)))
        return
    if tag == "table":
        _table(element, base, blocks, prefix)
        return
    text = _block_start(_inline(element, base))
    if not text or tag == "graphic":
        return
    if tag == "head":
        rend = element.get("rend", "")
        level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
        blocks.append(Block(prefix + "#" * max(level, 2) + " " + text.replace("\n", " "), _plain(element),
                            heading=not prefix))
        return
    blocks.append(Block(prefix + text.replace("\n", "  \n" + prefix), _plain(element), tag == "p" and not prefix))


def _table(element: etree._Element, base: str | None, blocks: list[Block], prefix: str) -> None:
    rows = [[_inline(cell, base).replace("\n", " ").strip() for cell in row.iterfind("cell")]
            for row in element.iterfind("row")]
    rows = [row for row in rows if any(row)]
    if rows:
        width = max(len(row) for row in rows)
        lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
        lines.insert(1, "|" + " --- |" * width)
        blocks.append(Block("\n".join(prefix + line for line in lines), _plain(element)))


def _after_title(blocks: list[Block], *titles: str) -> tuple[list[Block], list[Note]]:
    """The blocks without the title repeated at the top of the text, and without what comes before it there
    (a rubric, a kicker)."""
    folded = {fold(title) for title in titles}
    for index, block in enumerate(blocks[:4]):
        if fold(block.text) in folded:
            notes = [Note(None, "dropped the title repeated at the top of the text")]
            notes += [Note(None, "dropped a line above the title", b.text) for b in blocks[:index]]
            return blocks[index + 1 :], notes
    return blocks, []


def _tidy(blocks: list[Block]) -> tuple[list[Block], list[Note]]:
    """The blocks without page clutter; a date alone or glued to the standfirst at the top taken out (the
    date is in the front matter), the standfirst kept as a paragraph, not a heading."""
    kept: list[Block] = []
    notes: list[Note] = []
    for block in blocks:
        if (block.paragraph or block.heading) and (why := clutter(block.text, block.heading)):
            notes.append(Note(None, f"dropped {why}", block.text))
            continue
        if not any(b.paragraph for b in kept) and (block.paragraph or block.heading):
            if is_date_only(block.text):
                notes.append(Note(None, "dropped a date line at the top of the text", block.text))
                continue
            if fused := glued_date(block.text):
                text, stamp = fused
                notes.append(Note(None, "dropped the date glued to the standfirst", stamp))
                block = Block(_line_start(_escape(text)), text, paragraph=True)
            elif block.heading and len(block.text.split()) > 15:  # a standfirst set as a heading
                block = Block(_line_start(_escape(block.text)), block.text, paragraph=True)
        kept.append(block)
    return kept, notes


# ---------------------------------------------------------------------------------------------
# The page as a draft


def _running_words(body: etree._Element) -> int:
    """Words of running text: sentences in paragraphs, outside links (an index page is mostly links and
    headlines)."""
    total = 0
    for paragraph in body.iter("p", "item", "quote"):
        if paragraph.tag != "p" and paragraph.find("p") is not None:
            continue
        linked = sum(_word_count(" ".join(ref.itertext())) for ref in paragraph.iter("ref"))
        lines = "".join(paragraph.itertext()).split("\n")
        sentences = [line for line in lines
                     if _word_count(line) >= 8 or line.strip().endswith((".", "!", "?", "…", "。", "！", "？"))]
        total += max(_word_count(" ".join(sentences)) - linked, 0)
    return total


def _word_count(text: str) -> int:
    """Words between spaces; Chinese, Japanese and Korean write none, so two of their characters count as one."""
    return len(text.split()) + len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text)) // 2


def _extract(text: str, base: str | None, name: str, min_words: int, precise: bool) -> Any:
    """trafilatura's document of the page; raises SiteError when it holds no article. When the precise
    reading finds too little text, the page is read again favouring recall (an article in unusual markup)."""
    for favor_precision in dict.fromkeys((precise, False)):
        document = trafilatura.bare_extraction(
            text, url=base, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
            include_links=True, include_formatting=True, deduplicate=False, favor_precision=favor_precision,
            favor_recall=not favor_precision)
        body = getattr(document, "body", None)
        if body is not None and _running_words(body) >= min_words:
            break
    else:
        raise SiteError([Problem(name, None, "no article text found")])
    if not clean(document.title or ""):
        raise SiteError([Problem(name, None, "no article title found in the page")])
    return document


def page_keywords(tags: list[str]) -> list[str]:
    """The page's keywords, one per tag: `Berlin,colonialism,German Reich` is three (trafilatura passes a
    comma-joined keywords meta as one), repeats left out."""
    found = [clean(part) for tag in tags for part in re.split(r"[,;]", tag)]
    return list(dict.fromkeys(tag for tag in found if tag))


def _text_or_none(value: str | None) -> str | None:
    return clean(value or "") or None


def read_page(data: bytes, name: str, url: str | None = None, min_words: int = MIN_WORDS,
              precise: bool = True) -> ScrapedArticle:
    """Read a saved page (or one fetched from `url`); raises SiteError (`name: message`), e.g. when the page
    holds no article. `precise=False` keeps all the text of a page that is all article (a feed entry's content)."""
    if data[:2] == b"\x1f\x8b":  # a saved page kept gzipped: unpacked here, bounded, not by trafilatura
        data = gunzip(data, name)
    if not data.strip():
        raise SiteError([Problem(name, None, "empty page: nothing to import")])
    text = decode_file(data)
    tree = _tree(text)
    if tree is None:
        raise SiteError([Problem(name, None, "no article text found (not an HTML page)")])
    source_url = canonical_url(tree, url)
    base = url or source_url
    document = _extract(text, base, name, min_words, precise)
    page_title = clean(document.title)
    site_name = _text_or_none(document.sitename) or (re.sub(r"^www\.", "", urlsplit(source_url).netloc)
                                                     if source_url else None)
    names = [site_name, _first(tree, "//meta[@property='og:site_name']/@content",
                               "//meta[@name='application-name']/@content"), *host_names(source_url or url)]
    title, cut = strip_title(page_title, names)
    title = title or page_title
    blocks, notes = _after_title(to_markdown(document.body, base), title, page_title)
    if cut:
        notes.append(Note(None, f"title: left out the site's name and dates around it ({', '.join(cut)})",
                          page_title))
    blocks, tidied = _tidy(blocks)
    notes.append(Note(None, "dropped the page's navigation, share links, comments, related-article lists and "
                      "other boxes around the article text"))
    notes += tidied
    lead = next((block.text for block in blocks if block.paragraph), None)
    summary = None
    description = _text_or_none(document.description)
    if lead is not None and is_junk_lead(lead) and description and len(description.split()) >= 6:
        summary = description
        notes.append(Note(None, "summary: the page's description (its first paragraph is not a lead)", lead))
    image, caption = lead_caption(tree, meta_image(tree, base) or _web_url(document.image, base), base)
    published, updated = page_dates(text, tree, base)
    return ScrapedArticle(
        title=title, title_line=0, section=_text_or_none((document.categories or [None])[0]), caption=caption,
        source_name=site_name, source_url=source_url, author=_text_or_none(document.author),
        paragraphs=[Paragraph(0, lead)] if lead else [], notes=notes, lang=page_language(tree), date=published,
        date_from="the page's metadata", updated=updated, image_src=image,
        keywords=page_keywords(document.tags or []), summary=summary,
        body_markdown="\n\n".join(block.markdown for block in blocks),
    )
