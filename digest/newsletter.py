"""A day's edition (or an ISO week's editions) as an e-mail: one multipart/alternative message.

The message is rendered through templates/newsletter.html and templates/newsletter.txt (overridable
like every template), its CSS inlined with css-inline, and either written to newsletters/<lang>/
(with its HTML part beside it, for pasting into any e-mail service) or sent over SMTP (see
digest/mailer.py). Everything in it follows from the site's input: the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import css_inline
import jinja2

from digest import urls
from digest.config import Config
from digest.content import Article, ArticleCache, Image, load_articles
from digest.errors import Problem, SiteError, display_path
from digest.i18n import Translator, language_name, translator
from digest.parallel import jobs
from digest.records import write_atomically
from digest.render import make_environment, render_template
from digest.site import Edition, Site, build_site
from digest.theme import check_templates

PASSWORD_VARIABLE = "DIGEST_SMTP_PASSWORD"  # the SMTP password: never in config.yaml
HTML_LIMIT = 102_000  # bytes: Gmail clips a message whose HTML is larger ("[Message clipped]")
THUMBNAIL_WIDTH = 120  # CSS pixels; the image chosen is at least twice as wide, for sharp screens
PREHEADER_LENGTH = 140
FOLDER = "newsletters"
# CRLF lines, MIME parts in 7-bit transfer encodings (quoted-printable or base64, whichever is shorter):
# any SMTP server takes it as it is.
POLICY = EmailPolicy(linesep="\r\n", cte_type="7bit", max_line_length=78)
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KEPT_STYLE = re.compile(r"(.*?<head[^>]*>)\s*(<style>.*?</style>)\s*", re.DOTALL)  # css-inline's kept @media


@dataclass(frozen=True)
class Week:
    year: int
    number: int

    @property
    def name(self) -> str:
        return f"{self.year:04d}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 7)


@dataclass(frozen=True)
class Selection:
    """What one newsletter covers: one language, one day or one ISO week."""

    lang: str
    editions: tuple[Edition, ...]  # oldest first
    week: Week | None = None

    @property
    def name(self) -> str:
        """The edition's name, in file names and newsletters/sent.yaml: 2024-07-16 or 2024-W29."""
        return self.week.name if self.week else self.editions[0].day.isoformat()


@dataclass(frozen=True)
class Thumbnail:
    src: str  # absolute URL
    width: int
    height: int | None  # None only for a remote image, whose size is unknown
    alt: str


@dataclass(frozen=True)
class Day:
    """One edition as the e-mail shows it."""

    edition: Edition
    sections: tuple[tuple[str, tuple[Article, ...]], ...]
    more: int  # articles of the day left out to keep the message under Gmail's limit
    url: str  # absolute URL of the edition page

    @property
    def day(self) -> date:
        return self.edition.day


@dataclass(frozen=True)
class Newsletter:
    lang: str
    name: str  # 2024-07-16 or 2024-W29
    subject: str
    message_id: str
    recipients: tuple[str, ...]
    message: EmailMessage
    html: bytes  # the HTML part, UTF-8

    @property
    def data(self) -> bytes:
        """The whole message, as written to the .eml file and sent."""
        return self.message.as_bytes(policy=POLICY)


def parse_day(text: str) -> date:
    """--edition YYYY-MM-DD; ValueError with a readable message otherwise."""
    if not DAY.match(text):
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def parse_week(text: str) -> Week:
    """--week YYYY-Www (ISO week, e.g. 2024-W29); ValueError with a readable message otherwise."""
    found = WEEK.match(text)
    if not found:
        raise ValueError(f"{text!r} is not an ISO week of the form YYYY-Www (e.g. 2024-W29)")
    week = Week(int(found.group(1)), int(found.group(2)))
    try:
        week.monday  # noqa: B018 (weeks 53 exist in some years only)
    except ValueError:
        raise ValueError(f"{text!r} is not a week of {week.year}") from None
    return week


def config_problem(config_file: Path, message: str) -> SiteError:
    return SiteError([Problem(display_path(config_file.resolve(), Path.cwd()), None, message)])


def check_language(config: Config, lang: str, config_file: Path) -> None:
    if lang not in config.language_codes:
        raise config_problem(config_file, f"unknown language {lang!r} (languages: {', '.join(config.language_codes)})")


def load_site(config: Config) -> Site:
    """The site as `digest build` sees it (published articles), reading the build's article cache."""
    check_templates(config)
    articles = load_articles(config, ArticleCache.load(config.cache_dir / "articles"), jobs())
    return build_site(config, articles, include_drafts=False)


