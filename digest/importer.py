"""`digest import`: scraped plain-text articles -> articles with front matter, and a report.

Three steps, each usable alone:

- `parse_scraped(text)` reads the text alone (pure): rubric, title, dateline, photo captions,
  "Read also" lines, share prompts, source line, body paragraphs, and notes on what it dropped;
- `TitleIndex` finds the site's article whose title a "Read also" line or an inline headline names;
- `import_file()` / `import_files()` put it together with the site (date, tags, related keys, path)
  and write `content/<lang>/<yyyy>/<slug>.md`, never overwriting unless asked to.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale

from digest import yamlfile
from digest.config import Config
from digest.content import Article, TagRef, discover, load_article
from digest.errors import Collector, Problem, SiteError, display_path
from digest.scaffold import article_path, file_slug, yaml_text
from digest.slugs import slugify

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")
FEW_WORDS = 3  # a "Read also" text may extend or shorten the title it names by this many words
MAX_AUTO_TAGS = 5

# Acronyms kept in capitals when an all-caps source name is put in title case.
ACRONYMS = frozenset({
    "AFP", "AP", "APS", "ABC", "BBC", "BFM", "CBS", "CNN", "DPA", "DW", "EU", "FT", "HRW", "IRIB", "IRNA",
    "ISNA", "KUNA", "LCI", "MAP", "MENA", "NATO", "NBC", "NHK", "NPR", "NYT", "ONU", "OTAN", "PTI", "QNA",
    "RFI", "RT", "RTL", "SANA", "SPA", "TASS", "TRT", "TV", "UE", "UK", "UN", "UPI", "US", "USA", "WAFA",
    "WAM", "WSJ",
})


# ---------------------------------------------------------------------------------------------
# Text helpers


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)  # zero-width spaces, BOM, soft hyphen
_TYPOGRAPHIC_SPACE = "\u00a0\u202f"
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})


def _without_controls(line: str) -> str:
    line = line.translate(_INVISIBLE).replace("\u2028", " ").replace("\u2029", " ")
    return "".join(char for char in line if char == "\t" or unicodedata.category(char) != "Cc")


def clean(line: str) -> str:
    """A scraped line as text: runs of spaces (non-breaking ones included) become one space.

    A lone non-breaking space of French typography (`Irak\u00a0:`, `«\u00a0x\u00a0»`) is kept.
    """

    def space(match: re.Match[str]) -> str:
        run = match.group()
        if len(run) == 1 and run in _TYPOGRAPHIC_SPACE:
            before, after = match.string[match.start() - 1 : match.start()], match.string[match.end() :][:1]
            if before == "«" or (after and after in ":;!?»%€"):
                return run
        return " "

    return re.sub(r"\s+", space, _without_controls(line).strip())


def fold(text: str) -> str:
    """Text for comparisons: case, accents, Arabic hamza and vowel marks, digit scripts folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        if unicodedata.category(char) == "Mn":
            continue
        if char.isdigit() and unicodedata.decimal(char, None) is not None:
            char = str(unicodedata.decimal(char))
        kept.append(char)
    return "".join(kept).casefold().translate(_ARABIC_FOLD)


def words(text: str) -> list[str]:
    """Folded words, without punctuation, quotes or apostrophes."""
    return [word for word in re.split(r"[\W_]+", fold(text)) if word]


def _is_arabic(word: str) -> bool:
    return bool(word) and "\u0600" <= word[0] <= "\u06ff"


def _same_word(token: str, word: str) -> bool:
    """Equal, or an Arabic token with attached conjunction/preposition (`والعراق`, `بالعراق`, `للعراق`)."""
    if token == word:
        return True
    if not _is_arabic(word) or len(word) < 3:
        return False
    if word.startswith("ال") and token in ("لل" + word[2:], "ولل" + word[2:]):
        return True
    for cut in (1, 2):
        if len(token) > cut and all(letter in "وفبكل" for letter in token[:cut]) and token[cut:] == word:
            return True
    return False


def _find_words(haystack: Sequence[str], needle: Sequence[str]) -> int | None:
    """Position of `needle` as consecutive words of `haystack`."""
    if not needle:
        return None
    for start in range(len(haystack) - len(needle) + 1):
        if all(_same_word(haystack[start + i], word) for i, word in enumerate(needle)):
            return start
    return None


_STOPWORDS = frozenset(words(
    "les des une pour par sur dans que qui est sont ont avec cette ces son ses leur leurs elle ils elles pas plus "
    "aux été être the and for with from are was were has have had that this its after into over their about "
    "من على إلى الى عن مع التي الذي هذا هذه أن إن كان"
))


def _content_words(text: str) -> set[str]:
    return {word for word in words(text) if len(word) >= 3 and word not in _STOPWORDS}


