"""`digest status`: the newsroom's view of a site — translations missing or outdated per language, drafts,
scheduled articles. Reads the articles; writes nothing."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from digest import similarity
from digest.config import Config, load_config
from digest.content import Article, ArticleCache, load_articles
from digest.errors import Problem, SiteError, display_path
from digest.records import build_time
from digest.translate import in_progress


def report(config_file: Path, lang: str | None = None, as_json: bool = False) -> str:
    """What `digest status` prints: text for people, or (`as_json`) the object of site_status()."""
    config = load_config(config_file)
    status = site_status(config_file, lang, config)
    if as_json:
        return json.dumps(status, ensure_ascii=False, indent=2)
    return format_status(status, config.default_language)


def site_status(config_file: Path, lang: str | None = None, config: Config | None = None) -> dict[str, Any]:
    """The status as one JSON-ready object:

    `{"languages": {code: {"articles": N, "missing": [...], "outdated": [...]}}, "drafts": [...],
    "scheduled": [...], "translating": [...], "duplicates": [{"files": [path, path], "similarity": 0.87}]}`, paths
    relative to the site folder. Raises SiteError for content problems.
    """
    config = config or load_config(config_file)
    if lang is not None and lang not in config.language_codes:
        raise SiteError([Problem(display_path(config_file, Path.cwd()), None, f"unknown language '{lang}' "
                                 f"(languages: {', '.join(config.language_codes)})")])
    now = build_time()
    # The parsed articles of the last build are reused when still valid; nothing is written.
    articles = load_articles(config, ArticleCache.load(config.cache_dir / "articles"))
    return status_of(config, articles, now, lang)


def status_of(config: Config, articles: tuple[Article, ...], now: datetime, lang: str | None = None) -> dict[str, Any]:
    by_key: dict[str, dict[str, Article]] = defaultdict(dict)
    for article in sorted(articles, key=lambda a: a.file):
        by_key[article.key].setdefault(article.lang, article)
    codes = [lang] if lang is not None else list(config.language_codes)
    default = config.default_language
    languages: dict[str, Any] = {}
    for code in codes:
        missing = [{"key": key, "paths": [versions[c].file for c in config.language_codes if c in versions]}
                   for key, versions in sorted(by_key.items()) if code not in versions]
        outdated = []
        for key, versions in sorted(by_key.items()):
            source, translation = versions.get(default), versions.get(code)
            if code == default or source is None or translation is None:
                continue
            if changed(source) > changed(translation):
                outdated.append({"key": key, "path": translation.file, "updated": changed(translation).isoformat(),
                                 "source": source.file, "source_updated": changed(source).isoformat()})
        languages[code] = {
            "articles": sum(1 for a in articles if a.lang == code and not a.draft and a.date <= now),
            "missing": missing,
            "outdated": outdated,
        }
    shown = [a for a in articles if lang is None or a.lang == lang]
    drafts = [{"path": a.file, "lang": a.lang, "key": a.key} for a in sorted(shown, key=lambda a: a.file) if a.draft]
    scheduled = [{"path": a.file, "lang": a.lang, "key": a.key, "date": a.date.isoformat()}
                 for a in sorted(shown, key=lambda a: (a.date, a.file)) if not a.draft and a.date > now]
    # Started with `digest new --translation-of` and still holding the original text between its markers.
    translating = [{"path": a.file, "lang": a.lang, "key": a.key} for a in sorted(shown, key=lambda a: a.file)
                   if in_progress(a)]
    return {"languages": languages, "drafts": drafts, "scheduled": scheduled, "translating": translating,
            "duplicates": duplicates(shown)}


def duplicates(articles: Iterable[Article]) -> list[dict[str, Any]]:
    """Probable duplicate stories: pairs of articles of one language within 3 days that are the same story."""
    stories = [similarity.Story(a.file, a.lang, a.date, similarity.fingerprint(a.title, similarity.plain_text(
        a.body_html))) for a in articles]
    return [{"files": [a.name, b.name], "similarity": round(score, 2)}
            for a, b, score in similarity.duplicates(stories)]


def changed(article: Article) -> datetime:
    """When an article last changed, as translations are compared: its `updated`, else its `date`."""
    return article.updated or article.date


def format_status(status: dict[str, Any], default_language: str | None = None) -> str:
    """The status as text for a terminal, one fact a line."""
    lines = []
    for code, info in status["languages"].items():
        label = f"{code} (default)" if code == default_language else code
        lines.append(f"{label}: {_count(info['articles'], 'article')}, {len(info['missing'])} missing, "
                     f"{len(info['outdated'])} outdated")
        lines += [f"  missing {item['key']} (exists as {', '.join(item['paths'])})" for item in info["missing"]]
        lines += [f"  outdated {item['path']} ({item['updated']}): {item['source']} changed {item['source_updated']}"
                  for item in info["outdated"]]
    lines.append(f"drafts: {len(status['drafts'])}")
    lines += [f"  {item['path']}" for item in status["drafts"]]
    lines.append(f"scheduled: {len(status['scheduled'])}")
    lines += [f"  {item['path']}: {item['date']}" for item in status["scheduled"]]
    if status.get("translating"):
        lines.append(f"translations in progress: {len(status['translating'])}")
        lines += [f"  {item['path']}: translation in progress (the original text is still between its markers)"
                  for item in status["translating"]]
    if status.get("duplicates"):  # said only when there are some
        lines.append(f"probable duplicates: {len(status['duplicates'])}")
        lines += [f"  {' and '.join(item['files'])}: same story (similarity {item['similarity']:.2f})"
                  for item in status["duplicates"]]
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
