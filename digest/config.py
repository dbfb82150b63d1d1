"""config.yaml -> Config (frozen), with every problem reported at its line."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from digest import yamlfile
from digest.charset import not_utf8_message
from digest.errors import Collector, display_path
from digest.text import clean_field

TOP_LEVEL_KEYS = (
    "title",
    "base_url",
    "default_language",
    "languages",
    "per_page",
    "timezone",
    "strings",
    "markdown",
    "cname",
    "search",
)
REQUIRED_KEYS = ("base_url", "default_language", "languages")
LANGUAGE_KEYS = ("title", "locale", "direction")
MARKDOWN_KEYS = ("html",)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Language:
    code: str
    title: str
    locale: str
    direction: str  # "ltr" or "rtl"


@dataclass(frozen=True)
class Config:
    root: Path
    title: str
    base_url: str  # absolute, always ends with "/"
    default_language: str
    languages: tuple[Language, ...]  # in switcher order
    per_page: int = 10
    timezone: str = "UTC"
    strings: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    markdown_html: bool = False
    cname: str | None = None
    search: bool = True
    output_dir: Path = Path("output")

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".digest-cache"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def base_path(self) -> str:
        """The path part of base_url ("/digest/"): the prefix of every root-relative link."""
        return urlsplit(self.base_url).path or "/"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.languages)

    def language(self, code: str) -> Language:
        for language in self.languages:
            if language.code == code:
                return language
        raise KeyError(code)


def normalize_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def load_config(path: Path, output_dir: Path | None = None, base_url: str | None = None) -> Config:
    """Read and validate a config file; raises SiteError listing every problem."""
    path = path.resolve()
    root = path.parent
    shown = display_path(path, Path.cwd())
    problems = Collector()
    try:
        if path.stat().st_size > 1_000_000:
            problems.add(shown, None, "config file too large (more than 1,000,000 bytes)")
            problems.raise_if_any()
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add(shown, None, _not_found_message(path))
        problems.raise_if_any()
    except OSError as error:
        problems.add(shown, None, f"cannot read config file: {error.strerror}")
        problems.raise_if_any()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(shown, raw[: error.start].count(b"\n") + 1, not_utf8_message(raw, error.start))
        problems.raise_if_any()

    try:
        data = yamlfile.parse(text)
    except yamlfile.YamlSyntaxError as error:
        problems.add(shown, error.line, error.message)
        problems.raise_if_any()
    if data is None:
        data = {}
    lines = yamlfile.line_finder(text)

    def report(key_path: tuple[Any, ...], message: str) -> None:
        problems.add(shown, lines(key_path), message)

    if not isinstance(data, dict):
        report((), "the configuration must be a mapping of keys to values")
        problems.raise_if_any()

    check_keys(data, TOP_LEVEL_KEYS, (), report)
    for key in REQUIRED_KEYS:
        if key not in data:
            report((), f"missing required key '{key}'")

    title = clean_field(expect(data, "title", str, "a string", report, default=""))
    url = expect(data, "base_url", str, "an absolute URL string", report, default="")
    if base_url is not None:
        url = base_url
    if url and not _is_absolute_http_url(url):
        report(("base_url",), f"'base_url' must be an absolute http(s) URL, not {url!r}")
    # Every language needs a title (pages, feeds): its own, else the site's, else the host name.
    title = title or urlsplit(url).netloc or "digest"
    languages = _languages(data.get("languages"), title, report)
    default_language = expect(data, "default_language", str, "a language code", report, default="")
    codes = [language.code for language in languages]
    if "default_language" in data and languages and default_language not in codes:
        report(
            ("default_language",),
            f"default_language {default_language!r} is not one of the languages ({', '.join(codes)})",
        )
    per_page = data.get("per_page", 10)
    if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
        report(("per_page",), f"'per_page' must be a positive integer, not {per_page!r}")
    timezone = expect(data, "timezone", str, "a time zone name such as Europe/Paris", report, default="UTC")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long to be a file name
            report(("timezone",), f"unknown time zone {timezone!r} (expected a name such as Europe/Paris)")
    strings = _strings(data.get("strings"), codes, report)
    markdown = data.get("markdown", {})
    markdown_html = False
    if not isinstance(markdown, dict):
        report(("markdown",), "'markdown' must be a mapping such as {html: false}")
    else:
        check_keys(markdown, MARKDOWN_KEYS, ("markdown",), report)
        markdown_html = expect(markdown, "html", bool, "true or false", report, False, ("markdown",))
    cname = expect(data, "cname", str, "a host name", report, default=None)
    search = expect(data, "search", bool, "true or false", report, default=True)

    problems.raise_if_any()
    return Config(
        root=root,
        title=title,
        base_url=normalize_base_url(url),
        default_language=default_language,
        languages=tuple(languages),
        per_page=per_page,
        timezone=timezone,
        strings=strings,
        markdown_html=markdown_html,
        cname=cname,
        search=search,
        output_dir=(output_dir or root / "output").resolve(),
    )


def _not_found_message(path: Path) -> str:
    """Where the config file was looked for, and the one in a folder above, if any (run from content/, say)."""
    above = next((folder / path.name for folder in path.parent.parents if (folder / path.name).is_file()), None)
    if above is not None:
        return (f"config file not found in {path.parent}{os.sep}; the site's is {above}: run digest in "
                f"{above.parent}{os.sep} or give --config {os.path.relpath(above)}")
    return f"config file not found in {path.parent}{os.sep}; run digest in the site's folder or give --config PATH"


def check_keys(data: Mapping[str, Any], known: tuple[str, ...], prefix: tuple[Any, ...], report: Any) -> None:
    """Report every key that is not in `known`, with a "did you mean" hint when one is close."""
    for key in data:
        if key in known:
            continue
        hint = difflib.get_close_matches(str(key), known, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else f" (known keys: {', '.join(known)})"
        where = ".".join(str(part) for part in (*prefix, key))
        report((*prefix, key), f"unknown key '{where}'{suggestion}")


def expect(
    data: Mapping[str, Any],
    key: str,
    kind: type,
    described: str,
    report: Any,
    default: Any,
    prefix: tuple[Any, ...] = (),
) -> Any:
    """data[key] if it has the expected type; otherwise report it and return the default."""
    if key not in data or data[key] is None:
        return default
    value = data[key]
    if kind is int and isinstance(value, bool):
        value = None
    if not isinstance(value, kind):
        where = ".".join(str(part) for part in (*prefix, key))
        report((*prefix, key), f"'{where}' must be {described}, not {type_name(data[key])}")
        return default
    return value


def type_name(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
             dict: "a mapping", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def _is_absolute_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _languages(value: Any, site_title: str, report: Any) -> list[Language]:
    if value is None:
        return []
    if not isinstance(value, dict) or not value:
        report(("languages",), "'languages' must be a mapping of language codes to settings")
        return []
    languages = []
    for code, settings in value.items():
        path = ("languages", code)
        if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
            report(path, f"invalid language code {code!r} (expected a code such as fr, en or pt-BR)")
            continue
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            report(path, f"'languages.{code}' must be a mapping such as {{title: ..., locale: ...}}")
            continue
        check_keys(settings, LANGUAGE_KEYS, path, report)
        title = clean_field(expect(settings, "title", str, "a string", report, site_title, path)) or site_title
        locale_name = expect(settings, "locale", str, "a locale such as fr_FR", report, code, path)
        try:
            locale = Locale.parse(locale_name.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            report((*path, "locale"), f"unknown locale {locale_name!r} for language '{code}'")
            locale = None
        direction = expect(settings, "direction", str, "ltr or rtl", report, None, path)
        if direction not in (None, "ltr", "rtl"):
            report((*path, "direction"), f"'languages.{code}.direction' must be ltr or rtl, not {direction!r}")
            direction = None
        if direction is None:
            direction = locale.text_direction if locale else "ltr"
        languages.append(Language(code=code, title=title, locale=locale_name, direction=direction))
    return languages


def _strings(value: Any, codes: list[str], report: Any) -> Mapping[str, Mapping[str, Any]]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict):
        report(("strings",), "'strings' must be a mapping of language codes to {key: text}")
        return MappingProxyType({})
    result: dict[str, Mapping[str, Any]] = {}
    for code, table in value.items():
        if code not in codes:
            report(("strings", code), f"strings for unknown language {code!r} (languages: {', '.join(codes)})")
            continue
        if not isinstance(table, dict):
            report(("strings", code), f"'strings.{code}' must be a mapping of keys to text")
            continue
        for key, text in table.items():
            plural = isinstance(text, dict) and all(isinstance(v, str) for v in text.values())
            if not isinstance(text, str) and not plural:
                report(("strings", code, key), f"'strings.{code}.{key}' must be text")
        result[code] = MappingProxyType(dict(table))
    return MappingProxyType(result)
