"""sitemap.xml with hreflang alternates, and robots.txt naming it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

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
    ElementTree.register_namespace("", SITEMAP_NS)
    ElementTree.register_namespace("xhtml", XHTML_NS)
    urlset = ElementTree.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in entries:
        url = ElementTree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ElementTree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = config.base_url + urls.encode(entry.path)
        if entry.lastmod:
            ElementTree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = entry.lastmod.isoformat()
        for code, path in entry.alternates:
            ElementTree.SubElement(url, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=code,
                                   href=config.base_url + urls.encode(path))
    ElementTree.indent(urlset)
    return ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}{urls.SITEMAP}\n".encode()
