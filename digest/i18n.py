"""UI strings, localized dates and numbers (Babel)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from babel import Locale
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from digest.config import Config, Language
from digest.ui_strings import FALLBACK, shipped_strings


@cache
def babel_locale(name: str) -> Locale:
    return Locale.parse(name.replace("-", "_"))


class Translator:
    """`t("page_of", page=2, pages=7)` -> "Page 2 sur 7", numbers in the locale's digits."""

    def __init__(self, language: Language, table: Mapping[str, Any]) -> None:
        self.language = language
        self.locale = babel_locale(language.locale)
        self._table = table
        self._credit_label: re.Pattern[str] | None = None

    def __call__(self, key: str, count: int | None = None, **values: Any) -> str:
        text = self._table.get(key, key)
        if isinstance(text, Mapping):
            form = self.locale.plural_form(count if count is not None else 0)
            text = text.get(form, text.get("other", key))
        if count is not None:
            values["count"] = count
        shown = {name: self.number(v) if isinstance(v, int) else v for name, v in values.items()}
        return text.format(**shown) if shown else text

    def credit(self, credit: str) -> str:
        """A photo credit with its label ("Photo : AFP"), unless it already starts with one: the label of
        the `credit` string or one of `credit_labels` ("Photo: AFP", "Illustration : X" are shown as given)."""
        if self._credit_label is None:
            own, others = self._table.get("credit"), self._table.get("credit_labels")
            labels = [own.split("{credit}")[0] if isinstance(own, str) else "",
                      *(others.split(",") if isinstance(others, str) else ())]
            names = sorted({" ".join(label.strip(" :\u00a0\u202f").split()) for label in labels} - {""},
                           key=len, reverse=True)
            pattern = "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in names) or "(?!)"
            self._credit_label = re.compile(rf"(?:{pattern})\s*[:：]", re.IGNORECASE)
        return credit if self._credit_label.match(credit) else self("credit", credit=credit)

    def number(self, value: int) -> str:
        return _number(value, self.locale)

    def date(self, value: date | datetime) -> str:
        """The long date: "16 juillet 2024", "16 July 2024"."""
        return _long_date(value if type(value) is date else value.date(), self.locale)

    def month(self, value: date) -> str:
        """A month of a year: "juillet 2024", "July 2024"."""
        return format_skeleton("yMMMM", value, locale=self.locale)


@cache
def _number(value: int, locale: Locale) -> str:
    return format_decimal(value, locale=locale)


@cache
def _long_date(day: date, locale: Locale) -> str:
    return format_date(day, format="long", locale=locale)


def translator(config: Config, code: str) -> Translator:
    table = {**shipped_strings(FALLBACK), **shipped_strings(code), **config.strings.get(code, {})}
    return Translator(config.language(code), table)


def language_name(language: Language) -> str:
    """The language's name in itself, as a switcher shows it: "Français", "English", "العربية"."""
    name = babel_locale(language.locale).get_language_name() or language.code
    return name[:1].upper() + name[1:]


@cache
def og_locale(locale_name: str) -> str:
    """The locale as Open Graph wants it, language_TERRITORY: the configured territory, else the one CLDR's
    likely subtags give the language ("ar" -> "ar_EG", "fr" -> "fr_FR")."""
    locale = babel_locale(locale_name)
    territory = locale.territory
    if not territory:
        likely: Mapping[str, str] = get_global("likely_subtags")
        guess = likely.get(f"{locale.language}_{locale.script}") if locale.script else None
        guess = guess or likely.get(locale.language)
        territory = Locale.parse(guess).territory if guess else None
    return f"{locale.language}_{territory}" if territory else locale.language
