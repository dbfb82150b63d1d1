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
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from digest.config import Config
from digest.theme import template_dirs

WIDTH, HEIGHT = 1200, 630
MAX_BYTES = 300_000  # what the largest share previews accept comfortably
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


@dataclass(frozen=True)
class Theme:
    """What every card of a site is drawn with: font files, colours, logo."""

    fonts: tuple[tuple[tuple[str, str], Path], ...]
    colours: tuple[tuple[str, str], ...]
    logo: Path | None  # a raster image (an SVG logo is left out: Pillow cannot draw it)

    @property
    def fingerprint(self) -> tuple[object, ...]:
        """Everything of the theme a card's pixels depend on, with the drawing libraries' versions."""
        digests = [(key, _file_digest(*_stamp(path))) for key, path in self.fonts]
        logo = _file_digest(*_stamp(self.logo)) if self.logo else None
        return ("cards-1", Image.__version__, features.version("freetype2"), shaping(), digests, self.colours, logo)


@cache
def shaping() -> bool:
    """Whether Pillow can shape text and lay out right-to-left lines (Raqm, with the system's FriBiDi)."""
    return bool(features.check("raqm") and features.check("fribidi"))


def theme(config: Config) -> Theme:
    """The site's card theme: fonts and style.css from its templates/ over the default theme's."""
    fonts = tuple((key, _theme_file(config, f"fonts/{name}")) for key, name in FONTS.items())
    colours = dict(COLOURS)
    css = _theme_file(config, "assets/style.css", required=False)
    if css is not None:
        root = _ROOT_BLOCK.search(css.read_text("utf-8", errors="replace"))
        if root:
            colours |= {name: value for name, value in _PROPERTY.findall(root[1]) if name in colours}
    logo = None
    if config.logo is not None and config.logo.width:  # width: Pillow could read it
        logo = config.root / config.logo.path
    return Theme(fonts=fonts, colours=tuple(sorted(colours.items())), logo=logo)


def _theme_file(config: Config, name: str, required: bool = True) -> Path | None:
    for directory in template_dirs(config):
        if (directory / name).is_file():
            return directory / name
    if required:
        raise FileNotFoundError(f"theme file {name} not found")
    return None


def _stamp(path: Path) -> tuple[Path, int, int]:
    """A file with its modification time and size: the caches below hold for one version of a file
    (`digest serve` builds again and again in one process)."""
    status = path.stat()
    return path, status.st_mtime_ns, status.st_size


@cache
def _file_digest(path: Path, _mtime_ns: int, _size: int) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return _font_of(*_stamp(path), size)


