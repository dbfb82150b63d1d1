"""Same story or not: how `digest import` and `digest status` find one story told twice.

Two texts are the same story when most of the shorter one's word 3-grams (shingles) are also in the
other: the containment |A ∩ B| / min(|A|, |B|) of their shingle sets. A wire story reprinted by another
outlet keeps most of its sentences, so a new headline, a reworded first sentence or a paragraph added
or cut leaves the containment high; two reports of different events that share places, people and a
topic share names and a few set phrases, not runs of three words sentence after sentence.

Texts are compared as normalised words: case, Latin accents, Arabic vowel marks (harakat), hamza on
alef (أ إ آ ٱ -> ا), tatweel, ta marbuta and alef maqsura folded, digits of every script read as digits.
Only the title and the first MAX_WORDS words count (the lead carries the story; it bounds the cost),
and only articles of one language dated within WINDOW of each other are compared. The threshold
was tuned on a labelled set of wire copy in en, fr and ar (bench/similarity.py, bench/README.md).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

WINDOW = timedelta(days=3)
THRESHOLD = 0.5  # containment at or above which two texts are the same story
MIN_SHARED = 12  # fewer shingles in common is never enough: too little text to tell
MAX_WORDS = 400
SHINGLE = 3
COMMON = 50  # a shingle found in more articles of one window than this is a set phrase, not a story

_MARKS = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]+")
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"https?://\S+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
_LETTERS = str.maketrans({"ٱ": "ا", "أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": None})


@lru_cache(maxsize=1)
def _digits() -> dict[int, str]:
    """Every decimal digit of Unicode (Arabic-Indic, Persian, ...) -> its ASCII digit."""
    return {code: str(unicodedata.decimal(chr(code))) for code in range(sys.maxunicode + 1)
            if unicodedata.category(chr(code)) == "Nd" and not chr(code).isascii()}


def normalise(text: str) -> str:
    """Text folded for comparison (see the module's docstring); whole-string operations only, for speed."""
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    text = _MARKS.sub("", text)
    if not text.isascii():
        text = text.translate(_digits())
    return text.casefold()


def words(text: str, limit: int = MAX_WORDS) -> list[str]:
    return _WORD.findall(normalise(text))[:limit]


def shingles(text: str) -> frozenset[str]:
    """The text's word 3-grams (a text shorter than that: its words)."""
    found = words(text)
    if len(found) < SHINGLE:
        return frozenset(found)
    return frozenset(" ".join(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1))


def plain_text(html: str) -> str:
    """An article's rendered body as text: tags, entities and links dropped."""
    return _ENTITY.sub(" ", _TAG.sub(" ", html))


def markdown_text(markdown: str) -> str:
    return _URL.sub(" ", markdown)


def fingerprint(title: str, body: str) -> frozenset[str]:
    """What is compared of an article: its title, then the start of its body."""
    return shingles(f"{title}\n{body[: MAX_WORDS * 12]}")


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Containment of the smaller shingle set in the other, 0 to 1."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def same_story(a: frozenset[str], b: frozenset[str]) -> float | None:
    """The similarity when the two texts are the same story, else None."""
    shared = len(a & b)
    if shared < MIN_SHARED:
        return None
    score = shared / min(len(a), len(b))
    return score if score >= THRESHOLD else None


def within(a: datetime, b: datetime) -> bool:
    return abs(a - b) <= WINDOW


@dataclass(frozen=True)
class Story:
    """One article as compared: who it is, its language and date, its shingles."""

    name: str  # the file, relative to the site
    lang: str
    date: datetime
    shingles: frozenset[str]


def best_match(new: frozenset[str], when: datetime, candidates: Iterable[Story]) -> tuple[Story, float] | None:
    """The article among `candidates` (one language) dated within the window that is most the same story."""
    found = []
    for story in candidates:
        if within(story.date, when) and (score := same_story(new, story.shingles)) is not None:
            found.append((-score, story.name, story))
    if not found:
        return None
    score, _, story = min(found, key=lambda f: f[:2])
    return story, -score


def duplicates(stories: Sequence[Story]) -> list[tuple[Story, Story, float]]:
    """Pairs of articles (one language, within the window) that are the same story, by name.

    An inverted index from shingle to the articles having it finds the candidate pairs: only articles
    sharing shingles within the window are compared, so the cost follows the window, not the site.
    """
    pairs: list[tuple[Story, Story, float]] = []
    by_lang: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_lang[story.lang].append(story)
    for group in by_lang.values():
        group.sort(key=lambda s: (s.date, s.name))
        postings: dict[str, list[int]] = defaultdict(list)
        for index, story in enumerate(group):
            for shingle in story.shingles:
                postings[shingle].append(index)
        shared: dict[tuple[int, int], int] = defaultdict(int)
        for indexes in postings.values():
            if len(indexes) < 2:
                continue
            for n, i in enumerate(indexes):
                first = group[i].date
                for j in indexes[n + 1 : n + 1 + COMMON]:
                    if group[j].date - first > WINDOW:
                        break
                    shared[i, j] += 1
        for (i, j), count in shared.items():
            if count < MIN_SHARED:
                continue
            a, b = group[i], group[j]
            score = same_story(a.shingles, b.shingles)
            if score is not None:
                pairs.append((a, b, score) if a.name < b.name else (b, a, score))
    return sorted(pairs, key=lambda p: (p[0].name, p[1].name))
