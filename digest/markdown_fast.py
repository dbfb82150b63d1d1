"""The fast path of digest.markdown: markdown-it-pyrs (the Rust port of markdown-it) for the bodies it
renders exactly as the reference, markdown-it-py, does.

`render()` returns None for every body the fast path does not take: then digest.markdown renders it
with markdown-it-py. The fast path takes only bodies with nothing to do after parsing: no image (the
reference adds loading/decoding and sizes), no link to a file next to the article (resolved, and
reported when wrong), no footnote (the reference's footnotes carry a localized heading) and none of
the few constructs where the two parsers are known to differ: a body that does not end with a line
break (a fence or raw HTML left open at the end), an empty block quote, nesting deeper than
markdown-it-py allows, Unicode spaces where markdown-it-py trims them, international host names,
emphasis delimiters next to Unicode symbols (CommonMark 0.31 rules), tables that do not follow a blank
line, lazy continuation lines of a block quote, some raw HTML (see `_HTML_DIFFERENCES`), and
a body with both "`" and "[" (markdown-it-pyrs 0.4 panics on some, e.g. "[`" ending a paragraph).
With raw HTML off (the default), the checks and the first paragraph are read from the HTML that
markdown-it-pyrs writes (every tag in it is its own); otherwise, or when the first paragraph is empty,
from its syntax tree.
tests/test_markdown_fast.py renders the example site, the test suite's bodies, fuzzed bodies and a
bench corpus both ways and requires identical results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from html import unescape

from markdown_it_pyrs import MarkdownIt, Node

# CommonMark as markdown-it-py's "commonmark" preset has it, with tables and strikethrough; the two
# raw-HTML rules only when raw HTML is allowed (with html off, markdown-it-py renders it as text).
_BLOCK_RULES = ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference"]
_INLINE_RULES = ["autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline"]
_EXTENSIONS = ["table", "strikethrough"]
_HTML_RULES = ["html_block", "html_inline"]

_NEWLINES = re.compile(r"\r\n?")


# Nodes that make up the text of a paragraph (in a tight list, markdown-it-pyrs puts them straight in
# the list item, where markdown-it-py keeps a hidden paragraph).
_INLINE = frozenset({"text", "text_special", "em", "strong", "strikethrough", "code_inline", "link", "autolink",
                     "html_inline", "softbreak", "hardbreak"})
_BLOCK = frozenset({"paragraph", "heading", "lheading", "blockquote", "bullet_list", "ordered_list", "list_item",
                    "code_block", "fence", "hr", "html_block", "table", "thead", "tbody", "trow", "tcell", "root",
                    "definition"})
# A link's destination that is not a file next to the article, whatever the normalization: a scheme, a
# root-relative path, a fragment or a query (see digest.markdown.is_relative_reference).
_NOT_RELATIVE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|[/#?]")


# markdown-it-py stops nesting blocks and inline markup at 20 levels (a tight list's hidden paragraph
# is a level); markdown-it-pyrs does not: deeper trees go to the reference.
_MAX_DEPTH = 9
_MAX_HTML_DEPTH = 12

# Reading the HTML markdown-it-pyrs wrote, raw HTML off.
_HREF = re.compile(r'<a href="([^"]*)"')
_TAG = re.compile(r"<(/?)(?!br>|hr>)[a-z]")  # opening and closing tags, not the void <br> and <hr>
_TAGS = re.compile(r"<[^>]*>")
_PARAGRAPH_START = re.compile(r"<p>|<li>(?!\n)")
_PARAGRAPH_END = re.compile("</p>")
_TIGHT_END = re.compile(r"</li>|\n<(?:ul|ol|blockquote|pre|table|hr|h[1-6])[ >]")
# What a table's delimiter row (in a list or a block quote) is made of
_DELIMITER_ROW = " \t|:->0123456789.)*+"

# Unicode spaces other than space and tab: markdown-it-py trims them (str.strip) at the start and end of
# a paragraph, heading or table cell, markdown-it-pyrs does not. Bodies with one there, or with one and a
# link reference definition (labels are matched after collapsing spaces), go to the reference.
_ODD = "\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_ODD_SPACE = re.compile(rf"^[ \t>*+\-#=`~0-9.)|:]*[{_ODD}]|[{_ODD}][ \t#|]*$|\|[ \t]*[{_ODD}]", re.MULTILINE)
_ODD_CHARACTERS = "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + (
    "\u2028\u2029\u202f\u205f\u3000")


# markdown-it-py follows CommonMark 0.31, where Unicode symbols count as punctuation next to emphasis
# delimiters; markdown-it-pyrs does not. Bodies with a delimiter next to a Unicode symbol (or to an
# unassigned code point) go to the reference.
# A block quote's line followed by a line without ">" (a lazy continuation): the parsers differ on some.
_QUOTE_LINE = re.compile(r"[ \t\-+*0-9.)]*>")
# Raw HTML whose rules changed in CommonMark 0.30/0.31 (lower-case declarations, <textarea>, <search>,
# <source>): markdown-it-py follows the newer rules.
_HTML_DIFFERENCES = re.compile(r"<!|<(?:textarea|search|source)", re.IGNORECASE)
# A link whose host is not ASCII (percent-encoded by markdown-it-pyrs): markdown-it-py writes it in punycode.
_ENCODED_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/*[^/?#]*%")


@cache
def parser(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("zero")
    md.enable_many([*_BLOCK_RULES, *_INLINE_RULES, *_EXTENSIONS, *(_HTML_RULES if allow_html else [])])
    return md


def render(text: str, allow_html: bool) -> tuple[str, str] | None:
    """(HTML, first paragraph) of a body, or None when the reference must render it."""
    # As markdown-it-py's first step does (markdown-it-pyrs leaves NUL in the syntax tree's text).
    text = _NEWLINES.sub("\n", text).replace("\0", "\ufffd")
    if not text.endswith("\n") or "[^" in text or "^[" in text or ("`" in text and "[" in text):
        return None
    if allow_html and _HTML_DIFFERENCES.search(text):
        return None
    if not text.isascii() and any(space in text for space in _ODD_CHARACTERS) and (
            "]:" in text or _ODD_SPACE.search(text)):
        return None
    if _delimiter_next_to_symbol(text) or _lazy_quote(text):
        return None
    md = parser(allow_html)
    try:
        html = md.render(text, xhtml=False)
        if allow_html:
            return _with_tree(text, html, md.tree(text))
    except BaseException as error:  # a panic in the Rust code is no Exception
        if type(error).__name__ != "PanicException":
            raise
        return None
    # Without raw HTML, every tag is markdown-it-pyrs's own: the checks and the first paragraph can
    # be read from the HTML, much faster than from the syntax tree.
    if ("<img" in html or "<blockquote>\n</blockquote>" in html or not _links_are_not_relative(html)
            or _too_deep(html) or ("<table" in html and not _tables_after_blank_lines(text))):
        return None
    first_paragraph = _first_paragraph(html)
    if first_paragraph is None:
        return _with_tree(text, html, md.tree(text))
    return html, first_paragraph


def _with_tree(text: str, html: str, tree: Node) -> tuple[str, str] | None:
    """The checks and the first paragraph from the syntax tree."""
    paragraphs: list[list[Node]] = []
    for node, depth in _walk(tree, 0):
        if depth > _MAX_DEPTH:
            return None
        name = node.name
        if name in ("link", "autolink"):
            url = node.meta.get("url", "")
            if not _NOT_RELATIVE.match(url) or _ENCODED_HOST.match(url):
                return None
        elif name in _BLOCK:
            if name == "paragraph":
                if node.children:
                    paragraphs.append(list(node.children))
            elif name == "list_item":
                paragraphs.extend(_tight_paragraphs(node.children))
            elif (name == "blockquote" and not node.children) or (
                    name == "table" and not _after_blank_line(text, node)):
                return None
        elif name not in _INLINE:  # an image, or anything unknown here
            return None
    if any(not run[0].srcmap for run in paragraphs):
        return None
    first_paragraph = ""
    # In the order markdown-it-py meets them: a tight list item's runs were collected when the walk
    # reached the item, before the blocks nested in it, so order paragraphs by where they start.
    for children in sorted(paragraphs, key=lambda run: run[0].srcmap[0]):  # type: ignore[index]
        first_paragraph = " ".join("".join(_plain_text(children)).split())
        if first_paragraph:
            break
    return html, first_paragraph


def _links_are_not_relative(html: str) -> bool:
    for match in _HREF.finditer(html):
        if not _NOT_RELATIVE.match(match.group(1)) or _ENCODED_HOST.match(match.group(1)):
            return False
    return True


def _too_deep(html: str) -> bool:
    depth = 0
    for closing in _TAG.findall(html):
        if closing:
            depth -= 1
        else:
            depth += 1
            if depth > _MAX_HTML_DEPTH:
                return True
    return False


def _tables_after_blank_lines(text: str) -> bool:
    """Whether every line that may be a table's delimiter row has a header line that starts the body
    or follows a blank line."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if "|" in line and "-" in line and not line.strip(_DELIMITER_ROW) and (
                index == 0 or (index > 1 and lines[index - 2].strip(" \t"))):
            return False
    return True