def markdown_escape(text: str) -> str:
    """A paragraph of plain text as Markdown that renders as the same text."""
    text = re.sub(r"([\\`*_\[\]<~|])", r"\\\1", text)
    text = re.sub(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|\w+;)", r"\\&", text)
    number = re.match(r"\d{1,9}(?=[.)])", text)
    if number:
        return number.group() + "\\" + text[number.end() :]
    if text[:1] in ("#", ">", "-", "+", "="):
        return "\\" + text
    return text


# ---------------------------------------------------------------------------------------------
# What a line is


_COLON = r"\s*[:：]\s*"
_SOURCE = re.compile(rf"^(?:sources?|المصدر|مصدر|المصادر){_COLON}(?P<rest>.+)$", re.IGNORECASE)
_READ_ALSO = re.compile(
    r"^(?:(?:[àa]\s+)?lire\s+(?:aussi|[ée]galement)|lisez\s+(?:aussi|[ée]galement)|voir\s+aussi|"
    r"read\s+(?:also|more)|also\s+read|see\s+also|related(?:\s+articles?)?|"
    r"[اإأ]قر[أا]\s+(?:[أا]يض(?:اً|ًا|ا)|كذلك|المزيد)|طالع\s+[أا]يض(?:اً|ًا|ا)|شاهد\s+[أا]يض(?:اً|ًا|ا))"
    r"\s*(?:[:：]|\s[-–—]\s|$)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:par|by|بقلم)\s+(?P<name>[^.!?:;,()]{2,60})$", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")

_SHARE_VERBS = frozenset(words(
    "partager partagez partage share tweet tweeter imprimer print envoyer send email e-mail شارك شاركوا مشاركة "
    "انشر أرسل"
))
_SHARE_WORDS = frozenset(words(
    "cet cette ce cet l le la les this the article story post page link lien sur on via par by with to a un une "
    "ami friend your vos votre amis friends facebook twitter x whatsapp telegram linkedin messenger reddit mail "
    "courriel e-mail email réseaux sociaux social media networks copier copy هذا هذه المقال الخبر الموضوع الصفحة "
    "على عبر في فيسبوك تويتر واتساب تيليغرام تلغرام إكس البريد الإلكتروني مع الأصدقاء"
))
_NETWORKS = frozenset(words("facebook twitter x whatsapp telegram linkedin messenger reddit email e-mail فيسبوك تويتر "
                            "واتساب تيليغرام تلغرام"))


def is_share_prompt(line: str) -> bool:
    """`Partager cet article`, `Share this article`, `شارك هذا المقال`, `Share on Facebook`, `Facebook Twitter`."""
    found = words(line)
    if not found or len(found) > 8:
        return False
    if found[0] in _SHARE_VERBS:
        return all(word in _SHARE_WORDS for word in found[1:])
    return all(word in _NETWORKS for word in found)


_CREDIT_WORD = r"(?:photo\s+credit|cr[ée]dits?(?:\s+photos?)?|photos?|images?|pictures?|الصورة|صورة|تصوير)"
_CREDIT_PATTERNS = (
    # "... en Irak. ©AFP", "Photo © Reuters"
    re.compile(rf"(?:(?<![\w]){_CREDIT_WORD}\s*[:：]?\s*)?\(?\s*©\s*(?P<credit>[^©()\[\]]{{1,80}}?)\s*\)?\s*$",
               re.IGNORECASE),
    # "... (AFP photo)", "(Reuters file photo)"
    re.compile(r"\(\s*(?P<credit>[^()]{1,60}?)\s+(?:file\s+|archive\s+)?(?:photo|photos|image|picture)\s*\)\s*$",
               re.IGNORECASE),
    # "(Photo: AFP)", "(photo by Jane Doe/AFP)", "(صورة: رويترز)"
    re.compile(rf"\(\s*{_CREDIT_WORD}\s*(?:by\b|de\b|[:：])?\s*(?P<credit>[^()]{{1,60}}?)\s*\)\s*$", re.IGNORECASE),
    # "Photo: Jane Doe / AFP", "Crédit photo : AFP", "Photo by Jane Doe"
    re.compile(rf"(?:^|(?<=[\s.,;–—-])){_CREDIT_WORD}\s*(?:by\b|[:：])\s*(?P<credit>[^:：]{{1,60}}?)\s*$",
               re.IGNORECASE),
)


def split_credit(line: str) -> tuple[str, str] | None:
    """(caption, credit) when the line ends with a photo credit mark, else None."""
    for pattern in _CREDIT_PATTERNS:
        match = pattern.search(line)
        if not match:
            continue
        credit = match.group("credit").strip().rstrip(".").strip()
        letters = [char for char in credit if char.isalpha()]
        if not letters or letters[0].islower() or len(credit.split()) > 8:
            continue
        caption = line[: match.start()].strip().rstrip("-–—|/").strip()
        return caption, credit
    return None


def source_name(text: str) -> str:
    """`FRENCH PRESS TV` -> `French Press TV`; names already in mixed case are kept as written."""
    all_lower = not any(char.isupper() for char in text)

    def part(piece: str) -> str:
        letters = [char for char in piece if char.isalpha()]
        if not letters or any(char.isdigit() for char in piece):
            return piece
        if all(char.isupper() for char in letters) and len(letters) > 1:
            if "".join(letters) in ACRONYMS:
                return piece
        elif not (all_lower and all(char.islower() for char in letters)):
            return piece
        first = next(index for index, char in enumerate(piece) if char.isalpha())
        return piece[: first + 1].upper() + piece[first + 1 :].lower()

    return "".join(part(piece) for piece in re.split(r"([\s\-'’/]+)", text))


# ---------------------------------------------------------------------------------------------
# Dates written in the text


@dataclass(frozen=True)
class Dateline:
    line: int
    text: str
    year: int | None  # None: "BAGHDAD, July 16 (Reuters) -", the year is the latest that is not in the future
    month: int
    day: int
    time: tuple[int, int] | None
    offset: timedelta | None  # a stated UTC offset, else the site time zone
    in_lead: bool  # an agency dateline opening the lead (kept in the text)

    def resolve(self, tz: Any, now: datetime) -> date | datetime | None:
        year = self.year
        if year is None:
            year = now.year
            try:
                if date(year, self.month, self.day) > now.date() + timedelta(days=2):
                    year -= 1
            except ValueError:
                return None
        try:
            day = date(year, self.month, self.day)
        except ValueError:
            return None
        if self.time is None:
            return day
        zone = timezone(self.offset) if self.offset is not None else tz
        return datetime(year, self.month, self.day, *self.time, tzinfo=zone)


_DATELINE_FILLERS = frozenset(words(
    "publié publiée publie le la à a at on du de en published posted updated mis mise jour modifié modifiée date "
    "dated heure heures h gmt utc cet cest edt est bst نشر نشرت في بتاريخ تاريخ النشر الساعة آخر تحديث يوم "
    "مساء صباحا"
))


@cache
def _names() -> tuple[dict[str, int], frozenset[str]]:
    """Month names (fr, en, Arabic of the Gulf/Egypt, Levant, Maghreb) -> number; weekday names."""
    found: dict[str, set[int]] = {}
    weekdays: set[str] = set()
    for code in ("fr", "en", "ar", "ar_SY", "ar_MA", "ar_TN"):
        locale = Locale.parse(code)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in locale.months[context][width].items():
                    found.setdefault(" ".join(words(name)), set()).add(number)
                for name in locale.days[context][width].values():
                    weekdays.add(" ".join(words(name)))
    found.setdefault("sept", set()).add(9)
    months = {name: numbers.pop() for name, numbers in found.items() if name and len(numbers) == 1}
    return months, frozenset(weekdays)


@cache
def _date_patterns() -> tuple[re.Pattern[str], ...]:
    months, _ = _names()
    month = "(?:" + "|".join(re.escape(name).replace(r"\ ", r"\s+")
                             for name in sorted(months, key=len, reverse=True)) + ")"
    return (
        re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
        re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4})(?!\d)"),
        re.compile(rf"(?<!\w)(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?P<mn>{month})\.?"
                   rf"(?:\s*/\s*{month})?(?:,?\s+(?P<y>\d{{4}}))?(?!\w)"),
        re.compile(rf"(?<!\w)(?P<mn>{month})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?(?!\w)"),
    )


