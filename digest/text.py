"""Text pasted from anywhere, made safe for HTML and XML."""

from __future__ import annotations

import re

# C0 controls but tab, newline and carriage return; C1 controls but NEL; non-characters; lone surrogates.
# Word processors and web pages leave them in pasted text; XML (feeds, sitemaps) forbids them.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """The text without invisible control characters."""
    return _UNWANTED.sub("", text)


def clean_field(value: object) -> str:
    """A one-value front matter or config field as text: cleaned and trimmed."""
    return clean(str(value)).strip()
