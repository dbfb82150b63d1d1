"""The draft article every kind of input is read into before it is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from digest.importer.dates import Dateline
from digest.importer.report import Note


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
    # What a page states (a text has none of these): its language, dates, picture, keywords, Markdown body.
    lang: str | None = None  # the page's language code, e.g. "fr" (from <html lang> or its metadata)
    date: date | datetime | None = None  # the publication date, when the input states one outside the text
    date_from: str = ""  # where `date` came from, for the report
    updated: date | datetime | None = None
    image_src: str | None = None  # the lead picture's absolute URL
    keywords: list[str] = field(default_factory=list)  # the page's own tags or keywords
    body_markdown: str | None = None  # the body as Markdown; None: the paragraphs, escaped
    summary: str | None = None  # set when the lead is no summary (a date, "Voir en annexe"): the page's description

    @property
    def lead(self) -> str:
        return self.paragraphs[0].text if self.paragraphs else ""
