"""Text helpers shared by every kind of input: cleaning scraped lines, folding text for comparisons."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)  # zero-width spaces, BOM, soft hyphen
_TYPOGRAPHIC_SPACE = "\u00a0\u202f"
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})


def _without_controls(line: str) -> str:
    line = line.translate(_INVISIBLE).replace("\u2028", " ").replace("\u2029", " ")
    return "".join(char for char in line if char == "\t" or unicodedata.category(char) != "Cc")


def clean(line: str) -> str:
    """A scraped line as text: runs of spaces (non-breaking ones included) become one space.

    A lone non-breaking space of French typography (`Irak\u00a0:`, `«\u00a0x\u00a0»`) is kept.
    """

    def space(match: re.Match[str]) -> str:
        run = match.group()
        if len(run) == 1 and run in _TYPOGRAPHIC_SPACE:
            before, after = match.string[match.start() - 1 : match.start()], match.string[match.end() :][:1]
            if before == "«" or (after and after in ":;!?»%€"):
                return run
        return " "

    return re.sub(r"\s+", space, _without_controls(line).strip())


def fold(text: str) -> str:
    """Text for comparisons: case, accents, Arabic hamza and vowel marks, digit scripts folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        if unicodedata.category(char) == "Mn":
            continue
        if char.isdigit() and unicodedata.decimal(char, None) is not None:
            char = str(unicodedata.decimal(char))
        kept.append(char)
    return "".join(kept).casefold().translate(_ARABIC_FOLD)


def words(text: str) -> list[str]:
    """Folded words, without punctuation, quotes or apostrophes."""
    return [word for word in re.split(r"[\W_]+", fold(text)) if word]


def _is_arabic(word: str) -> bool:
    return bool(word) and "\u0600" <= word[0] <= "\u06ff"


def _same_word(token: str, word: str) -> bool:
    """Equal, or an Arabic token with attached conjunction/preposition (`والعراق`, `بالعراق`, `للعراق`)."""
    if token == word:
        return True
    if not _is_arabic(word) or len(word) < 3:
        return False
    if word.startswith("ال") and token in ("لل" + word[2:], "ولل" + word[2:]):
        return True
    for cut in (1, 2):
        if len(token) > cut and all(letter in "وفبكل" for letter in token[:cut]) and token[cut:] == word:
            return True
    return False


def _find_words(haystack: Sequence[str], needle: Sequence[str]) -> int | None:
    """Position of `needle` as consecutive words of `haystack`."""
    if not needle:
        return None
    for start in range(len(haystack) - len(needle) + 1):
        if all(_same_word(haystack[start + i], word) for i, word in enumerate(needle)):
            return start
    return None


_STOPWORDS = frozenset(words(
    "les des une pour par sur dans que qui est sont ont avec cette ces son ses leur leurs elle ils elles pas plus "
    "aux été être the and for with from are was were has have had that this its after into over their about "
    "من على إلى الى عن مع التي الذي هذا هذه أن إن كان"
))


def _content_words(text: str) -> set[str]:
    return {word for word in words(text) if len(word) >= 3 and word not in _STOPWORDS}


def markdown_escape(text: str) -> str:
    """A paragraph of plain text as Markdown that renders as the same text."""
    text = re.sub(r"([\\`*_\[\]<~|])", r"\\\1", text)
    text = re.sub(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|\w+;)", r"\\&", text)
    number = re.match(r"\d{1,9}(?=[.)])", text)
    if number:
        return number.group() + "\\" + text[number.end() :]
    if text[:1] in ("#", ">", "-", "+", "="):
        return "\\" + text
    return text
