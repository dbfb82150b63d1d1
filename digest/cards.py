"""Social cards: the 1200 x 630 share image of an article without a photo, drawn with Pillow.

A card shows the article's title, the site's title for its language, the long date, the rubric and
the site's logo, in the theme's colours (read from its style.css). The fonts ship with the theme
(templates/fonts/, under the SIL Open Font License): Noto Sans for Latin, Greek and Cyrillic, Noto
Naskh Arabic (which has Latin too) for any text with Arabic letters. No system font is ever looked
up, so a card is the same on every machine with the same Pillow. Characters the chosen font lacks
(emoji, other scripts) are left out rather than drawn as boxes.

Right-to-left languages are laid out with Raqm (shaping and bidi, bundled in Pillow's wheels; it
needs the system's FriBiDi): lines are right-aligned and read right to left.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont, features
from zlib_ng import zlib_ng

from digest.config import Config
from digest.theme import template_dirs

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
MAX_TITLE_LINES = 4
ELLIPSIS = "…"

FONTS = {  # (script, weight) -> file below templates/fonts/
    ("latin", "bold"): "NotoSans-Bold.ttf",
    ("latin", "regular"): "NotoSans-Regular.ttf",
    ("arabic", "bold"): "NotoNaskhArabic-Bold.ttf",
    ("arabic", "regular"): "NotoNaskhArabic-Regular.ttf",
}
# The theme's colours (CSS custom properties of its first `:root` block), with the default theme's values.
COLOURS = {"bg": "#fcfcfa", "text": "#1a1a1d", "muted": "#55575f", "accent": "#a3161b", "rule": "#d9d7cf"}
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ROOT_BLOCK = re.compile(r":root\s*\{([^}]*)\}")
_PROPERTY = re.compile(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,8})\b")


@dataclass(frozen=True)
class Card:
    """What one card shows."""

    title: str
    site_title: str
    date: str  # already formatted for the language
    section: str | None
    lang: str
    rtl: bool


# A file with its modification time and size: the caches below hold for one version of a file
# (`digest serve` builds again and again in one process).
Stamp = tuple[Path, int, int]


@dataclass(frozen=True)
class Theme:
    """What every card of a site is drawn with: font files, colours, logo, their files as they were
    when the build began (stamped once, not at each of a card's dozen uses)."""

    fonts: tuple[tuple[tuple[str, str], Stamp], ...]
    colours: tuple[tuple[str, str], ...]
    logo: Stamp | None  # a raster image (an SVG logo is left out: Pillow cannot draw it)

    @property
    def fingerprint(self) -> tuple[object, ...]:
        """Everything of the theme a card's pixels depend on, with the drawing libraries' versions."""
        digests = [(key, _file_digest(*stamp)) for key, stamp in self.fonts]
        logo = _file_digest(*self.logo) if self.logo else None
        return ("cards-7", Image.__version__, features.version("freetype2"), zlib_ng.ZLIBNG_VERSION, shaping(), digests,
                self.colours, logo)


@cache
def shaping() -> bool:
    """Whether Pillow can shape text and lay out right-to-left lines (Raqm, with the system's FriBiDi)."""
    return bool(features.check("raqm") and features.check("fribidi"))


def theme(config: Config) -> Theme:
    """The site's card theme: fonts and style.css from its templates/ over the default theme's."""
    fonts = tuple((key, _stamp(_theme_file(config, f"fonts/{name}"))) for key, name in FONTS.items())
    colours = dict(COLOURS)
    css = _find_theme_file(config, "assets/style.css")
    if css is not None:
        root = _ROOT_BLOCK.search(css.read_text("utf-8", errors="replace"))
        if root:
            colours |= {name: value for name, value in _PROPERTY.findall(root[1]) if name in colours}
    logo = None
    if config.logo is not None and config.logo.width:  # width: Pillow could read it
        logo = _stamp(config.root / config.logo.path)
    return Theme(fonts=fonts, colours=tuple(sorted(colours.items())), logo=logo)


def _theme_file(config: Config, name: str) -> Path:
    found = _find_theme_file(config, name)
    if found is None:
        raise FileNotFoundError(f"theme file {name} not found")
    return found


def _find_theme_file(config: Config, name: str) -> Path | None:
    """The file of the site's templates/ if it has one, else the default theme's (if that has one)."""
    for directory in template_dirs(config):
        if (directory / name).is_file():
            return directory / name
    return None


def _stamp(path: Path) -> Stamp:
    status = path.stat()
    return path, status.st_mtime_ns, status.st_size


@cache
def _file_digest(path: Path, _mtime_ns: int, _size: int) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _font(stamp: Stamp, size: int) -> ImageFont.FreeTypeFont:
    return _font_of(*stamp, size)


@cache
def _font_of(path: Path, _mtime_ns: int, _size: int, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if shaping() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


def _charset(stamp: Stamp) -> frozenset[int]:
    return _charset_of(*stamp)


@cache
def _charset_of(path: Path, _mtime_ns: int, _size: int) -> frozenset[int]:
    """The code points a font file has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def script_of(text: str) -> str:
    return "arabic" if _ARABIC.search(text) else "latin"


def drawable(text: str, font_file: Stamp) -> str:
    """The text without the characters the font has no glyph for (emoji, other scripts), spaces
    collapsed. Format characters (joiners, direction marks) are kept: the shaper uses them."""
    charset = _charset(font_file)
    kept = "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if ord(ch) in charset or ch.isspace() or unicodedata.category(ch) == "Cf")
    return " ".join(kept.split())


class _Writer:
    """Draws lines of text at the start edge of the card (left, or right for a right-to-left card)
    on its coverage layer, noting where each ink but the title's is (see `draw`)."""

    def __init__(self, coverage: Image.Image | None, card: Card, theme: Theme) -> None:
        self.coverage = coverage
        self.canvas = ImageDraw.Draw(coverage) if coverage is not None else None
        self.regions: list[tuple[tuple[int, int, int, int], str]] = []  # (box, ink) of all but "text"
        self.card = card
        self.theme = theme
        self.raqm = shaping()

    def box(self, box: tuple[int, int, int, int], ink: str) -> None:
        assert self.canvas is not None
        self.canvas.rectangle(box, fill=RAMP)
        self.regions.append(((box[0], box[1], box[2] + 1, box[3] + 1), ink))

    def options(self) -> dict[str, str]:
        if not self.raqm:
            return {}
        return {"direction": "rtl" if self.card.rtl else "ltr", "language": self.card.lang}

    def font(self, text: str, weight: str, size: int) -> tuple[ImageFont.FreeTypeFont, str]:
        """The font for this text, and the text as it can draw it."""
        script = script_of(text)
        font_file = dict(self.theme.fonts)[script, weight]
        return _font(font_file, size), drawable(text, font_file)

    def width(self, text: str, font: ImageFont.FreeTypeFont) -> float:
        return font.getlength(text, **self.options())

    def line(self, text: str, font: ImageFont.FreeTypeFont, baseline: int, ink: str = "text",
             start: float = MARGIN, repeated: bool = False) -> None:
        """One line, its start at `start` pixels from the card's start edge. A `repeated` line (the
        site's title, a date, a rubric: the same on many cards) is rendered once per process."""
        if not text:
            return
        assert self.coverage is not None and self.canvas is not None
        x, anchor = (round(WIDTH - start), "rs") if self.card.rtl else (round(start), "ls")
        if not repeated:
            if self.word_by_word(text):
                self.words(text, font, x, baseline, anchor)
            else:
                self.canvas.text((x, baseline), text, font=font, fill=RAMP, anchor=anchor, **self.options())
            return
        rendered, (left, top) = _rendered(text, font, anchor, tuple(sorted(self.options().items())))
        box = (x + left, baseline + top, x + left + rendered.width, baseline + top + rendered.height)
        self.coverage.paste(RAMP, box[:2], rendered)
        if ink != "text":
            self.regions.append((box, ink))

    def word_by_word(self, text: str) -> bool:
        """Whether a line may be drawn a word at a time, each word rendered once per process (titles share
        most of their words; rendering glyphs is most of a card's cost): when every strong character runs
        in the card's direction, so words follow each other from the start edge, and no format character
        (joiner, direction mark) ties one word to the next."""
        if self.card.rtl and not self.raqm:
            return False
        against = _LEFT_TO_RIGHT if self.card.rtl else _RIGHT_TO_LEFT
        return not any(unicodedata.bidirectional(ch) in against or unicodedata.category(ch) == "Cf"
                       for ch in text)

    def words(self, text: str, font: ImageFont.FreeTypeFont, x: int, baseline: int, anchor: str) -> None:
        """The line's words one after the other from the start edge, each word's and space's advance apart
        (within a pixel of the whole line's layout: no kerning across a space)."""
        assert self.coverage is not None
        sign = -1 if self.card.rtl else 1
        options = tuple(sorted(self.options().items()))
        space = _advance(" ", font, options)
        pen = 0.0
        for word in text.split(" "):
            if word:
                rendered, (left, top), advance = _word(word, font, anchor, options)
                self.coverage.paste(RAMP, (x + sign * round(pen) + left, baseline + top), rendered)
                pen += advance
            pen += space

    def wrap(self, text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
        """Lines on word boundaries (a word wider than a line is cut where it must be). A line drawn word
        by word is measured as it is drawn, each word's advance (measured once per process) and a space's
        apart: no layout of each candidate line at each size."""
        if self.word_by_word(text):
            options = tuple(sorted(self.options().items()))
            space = _advance(" ", font, options)

            def measure(line: str) -> float:
                return sum(_advance(word, font, options) for word in line.split(" ")) + space * line.count(" ")
        else:
            def measure(line: str) -> float:
                return self.width(line, font)

        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while self.width(current, font) > width and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and self.width(current[:cut], font) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        if current:
            lines.append(current)
        return lines

    def shorten(self, lines: list[str], font: ImageFont.FreeTypeFont, width: float) -> list[str]:
        """At most MAX_TITLE_LINES lines, the last ending with an ellipsis when text was left out."""
        if len(lines) <= MAX_TITLE_LINES:
            return lines
        kept = lines[:MAX_TITLE_LINES]
        words = kept[-1].split()
        while len(words) > 1 and self.width(" ".join(words) + ELLIPSIS, font) > width:
            words.pop()
        last = " ".join(words)
        while len(last) > 1 and self.width(last + ELLIPSIS, font) > width:  # one word wider than a line
            last = last[:-1]
        kept[-1] = last.rstrip(" ,;:.-–—،") + ELLIPSIS
        return kept


# Title sizes tried, largest first: the largest whose lines (at most MAX_TITLE_LINES) fit between the
# site's title and the rule above the date wins.
TITLE_SIZES = (76, 68, 60, 54)
SITE_TITLE_BASELINE = 118
DATE_BASELINE = HEIGHT - 72
TITLE_TOP, TITLE_BOTTOM = SITE_TITLE_BASELINE + 40, DATE_BASELINE - 60 - 30  # the rule is 60 px above the date


# The inks a card is drawn in, each with RAMP shades between the background and itself: the card is a
# palette image (a third of the pixels of RGB to compress, a file half the size), its last entries
# left to the logo's colours.
INKS = ("text", "muted", "accent", "rule")
RAMP = 48
LOGO_COLOURS = 256 - 1 - len(INKS) * RAMP


def draw(card: Card, theme: Theme) -> bytes:
    """The card as PNG bytes: the same bytes for the same card and theme.

    Everything is drawn, antialiased, as coverage in RAMP steps (0 to RAMP) on one layer, which then is
    the image: a coverage is the palette index of that shade of the title's ink. Inks never overlap on a
    card: the few boxes drawn in another (band, rule, date, rubric) are mapped to its shades. (No pass
    over the whole card maps coverage to colours: that was a fifth of a card's time.)"""
    coverage = Image.new("L", (WIDTH + 1, HEIGHT), 0)  # one more column, kept blank: see _png
    writer = _Writer(coverage, card, theme)
    text_width = WIDTH - 2 * MARGIN

    # The accent band along the start edge, as the theme's rubric rule.
    writer.box((WIDTH - 24, 0, WIDTH - 1, HEIGHT - 1) if card.rtl else (0, 0, 23, HEIGHT - 1), "accent")

    # Top: the logo and the site's title.
    top = SITE_TITLE_BASELINE
    start = MARGIN
    logo = None
    if theme.logo is not None:
        logo = _logo(*theme.logo, theme.colours)
        start += logo.width + 24
    font, site_title = writer.font(card.site_title, "bold", 38)
    writer.line(site_title, font, top, "text", start, repeated=True)

    # Bottom: a rule, then the date (and the rubric, in the accent colour).
    bottom = DATE_BASELINE
    writer.box((MARGIN, bottom - 60, WIDTH - MARGIN, bottom - 58), "rule")
    font, date = writer.font(card.date, "regular", 34)
    writer.line(date, font, bottom, "muted", repeated=True)
    if card.section:
        section_font, section = writer.font(card.section, "bold", 34)
        if section:
            # At the end edge, opposite the date.
            end = WIDTH - MARGIN - writer.width(section, section_font)
            writer.line(section, section_font, bottom, "accent", end, repeated=True)

    # The title, between them.
    title_font, lines = _title_lines(writer, text_width)
    leading = _leading(title_font.size, card.title)
    block = leading * len(lines)
    baseline = TITLE_TOP + max(0, (TITLE_BOTTOM - TITLE_TOP - block) // 2) + round(title_font.size * 0.95)
    for line in lines:
        writer.line(line, title_font, baseline)
        baseline += leading

    index = coverage  # the title's ink comes first: its shades are the coverages
    for box, ink in writer.regions:
        region = coverage.crop(box)
        index.paste(region._new(region.im.point(_shades(INKS.index(ink)), None)), box[:2])
    if logo is not None:
        x = WIDTH - MARGIN - logo.width if card.rtl else MARGIN
        index.paste(logo, (x, top - logo.height + 12))
    index.paste(0, (WIDTH, 0, WIDTH + 1, HEIGHT))  # whatever a glyph drew past the edge
    index.putpalette(_palette(theme.colours, logo.info["palette"] if logo is not None else b""))  # now "P"
    return _png(index)


# Bidi classes of the letters that run left to right, right to left (embeddings, overrides, isolates and
# marks are format characters, which keep a line whole anyway).
_LEFT_TO_RIGHT = frozenset({"L"})
_RIGHT_TO_LEFT = frozenset({"R", "AL"})


@lru_cache(maxsize=2048)  # a word at 54-76 px is about 15 KB: at most some 30 MB per process
def _word(text: str, font: ImageFont.FreeTypeFont, anchor: str,
          options: tuple[tuple[str, str], ...]) -> tuple[Image.Image, tuple[int, int], float]:
    """A word as coverage, where its top left corner lies from its anchor, and its advance."""
    return (*_rendered.__wrapped__(text, font, anchor, options), _advance(text, font, options))


@lru_cache(maxsize=16384)
def _advance(text: str, font: ImageFont.FreeTypeFont, options: tuple[tuple[str, str], ...]) -> float:
    """How far a word moves the pen."""
    return font.getlength(text, **dict(options))


@lru_cache(maxsize=4096)
def _rendered(text: str, font: ImageFont.FreeTypeFont, anchor: str,
              options: tuple[tuple[str, str], ...]) -> tuple[Image.Image, tuple[int, int]]:
    """A short line as coverage, and where its top left corner lies from its anchor."""
    mask, (left, top) = font.getmask2(text, "L", anchor=anchor, **dict(options))  # one layout, one render
    rendered = Image.new("L", mask.size, 0)
    rendered.im.paste(mask, (0, 0, *mask.size))
    return rendered, (left, top)


@cache
def _shades(number: int) -> list[int]:
    """Coverage (0 to RAMP) -> palette index of the ink's shade (0, the background, where there is none),
    as the 256 entries Pillow's point() takes (its own conversion of them costs more than the mapping)."""
    first = 1 + number * RAMP
    return [0] + [first + min(value, RAMP) - 1 for value in range(1, 256)]


@cache
def _palette(colours: tuple[tuple[str, str], ...], logo: bytes) -> bytes:
    """The background, RAMP shades of each ink over it, then the logo's colours."""
    named = {name: ImageColor.getrgb(value)[:3] for name, value in colours}
    background = named["bg"]
    entries = [background]
    for ink in INKS:
        for step in range(1, RAMP + 1):
            entries.append(tuple(round(b + (c - b) * step / RAMP) for b, c in zip(background, named[ink],
                                                                                      strict=True)))
    palette = bytes(channel for entry in entries for channel in entry) + logo
    return palette.ljust(768, b"\0")


def title_lines(card: Card, theme: Theme) -> tuple[int, list[str]]:
    """The title as the card draws it: its size in pixels, and its lines."""
    font, lines = _title_lines(_Writer(None, card, theme), WIDTH - 2 * MARGIN)
    return int(font.size), lines


def _title_lines(writer: _Writer, width: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title's lines fit (no more than MAX_TITLE_LINES, no taller than the
    room for them), else the smallest, shortened."""
    font, title = writer.font(writer.card.title, "bold", TITLE_SIZES[0])
    lines: list[str] = []
    for size in TITLE_SIZES:
        font = writer.font(writer.card.title, "bold", size)[0]
        lines = writer.wrap(title, font, width)
        if len(lines) <= MAX_TITLE_LINES and len(lines) * _leading(size, writer.card.title) <= TITLE_BOTTOM - TITLE_TOP:
            break
    return font, writer.shorten(lines, font, width)


def _leading(size: float, title: str) -> int:
    """From one line's baseline to the next (Arabic letters reach further above and below)."""
    return round(size * (1.32 if script_of(title) == "arabic" else 1.18))


@cache
def _logo(path: Path, _mtime_ns: int, _size: int, colours: tuple[tuple[str, str], ...]) -> Image.Image:
    """The site's logo, at most 72 pixels high and 200 wide, over the card's background, as indices
    into the palette's last LOGO_COLOURS entries (their colours in `info["palette"]`)."""
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    logo.thumbnail((200, 72), Image.Resampling.LANCZOS)
    flat = Image.new("RGB", logo.size, dict(colours)["bg"])
    flat.paste(logo, (0, 0), logo)
    reduced = flat.quantize(colors=LOGO_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    first = 256 - LOGO_COLOURS
    indices = Image.frombytes("L", reduced.size, reduced.tobytes()).point(lambda value: value + first)
    used = reduced.getpalette() or []
    indices.info["palette"] = bytes(used[: 3 * LOGO_COLOURS])
    return indices


def _png(image: Image.Image) -> bytes:
    """PNG without metadata: same pixels, same bytes (for one version of zlib-ng: see Theme.fingerprint).

    Written here rather than by Pillow's PNG plugin, whose zlib took half a card's time: zlib-ng's level
    2 compresses a card three times as fast as zlib's level 3, into a file a tenth smaller. `image` is
    one column wider than the card, its last column the background (index 0): its bytes are the rows
    each followed by a 0, that is, after one more 0 in front, each row after its filter byte (0: none)."""
    width, height = image.size
    pixels = memoryview(image.tobytes())
    compressor = zlib_ng.compressobj(2, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS, 9)
    data = compressor.compress(b"\0") + compressor.compress(pixels[:-1]) + compressor.flush()
    palette = image.palette.tobytes() if image.palette is not None else b""
    header = struct.pack(">IIBBBBB", width - 1, height, 8, 3, 0, 0, 0)  # 8 bits per pixel, palette
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"PLTE", palette),
                     _chunk(b"IDAT", data), _chunk(b"IEND", b"")))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