_TIME = re.compile(r"(?<!\d)(?P<h>\d{1,2})\s*(?::|heures?|h)\s*(?P<min>\d{2})?(?::\d{2})?(?!\d)"
                   r"\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?|(?<!\d)(?P<h2>\d{1,2})\s*(?P<ampm2>am|pm|a\.m\.|p\.m\.)")
_ZONE = re.compile(r"(?<![a-z])(?:gmt|utc)\s*(?P<sign>[+-])?\s*(?P<oh>\d{1,2})?(?::?(?P<om>\d{2}))?")


def _date_parts(match: re.Match[str]) -> tuple[int | None, int, int] | None:
    months, _ = _names()
    found = match.groupdict()
    year = int(found["y"]) if found.get("y") else None
    day = int(found["d"])
    if found.get("mn"):
        month = months.get(" ".join(found["mn"].split()))
        if month is None:
            return None
    else:
        month = int(found["m"])
        if month > 12 and day <= 12:  # 07/16/2024, the US order
            month, day = day, month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return year, month, day


def _time_parts(text: str) -> tuple[tuple[int, int] | None, str]:
    match = _TIME.search(text)
    if not match:
        return None, text
    hour = int(match.group("h") or match.group("h2"))
    minute = int(match.group("min") or 0)
    ampm = (match.group("ampm") or match.group("ampm2") or "").replace(".", "")
    if (ampm == "pm" and hour < 12) or ("مساء" in text and hour < 12):
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None, text
    return (hour, minute), text[: match.start()] + " " + text[match.end() :]