@cache
def _font_of(path: Path, _mtime_ns: int, _size: int, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if shaping() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


def _charset(path: Path) -> frozenset[int]:
    return _charset_of(*_stamp(path))


@cache
def _charset_of(path: Path, _mtime_ns: int, _size: int) -> frozenset[int]:
    """The code points a font file has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def script_of(text: str) -> str:
    return "arabic" if _ARABIC.search(text) else "latin"


def drawable(text: str, path: Path) -> str:
    """The text without the characters the font has no glyph for (emoji, other scripts), spaces
    collapsed. Format characters (joiners, direction marks) are kept: the shaper uses them."""
    charset = _charset(path)
    kept = "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if ord(ch) in charset or ch.isspace() or unicodedata.category(ch) == "Cf")
    return " ".join(kept.split())


class _Writer:
    """Draws lines of text at the start edge of the card (left, or right for a right-to-left card)."""

    def __init__(self, draw: ImageDraw.ImageDraw, card: Card, theme: Theme) -> None:
        self.draw = draw
        self.card = card
        self.theme = theme
        self.raqm = shaping()

    def options(self) -> dict[str, str]:
        if not self.raqm:
            return {}
        return {"direction": "rtl" if self.card.rtl else "ltr", "language": self.card.lang}

    def font(self, text: str, weight: str, size: int) -> tuple[ImageFont.FreeTypeFont, str]:
        """The font for this text, and the text as it can draw it."""
        script = script_of(text)
        path = dict(self.theme.fonts)[script, weight]
        return _font(path, size), drawable(text, path)

    def width(self, text: str, font: ImageFont.FreeTypeFont) -> float:
        return font.getlength(text, **self.options())

    def line(self, text: str, font: ImageFont.FreeTypeFont, baseline: float, fill: str,
             start: float = MARGIN) -> None:
        """One line, its start at `start` pixels from the card's start edge."""
        if not text:
            return
        x, anchor = (WIDTH - start, "rs") if self.card.rtl else (start, "ls")
        self.draw.text((x, baseline), text, font=font, fill=fill, anchor=anchor, **self.options())

    def wrap(self, text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
        """Lines on word boundaries (a word wider than a line is cut where it must be)."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, font) <= width:
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
        while words and self.width(" ".join(words) + ELLIPSIS, font) > width:
            words.pop()
        kept[-1] = (" ".join(words) if words else kept[-1][:1]).rstrip(" ,;:.-–—،") + ELLIPSIS
        return kept


# Title sizes tried, largest first: the largest that fits in MAX_TITLE_LINES lines wins.
TITLE_SIZES = (76, 68, 60, 54)


def draw(card: Card, theme: Theme) -> bytes:
    """The card as PNG bytes: the same bytes for the same card and theme."""
    colours = dict(theme.colours)
    image = Image.new("RGB", (WIDTH, HEIGHT), colours["bg"])
    canvas = ImageDraw.Draw(image)
    writer = _Writer(canvas, card, theme)
    text_width = WIDTH - 2 * MARGIN

    # The accent band along the start edge, as the theme's rubric rule.
    band = (WIDTH - 24, 0, WIDTH, HEIGHT) if card.rtl else (0, 0, 24, HEIGHT)
    canvas.rectangle(band, fill=colours["accent"])

    # Top: the logo and the site's title.
    top = 118
    start = MARGIN
    if theme.logo is not None:
        logo = _logo(*_stamp(theme.logo))
        x = WIDTH - MARGIN - logo.width if card.rtl else MARGIN
        image.paste(logo, (x, top - logo.height + 12), logo)
        start += logo.width + 24
    font, site_title = writer.font(card.site_title, "bold", 38)
    writer.line(site_title, font, top, colours["text"], start)

    # Bottom: a rule, then the date (and the rubric, in the accent colour).
    bottom = HEIGHT - 72
    canvas.rectangle((MARGIN, bottom - 60, WIDTH - MARGIN, bottom - 58), fill=colours["rule"])
    font, date = writer.font(card.date, "regular", 34)
    writer.line(date, font, bottom, colours["muted"])
    if card.section:
        section_font, section = writer.font(card.section, "bold", 34)
        if section:
            # At the end edge, opposite the date.
            end = WIDTH - MARGIN - writer.width(section, section_font)
            writer.line(section, section_font, bottom, colours["accent"], end)

    # The title, between them.
    title_font, lines = _title_lines(writer, text_width)
    leading = round(title_font.size * (1.32 if script_of(card.title) == "arabic" else 1.18))
    area_top, area_bottom = top + 40, bottom - 60 - 30
    block = leading * len(lines)
    baseline = area_top + max(0, (area_bottom - area_top - block) // 2) + round(title_font.size * 0.95)
    for line in lines:
        writer.line(line, title_font, baseline, colours["text"])
        baseline += leading

    return _png(image)


def title_lines(card: Card, theme: Theme) -> tuple[int, list[str]]:
    """The title as the card draws it: its size in pixels, and its lines."""
    canvas = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    font, lines = _title_lines(_Writer(canvas, card, theme), WIDTH - 2 * MARGIN)
    return int(font.size), lines


def _title_lines(writer: _Writer, width: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title fits in MAX_TITLE_LINES lines, else the smallest, shortened."""
    font, title = writer.font(writer.card.title, "bold", TITLE_SIZES[0])
    lines: list[str] = []
    for size in TITLE_SIZES:
        font = writer.font(writer.card.title, "bold", size)[0]
        lines = writer.wrap(title, font, width)
        if len(lines) <= MAX_TITLE_LINES:
            break
    return font, writer.shorten(lines, font, width)


@cache
def _logo(path: Path, _mtime_ns: int, _size: int) -> Image.Image:
    """The site's logo, at most 72 pixels high and 200 wide, with its transparency."""
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    logo.thumbnail((200, 72), Image.Resampling.LANCZOS)
    return logo


def _png(image: Image.Image) -> bytes:
    """PNG without metadata (same pixels, same bytes); a palette version if the full one is too large.
    zlib's level 3: a third of the time of the default for a file a tenth larger (a cold build draws
    thousands of cards)."""
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    if out.tell() > MAX_BYTES:
        out = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, format="PNG", optimize=True)
    return out.getvalue()
