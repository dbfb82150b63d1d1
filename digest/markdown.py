"""Markdown bodies -> HTML (markdown-it-py: CommonMark + tables, strikethrough, footnotes)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from html import escape, unescape
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

try:
    from digest import markdown_fast
except ImportError:  # markdown-it-pyrs has no wheel for this platform: the reference renders everything
    markdown_fast = None  # type: ignore[assignment]


@dataclass(frozen=True)
class LinkTarget:
    url: str
    size: tuple[int, int] | None = None  # width and height, for images


# Maps a relative link found in a body (and its line in the body) to its target, or raises LinkError.
LinkResolver = Callable[[str, int], LinkTarget | None]


class LinkError(Exception):
    pass


@dataclass(frozen=True)
class Rendered:
    html: str
    first_paragraph: str
    problems: tuple[tuple[int, str], ...]  # (line within the body, message)


@cache
def parser(allow_html: bool) -> MarkdownIt:
    # markdown-it's validateLink already refuses javascript:, vbscript:, file: and data: links;
    # with html off, raw HTML is rendered as text.
    # HTML5 output: void elements without a trailing slash (<hr>, <br>, <img>).
    # (Imported here: most bodies take the fast path, and an edit build need not load markdown-it-py.)
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": allow_html, "xhtmlOut": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.add_render_rule("footnote_block_open", _footnote_block_open)
    return md


def _footnote_block_open(self: object, tokens: list[Token], idx: int, options: object, env: dict) -> str:
    """The footnotes section, with a heading (visually hidden by the theme) so that it is not an
    untitled section."""
    heading = escape(env.get("footnotes_heading") or "Notes")
    return ('<hr class="footnotes-sep">\n<section class="footnotes">\n'
            f'<h2 class="footnotes-heading visually-hidden">{heading}</h2>\n<ol class="footnotes-list">\n')


def is_relative_reference(url: str) -> bool:
    """A link to a file next to the article (not a URL, not root-relative, not a fragment)."""
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith(("/", "#", "?")) or not parts.path)


def render(text: str, allow_html: bool, resolve_link: LinkResolver, footnotes_heading: str = "Notes") -> Rendered:
    """Render a body; `footnotes_heading` titles the footnotes section, in the article's language.

    Bodies with no image, footnote or link to a file next to the article are rendered by
    markdown-it-pyrs (digest.markdown_fast) when it renders them exactly as markdown-it-py does; the
    rest, and everything when DIGEST_MARKDOWN=reference, by markdown-it-py."""
    if markdown_fast is not None and os.environ.get("DIGEST_MARKDOWN") != "reference":
        fast = markdown_fast.render(text, allow_html)
        if fast is not None:
            html, first_paragraph = fast
            return Rendered(html=neutralize_urls(html) if allow_html else html, first_paragraph=first_paragraph,
                            problems=())
    return render_reference(text, allow_html, resolve_link, footnotes_heading)


def render_reference(text: str, allow_html: bool, resolve_link: LinkResolver,
                     footnotes_heading: str = "Notes") -> Rendered:
    """`render` with markdown-it-py, the reference, whatever the body."""
    md = parser(allow_html)
    env: dict = {"footnotes_heading": footnotes_heading}
    tokens = md.parse(text, env)
    problems: list[tuple[int, str]] = []
    first_paragraph = ""
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        if not first_paragraph and index > 0 and tokens[index - 1].type == "paragraph_open":
            first_paragraph = plain_text(token.children)
        line = token.map[0] + 1 if token.map else 1
        for child in token.children:
            if child.type == "image":  # body images are below the headline: load them when needed
                child.attrSet("loading", "lazy")
                child.attrSet("decoding", "async")
            attribute = {"image": "src", "link_open": "href"}.get(child.type)
            url = child.attrGet(attribute) if attribute else None
            if not isinstance(url, str) or not is_relative_reference(url):
                continue
            try:
                target = resolve_link(unquote(url), line)
            except LinkError as error:
                problems.append((line, str(error)))
                continue
            if target is not None:
                child.attrSet(attribute, target.url)
                if target.size and child.type == "image":
                    child.attrSet("width", str(target.size[0]))
                    child.attrSet("height", str(target.size[1]))
    html = md.renderer.render(tokens, md.options, env)
    if allow_html:
        html = neutralize_urls(html)
    return Rendered(html=html, first_paragraph=first_paragraph, problems=tuple(problems))


_URL_ATTRIBUTE = re.compile(
    # An attribute starts after a space, a "/" (<a/href=...>) or a closing quote (<a title="t"href=...>): so
    # a browser's tokenizer reads it.
    r"""([\s/"'](?:href|src|data|action|formaction|poster|background|xlink:href|srcset)\s*=\s*)"""
    r"""("[^"]*"|'[^']*'|[^\s>]+)""",
    re.IGNORECASE,
)
_UNSAFE_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def neutralize_urls(html: str) -> str:
    """In raw HTML, replace javascript:, vbscript:, data: and file: URLs (however encoded) by "#"."""

    def check(match: re.Match[str]) -> str:
        value = match.group(2).strip("'\"")
        decoded = _INVISIBLE.sub("", unescape(value))
        return f'{match.group(1)}"#"' if _UNSAFE_SCHEME.match(decoded) else match.group(0)

    return _URL_ATTRIBUTE.sub(check, html)


def plain_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())