def find_dateline(line: str, number: int) -> Dateline | None:
    """A line that holds a date and nothing else but a weekday, a time and words like "Published"."""
    if len(line.split()) > 14:
        return None
    stripped = line.strip().strip(".")
    try:
        stated = datetime.fromisoformat(stripped)
    except ValueError:
        stated = None
    if stated is not None and re.match(r"\d{4}-\d{2}-\d{2}", stripped):
        offset = stated.utcoffset()
        time = (stated.hour, stated.minute) if len(stripped) > 10 else None
        return Dateline(number, line, stated.year, stated.month, stated.day, time, offset, in_lead=False)
    text = fold(line)
    for pattern in _date_patterns():
        match = pattern.search(text)
        if not match or match.group("y") is None:
            continue
        parts = _date_parts(match)
        if parts is None:
            continue
        rest = text[: match.start()] + " " + text[match.end() :]
        time, rest = _time_parts(rest)
        offset = None
        zone = _ZONE.search(rest)
        if zone:
            hours, minutes = int(zone.group("oh") or 0), int(zone.group("om") or 0)
            offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone.group("sign") == "-" else 1)
            rest = rest[: zone.start()] + " " + rest[zone.end() :]
        _, weekdays = _names()
        leftover = [word for word in words(rest) if word not in _DATELINE_FILLERS and word not in weekdays]
        if leftover:
            return None
        year, month, day = parts
        return Dateline(number, line, year, month, day, time, offset if time else None, in_lead=False)
    return None


def find_lead_dateline(lead: str, number: int) -> Dateline | None:
    """An agency dateline opening the lead: `PARIS, 16 juillet 2024 (AFP) -`, `BAGHDAD, July 16 (Reuters) —`."""
    text = fold(lead)
    opening = re.match(r"^[^\W\d][\w .'’-]{0,40}?,\s*(?:le\s+)?", text)
    if not opening:
        return None
    rest = text[opening.end() :]
    for pattern in _date_patterns()[2:]:
        match = pattern.match(rest)
        if not match or not re.match(r"\s*(?:\([^)]{1,40}\))?\s*[-–—]", rest[match.end() :]):
            continue
        parts = _date_parts(match)
        if parts is not None:
            year, month, day = parts
            return Dateline(number, lead[: opening.end() + match.end()], year, month, day, None, None, in_lead=True)
    return None


# ---------------------------------------------------------------------------------------------
# Parsing the scraped text


@dataclass(frozen=True)
class Note:
    """One line of the report: what happened to a line of the input, quoting it."""

    line: int | None
    message: str
    text: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        quoted = f': "{self.text}"' if self.text is not None else ""
        return f"{where}{self.message}{quoted}"


@dataclass(frozen=True)
class Caption:
    line: int
    caption: str
    credit: str | None
    text: str  # the line(s) as written


@dataclass(frozen=True)
class Paragraph:
    line: int
    text: str
    raw: str = ""  # the whole line, when `text` is only part of it ("Lire aussi: <text>")

    @property
    def quoted(self) -> str:
        return self.raw or self.text


@dataclass
class ScrapedArticle:
    title: str
    title_line: int
    section: str | None = None
    caption: Caption | None = None
    source_name: str | None = None
    source_url: str | None = None
    author: str | None = None
    dateline: Dateline | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    read_also: list[Paragraph] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def lead(self) -> str:
        return self.paragraphs[0].text if self.paragraphs else ""


def _looks_like_title(text: str) -> bool:
    count = len(text.split())
    return count <= 40 and not (text.endswith((".", "…")) and count > 20)


def _is_rubric(text: str) -> bool:
    return len(text) <= 40 and len(text.split()) <= 4 and text[-1:].isalnum()


def _source_line(line: str) -> re.Match[str] | None:
    """`SOURCE: FRENCH PRESS TV`, `Source : Le Monde https://...`, `المصدر: ...` (a name, not a sentence)."""
    match = _SOURCE.match(line)
    return match if match and len(_URL.sub(" ", match.group("rest")).split()) <= 10 else None


def _kind(line: str, number: int) -> tuple[str, str, Any] | None:
    """A dateline or a photo caption; None for text (source, "Read also" and share lines aside)."""
    if _source_line(line) or _READ_ALSO.match(line) or is_share_prompt(line):
        return "other", line, None
    if dateline := find_dateline(line, number):
        return "dateline", line, dateline
    if credit := split_credit(line):
        return "caption", line, credit
    return None


