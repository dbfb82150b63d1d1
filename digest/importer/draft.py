"""The draft article every kind of input is read into before it is written."""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def lead(self) -> str:
        return self.paragraphs[0].text if self.paragraphs else ""
