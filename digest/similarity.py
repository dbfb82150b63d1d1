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
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(days=3)
THRESHOLD = 0.5  # containment at or above which two texts are the same story
MIN_SHARED = 12  # fewer shingles in common is never enough: too little text to tell
MAX_WORDS = 150
SKETCH = 32  # `digest status`: articles are compared when their sketches (smallest shingle hashes) meet

Shingle = tuple[str, str, str]

_MARKS = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]+")
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"https?://\S+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
_LETTERS = str.maketrans({"ٱ": "ا", "أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # Arabic-Indic, Persian, ... digits


def normalise(text: str) -> str:
    """Text folded for comparison (see the module's docstring); whole-string operations, for speed."""
    if text.isascii():
        return text.casefold()
    if _ARABIC.search(text):
        text = text.translate(_LETTERS)
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    if _OTHER_DIGIT.search(text):
        text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), text)
    return text.casefold()


def words(text: str, limit: int = MAX_WORDS) -> list[str]:
    return _WORD.findall(normalise(text))[:limit]


def shingles(text: str) -> frozenset[Shingle]:
    """The text's word 3-grams."""
    found = words(text)
    return frozenset(zip(found, found[1:], found[2:], strict=False))


def plain_text(html: str) -> str:
    """An article's rendered body as text: tags, entities and links dropped."""
    return _ENTITY.sub(" ", _TAG.sub(" ", html))


def markdown_text(markdown: str) -> str:
    return _URL.sub(" ", markdown)


def fingerprint(title: str, body: str) -> frozenset[Shingle]:
    """What is compared of an article: its title, then the start of its body."""
    return shingles(f"{title}\n{body[: MAX_WORDS * 10]}")


def similarity(a: frozenset[Shingle], b: frozenset[Shingle]) -> float:
    """Containment of the smaller shingle set in the other, 0 to 1."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def same_story(a: frozenset[Shingle], b: frozenset[Shingle]) -> float | None:
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
    shingles: frozenset[Shingle]


def best_match(new: frozenset[Shingle], when: datetime, candidates: Iterable[Story]) -> tuple[Story, float] | None:
    """The article among `candidates` (one language) dated within the window that is most the same story."""
    found = []
    for story in candidates:
        if within(story.date, when) and (score := same_story(new, story.shingles)) is not None:
            found.append((-score, story.name, story))
    if not found:
        return None
    score, _, story = min(found, key=lambda f: f[:2])
    return story, -score


def sketch(shingles: frozenset[Shingle]) -> list[int]:
    """The SKETCH smallest hashes of the shingles: two texts that share many shingles share some of these
    (bottom-k MinHash), so only articles whose sketches meet need comparing."""
    return sorted(map(hash, shingles))[:SKETCH]


def duplicates(stories: Sequence[Story]) -> list[tuple[Story, Story, float]]:
    """Pairs of articles (one language, within the window) that are the same story, by name.

    Articles are taken in date order; an index of the sketches of the articles still within the window
    gives the candidates to compare exactly, so the cost follows the window, not the site.
    """
    pairs: list[tuple[Story, Story, float]] = []
    by_lang: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_lang[story.lang].append(story)
    for group in by_lang.values():
        group.sort(key=lambda s: (s.date, s.name))
        index: dict[int, list[int]] = {}
        sketches = [sketch(story.shingles) for story in group]
        oldest = 0  # the first article still within the window of the current one
        for current, story in enumerate(group):
            while story.date - group[oldest].date > WINDOW:
                for value in sketches[oldest]:
                    bucket = index[value]
                    bucket.remove(oldest)
                    if not bucket:
                        del index[value]
                oldest += 1
            candidates: set[int] = set()
            for value in sketches[current]:
                bucket = index.get(value)
                if bucket is None:
                    index[value] = [current]
                else:
                    candidates.update(bucket)
                    bucket.append(current)
            for other in sorted(candidates):
                score = same_story(group[other].shingles, story.shingles)
                if score is not None:
                    a, b = sorted((group[other], story), key=lambda s: s.name)
                    pairs.append((a, b, score))
    return sorted(pairs, key=lambda p: (p[0].name, p[1].name))