def parse_scraped(text: str, name: str = "INPUT") -> ScrapedArticle:
    """Read a scraped article; raises SiteError (`name:line: message`) when there is no title line."""
    kinds: list[tuple[int, str, str, Any]] = []  # (line number, kind, cleaned text, detail)
    notes: list[Note] = []
    source: tuple[int, str] | None = None
    pending_read_also: tuple[int, str] | None = None
    first_line: int | None = None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = clean(raw)
        if not line:
            continue
        first_line = first_line or number
        if pending_read_also is not None:
            label, pending_read_also = pending_read_also, None
            if _kind(line, number) is None and _looks_like_title(line) and not line.endswith("."):
                kinds.append((number, "read_also", f"{label[1]} {line}", line))
                continue
            notes.append(Note(label[0], "dropped a \"Read also\" label with no title after it", label[1]))
        if match := _source_line(line):
            if source is None:
                source = (number, match.group("rest").strip())
            else:
                notes.append(Note(number, "dropped a second source line", line))
            continue
        if match := _READ_ALSO.match(line):
            rest = match.group("rest").strip()
            if rest:
                kinds.append((number, "read_also", line, rest))
            else:
                pending_read_also = (number, line)
            continue
        if is_share_prompt(line):
            notes.append(Note(number, "dropped share prompt", line))
            continue
        kind = _kind(line, number)
        kinds.append((number, *kind) if kind else (number, "text", line, None))
    if pending_read_also is not None:
        notes.append(Note(pending_read_also[0], "dropped a \"Read also\" label with no title after it",
                          pending_read_also[1]))

    texts = [index for index, entry in enumerate(kinds) if entry[1] == "text"]
    if not texts:
        where = first_line or 1
        raise SiteError([Problem(name, where, "no title line: the text has no line that could be the title "
                                 "(only captions, links, share prompts or a source line)")])
    first = texts[0]
    section = None
    title_index = first
    if len(texts) > 1:
        second = kinds[texts[1]][2]
        if _is_rubric(kinds[first][2]) and _looks_like_title(second) and not second.endswith((".", "…")) and all(
            kinds[index][1] == "dateline" for index in range(first + 1, texts[1])
        ):
            section, title_index = kinds[first][2], texts[1]
    number, _, _, _ = kinds[title_index]
    title = _without_controls(lines[number - 1]).strip()
    if not _looks_like_title(clean(title)):
        raise SiteError([Problem(name, number, "no title line: the text starts with a paragraph "
                                 "(a title is one line of at most 40 words, not a long sentence)")])
    article = ScrapedArticle(title=title, title_line=number, section=section, notes=notes)

    # After the title: datelines, captions (a credit alone on a line belongs to the line above), body.
    captions: list[Caption] = []
    body: list[Paragraph] = []
    for index, (number, kind, line, detail) in enumerate(kinds):
        if index in (title_index, first):
            continue
        if kind == "dateline":
            if article.dateline is None:
                article.dateline = detail
            else:
                notes.append(Note(number, "dropped another dateline", line))
        elif kind == "read_also":
            article.read_also.append(Paragraph(number, detail, line))
        elif kind == "caption":
            caption, credit = detail
            if not caption and body and body[-1].line == number - 1:
                above = body.pop()
                captions.append(Caption(above.line, above.text, credit, f"{above.text} {line}"))
            elif caption or credit:
                captions.append(Caption(number, caption, credit, line))
        else:
            body.append(Paragraph(number, line))

    if body and (byline := _BYLINE.match(body[0].text)) and len(body[0].text.split()) <= 7:
        article.author = byline.group("name").strip()
        notes.append(Note(body[0].line, "byline -> author", body[0].text))
        body.pop(0)
    article.paragraphs = body
    if body and article.dateline is None:
        article.dateline = find_lead_dateline(body[0].text, body[0].line)

    if captions:
        reference = _content_words(article.title + " " + article.lead)
        best = max(captions, key=lambda c: (len(_content_words(c.caption) & reference), -c.line))
        article.caption = best
        for other in captions:
            if other is not best:
                notes.append(Note(other.line, "dropped caption of another photo", other.text))

    if source is not None:
        number, rest = source
        url_match = _URL.search(rest)
        url = url_match.group().rstrip(".,;)»\"'") if url_match else None
        name_text = _URL.sub(" ", rest) if url_match else rest
        name_text = re.sub(r"\s+", " ", name_text).strip(" -–—|,;()[]")
        article.source_name = source_name(name_text) if name_text else None
        if not name_text and url:
            article.source_name = re.sub(r"^www\.", "", url.split("/")[2])
        article.source_url = url
    notes.sort(key=lambda note: note.line or 0)
    return article


# ---------------------------------------------------------------------------------------------
# The site's articles: titles for "Read also", tags, slugs


@dataclass(frozen=True)
class KnownArticle:
    key: str
    lang: str
    title: str
    slug: str
    file: str  # as shown in messages
    tags: tuple[TagRef, ...] = ()
    draft: bool = False

    @classmethod
    def of(cls, article: Article) -> KnownArticle:
        return cls(article.key, article.lang, article.title, article.slug, article.file, article.tags, article.draft)


def _trims(sequence: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int]]:
    """The sequence without up to FEW_WORDS words at its ends, with the number of words cut."""
    for start in range(FEW_WORDS + 1):
        for end in range(FEW_WORDS + 1 - start):
            core = sequence[start : len(sequence) - end]
            if core and (start + end == 0 or len(core) >= 3):
                yield core, start + end


