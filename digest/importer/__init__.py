"""`digest import`: scraped plain text, saved web pages, URLs and feeds -> articles, and a report.

One module per kind of input, the shared parts once:

- `text`: scraped plain text (like the seed) read into a draft by `parse_scraped` (pure);
- `page`: a saved HTML page or a fetched URL read into a draft (trafilatura, htmldate);
- `feed`: the entries of an RSS/Atom feed not yet on the site;
- `tidy`: what pages add around an article (site names and dates in titles, junk leads, clutter blocks);
- `photo`: `--download-images`, the lead photo fetched and stripped of its metadata;
- `draft` (the draft article), `titles` (the site's articles: the title index for "Read also",
  tags, slugs, source URLs), `report` (notes), `writer` (date, tags, related keys, path, writing
  `content/<lang>/<yyyy>/<slug>.md`, never overwriting unless asked to).
"""

from __future__ import annotations

from digest.importer.dates import Dateline, find_dateline, find_lead_dateline
from digest.importer.draft import Caption, Paragraph, ScrapedArticle
from digest.importer.feed import import_feed, read_feed
from digest.importer.page import read_page, to_markdown
from digest.importer.report import Note
from digest.importer.text import is_share_prompt, parse_scraped, source_name, split_credit
from digest.importer.titles import KnownArticle, SiteArticles, TitleIndex, find_tags
from digest.importer.words import clean, fold, markdown_escape, words
from digest.importer.writer import ImportResult, article_text, import_file, import_files, parse_date_option

__all__ = [
    "Caption",
    "Dateline",
    "ImportResult",
    "KnownArticle",
    "Note",
    "Paragraph",
    "ScrapedArticle",
    "SiteArticles",
    "TitleIndex",
    "article_text",
    "clean",
    "find_dateline",
    "find_lead_dateline",
    "find_tags",
    "fold",
    "import_feed",
    "import_file",
    "import_files",
    "is_share_prompt",
    "markdown_escape",
    "parse_date_option",
    "parse_scraped",
    "read_feed",
    "read_page",
    "source_name",
    "split_credit",
    "to_markdown",
    "words",
]
