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
from digest.images import ImageError, size_of
from digest.text import clean_field
from digest.ui_strings import FALLBACK, shipped_strings

TOP_LEVEL_KEYS = (
    "title",
    "description",
    "logo",
    "default_image",
    "base_url",
    "default_language",
    "languages",
    "per_page",
    "timezone",
    "strings",
    "markdown",
    "cname",
    "search",
    "newsletter",
    "import",
    "social_cards",
)
REQUIRED_KEYS = ("base_url", "default_language", "languages")
LANGUAGE_KEYS = ("title", "locale", "direction", "description")
# logo and default_image: image files of the site, copied to the output at the same path.
SITE_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")
MARKDOWN_KEYS = ("html",)
IMPORT_KEYS = ("download_images",)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Language:
    code: str
    title: str
    locale: str
    direction: str  # "ltr" or "rtl"
    description: str = ""  # the language's own, else the site's


@dataclass(frozen=True)
class SiteImage:
    """An image file of the site (logo, default image) named in config.yaml."""

    path: str  # below the site folder, with "/": also its path in the output (relative to base_url)
    width: int | None = None  # read from the file; None for SVG
    height: int | None = None


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
    description: str = ""
    logo: SiteImage | None = None
    default_image: SiteImage | None = None
    cname: str | None = None
    search: bool = True
    social_cards: bool = True  # a generated share image for each article without a photo (digest.cards)
    # Where the site is written changes nothing in it: left out of repr, which keys the build's caches.
    output_dir: Path = field(default=Path("output"), repr=False)
    # Only `digest newsletter` reads it: left out of repr, which keys the build's caches.
    newsletter: Newsletter | None = field(default=None, repr=False)
    # Only `digest import` reads it (`import: {download_images: true}`): left out of repr too.
    import_download_images: bool = field(default=False, repr=False)

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
    description = clean_field(expect(data, "description", str, "a string", report, default=""))
    languages = _languages(data.get("languages"), title, report, description)
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
    images = {key: _site_image(data, key, root, output_dir or root / "output", codes, report)
              for key in ("logo", "default_image")}
    markdown_html = _switch(data, "markdown", "html", MARKDOWN_KEYS, "false", report)
    cname = expect(data, "cname", str, "a host name", report, default=None)
    search = expect(data, "search", bool, "true or false", report, default=True)
    social_cards = expect(data, "social_cards", bool, "true or false", report, default=True)
    newsletter = _newsletter(data.get("newsletter"), report)
    download_images = _switch(data, "import", "download_images", IMPORT_KEYS, "true", report)

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
        description=description,
        logo=images["logo"],
        default_image=images["default_image"],
        cname=cname,
        search=search,
        social_cards=social_cards,
        output_dir=(output_dir or root / "output").resolve(),
        newsletter=newsletter,
        import_download_images=download_images,
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


def _languages(value: Any, site_title: str, report: Any, site_description: str = "") -> list[Language]:
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
        description = clean_field(expect(settings, "description", str, "a string", report, "", path))
        languages.append(Language(code=code, title=title, locale=locale_name, direction=direction,
                                  description=description or site_description))
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
            elif any(not form.strip() for form in ([text] if isinstance(text, str) else text.values())):
                # An empty title or label leaves a feed without its required title, a link without text.
                report(("strings", code, key), f"'strings.{code}.{key}' must not be empty "
                                               "(leave the key out to keep the theme's text)")
            else:
                problem = _placeholder_problem(text if isinstance(text, str) else text.values(),
                                               _placeholders(code, key))
                if problem:
                    report(("strings", code, key), f"'strings.{code}.{key}': {problem}")
        result[code] = MappingProxyType(dict(table))
    return MappingProxyType(result)


