"""The one place that knows the URL scheme.

Every function returns a site path: relative to base_url, no leading slash,
ending in "/" for pages (written as <dir>/index.html).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from urllib.parse import quote

ROOT = ""
SITEMAP = "sitemap.xml"
NEWS_SITEMAP = "news-sitemap.xml"
ROBOTS = "robots.txt"
NOT_FOUND = "404.html"


def paged(first_page: str, page: int) -> str:
    return first_page if page == 1 else f"{first_page}page/{page}/"


def home(lang: str, page: int = 1) -> str:
    return paged(f"{lang}/", page)


def article(lang: str, date: datetime, slug: str) -> str:
    return f"{lang}/{date:%Y}/{date:%m}/{slug}/"


def edition(lang: str, day: date) -> str:
    return f"{lang}/{day:%Y}/{day:%m}/{day:%d}/"


def month(lang: str, year: int, month: int) -> str:
    return f"{lang}/{year:04d}/{month:02d}/"


def year(lang: str, year: int) -> str:
    return f"{lang}/{year:04d}/"


def editions_feed(lang: str) -> str:
    return f"{lang}/editions.xml"


def tag_index(lang: str) -> str:
    return f"{lang}/tags/"


def tag(lang: str, slug: str, page: int = 1) -> str:
    return paged(f"{lang}/tags/{slug}/", page)


def feed(lang: str) -> str:
    return f"{lang}/feed.xml"


def tag_feed(lang: str, slug: str) -> str:
    return f"{lang}/tags/{slug}/feed.xml"


def social_card(article_url: str) -> str:
    """An article's generated share image, beside its page."""
    return f"{article_url}social.png"


def assets(name: str) -> str:
    return f"assets/{name}"


def output_file(path: str) -> str:
    """The file a site path is written to, relative to the output folder."""
    return f"{path}index.html" if path == "" or path.endswith("/") else path


@cache
def encode(path: str) -> str:
    """Percent-encode a site path for use in a link (non-Latin slugs, spaces)."""
    return quote(path, safe="/")
