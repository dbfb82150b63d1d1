"""sitemap.xml with hreflang alternates, and robots.txt naming it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from digest import urls
from digest.config import Config

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


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


def robots(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}{urls.SITEMAP}\n".encode()