class TitleIndex:
    """Finds the article a "Read also" text names: same words (case, accents, quotes and punctuation
    aside), the text allowed to extend or shorten the title by a few words at its ends."""

    def __init__(self, articles: Iterable[KnownArticle] = ()) -> None:
        self.cores: dict[tuple[str, ...], list[tuple[int, KnownArticle]]] = {}
        for article in articles:
            self.add(article)

    def add(self, article: KnownArticle) -> None:
        if article.draft:
            return
        for core, cut in _trims(tuple(words(article.title))):
            self.cores.setdefault(core, []).append((cut, article))

    def match(self, text: str, lang: str, default_language: str | None = None,
              exclude_key: str | None = None) -> KnownArticle | None:
        query = tuple(words(text))
        candidates = []
        for core, cut in _trims(query):
            for title_cut, article in self.cores.get(core, ()):
                longest = max(len(query), len(core) + title_cut)
                if cut + title_cut > FEW_WORDS or len(core) * 3 < longest * 2 or article.key == exclude_key:
                    continue
                rank = 0 if article.lang == lang else 1 if article.lang == default_language else 2
                candidates.append((rank, cut + title_cut, article.key, article.lang, article))
        return min(candidates, key=lambda c: c[:4])[4] if candidates else None


@dataclass
class SiteArticles:
    """What import needs to know of the site, read leniently: an article with errors is skipped."""

    known: list[KnownArticle]
    unreadable: list[str]
    planned: dict[str, str] = field(default_factory=dict)  # article file -> the input imported there in this run

    @classmethod
    def load(cls, config: Config) -> SiteArticles:
        known, unreadable = [], []
        for lang, file in discover(config, Collector()):
            article = load_article(config, lang, file, Collector())
            if article is None:
                unreadable.append(display_path(file, config.root))
            else:
                known.append(KnownArticle.of(article))
        return cls(known, unreadable)

    def tag_names(self, lang: str) -> dict[str, str]:
        """Tag slug -> its most frequent spelling, for the language's articles."""
        spellings: dict[str, Counter[str]] = {}
        for article in self.known:
            if article.lang == lang:
                for tag in article.tags:
                    spellings.setdefault(tag.slug, Counter())[tag.name] += 1
        return {slug: counts.most_common(1)[0][0] for slug, counts in sorted(spellings.items())}


def find_tags(names: dict[str, str], title: str, lead: str, given: Iterable[str] = (),
              limit: int = MAX_AUTO_TAGS) -> list[str]:
    """The site's tags that appear as words in the title, then the lead (first appearance first)."""
    skip = {slugify(name) for name in given}
    found = []
    for rank, text in enumerate((title, lead)):
        haystack = words(text)
        for slug, name in names.items():
            position = _find_words(haystack, words(name))
            if slug not in skip and position is not None:
                found.append((rank, position, name, slug))
    chosen: list[str] = []
    for _, _, name, slug in sorted(found):
        if slug not in skip:
            chosen.append(name)
            skip.add(slug)
    return chosen[:limit]


# ---------------------------------------------------------------------------------------------
# Importing a file


@dataclass
class ImportResult:
    input: Path
    path: Path | None = None  # the article written (or that would be)
    photo: Path | None = None  # the photo copied beside it
    text: str = ""  # the article file's text
    report: tuple[Note, ...] = ()
    written: bool = False
    key: str | None = None
    problems: tuple[Problem, ...] = ()  # non-empty: the file was refused, nothing written


