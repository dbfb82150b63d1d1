"""What pages add around an article, recognized in its text: site names and dates glued to titles, junk
leads, standfirsts fused with their date, and clutter blocks (an empty "Related" heading, `Read more:`
lines, affiliate disclosures, photo credit lines). Pure functions on strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from digest.importer.text import split_credit
from digest.importer.words import words

_MONTHS = (r"(?:jan(?:uary|vier|\.)?|feb(?:ruary|\.)?|f[ée]vr(?:ier|\.)?|mar(?:ch|s|\.)?|apr(?:il|\.)?|avr(?:il|\.)?|"
           r"may|mai|june?|juin|july?|juil(?:let|\.)?|aug(?:ust|\.)?|ao[uû]t|sep(?:t(?:ember|embre|\.)?)?|"
           r"oct(?:ober|obre|\.)?|nov(?:ember|embre|\.)?|dec(?:ember|\.)?|d[ée]c(?:embre|\.)?)")
_WEEKDAYS = (r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche")
_DATE = (rf"(?:(?:{_WEEKDAYS}),?\s+)?(?:\d{{1,2}}(?:er)?\s+{_MONTHS}\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|"
         r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})(?:,?\s+(?:à\s+|at\s+)?\d{1,2}[:h]\d{2}(?:\s*[ap]\.?m\.?)?)?")
_DATE_ONLY = re.compile(rf"^\s*(?:(?:publi[ée]e?|published|posted|updated|mis à jour)\s*(?:le|on|:)?\s*)?{_DATE}\s*$",
                        re.IGNORECASE)
# a date glued to the sentence before it: "... its recovery?Monday, 6 January 2020"
_GLUED_DATE = re.compile(rf"(?<=[.?!…»\"”])\s*(?P<date>{_DATE})\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+[|–—·•:-]\s+|\s*[|•·]\s*|\s+::\s+")


def host_names(url: str | None) -> list[str]:
    """`https://www.dw.com/en/...` -> ["dw.com", "dw"]: how a site's name may appear in its titles."""
    if not url:
        return []
    host = re.sub(r"^www\d?\.", "", urlsplit(url).netloc.lower().split(":")[0])
    return [host, host.split(".")[0]] if host else []


def strip_title(title: str, names: Iterable[str | None]) -> tuple[str, list[str]]:
    """The title without the site's name before or after it (`... | DW | 19.01.2020`, `... - RTBF`,
    `Le Monde : ...`) and a date glued to it; with the parts cut, for the report."""
    known = {tuple(words(name)) for name in names if name and words(name)}
    known |= {tuple(words(name.replace(".", " "))) for name in names if name and "." in name}
    cut: list[str] = []
    changed = True
    while changed:
        changed = False
        pieces = _SEPARATORS.split(title)
        separators = _SEPARATORS.findall(title)
        if len(pieces) < 2:
            break
        for end in (-1, 0):
            piece = pieces[end].strip()
            if tuple(words(piece)) in known or _DATE_ONLY.match(piece):
                rest = separators[:-1] if end == -1 else separators[1:]
                remaining = pieces[:-1] if end == -1 else pieces[1:]
                title = remaining[0] + "".join(sep + text for sep, text in zip(rest, remaining[1:], strict=True))
                cut.append(piece)
                changed = len(remaining) > 1
                break
    if match := _GLUED_DATE.search(title):
        cut.append(match.group("date"))
        title = title[: match.start()]
    return title.strip(), cut


def glued_date(text: str) -> tuple[str, str] | None:
    """(text, date) when the text ends with a date glued to its last sentence."""
    match = _GLUED_DATE.search(text)
    if match is None or match.start() == 0:
        return None
    return text[: match.start()].strip(), match.group("date")


def is_date_only(text: str) -> bool:
    return bool(_DATE_ONLY.match(text))


_ANNEX = re.compile(r"^(?:voir|see)\s+(?:en\s+)?(?:annexe|appendix|attached|pi[èe]ce\s+jointe)\b", re.IGNORECASE)


def is_junk_lead(text: str) -> bool:
    """A first paragraph that is no lead: a date, `Voir en annexe : ...`, a few words without a sentence."""
    few_words = len(text.split()) < 6 and not text.endswith((".", "!", "?"))
    return is_date_only(text) or bool(_ANNEX.match(text)) or few_words


_RELATED = re.compile(r"^(?:related(?:\s+(?:articles?|stories|content|coverage|posts?|reading))?|more\s+stories|"
                      r"(?:[àa]\s+)?lire\s+aussi|sur\s+le\s+m[êe]me\s+sujet|you\s+may\s+also\s+like|"
                      r"recommended(?:\s+for\s+you)?|most\s+(?:read|popular))\s*:?$", re.IGNORECASE)
_READ_MORE = re.compile(r"^(?:read\s+(?:more|also|next)|also\s+read|see\s+also|more\s*:|related\s*:|"
                        r"(?:[àa]\s+)?lire\s+(?:aussi|[ée]galement)|voir\s+aussi)\s*:", re.IGNORECASE)
_AFFILIATE = re.compile(r"affiliate\s+(?:links?|commissions?|programs?|partners(?:hips?)?|disclosure)|"
                        r"we\s+may\s+(?:earn|receive)\s+(?:a\s+)?(?:small\s+)?commission|"
                        r"(?:earn|receive)s?\s+(?:a\s+)?commission|when\s+you\s+buy\s+(?:something\s+)?through|"
                        r"liens?\s+(?:d'affiliation|affili[ée]s?)|commission\s+sur\s+les\s+ventes", re.IGNORECASE)
_CREDIT_LINE = re.compile(r"^\(?\s*(?:photo|image|picture|illustration|cr[ée]dits?)(?:\s+(?:credit|photo)s?)?\s*"
                          r"(?:by\b|de\b|[:：©])", re.IGNORECASE)


def clutter(text: str, heading: bool) -> str | None:
    """Why a block of the body is page clutter (for the report), or None when it is text."""
    if heading:
        return "an empty related-articles heading" if _RELATED.match(text) else None
    count = len(text.split())
    if _READ_MORE.match(text) and count <= 30:
        return "a \"Read more\" line"
    if _AFFILIATE.search(text) and count <= 60:
        return "an affiliate disclosure"
    if count <= 15 and (_CREDIT_LINE.match(text) or ((split := split_credit(text)) is not None and not split[0])):
        return "a photo credit line"
    return None
