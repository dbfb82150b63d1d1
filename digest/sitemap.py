"""sitemap.xml with hreflang alternates, news-sitemap.xml (Google News), and robots.txt naming both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from digest import urls
from digest.config import Config, Language
from digest.i18n import babel_locale

if TYPE_CHECKING:  # content imports output, which imports this module
    from digest.content import Article

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_WINDOW = timedelta(days=2)  # Google News reads the articles of the last two days
NEWS_LIMIT = 1000  # and at most this many per sitemap


@dataclass(frozen=True)
class SitemapEntry:
    path: str
    lastmod: datetime | None
    alternates: tuple[tuple[str, str], ...]  # (hreflang, site path)


def sitemap(config: Config, entries: Iterable[SitemapEntry]) -> bytes:
    # Written as text: tens of thousands of entries through ElementTree take seconds.
    def url(path: str) -> str:
        return attribute(config.base_url + urls.encode(path))

    lines = ["<?xml version='1.0' encoding='utf-8'?>", f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">']
    for entry in entries:
        lines += ["  <url>", f"    <loc>{url(entry.path)}</loc>"]
        if entry.lastmod:
            lines.append(f"    <lastmod>{entry.lastmod.isoformat()}</lastmod>")
        lines += [f'    <xhtml:link rel="alternate" hreflang="{attribute(code)}" href="{url(path)}" />'
                  for code, path in entry.alternates]
        lines.append("  </url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def news_articles(articles: Iterable[Article], now: datetime) -> tuple[Article, ...]:
    """The articles of the two days before `now`, newest first (ties by path), at most NEWS_LIMIT."""
    recent = sorted((a for a in articles if now - NEWS_WINDOW <= a.date <= now), key=lambda a: a.file)
    return tuple(sorted(recent, key=lambda a: a.date, reverse=True)[:NEWS_LIMIT])


def news_fallback(articles: Iterable[Article], now: datetime) -> str:
    """The site path a news sitemap lists when no article is in its two days: the newest published article
    (the root page if there is none). The sitemap schema wants at least one <url>, and Google's News sitemap
    rules let an older article stay without its <news:news> metadata."""
    published = [a for a in articles if a.date <= now]
    return max(published, key=lambda a: (a.date, a.file)).url if published else urls.ROOT


def news_sitemap(config: Config, articles: Sequence[Article], fallback: str = urls.ROOT) -> bytes:
    """A Google News sitemap: each article with its publication (name, language), date and title; without
    any article, the `fallback` page alone, without news metadata (an empty <urlset> is not valid)."""
    lines = ["<?xml version='1.0' encoding='utf-8'?>", f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">']
    if not articles:
        lines += ["  <url>", f"    <loc>{attribute(config.base_url + urls.encode(fallback))}</loc>", "  </url>"]
    for article in articles:
        language = config.language(article.lang)
        lines += ["  <url>",
                  f"    <loc>{attribute(config.base_url + urls.encode(article.url))}</loc>",
                  "    <news:news>",
                  "      <news:publication>",
                  f"        <news:name>{attribute(language.title)}</news:name>",
                  f"        <news:language>{news_language(language)}</news:language>",
                  "      </news:publication>",
                  f"      <news:publication_date>{article.date.isoformat()}</news:publication_date>",
                  f"      <news:title>{attribute(article.title)}</news:title>",
                  "    </news:news>",
                  "  </url>"]
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def news_language(language: Language) -> str:
    """The language as Google News wants it: an ISO 639 code (the locale's), except zh-cn and zh-tw for
    Chinese (traditional script or Taiwan, Hong Kong, Macao in the code or locale: zh-tw)."""
    locale = babel_locale(language.locale)
    if locale.language != "zh":
        return locale.language
    parts = {part.lower() for part in language.code.replace("_", "-").split("-")[1:]}
    parts |= {(locale.territory or "").lower(), (locale.script or "").lower()}
    return "zh-tw" if parts & {"tw", "hk", "mo", "hant"} else "zh-cn"


def robots(config: Config) -> bytes:
    return (f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}{urls.SITEMAP}\n"
            f"Sitemap: {config.base_url}{urls.NEWS_SITEMAP}\n").encode()