def select(site: Site, lang: str, day: date | None = None, week: Week | None = None) -> Selection:
    """The newest edition, a given day's, or a given week's; SiteError when there is none."""
    editions = site.editions[lang]
    where = display_path(site.config.content_dir / lang, Path.cwd()) + "/"
    if week is not None:
        found = tuple(e for e in reversed(editions) if week.monday <= e.day <= week.sunday)
        if not found:
            raise SiteError([Problem(where, None, f"no '{lang}' edition in week {week.name} "
                                                  f"({week.monday.isoformat()} to {week.sunday.isoformat()})")])
        return Selection(lang, found, week)
    if day is None:
        if not editions:
            raise SiteError([Problem(where, None, f"no '{lang}' article published yet: no edition to send")])
        return Selection(lang, (editions[0],))
    for edition in editions:
        if edition.day == day:
            return Selection(lang, (edition,))
    newest = f" (the newest is {editions[0].day.isoformat()})" if editions else ""
    raise SiteError([Problem(where, None, f"no '{lang}' edition on {day.isoformat()}{newest}")])


def compose(site: Site, selection: Selection) -> Newsletter:
    """Render the message; raises SiteError for a template mistake or a message that cannot fit."""
    config = site.config
    lang = selection.lang
    t = translator(config, lang)
    language = config.language(lang)
    newest = selection.editions[-1]
    when = max(a.date for e in selection.editions for a in e.articles)
    date_text = t("newsletter_week", date=t.date(selection.week.monday)) if selection.week else t.date(newest.day)
    settings = config.newsletter
    subject_template = settings.subject if settings else "{title} – {date}"
    subject = " ".join(subject_template.format(title=language.title, date=date_text).split())
    env = _environment(config)

    def absolute(path: str) -> str:
        return config.base_url + urls.encode(path)

    def render(limit: int | None) -> tuple[bytes, bytes]:
        days = _days(selection.editions, limit, t, absolute)
        context = _context(site, selection, days, t, subject, absolute)
        html = _inline(render_template(env, "newsletter.html", context, config), config)
        text = render_template(env, "newsletter.txt", context, config)
        return html, text

    html, text = render(None)
    if len(html) > HTML_LIMIT:
        html, text = _fit(render, sum(len(e.articles) for e in selection.editions), config)

    host = urlsplit(config.base_url).hostname or "digest.invalid"
    site_key = hashlib.sha256(config.base_url.encode()).hexdigest()[:10]
    message_id = f"<{selection.name}.{lang}.newsletter.{site_key}@{host}>"
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    recipients: tuple[str, ...] = ()
    if settings:
        message["From"] = settings.sender
        message["To"] = ", ".join(settings.to)
        if settings.reply_to:
            message["Reply-To"] = settings.reply_to
        recipients = tuple(address_of(to) for to in settings.to)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    if settings and settings.unsubscribe:
        message["List-Unsubscribe"] = f"<{settings.unsubscribe}>"
        if settings.unsubscribe.startswith("https:"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text.decode("utf-8"), charset="utf-8")
    message.add_alternative(html.decode("utf-8"), subtype="html", charset="utf-8")
    message["Content-Language"] = lang  # after the parts are made: they take the Content-* headers given before
    # The boundary is random unless given: derive it from the content, so the same input gives the same bytes.
    message.set_boundary("=_digest_" + hashlib.sha256(html + text).hexdigest()[:32])
    return Newsletter(lang=lang, name=selection.name, subject=subject, message_id=message_id,
                      recipients=recipients, message=message, html=html)


def address_of(text: str) -> str:
    """"Name <name@example.org>" -> "name@example.org" (the SMTP envelope takes bare addresses)."""
    from email.policy import default

    header = default.header_factory("to", text)
    address: Address = header.addresses[0]
    return address.addr_spec


def default_file(config: Config, newsletter: Newsletter) -> Path:
    return config.root / FOLDER / newsletter.lang / f"{newsletter.name}.eml"


def write(config: Config, newsletter: Newsletter, output: Path | None = None) -> tuple[Path, Path]:
    """Write the .eml file and its HTML part beside it (.html); returns both paths."""
    eml = output if output is not None else default_file(config, newsletter)
    html = eml.with_suffix(".html")
    if html == eml:
        raise SiteError([Problem(str(eml), None, "the message file must not end in .html "
                                                 "(its HTML part is written beside it as .html)")])
    if eml.is_dir():
        raise SiteError([Problem(str(eml), None, "is a folder: --output names the .eml file to write")])
    write_atomically(eml, newsletter.data)
    write_atomically(html, newsletter.html)
    return eml, html


def _environment(config: Config) -> jinja2.Environment:
    """The site's template environment, with autoescaping for HTML only (the text part is plain text)."""
    return make_environment(config).overlay(
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=False,
                                            default=False))


def _inline(html: bytes, config: Config) -> bytes:
    """Move the template's <style> rules into style attributes (e-mail clients drop or mangle <style>);
    @media rules (dark mode, small screens) stay in a <style> block, as extras nothing depends on."""
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, keep_link_tags=False)
    try:
        inlined = inliner.inline(html.decode("utf-8"))
    except css_inline.InlineError as error:
        raise SiteError([Problem("templates/newsletter.html", None, f"cannot inline its CSS: {error}")]) from None
    return _kept_style_last(inlined).encode("utf-8")