def parse_date_option(text: str) -> date | datetime:
    """`--date`: 2024-07-16, 2024-07-16T14:30 or 2024-07-16T14:30:00+03:00; raises ValueError."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: expected YYYY-MM-DD or an ISO 8601 date and time "
                         "such as 2024-07-16T14:30:00+03:00") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system, say
        return False


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        if path.is_dir():
            raise SiteError([Problem(name, None, "is a folder, not a text file")])
        data = path.read_bytes()
    except FileNotFoundError:
        raise SiteError([Problem(name, None, "file not found")]) from None
    except OSError as error:
        raise SiteError([Problem(name, None, f"cannot read file: {error.strerror}")]) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SiteError([Problem(name, 1, "UTF-16 text: save the file as UTF-8")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SiteError([Problem(name, data[: error.start].count(b"\n") + 1,
                                 f"not UTF-8 text (byte {error.start}): save the file as UTF-8 plain text")]) from None
    if "\x00" in text:
        raise SiteError([Problem(name, text[: text.index("\x00")].count("\n") + 1,
                                 "not a text file (it holds NUL bytes)")])
    if not clean(text.replace("\n", " ")):
        raise SiteError([Problem(name, 1, "empty file: nothing to import")])
    return text


def _when(config: Config, scraped: ScrapedArticle, given: date | datetime | None,
          now: datetime | None) -> tuple[date | datetime, Note]:
    tz = config.tzinfo
    now = (now or datetime.now(tz)).astimezone(tz).replace(microsecond=0)
    dateline = scraped.dateline
    if given is not None:
        if isinstance(given, datetime) and given.tzinfo is None:
            given = given.replace(tzinfo=tz)
        if dateline is not None and not dateline.in_lead:
            scraped.notes.append(Note(dateline.line, "dateline not used (--date given)", dateline.text))
        return given, Note(None, f"date: {given.isoformat()} (--date)")
    if dateline is not None:
        stated = dateline.resolve(tz, now)
        if stated is not None:
            assumed = ", year assumed" if dateline.year is None else ""
            where = "the dateline opening the lead" if dateline.in_lead else "the dateline"
            return stated, Note(dateline.line, f"date: {stated.isoformat()} from {where}{assumed}", dateline.text)
        scraped.notes.append(Note(dateline.line, "dropped a dateline that is not a real date", dateline.text))
    return now, Note(None, f"date: now, {now.isoformat()} (no --date and no dateline in the text)")


def import_file(config: Config, path: Path, lang: str, date: date | datetime | None = None,
                image: Path | None = None, tags: Sequence[str] = (), dry_run: bool = False, force: bool = False,
                *, site: SiteArticles | None = None, now: datetime | None = None) -> ImportResult:
    """Import one scraped text as content/<lang>/<yyyy>/<slug>.md; raises SiteError (nothing written)."""
    name = str(path)
    if lang not in config.language_codes:
        raise SiteError([Problem(name, None, f"unknown language '{lang}' given with --lang "
                                 f"(languages: {', '.join(config.language_codes)})")])
    for tag in tags:
        if not slugify(tag):
            raise SiteError([Problem(name, None, f"--tags: tag {tag!r} has no letters or digits")])
    scraped = parse_scraped(_read_text(path), name)
    slug = file_slug(scraped.title)
    if not slug:
        raise SiteError([Problem(name, scraped.title_line, "the title has no letters or digits "
                                 "to make a file name from")])
    site = site if site is not None else SiteArticles.load(config)
    when, date_note = _when(config, scraped, date, now)
    target = article_path(config, lang, when, slug)
    same = sorted(a.file for a in site.known if a.lang == lang and a.slug == slug)
    if target.exists() or same:
        existing = display_path(target, config.root) if target.exists() else same[0]
        if existing in site.planned:
            raise SiteError([Problem(name, scraped.title_line, f"same slug '{slug}' as {site.planned[existing]}, "
                                     f"imported in this run as {existing}")])
        if not force:
            raise SiteError([Problem(name, scraped.title_line, f"an article with the same slug '{slug}' already "
                                     f"exists: {existing} (imported before? digest import never overwrites an "
                                     "article; --force replaces it)")])
        target = config.root / existing  # --force: the article imported before, keeping its key
    file_shown = display_path(target, config.root)
    key = target.relative_to(config.content_dir / lang).with_suffix("").as_posix()

    photo_target = None
    if image is not None:
        if not _is_file(image):
            raise SiteError([Problem(name, None, f"--image {image}: photo not found")])
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            raise SiteError([Problem(name, None, f"--image {image}: not a photo "
                                     f"(expected {', '.join(IMAGE_SUFFIXES)})")])
        photo_target = target.with_name(slug + image.suffix.lower())
        if photo_target.exists() and not force:
            raise SiteError([Problem(name, None, f"{display_path(photo_target, Path.cwd())} already exists; "
                                     "digest import never overwrites a photo unless given --force")])

    index = TitleIndex(a for a in site.known if a.file != file_shown)
    related, read_also, notes = _place_related(config, scraped, index, lang, key)
    auto_tags = find_tags(site.tag_names(lang), scraped.title, scraped.lead, given=tags)
    all_tags = list(dict.fromkeys([*tags, *auto_tags]))

    report = [date_note]
    report.append(Note(None, f"tags: {', '.join(auto_tags)} (found in the title or lead)" if auto_tags
                       else "tags: none of the site's tags appear in the title or lead"))
    if image is not None and photo_target is not None:
        report.append(Note(None, f"photo: {display_path(photo_target, Path.cwd())}"))
    elif scraped.caption is not None:
        report.append(Note(None, "photo: caption and credit kept without a picture (no --image)"))
    report += sorted([*scraped.notes, *notes], key=lambda note: note.line or 0)
    if site.unreadable:
        report.append(Note(None, f"{len(site.unreadable)} article(s) of the site have errors and were not searched "
                           f"for related titles or tags (run digest check): {', '.join(site.unreadable)}"))

    text = article_text(scraped, when, all_tags, related, read_also,
                        photo_target.name if photo_target is not None else None,
                        slug=None if slugify(target.stem) == slug else slug)
    result = ImportResult(input=path, path=target, photo=photo_target, text=text, report=tuple(report), key=key)
    site.known = [a for a in site.known if a.file != file_shown]
    site.known.append(KnownArticle(key, lang, scraped.title, slug, file_shown,
                                   tuple(TagRef(t, slugify(t)) for t in all_tags)))
    site.planned[file_shown] = name
    if dry_run:
        return result
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w" if force else "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write(text)
    if image is not None and photo_target is not None:
        shutil.copyfile(image, photo_target)
    result.written = True
    return result


def _place_related(config: Config, scraped: ScrapedArticle, index: TitleIndex, lang: str,
                   key: str) -> tuple[list[str], list[str], list[Note]]:
    """Related keys from "Read also" lines and inline headlines; unmatched "Read also" titles; notes."""
    related: list[str] = []
    read_also: list[str] = []
    notes: list[Note] = []
    links = [(p, True) for p in scraped.read_also] + [(p, False) for p in scraped.paragraphs[1:]]
    inline: set[int] = set()
    for paragraph, labelled in sorted(links, key=lambda link: link[0].line):
        title = _URL.sub(" ", paragraph.text).strip().strip("«»“”\"'„ ").strip()
        if not labelled and len(paragraph.text.split()) > 30:
            continue
        found = index.match(title, lang, config.default_language, exclude_key=key)
        if found is not None and found.key not in related:
            related.append(found.key)
        if found is not None:
            notes.append(Note(paragraph.line, f"{'read also' if labelled else 'inline headline'} -> related "
                              f"{found.key} ({found.file})", paragraph.quoted))
            if not labelled:
                inline.add(paragraph.line)
        elif labelled:
            read_also.append(title)
            notes.append(Note(paragraph.line, "read also: no article of the site has this title; "
                              "kept in read_also, not in related", paragraph.quoted))
        elif len(paragraph.text.split()) <= 20 and not paragraph.text.endswith((".", ":", ";", ",", "…")):
            notes.append(Note(paragraph.line, "kept in the body, though it reads like the headline of another "
                              "article (no article of the site has this title)", paragraph.text))
    scraped.paragraphs = [p for p in scraped.paragraphs if p.line not in inline]
    return related, read_also, notes


def article_text(scraped: ScrapedArticle, when: date | datetime, tags: Sequence[str], related: Sequence[str],
                 read_also: Sequence[str], photo: str | None, slug: str | None = None) -> str:
    """The article file: front matter that YAML reads back exactly, then the body as Markdown."""
    def flow(items: Iterable[str]) -> str:
        return "[" + ", ".join(yaml_text(item) for item in items) + "]"

    meta: dict[str, Any] = {"title": scraped.title, "date": when}
    lines = ["---", f"title: {yaml_text(scraped.title)}", f"date: {when.isoformat()}"]
    if slug:
        lines.append(f"slug: {yaml_text(slug)}")
        meta["slug"] = slug
    if scraped.section:
        lines.append(f"section: {yaml_text(scraped.section)}")
        meta["section"] = scraped.section
    if scraped.source_name:
        if scraped.source_url:
            lines.append(f"source: {{name: {yaml_text(scraped.source_name)}, url: {yaml_text(scraped.source_url)}}}")
            meta["source"] = {"name": scraped.source_name, "url": scraped.source_url}
        else:
            lines.append(f"source: {yaml_text(scraped.source_name)}")
            meta["source"] = scraped.source_name
    if scraped.author:
        lines.append(f"author: {yaml_text(scraped.author)}")
        meta["author"] = scraped.author
    image = {"src": photo}
    if scraped.caption is not None:
        image.update(caption=scraped.caption.caption or None, credit=scraped.caption.credit)
    image = {k: v for k, v in image.items() if v}
    if image:
        lines.append("image:")
        lines += [f"  {k}: {yaml_text(v)}" for k, v in image.items()]
        meta["image"] = image
    if tags:
        lines.append(f"tags: {flow(tags)}")
        meta["tags"] = list(tags)
    if related:
        lines.append(f"related: {flow(related)}")
        meta["related"] = list(related)
    if read_also:
        lines.append("# \"Read also\" titles not found on this site: import those articles, then list their keys "
                     "under related")
        lines.append(f"read_also: {flow(read_also)}")
        meta["read_also"] = list(read_also)
    front = "\n".join(lines[1:])
    lines += ["---", "", ""]
    if yamlfile.parse(front) != meta:  # never write front matter that would read back differently
        raise RuntimeError(f"front matter does not read back as written:\n{front}")
    body = "\n\n".join(markdown_escape(paragraph.text) for paragraph in scraped.paragraphs)
    return "\n".join(lines) + (body + "\n" if body else "")


def import_files(config: Config, paths: Sequence[Path], lang: str, date: date | datetime | None = None,
                 image: Path | None = None, tags: Sequence[str] = (), dry_run: bool = False, force: bool = False,
                 *, now: datetime | None = None) -> Iterator[ImportResult]:
    """Import each file on its own: a refused file (result.problems) does not stop the others."""
    site = SiteArticles.load(config) if lang in config.language_codes else SiteArticles([], [])
    for path in paths:
        try:
            yield import_file(config, path, lang, date, image, tags, dry_run, force, site=site, now=now)
        except SiteError as error:
            yield ImportResult(input=path, problems=error.problems)
