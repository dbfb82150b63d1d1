"""Story clusters at import: an input that is the same story as an article of the site is not imported.

digest.similarity says whether two texts are the same story; this module finds, among the site's
articles of the input's language dated within the window (those imported earlier in the run
included), the one the input repeats, and with `--merge` adds the input's source to that article's
`source` list, changing no other line of its file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from digest import similarity, yamlfile
from digest.config import Config
from digest.errors import Problem, SiteError
from digest.importer.draft import ScrapedArticle
from digest.importer.titles import KnownArticle
from digest.scaffold import yaml_text


@dataclass(frozen=True)
class SameStory:
    article: KnownArticle  # the article of the site the input repeats
    similarity: float


def draft_text(scraped: ScrapedArticle) -> str:
    """The input's body as compared: its Markdown (links' URLs dropped) or its paragraphs."""
    if scraped.body_markdown is not None:
        return similarity.markdown_text(scraped.body_markdown)
    return "\n".join(paragraph.text for paragraph in scraped.paragraphs)


def as_datetime(when: date | datetime, config: Config) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=config.tzinfo)
    return datetime.combine(when, time(12), tzinfo=config.tzinfo)  # a day without a time: its middle


def find_same_story(config: Config, known: Iterable[KnownArticle], scraped: ScrapedArticle, lang: str,
                    when: date | datetime, exclude: str) -> SameStory | None:
    """The article of `lang` dated within the window that the input is the same story as, if any."""
    moment = as_datetime(when, config)
    candidates = [similarity.Story(a.file, a.lang, a.date, similarity.fingerprint(a.title, a.text))
                  for a in known if a.lang == lang and a.date is not None and a.file != exclude
                  and similarity.within(a.date, moment)]
    if not candidates:
        return None
    found = similarity.best_match(similarity.fingerprint(scraped.title, draft_text(scraped)), moment, candidates)
    if found is None:
        return None
    story, score = found
    return SameStory(next(a for a in known if a.file == story.name), score)


def input_source(scraped: ScrapedArticle) -> dict[str, str] | str | None:
    """The input's source as a `source` list item: {name, url}, a name, or None."""
    url = scraped.source_url
    name = scraped.source_name or (re.sub(r"^www\.", "", url.split("/")[2]) if url and url.count("/") >= 2 else None)
    if name and url:
        return {"name": name, "url": url}
    return name or None


def _item(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {yaml_text(str(v))}" for key, v in value.items()) + "}"
    return yaml_text(str(value))


def _front_matter(lines: list[str], shown: str) -> tuple[int, int]:
    """The first and last line index of the front matter (between the `---` lines)."""
    if not lines or lines[0].lstrip("\ufeff").rstrip("\r\n") != "---":
        raise SiteError([Problem(shown, 1, "no front matter to add the source to")])
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n").rstrip() in ("---", "..."):
            return 1, number
    raise SiteError([Problem(shown, 1, "the front matter is not closed by a '---' line")])


def merge_source(path: Path, shown: str, new: dict[str, str] | str, dry_run: bool = False) -> bool:
    """Add `new` to the article's `source` list (a single source becomes a list); only the `source` lines
    change. False, and nothing written, when the source (its URL, else its name) is already listed."""
    data = path.read_bytes()
    lines = data.decode("utf-8").splitlines(keepends=True)
    start, end = _front_matter(lines, shown)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    first = next((n for n in range(start, end) if re.match(r"source\s*:", lines[n])), None)
    if first is None:
        old: list[Any] = []
        first = last = end  # no source yet: insert the key before the closing line
    else:
        last = first + 1
        while last < end and (lines[last][:1] in (" ", "\t", "-") and lines[last].strip()):
            last += 1
        value = (yamlfile.parse("".join(lines[first:last])) or {}).get("source")
        old = list(value) if isinstance(value, list) else [] if value is None else [value]
    if _listed(old, new):
        return False
    items = [*old, new]
    block = [f"source:{newline}"] + [f"  - {_item(item)}{newline}" for item in items]
    updated = [*lines[:first], *block, *lines[last:]]
    before = yamlfile.parse("".join(lines[start:end])) or {}
    after = yamlfile.parse("".join(updated[start : end - (last - first) + len(block)])) or {}
    if {k: v for k, v in after.items() if k != "source"} != {k: v for k, v in before.items() if k != "source"} \
            or after.get("source") != items:
        raise RuntimeError(f"{shown}: the source list would not read back as written")
    if not dry_run:
        _write_atomically(path, "".join(updated).encode("utf-8"))
    return True


def _listed(old: list[Any], new: dict[str, str] | str) -> bool:
    def key(item: Any) -> str:
        if isinstance(item, dict):
            return str(item.get("url") or item.get("name") or "")
        return str(item)

    return key(new) in {key(item) for item in old} | {str(item.get("name")) for item in old
                                                        if isinstance(item, dict) and isinstance(new, str)}


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
