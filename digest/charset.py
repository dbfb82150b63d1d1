"""What a file that is not UTF-8 probably is: the hint that helps an editor save it right."""

from __future__ import annotations

import re

# The legacy Windows code page each language's files were usually saved in (default: Western, 1252).
_WINDOWS_CODE_PAGE = {
    "ar": "cp1256", "fa": "cp1256", "ur": "cp1256", "ru": "cp1251", "uk": "cp1251", "bg": "cp1251",
    "sr": "cp1251", "el": "cp1253", "tr": "cp1254", "he": "cp1255", "pl": "cp1250", "cs": "cp1250",
    "sk": "cp1250", "hu": "cp1250", "ro": "cp1250", "hr": "cp1250", "sl": "cp1250", "lt": "cp1257",
    "lv": "cp1257", "et": "cp1257", "vi": "cp1258",
}


def guess_encoding(data: bytes, lang: str | None = None) -> str | None:
    """The encoding `data` most likely is, named as editors know it ("Windows-1252"), or None.

    charset-normalizer ranks the candidates; on a short text many fit, so the one usual for the
    article's language wins among them.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    from charset_normalizer import from_bytes

    candidates = [match.encoding for match in from_bytes(data)]
    if not candidates:
        return None
    usual = _WINDOWS_CODE_PAGE.get((lang or "").split("-")[0], "cp1252")
    return _display_name(usual if usual in candidates else candidates[0])


def _display_name(codec: str) -> str:
    if match := re.fullmatch(r"cp(125\d)", codec):
        return f"Windows-{match[1]}"
    if match := re.fullmatch(r"iso8859_(\d+)", codec):
        return f"ISO-8859-{match[1]}"
    return {"latin_1": "ISO-8859-1", "mac_roman": "Mac Roman", "utf_16": "UTF-16", "ascii": "ASCII"}.get(
        codec, codec.replace("_", "-").upper())


def not_utf8_message(data: bytes, position: int, lang: str | None = None) -> str:
    """`not valid UTF-8 text (byte 14): save the file as UTF-8 (it looks like Windows-1252)`."""
    guess = guess_encoding(data, lang)
    looks = f" (it looks like {guess})" if guess else ""
    return f"not valid UTF-8 text (byte {position}): save the file as UTF-8{looks}"
