"""Slugs for URLs: lowercase, Latin diacritics folded, other scripts kept (NFC)."""

from __future__ import annotations

import re
import unicodedata

from slugify import slugify as _slugify
from text_unidecode import unidecode

# python-slugify's Unicode mode drops combining marks (Arabic harakat, Devanagari vowel signs),
# which would cut words apart; keep letters, digits and marks of every script.
_DISALLOWED = re.compile(r"[^\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
                         r"\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u0951-\u0957]+|_+")


def _fold_latin(text: str) -> str:
    return "".join(
        unidecode(char) if ord(char) > 127 and unicodedata.name(char, "").startswith("LATIN") else char
        for char in text
    )


def slugify(text: str) -> str:
    """`États-Unis` -> `etats-unis`, `Œuvre d'art` -> `oeuvre-d-art`, `العراق` -> `العراق`."""
    folded = _fold_latin(unicodedata.normalize("NFC", text))
    slug = _slugify(folded, allow_unicode=True, regex_pattern=_DISALLOWED)
    return unicodedata.normalize("NFC", slug)
