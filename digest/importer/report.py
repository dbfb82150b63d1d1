"""The import report: one note per thing the importer placed or dropped."""

from __future__ import annotations

from dataclasses import dataclass


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