def _first_paragraph(html: str) -> str | None:
    """The text of the first paragraph (or tight list item), "" when there is none, None when it is
    empty (the reference then looks further: the syntax tree is needed)."""
    match = _PARAGRAPH_START.search(html)
    if not match:
        return ""
    start = match.end()
    end = _PARAGRAPH_END.search(html, start) if match.group() == "<p>" else _TIGHT_END.search(html, start)
    if not end:
        return None
    return " ".join(unescape(_TAGS.sub("", html[start:end.start()])).split()) or None


def _lazy_quote(text: str) -> bool:
    if ">" not in text:
        return False
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):
        if ">" in line and _QUOTE_LINE.match(line) and lines[index + 1].strip(" \t") \
                and not lines[index + 1].lstrip(" \t").startswith(">"):
            return True
    return False


def _delimiter_next_to_symbol(text: str) -> bool:
    for delimiter in "*_~":
        index = text.find(delimiter)
        while index >= 0:
            for neighbour in (index - 1, index + 1):
                if 0 <= neighbour < len(text) and _is_symbol(text[neighbour]):
                    return True
            index = text.find(delimiter, index + 1)
    return False


def _is_symbol(character: str) -> bool:
    return (not character.isascii() and not character.isalnum() and not character.isspace()
            and unicodedata.category(character)[0] not in "PZ")