def _kept_style_last(html: str) -> str:
    """css-inline puts the kept @media rules first in <head>: move them to its end, so that <meta charset>
    stays within the first 1,024 bytes, where a parser looks for it (HTML spec; Nu reports it otherwise)."""
    found = KEPT_STYLE.match(html)
    if not found:
        return html
    head, style = found.group(1), found.group(2)
    rest = html[found.end():]
    return head + rest.replace("</head>", style + "\n</head>", 1)


def _days(editions: Sequence[Edition], limit: int | None, t: Translator, absolute: Any) -> list[Day]:
    """The editions as shown, the first `limit` articles only (all when None)."""
    days = []
    left = limit
    for edition in editions:
        shown = edition.articles if left is None else edition.articles[:left]
        if left is not None:
            left -= len(shown)
        trimmed = replace(edition, articles=tuple(shown))
        days.append(Day(edition=edition, sections=trimmed.sections(t("other_news")),
                        more=len(edition.articles) - len(shown), url=absolute(edition.url)))
    return days


def _fit(render: Any, total: int, config: Config) -> tuple[bytes, bytes]:
    """The most articles that keep the HTML under the limit (the rest are counted, with a link)."""
    low, high = 0, total - 1
    best = None
    while low <= high:
        middle = (low + high) // 2
        html, text = render(middle)
        if len(html) <= HTML_LIMIT:
            best, low = (html, text), middle + 1
        else:
            high = middle - 1
    if best is None:
        raise SiteError([Problem("templates/newsletter.html", None, f"the message's HTML is over "
                                 f"{HTML_LIMIT:,} bytes even without articles (Gmail clips larger messages)")])
    return best


def _context(site: Site, selection: Selection, days: list[Day], t: Translator, subject: str,
             absolute: Any) -> dict[str, Any]:
    config = site.config
    lang = selection.lang
    newest = selection.editions[-1]
    view = urls.month(lang, newest.day.year, newest.day.month) if selection.week else newest.url
    others = []
    for language in config.languages:
        if language.code == lang:
            continue
        days_there = [e.day for e in site.editions[language.code]
                      if selection.editions[0].day <= e.day <= newest.day
                      and (selection.week or e.day == newest.day)]
        if days_there:
            others.append({"code": language.code, "name": language_name(language),
                           "url": absolute(urls.edition(language.code, max(days_there)))})
    titles = [a.title for d in days for _, articles in d.sections for a in articles]
    settings = config.newsletter
    return {
        "config": config,
        "site": site,
        "language": config.language(lang),
        "t": t,
        "date": t.date,
        "date_month": t.month,
        "site_title": config.language(lang).title,
        "subject": subject,
        "preheader": _preheader(titles),
        "days": days,
        "week": selection.week,
        "article_count": sum(len(a) for d in days for _, a in d.sections),
        "view_url": absolute(view),
        "home_url": absolute(urls.home(lang)),
        "feed_url": absolute(urls.feed(lang)),
        "editions_feed_url": absolute(urls.editions_feed(lang)),
        "other_languages": others,
        "unsubscribe": settings.unsubscribe if settings else None,
        "thumbnail": lambda article: thumbnail(config, article),
    }


def _preheader(titles: list[str]) -> str:
    """The line many e-mail clients show after the subject in the inbox: the first titles."""
    text = " · ".join(titles)
    if len(text) <= PREHEADER_LENGTH:
        return text
    cut = text[:PREHEADER_LENGTH].rsplit(" ", 1)[0].rstrip(" ·")
    return cut + "…"


def thumbnail(config: Config, article: Article) -> Thumbnail | None:
    """The article's photo as a small image: absolute URL, size, alt."""
    image: Image | None = article.image
    if image is None or not image.has_picture:
        if config.social_cards:  # the article's social card (digest.cards), 1200 x 630
            card = config.base_url + urls.encode(urls.social_card(article.url))
            return Thumbnail(card, THUMBNAIL_WIDTH, round(THUMBNAIL_WIDTH * 630 / 1200), article.title)
        return None
    alt = image.alt or article.title
    if image.remote_url:
        return Thumbnail(image.remote_url, THUMBNAIL_WIDTH, None, alt)
    assert image.site_path is not None
    if not (image.width and image.height):  # a picture Pillow cannot read (SVG)
        return Thumbnail(config.base_url + urls.encode(image.site_path), THUMBNAIL_WIDTH, None, alt)
    copies = [(width, path) for path, width in image.srcset] or [(image.width, image.site_path)]
    sharp = [copy for copy in copies if copy[0] >= 2 * THUMBNAIL_WIDTH]
    _, path = min(sharp) if sharp else max(copies)
    width = min(THUMBNAIL_WIDTH, image.width)
    height = max(1, round(width * image.height / image.width))
    return Thumbnail(config.base_url + urls.encode(path), width, height, alt)