class _AnyValue(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "x"


def _placeholders(code: str, key: str) -> set[str] | None:
    """The {names} the theme fills in for a UI string (from its shipped versions); None for a key the theme
    does not ship (a site's own string, for its own templates)."""
    from string import Formatter

    shipped = [table[key] for table in (shipped_strings(FALLBACK), shipped_strings(code)) if key in table]
    if not shipped:
        return None
    forms = [form for text in shipped for form in ([text] if isinstance(text, str) else text.values())]
    return {name for form in forms for _, name, _, _ in Formatter().parse(form) if name}


def _placeholder_problem(forms: Any, allowed: set[str] | None) -> str | None:
    """Why a UI string cannot be filled in (str.format): a lone brace, an unknown {name}; None if it can."""
    from string import Formatter

    for form in [forms] if isinstance(forms, str) else forms:
        try:
            names = [name for _, name, _, _ in Formatter().parse(form) if name is not None]
            form.format_map(_AnyValue())
        except (ValueError, IndexError, KeyError, AttributeError, TypeError) as error:
            hint = " (write {{ and }} for a brace itself)" if "Single" in str(error) else ""
            return f"{error} in {form!r}{hint}"
        unknown = [name for name in names if allowed is not None and name not in allowed]
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in sorted(allowed or ())) or "none"
            return f"unknown placeholder {{{unknown[0]}}} in {form!r} (this text has: {known})"
    return None


def _site_image(data: Mapping[str, Any], key: str, root: Path, output_dir: Path, codes: list[str],
                report: Any) -> SiteImage | None:
    """`logo` or `default_image`: an image file inside the site folder, outside what the build writes."""
    value = expect(data, key, str, "the path of an image file in the site folder, such as logo.png", report, None)
    if value is None or not value.strip():
        return None
    value = value.strip()
    where = (key,)
    if urlsplit(value).scheme or value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", value):
        report(where, f"'{key}' must be a path relative to the site folder (such as images/logo.png), not {value!r}")
        return None
    if not value.lower().endswith(SITE_IMAGE_SUFFIXES):
        report(where, f"'{key}' must be an image file ({', '.join(SITE_IMAGE_SUFFIXES)}), not {value!r}")
        return None
    try:
        file = (root / value).resolve()
        relative = file.relative_to(root)
    except (ValueError, OSError, RuntimeError):
        report(where, f"'{key}' must be inside the site folder, not {value!r}")
        return None
    parts = relative.parts
    if file.is_relative_to(output_dir.resolve()) or parts[0] in (*codes, "assets", "pagefind") or \
            any(part.startswith(".") for part in parts):
        report(where, f"'{key}' cannot be in {parts[0]}/: the build writes that folder (put it in images/, "
               "for example)")
        return None
    if not file.is_file():
        report(where, f"'{key}': file not found: {value!r} (looked for {file})")
        return None
    try:
        size = size_of(file)
    except (ImageError, OSError) as error:
        report(where, f"'{key}': cannot read {value!r}: {error}")
        return None
    if size is None and file.suffix.lower() != ".svg":
        report(where, f"'{key}': {value!r} is not an image digest can read")
        return None
    width, height = size or (None, None)
    return SiteImage(path=relative.as_posix(), width=width, height=height)
# --- newsletter: (digest newsletter, see digest/newsletter.py) ---

NEWSLETTER_KEYS = ("from", "to", "reply_to", "unsubscribe", "subject", "smtp")
SMTP_KEYS = ("host", "port", "security", "username")
SMTP_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}  # -> default port
SUBJECT_FIELDS = ("title", "date")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # starttls | ssl | none
    username: str | None = None


@dataclass(frozen=True)
class Newsletter:
    sender: str  # "Name <address>"
    to: tuple[str, ...]
    reply_to: str | None = None
    unsubscribe: str | None = None  # mailto: or https: URL
    subject: str = "{title} – {date}"
    smtp: Smtp | None = None


def _switch(data: dict[str, Any], section: str, key: str, keys: tuple[str, ...], example: str, report: Any) -> bool:
    """A section holding one true/false setting, such as `markdown: {html: false}`; false when absent."""
    settings = data.get(section, {})
    if not isinstance(settings, dict):
        report((section,), f"'{section}' must be a mapping such as {{{key}: {example}}}")
        return False
    check_keys(settings, keys, (section,), report)
    return expect(settings, key, bool, "true or false", report, False, (section,))