def _after_blank_line(text: str, table: Node) -> bool:
    """Whether a table starts the body or follows a blank line: the two parsers differ on tables that
    interrupt a paragraph (in a block quote, lazily continued)."""
    if not table.srcmap:
        return False
    before = text.encode()[:table.srcmap[0]]
    return not before or before.endswith(b"\n\n")


def _walk(node: Node, depth: int) -> Iterator[tuple[Node, int]]:
    yield node, depth
    for child in node.children:
        yield from _walk(child, depth + 1)


def _tight_paragraphs(children: list[Node]) -> Iterator[list[Node]]:
    """The runs of inline nodes of a list item: the paragraphs of a tight list."""
    run: list[Node] = []
    for child in children:
        if child.name in _INLINE:
            run.append(child)
        elif run:
            yield run
            run = []
    if run:
        yield run


def _plain_text(children: list[Node]) -> Iterator[str]:
    """As digest.markdown.plain_text: text (entities and escapes decoded) and inline code, breaks as
    spaces; no raw HTML."""
    for child in children:
        name = child.name
        if name in ("text", "text_special"):
            yield child.meta.get("content", "")
        elif name in ("softbreak", "hardbreak"):
            yield " "
        elif name == "code_inline":
            yield from (grandchild.meta.get("content", "") for grandchild in child.children)
        elif name != "html_inline":
            yield from _plain_text(list(child.children))
