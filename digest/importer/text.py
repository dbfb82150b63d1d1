"""Scraped plain text (like the seed) -> a draft article."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.errors import Problem, SiteError
from digest.importer.dates import find_dateline, find_lead_dateline, with_year_from_text
from digest.importer.draft import Caption, Paragraph, ScrapedArticle
from digest.importer.report import Note
from digest.importer.words import _content_words, _without_controls, clean, words

# Acronyms kept in capitals when an all-caps source name is put in title case.
ACRONYMS = frozenset({
    "AFP", "AP", "APS", "ABC", "BBC", "BFM", "CBS", "CNN", "DPA", "DW", "EU", "FT", "HRW", "IRIB", "IRNA",
    "ISNA", "KUNA", "LCI", "MAP", "MENA", "NATO", "NBC", "NHK", "NPR", "NYT", "ONU", "OTAN", "PTI", "QNA",
    "RFI", "RT", "RTL", "SANA", "SPA", "TASS", "TRT", "TV", "UE", "UK", "UN", "UPI", "US", "USA", "WAFA",
    "WAM", "WSJ",
})




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


# "... March 3, 2025. REUTERS/Chris Radburn/File Photo", "AFP/Ahmad Al-Rubaye": an agency in capitals, a slash
_WIRE_CREDIT = re.compile(r"(?:^|(?<=[\s.,;]))(?P<credit>[A-Z][A-Z&]+(?: [A-Z][A-Z&]+)?/[^/\s][^/]{0,40}"
                          r"(?:/[^/\s][^/]{0,30}){0,2})\s*$")


# "... in Washington. Mike Blake/Reuters files", "Jane Doe/AP Photo": a photographer, a slash, an agency
_PHOTOGRAPHER_CREDIT = re.compile(
    r"(?:^|(?<=[.!?»”\"]\s))(?P<credit>[A-Z][\w'’.-]+(?: (?:[A-Z][\w'’.-]+|de|van|von|al|el)){0,3}\s?/\s?"
    r"(?:Reuters|AFP|AP|EPA|Getty Images|Bloomberg|Anadolu|Sipa|Xinhua|TASS|DPA|ANSA|Belga|Pool|[A-Z][A-Z&]+)"
    r"(?i: (?:files?|file photo|archives?|photo|pool|via getty images))?)\s*$")


def split_credit(line: str) -> tuple[str, str] | None:
    """(caption, credit) when the line ends with a photo credit mark, else None."""
    for pattern in (*_CREDIT_PATTERNS, _WIRE_CREDIT, _PHOTOGRAPHER_CREDIT):
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


_WIRE_CREDITS = re.compile(r"^(?:\(?(?:additional\s+)?(?:reporting|writing|editing|compiled|translated)\s+by\b|"
                           r"r[ée]daction\s+par\b|avec\s+(?:afp|reuters|ap)\b)", re.IGNORECASE)
_AGENCY_BOILERPLATE = re.compile(r"^(?:our\s+standards\s*:|nos\s+standards\s*:|©\s*\d{4}\s+(?:thomson\s+)?reuters|"
                                 r"all\s+rights\s+reserved|tous\s+droits\s+réservés)", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^(?:publi[ée]e?|mis\s+à\s+jour|mise\s+à\s+jour|modifi[ée]e?|published|posted|updated|"
                         r"last\s+updated|نشر|آخر\s+تحديث)\b", re.IGNORECASE)


def _dropped(line: str, number: int) -> Note | None:
    """A line that is no part of the article, with the note saying why it was dropped."""
    if is_share_prompt(line):
        return Note(number, "dropped share prompt", line)
    if _WIRE_CREDITS.match(line) and len(line.split()) <= 30:
        return Note(number, "dropped the agency's reporting and editing credits", line)
    if _AGENCY_BOILERPLATE.match(line) and len(line.split()) <= 20:
        return Note(number, "dropped the agency's standards or copyright line", line)
    return None


@dataclass
class _Lines:
    """The lines of a scraped text, each classified."""

    kinds: list[tuple[int, str, str, Any]] = field(default_factory=list)  # (line number, kind, text, detail)
    notes: list[Note] = field(default_factory=list)
    source: tuple[int, str] | None = None
    first_line: int | None = None


def _classify(lines: list[str]) -> _Lines:
    found = _Lines()
    pending_read_also: tuple[int, str] | None = None
    for number, raw in enumerate(lines, start=1):
        line = clean(raw)
        if not line:
            continue
        found.first_line = found.first_line or number
        if pending_read_also is not None:
            label, pending_read_also = pending_read_also, None
            if _kind(line, number) is None and _looks_like_title(line) and not line.endswith("."):
                found.kinds.append((number, "read_also", f"{label[1]} {line}", line))
                continue
            found.notes.append(Note(label[0], "dropped a \"Read also\" label with no title after it", label[1]))
        pending_read_also = _classify_line(found, line, number)
    if pending_read_also is not None:
        found.notes.append(Note(pending_read_also[0], "dropped a \"Read also\" label with no title after it",
                                pending_read_also[1]))
    return found


def _classify_line(found: _Lines, line: str, number: int) -> tuple[int, str] | None:
    """Classify one line into `found`; a "Read also" label alone on its line is returned, to pair with the next."""
    if match := _source_line(line):
        if found.source is None:
            found.source = (number, match.group("rest").strip())
        else:
            found.notes.append(Note(number, "dropped a second source line", line))
    elif match := _READ_ALSO.match(line):
        rest = match.group("rest").strip()
        if not rest:
            return (number, line)
        found.kinds.append((number, "read_also", line, rest))
    elif note := _dropped(line, number):
        found.notes.append(note)
    elif kind := _kind(line, number):
        found.kinds.append((number, *kind))
    elif _DATE_LABEL.match(line) and len(line.split()) <= 14:
        found.notes.append(Note(number, "dropped a date line that could not be read as a date", line))
    else:
        found.kinds.append((number, "text", line, None))
    return None


def _find_title(found: _Lines, lines: list[str], name: str) -> tuple[int, int, str | None]:
    """(index of the title in found.kinds, index of the first text line, rubric or None)."""
    kinds = found.kinds
    texts = [index for index, entry in enumerate(kinds) if entry[1] == "text"]
    if not texts:
        raise SiteError([Problem(name, found.first_line or 1, "no title line: the text has no line that could be "
                                 "the title (only captions, links, share prompts or a source line)")])
    first = texts[0]
    if len(texts) > 1:
        second = kinds[texts[1]][2]
        if _is_rubric(kinds[first][2]) and _looks_like_title(second) and not second.endswith((".", "…")) and all(
            kinds[index][1] == "dateline" for index in range(first + 1, texts[1])
        ):
            return texts[1], first, kinds[first][2]
    number = kinds[first][0]
    if not _looks_like_title(clean(lines[number - 1])):
        raise SiteError([Problem(name, number, "no title line: the text starts with a paragraph "
                                 "(a title is one line of at most 40 words, not a long sentence)")])
    return first, first, None


def _place_lines(found: _Lines, article: ScrapedArticle, skip: set[int]) -> tuple[list[Caption], list[Paragraph]]:
    """After the title: datelines, captions (a credit alone on a line belongs to the line above), body."""
    captions: list[Caption] = []
    body: list[Paragraph] = []
    for index, (number, kind, line, detail) in enumerate(found.kinds):
        if index in skip:
            continue
        if kind == "dateline":
            if article.dateline is None:
                article.dateline = detail
            else:
                found.notes.append(Note(number, "dropped another dateline", line))
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
    return captions, body


def _take_byline(article: ScrapedArticle, body: list[Paragraph], notes: list[Note]) -> None:
    """A byline among the first lines of the body is the author; short lines above it are stray captions."""
    for index, paragraph in enumerate(body[:3]):
        byline = _BYLINE.match(paragraph.text)
        if byline and len(paragraph.text.split()) <= 7:
            if any(len(above.text.split()) > 40 for above in body[:index]):
                return
            for above in body[:index]:
                notes.append(Note(above.line, "dropped a caption without a credit (above the byline)", above.text))
            article.author = byline.group("name").strip()
            notes.append(Note(paragraph.line, "byline -> author", paragraph.text))
            del body[: index + 1]
            return


def _set_source(article: ScrapedArticle, source: tuple[int, str] | None) -> None:
    if source is None:
        return
    _, rest = source
    url_match = _URL.search(rest)
    url = url_match.group().rstrip(".,;)»\"'") if url_match else None
    name_text = _URL.sub(" ", rest) if url_match else rest
    name_text = re.sub(r"\s+", " ", name_text).strip(" -–—|,;()[]")
    article.source_name = source_name(name_text) if name_text else None
    if not name_text and url:
        article.source_name = re.sub(r"^www\.", "", url.split("/")[2])
    article.source_url = url


def _choose_caption(article: ScrapedArticle, captions: list[Caption], notes: list[Note]) -> None:
    if not captions:
        return
    reference = _content_words(article.title + " " + article.lead)
    best = max(captions, key=lambda c: (len(_content_words(c.caption) & reference), -c.line))
    article.caption = best
    for other in captions:
        if other is not best:
            notes.append(Note(other.line, "dropped caption of another photo", other.text))


def parse_scraped(text: str, name: str = "INPUT") -> ScrapedArticle:
    """Read a scraped article; raises SiteError (`name:line: message`) when there is no title line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = _classify(lines)
    title_index, first, section = _find_title(found, lines, name)
    number = found.kinds[title_index][0]
    title = _without_controls(lines[number - 1]).strip()
    article = ScrapedArticle(title=title, title_line=number, section=section, notes=found.notes)
    captions, body = _place_lines(found, article, {title_index, first})
    _take_byline(article, body, found.notes)
    article.paragraphs = body
    if body and article.dateline is None:
        article.dateline = find_lead_dateline(body[0].text, body[0].line)
    if article.dateline is not None:
        article.dateline = with_year_from_text(article.dateline, text)
    _choose_caption(article, captions, found.notes)
    _set_source(article, found.source)
    found.notes.sort(key=lambda note: note.line or 0)
    return article


def read_file(path: Path, kind: str = "a file") -> bytes:
    """The bytes of an input file, or a one-line problem naming it."""
    name = str(path)
    try:
        if path.is_dir():
            raise SiteError([Problem(name, None, f"is a folder, not {kind}")])
        return path.read_bytes()
    except FileNotFoundError:
        raise SiteError([Problem(name, None, "file not found")]) from None
    except OSError as error:
        raise SiteError([Problem(name, None, f"cannot read file: {error.strerror}")]) from None


def _read_text(path: Path) -> str:
    name = str(path)
    data = read_file(path, "a text file")
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