def _newsletter(value: Any, report: Any) -> Newsletter | None:
    if value is None:
        return None
    where = ("newsletter",)
    if not isinstance(value, dict):
        report(where, f"'newsletter' must be a mapping such as {{from: ..., to: [...]}}, not {type_name(value)}")
        return None
    check_keys(value, NEWSLETTER_KEYS, where, report)
    for key in ("from", "to"):
        if value.get(key) is None:
            report(where, f"missing required key 'newsletter.{key}'")
    sender = _address(value, "from", report)
    to = value.get("to")
    recipients: list[str] = []
    if isinstance(to, str):
        to = [to]
    if isinstance(to, list) and to:
        for index, item in enumerate(to):
            if not isinstance(item, str) or _bad_address(item):
                report((*where, "to", index), f"'newsletter.to' must list e-mail addresses, not {item!r}")
            else:
                recipients.append(item.strip())
    elif to is not None:
        report((*where, "to"), f"'newsletter.to' must be an e-mail address or a list of them, not {type_name(to)}")
    reply_to = _address(value, "reply_to", report)
    unsubscribe = expect(value, "unsubscribe", str, "a mailto: or https: URL", report, None, where)
    if unsubscribe is not None:
        parts = urlsplit(unsubscribe.strip())
        if not ((parts.scheme == "https" and parts.netloc) or (parts.scheme == "mailto" and parts.path)):
            report((*where, "unsubscribe"), f"'newsletter.unsubscribe' must be a mailto: or https: URL, "
                                            f"not {unsubscribe!r}")
        unsubscribe = unsubscribe.strip()
    subject = expect(value, "subject", str, "a text such as \"{title} – {date}\"", report, None, where)
    if subject is not None:
        problem = _subject_problem(subject)
        if problem:
            report((*where, "subject"), f"'newsletter.subject' {problem}")
    smtp = _smtp(value.get("smtp"), report)
    if sender is None or not recipients:
        return None
    return Newsletter(sender=sender, to=tuple(recipients), reply_to=reply_to, unsubscribe=unsubscribe,
                      subject=subject or Newsletter.subject, smtp=smtp)


def _address(data: Mapping[str, Any], key: str, report: Any) -> str | None:
    value = expect(data, key, str, "an e-mail address", report, None, ("newsletter",))
    if value is not None and _bad_address(value):
        report(("newsletter", key), f"'newsletter.{key}' must be an e-mail address such as "
                                    f"\"Name <name@example.org>\", not {value!r}")
        return None
    return value.strip() if value else None


def _bad_address(text: str) -> bool:
    """Whether the text is not exactly one e-mail address ("name@example.org" or "Name <name@example.org>")."""
    from email.errors import HeaderParseError
    from email.policy import default

    if "\n" in text or "\r" in text:
        return True
    try:
        header = default.header_factory("to", text)
        addresses = header.addresses
    except (HeaderParseError, ValueError, IndexError):
        return True
    return bool(header.defects) or len(addresses) != 1 or not addresses[0].username \
        or not addresses[0].domain


def _subject_problem(subject: str) -> str | None:
    import string

    try:
        names = [name for _, name, _, _ in string.Formatter().parse(subject) if name is not None]
    except ValueError as error:
        return f"is not a valid template ({error}; write {{{{ and }}}} for braces)"
    unknown = [name for name in names if name not in SUBJECT_FIELDS]
    if unknown:
        return f"has an unknown field {{{unknown[0]}}} (known: {{title}}, {{date}})"
    return None


def _smtp(value: Any, report: Any) -> Smtp | None:
    if value is None:
        return None
    where = ("newsletter", "smtp")
    if not isinstance(value, dict):
        report(where, f"'newsletter.smtp' must be a mapping such as {{host: ..., port: 587}}, not {type_name(value)}")
        return None
    check_keys(value, SMTP_KEYS, where, report)
    host = expect(value, "host", str, "a host name", report, None, where)
    if not host:
        report(where, "missing required key 'newsletter.smtp.host'")
    security = expect(value, "security", str, "starttls, ssl or none", report, "starttls", where)
    if security not in SMTP_SECURITY:
        report((*where, "security"), f"'newsletter.smtp.security' must be starttls, ssl or none, not {security!r}")
        security = "starttls"
    port = expect(value, "port", int, "a port number", report, SMTP_SECURITY[security], where)
    if not 0 < port < 65536:
        report((*where, "port"), f"'newsletter.smtp.port' must be a port number (1 to 65535), not {port}")
    username = expect(value, "username", str, "a user name", report, None, where)
    if not host:
        return None
    return Smtp(host=host.strip(), port=port, security=security, username=username or None)
