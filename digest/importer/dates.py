"""Dates written in a text: a dateline on its own line, or an agency dateline opening the lead."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from babel import Locale

from digest.importer.words import fold, words


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
    updated: Dateline | None = None  # "Publié le ... Mis à jour le ... à 11h02": the second date (or time)
    year_from: str | None = None  # where a year the dateline did not state was found

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
    "publié publiée publie le la à a at on du de en published posted updated last mis mise jour modifié modifiée "
    "actualisé actualisée date "
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


_UPDATE_MARK = re.compile(r"[,;|–—-]?\s*\b(?:mis\s+à\s+jour|mise\s+à\s+jour|modifi[ée]e?|actualis[ée]e?|"
                          r"updated|last\s+updated|آخر\s+تحديث)(?!\w)", re.IGNORECASE)


def find_dateline(line: str, number: int) -> Dateline | None:
    """A line that holds a date and nothing else but a weekday, a time and words like "Published"; or two
    of them, the second one the update (`Publié le 03/03/2025 à 09h15 Mis à jour le 03/03/2025 à 11h02`,
    `..., modifié à 11h02`)."""
    mark = _UPDATE_MARK.search(line)
    if mark is None or mark.start() == 0:
        return _one_dateline(line, number)
    published = _one_dateline(line[: mark.start()], number)
    rest = line[mark.start() :].lstrip(",;|–—- ")
    if published is None:
        return None
    updated = _one_dateline(rest, number)
    if updated is None:
        time, leftover = _time_parts(fold(rest))
        _, weekdays = _names()
        if time is None or [w for w in words(leftover) if w not in _DATELINE_FILLERS and w not in weekdays]:
            return None
        updated = replace(published, text=rest, time=time)
    return replace(published, text=line, updated=updated)


def _one_dateline(line: str, number: int) -> Dateline | None:
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


def stated_dates(text: str) -> list[tuple[int, int, int]]:
    """Every full date (day, month and year) written in a text, as (year, month, day)."""
    folded = fold(text)
    found = []
    for pattern in _date_patterns():
        for match in pattern.finditer(folded):
            parts = _date_parts(match) if match.group("y") else None
            if parts is not None and parts[0] is not None:
                found.append((parts[0], parts[1], parts[2]))
    return found


def with_year_from_text(dateline: Dateline, text: str) -> Dateline:
    """A dateline without a year takes the year of a full date of the same day (else month) in the text."""
    if dateline.year is not None:
        return dateline
    dates = stated_dates(text)
    years = [y for y, m, d in dates if (m, d) == (dateline.month, dateline.day)] or \
        [y for y, m, _ in dates if m == dateline.month]
    if not years:
        return dateline
    return replace(dateline, year=Counter(years).most_common(1)[0][0], year_from="a date written in the text")
