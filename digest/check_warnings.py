"""`digest check` warnings: things that build fine but are probably not what the editor wants published.
Each is `path:line: warning: message`; none changes the exit code."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from digest.config import Config
from digest.content import Article
from digest.errors import Problem, display_path
from digest.yamlfile import line_finder

EXAMPLE_HOSTS = ("example.org", "example.com", "example.net")


def warning(path: str, line: int | None, message: str) -> str:
    return str(Problem(path, line, f"warning: {message}"))


def config_warnings(config_file: Path, config: Config) -> list[str]:
    """base_url still the example's (what `digest init` writes): feeds, sitemaps and share links would
    point at example.org."""
    host = (urlsplit(config.base_url).hostname or "").lower()
    if not any(host == name or host.endswith("." + name) for name in EXAMPLE_HOSTS):
        return []
    try:
        line = line_finder(config_file.read_text(encoding="utf-8"))(("base_url",))
    except (OSError, UnicodeDecodeError):
        line = None
    return [warning(display_path(config_file.resolve(), Path.cwd()), line,
                    f"base_url is still the example's ({config.base_url}): set it to the address the site is "
                    "published at (the GitHub Pages workflow of digest init passes its own with --base-url)")]


def article_warnings(articles: Iterable[Article], now: datetime, include_drafts: bool = False,
                     include_future: bool = False) -> list[str]:
    """Per article: the example articles of `digest init`, a date in the future (it will be scheduled,
    not published), an image caption without a picture."""
    found = []
    for article in sorted(articles, key=lambda a: a.file):
        if article.draft and not include_drafts:
            continue
        if article.extra.get("example") is True:
            found.append(warning(article.file, article.line_of("example"),
                                 "an example article made by digest init: delete it once you have written your own"))
        if article.date > now and not include_future:
            found.append(warning(article.file, article.line_of("date"),
                                 f"dated in the future ({article.date.isoformat()}): it is scheduled, left out "
                                 "until a build after that time (--future includes it)"))
        image = article.image
        if image is not None and image.caption and not image.has_picture:
            found.append(warning(article.file, article.line_of("image"),
                                 "the image has a caption but no picture (no src): the page shows the caption alone"))
    return found
