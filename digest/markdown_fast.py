"""The fast path of digest.markdown: markdown-it-pyrs (the Rust port of markdown-it) for the bodies it
renders exactly as the reference, markdown-it-py, does.

`render()` returns None for every body the fast path does not take: then digest.markdown renders it
with markdown-it-py. The fast path takes only bodies with nothing to do after parsing: no image (the
reference adds loading/decoding and sizes), no link to a file next to the article (resolved, and
reported when wrong), no footnote (the reference's footnotes carry a localized heading) and none of
the constructs where the two parsers are known to differ (each found by a differential run over the
CommonMark spec's examples, markdown-it's fixtures and bodies generated from them): a body that does
not end with a line break, an empty block quote, nesting deeper than markdown-it-py allows, Unicode or
control spaces where markdown-it-py trims them, non-ASCII or unusual hosts, autolinks that
markdown-it-py shows decoded (percent-escapes, punycode), emphasis delimiters next to Unicode symbols
(CommonMark 0.31 rules), runs of three tildes, code spans of spaces only, tables either parser reads
differently, lazy continuation lines of a block quote, tabs after a quote marker, text before a code
block in a tight list item, link reference definitions not on one line, some raw HTML (see
`_HTML_DIFFERENCES`, `_RAW_TEXT_BLOCK`), and a body with both "`" and "[" (markdown-it-pyrs 0.4 panics
on some, e.g. "[`" ending a paragraph).
With raw HTML off (the default), the checks and the first paragraph are read from the HTML that
markdown-it-pyrs writes (every tag in it is its own); otherwise, when the first paragraph is empty, or
when a list item starts with a block (a paragraph without <p> may follow it), from its syntax tree.
tests/test_markdown_fast.py renders the public suites, bodies generated from them, the example site,
fuzzed bodies and a bench corpus both ways and requires identical results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from html import unescape
from itertools import pairwise

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
# A link in that HTML that the fast path does not take, in one pass: relative (not _NOT_RELATIVE), or to a
# host that _ENCODED_HOST or _ODD_HOST matches.
_RISKY_HREF = re.compile(r'<a href="(?:(?![A-Za-z][A-Za-z0-9+.-]*:|[/#?])|[A-Za-z][A-Za-z0-9+.-]*:/*[^/?#"]*%'
                         r'|(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#"]*[^A-Za-z0-9.\-:\[\]/?#"]|[^/?#"]*:[^/?#"]*:))')
_TAG = re.compile(r"<(/?)(?!br>|hr>)[a-z]")  # opening and closing tags, not the void <br> and <hr>
_TAGS = re.compile(r"<[^>]*>")
_PARAGRAPH_START = re.compile(r"<p>|<li>(?!\n)")
_PARAGRAPH_END = re.compile("</p>")
_TIGHT_END = re.compile(r"</li>|\n<(?:ul|ol|blockquote|pre|table|hr|h[1-6])[ >]")
# What a table's delimiter row (in a list or a block quote) is made of
_DELIMITER_ROW = " \t|:->0123456789.)*+"
# What starts a block that ends a table (a table row must not start with one)
_BLOCK_START = "-*+_#`~<>=\t"
_ORDERED_ITEM = re.compile(r"[0-9]{1,9}[.)]")

# Unicode spaces other than space and tab: markdown-it-py trims them (str.strip) at the start and end of
# a paragraph, heading or table cell, markdown-it-pyrs does not. Bodies with one there, or with one and a
# link reference definition (labels are matched after collapsing spaces), go to the reference.
_ODD = "\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_ODD_SPACE = re.compile(
    rf"^[ \t>*+\-#=`~0-9.)|:]*[{_ODD}]|[{_ODD}][ \t#|]*$|\|[ \t]*[{_ODD}]|[(<][{_ODD}]|[{_ODD}][)>]"
    rf"|\]\([^)\n]*[{_ODD}]|[{_ODD}][ \t]*\|", re.MULTILINE)
_ASCII_ODD = re.compile("[\x0b\x0c\x1c-\x1f]")
_ODD_CHARACTERS = "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + (
    "\u2028\u2029\u202f\u205f\u3000")


# markdown-it-py follows CommonMark 0.31, where Unicode symbols count as punctuation next to emphasis
# delimiters; markdown-it-pyrs does not. Bodies with a delimiter next to a Unicode symbol (or to an
# unassigned code point) go to the reference.
# A block quote's line followed by a line without ">" (a lazy continuation): the parsers differ on some.
_QUOTE_LINE = re.compile(r"[ \t\-+*0-9.)]*>")
_CONTAINER_PREFIX = re.compile(r"[ \t>\-+*0-9.)]*")
# Raw HTML whose rules changed in CommonMark 0.30/0.31 (lower-case declarations, <textarea>, <search>,
# <source>): markdown-it-py follows the newer rules.
_HTML_DIFFERENCES = re.compile(r"<!|<(?:textarea|search|source)", re.IGNORECASE)
# Raw HTML blocks that run to their closing tag, blank lines included: in a list item, markdown-it-py keeps
# a blank line after one left open, markdown-it-pyrs does not.
_RAW_TEXT_BLOCK = re.compile(r"<(?:script|pre|style|textarea)(?:[\s>]|$)|<\?", re.IGNORECASE | re.MULTILINE)
# A link whose host is not ASCII (percent-encoded by markdown-it-pyrs): markdown-it-py writes it in punycode,
# with a scheme or without one (protocol-relative, "//host/").
_ENCODED_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/*[^/?#]*%|//[^/?#]*%")
# A host with a character other than letters, digits, ".", "-" and ":" (port; a user too): markdown-it-py's
# URL parser (mdurl) splits some differently (e.g. "irc://foo.ba!r:2233/"), or with two ":" (two ports).
_ODD_HOST = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#]*[^A-Za-z0-9.\-:\[\]/?#]|[^/?#]*:[^/?#]*:)")
# A character reference to a line feed or carriage return (at the end of a line, markdown-it-pyrs drops the
# line break that follows it)
_NEWLINE_REFERENCE = re.compile(r"&#(?:0*1[03]|[xX]0*[aAdD]);")
# A code span of spaces only
_BLANK_CODE_SPAN = re.compile(r"`[ \n]+`")
# "[text][label" with a "[" in the label
_BRACKET_IN_LABEL = re.compile(r"\]\[[^\]\n]*\[")
# An autolink with a percent-escape or a punycode label: markdown-it-py shows it decoded (its
# normalizeLinkText: "%2E" as ".", "xn--n3h" as "☃"), markdown-it-pyrs as written.
_AUTOLINK_TO_DECODE = re.compile(r"<[^<>\x00-\x20]*(?:%|xn--)[^<>\x00-\x20]*>", re.IGNORECASE)
# A block quote's marker followed by a tab: the parsers expand the tab differently in code, raw HTML and
# nested quotes.
_TAB_IN_QUOTE = re.compile(r"^[ \t>*+\-0-9.)]*>[ >*+\-0-9.)]*\t", re.MULTILINE)
# A link destination in angle brackets that starts or ends with a space (markdown-it-py trims it)
_ANGLE_DESTINATION_SPACE = re.compile(r"\(<[ \t]|\(<[^<>\n]*[ \t]>")
# In a tight list item, text followed by a code block: markdown-it-py writes no line break between them
# (its fence and code block rules do not add the one its other block tags get), markdown-it-pyrs does.
_BEFORE_CODE = re.compile(r"(</p>|</h[1-6]>|</pre>|</?blockquote>|</[uo]l>|</?li>|<hr>|</table>)?\n<pre>")
# A list item that starts with a block other than a paragraph: a tight paragraph may follow the block,
# without <p>: the first paragraph is read from the syntax tree.
_ITEM_STARTING_WITH_BLOCK = re.compile(r"<li>\n<(?!p>)")


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
    if (not text.isascii() or _ASCII_ODD.search(text)) and any(space in text for space in _ODD_CHARACTERS) and (
            "]:" in text or _ODD_SPACE.search(text)):
        return None
    if _delimiter_next_to_symbol(text) or _lazy_quote(text):
        return None
    if ("<" in text and ("%" in text or "--" in text) and _AUTOLINK_TO_DECODE.search(text)) or (
            "\t" in text and ">" in text and _TAB_IN_QUOTE.search(text)):
        return None
    # Runs of three tildes or more (a tilde fence, or strikethrough delimiters next to each other), a code
    # span of spaces only (markdown-it-py keeps them all), inline runs of backticks, a link destination in
    # angle brackets with a space at either end (markdown-it-py trims it), a character reference to a line
    # break: the parsers differ on some.
    # (a one-character test first: much faster than looking for a longer string)
    if ("~" in text and "~~~" in text) or ("`" in text and (_BLANK_CODE_SPAN.search(text) or (
            "``" in text and _inline_backtick_runs(text)))) or (
            "<" in text and "(<" in text and _ANGLE_DESTINATION_SPACE.search(text)) or (
            "&" in text and _NEWLINE_REFERENCE.search(text)):
        return None
    if "]:" in text and _risky_definitions(text):
        return None
    md = parser(allow_html)
    try:
        html = md.render(text, xhtml=False)
        # An empty block quote (e.g. holding only a link reference definition): markdown-it-py writes
        # no line break in it.
        if "<blockquote>\n</blockquote>" in html or (
                ("|" in text or ":-" in text or "-:" in text or "<table" in html) and not _tables_are_safe(text)):
            return None
        if allow_html:
            if "<li>" in html and _RAW_TEXT_BLOCK.search(text):
                return None
            return _with_tree(html, md.tree(text))
    except BaseException as error:  # a panic in the Rust code is no Exception
        if type(error).__name__ != "PanicException":
            raise
        return None
    # Without raw HTML, every tag is markdown-it-pyrs's own: the checks and the first paragraph can
    # be read from the HTML, much faster than from the syntax tree.
    if "<img" in html or not _links_are_not_relative(html) or _too_deep(html) or _text_before_code(html):
        return None
    first_paragraph = None if _ITEM_STARTING_WITH_BLOCK.search(html) else _first_paragraph(html)
    if first_paragraph is None:
        return _with_tree(html, md.tree(text))
    return html, first_paragraph


def _with_tree(html: str, tree: Node) -> tuple[str, str] | None:
    """The checks and the first paragraph from the syntax tree."""
    first_paragraph = ""
    # In document order, as markdown-it-py meets them (the nodes' source maps are not reliable).
    for node, depth, tight_run in _walk(tree, 0, None):
        if depth > _MAX_DEPTH:
            return None
        name = node.name
        paragraph = tight_run
        if name in ("link", "autolink"):
            url = node.meta.get("url", "")
            if not _NOT_RELATIVE.match(url) or _ENCODED_HOST.match(url) or _ODD_HOST.match(url):
                return None
        elif name in _BLOCK:
            if name == "paragraph":
                paragraph = node.children
            elif name == "list_item" and _text_before_code_block(node.children):
                return None
        elif name not in _INLINE:  # an image, or anything unknown here
            return None
        if paragraph and not first_paragraph:
            first_paragraph = " ".join("".join(_plain_text(paragraph)).split())
    return html, first_paragraph


def _inline_backtick_runs(text: str) -> bool:
    """Whether a line that is not a fence's holds a run of two backticks or more (after an unmatched
    backtick, markdown-it-pyrs misses some code spans)."""
    for line in text.split("\n"):
        if "``" in line:
            stripped = line.lstrip(" \t>*+-0123456789.)")
            run = len(stripped) - len(stripped.lstrip("`"))
            if run < 3 or "`" in stripped[run:]:
                return True
    return False


def _risky_definitions(text: str) -> bool:
    """Link reference definitions the parsers may read differently: a title that goes on after a line
    ending in a backslash (markdown-it-pyrs left the rest of it as a paragraph, which became the summary),
    a label, destination or title not on one line, definitions in a body with inline links (after an
    inline link that fails, e.g. "[a](b [ref]", markdown-it-py may link the text to a definition,
    markdown-it-pyrs does not) and a label holding a "[" (markdown-it-pyrs links the text before it)."""
    if "\\\n" in text or "](" in text or _BRACKET_IN_LABEL.search(text):
        return True
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if "]:" not in line:
            continue
        label, rest = line.split("]:", 1)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if "[" not in label or not rest.strip(" \t") or _unbalanced(rest) or _unbalanced(following):
            return True
    return False


def _unbalanced(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("'") % 2 == 1 or text.count("(") != text.count(")")


def _links_are_not_relative(html: str) -> bool:
    return "<a " not in html or not _RISKY_HREF.search(html)


def _text_before_code(html: str) -> bool:
    """Whether a code block follows the text of a tight list item (see _BEFORE_CODE), raw HTML off."""
    return "\n<pre>" in html and any(match.group(1) is None for match in _BEFORE_CODE.finditer(html))


def _text_before_code_block(children: list[Node]) -> bool:
    """As _text_before_code, in a list item's syntax tree, raw HTML blocks included."""
    return any(before.name in _INLINE and after.name in ("fence", "code_block", "html_block")
               for before, after in pairwise(children))


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


