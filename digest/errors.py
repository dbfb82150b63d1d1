"""Problems found in a site's input, reported as `path:line: message`.

The pipeline collects every problem it can find in one run instead of
stopping at the first, so an editor fixes them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        # One problem, one line, printable whatever a file name holds (undecodable bytes, newlines, and the
        # other characters that end a line for str.splitlines: U+0085, U+2028...).
        text = " ".join(f"{where}: {self.message}".splitlines())
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class SiteError(Exception):
    """One or more problems that stop a build; `problems` holds each of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type, tuple[tuple[Problem, ...]]]:
        # so that a problem found in a worker process reaches the main one intact
        return (SiteError, (self.problems,))


def display_path(path: Path, root: Path) -> str:
    """The path as the user should read it: relative to the site root when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


class Collector:
    """Accumulates problems; `raise_if_any` ends the stage when something was wrong."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise SiteError(sorted(set(self.problems), key=_sort_key))


def _sort_key(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)