def _tables_are_safe(text: str) -> bool:
    """Whether every table the two parsers might see is a plain one that both read alike: a header row
    that starts the body or follows a blank line, with a "|" in both the header and the delimiter row
    (markdown-it-py needs one in the header row, markdown-it-pyrs in the delimiter row), no escaped "|"
    (they split cells differently on some), and body rows that are not the start of another block
    (markdown-it-py ends the table there, markdown-it-pyrs does not)."""
    if "\\|" in text:
        return False
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index == 0 or "-" not in line or line.strip(_DELIMITER_ROW):
            continue
        header = lines[index - 1]
        if not header.strip(" \t>") or not ("|" in line or ":" in line or "|" in header):
            continue  # no header row, or a thematic break or setext underline both parsers read alike
        if "|" not in line or "|" not in header or (index > 1 and lines[index - 2].strip(" \t")):
            return False
        prefix = line[:len(line) - len(line.lstrip(" \t>"))]
        # a header row that is not in the same container as the delimiter row, or starts another block
        # (a list item: markdown-it-py reads the delimiter row as its lazy continuation)
        cells = header.lstrip(" \t>")
        if header[:len(header) - len(cells)] != prefix or cells[0] in _BLOCK_START or _ORDERED_ITEM.match(cells):
            return False
        for row in lines[index + 1:]:
            cells = row.lstrip(" \t>")
            if not cells.strip(" \t"):
                break
            if row[:len(row) - len(cells)] != prefix or cells[0] in _BLOCK_START or _ORDERED_ITEM.match(cells):
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
    """Whether a block quote's line is followed by a line without ">", or with fewer (the parsers differ
    on some lazy continuations, of nested quotes too)."""
    if ">" not in text:
        return False
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):
        if ">" not in line or not _QUOTE_LINE.match(line):
            continue
        following = lines[index + 1]
        if following.strip(" \t") and (not following.lstrip(" \t").startswith(">")
                                        or _quote_depth(following) < _quote_depth(line)):
            return True
    return False


def _quote_depth(line: str) -> int:
    return _CONTAINER_PREFIX.match(line).group().count(">")  # type: ignore[union-attr]


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


def _walk(node: Node, depth: int, tight_run: list[Node] | None) -> Iterator[tuple[Node, int, list[Node] | None]]:
    """The nodes, depth first, each with the tight paragraph it starts (a list item's run of inline
    nodes: markdown-it-pyrs puts them straight in the item, where markdown-it-py has a hidden paragraph)."""
    yield node, depth, tight_run
    children = node.children
    runs = dict(_tight_runs(children)) if node.name == "list_item" else {}
    for index, child in enumerate(children):
        yield from _walk(child, depth + 1, runs.get(index))


def _tight_runs(children: list[Node]) -> Iterator[tuple[int, list[Node]]]:
    """The runs of inline nodes among a list item's children, by the index of their first node."""
    start = 0
    run: list[Node] = []
    for index, child in enumerate(children):
        if child.name in _INLINE:
            if not run:
                start = index
            run.append(child)
        elif run:
            yield start, run
            run = []
    if run:
        yield start, run


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
