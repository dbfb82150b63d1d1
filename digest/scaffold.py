"""`digest new` and `digest init`: write new articles and new sites that build at once."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from digest.config import Config
from digest.content import Article, load_article
from digest.errors import Collector, Problem, SiteError, display_path
from digest.i18n import translator
from digest.site import EDITION_DAY
from digest.slugs import slugify
from digest.theme import default_theme_dir, theme_files


def yaml_text(value: str) -> str:
    """A YAML scalar for any text: a JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(value, ensure_ascii=False)


MAX_FILE_SLUG_BYTES = 150  # file systems allow 255 bytes a name; leave room for ".md" and photo copies


def file_slug(title: str) -> str:
    """The slug of a new article's file name: the title's, cut at a word to fit in a file name (a long
    Arabic or Chinese title takes two or three bytes a letter)."""
    slug = slugify(title)
    data = slug.encode("utf-8")
    if len(data) <= MAX_FILE_SLUG_BYTES:
        return slug
    cut = data[:MAX_FILE_SLUG_BYTES + 1].decode("utf-8", "ignore")
    return (cut.rsplit("-", 1)[0] if "-" in cut else cut[:-1]).strip("-")


def article_path(config: Config, lang: str, when: date | datetime, slug: str) -> Path:
    """Where `digest new` and `digest import` put an article: content/<lang>/<yyyy>/<slug>.md,
    the year of its date in the site time zone."""
    year = when.astimezone(config.tzinfo).year if isinstance(when, datetime) else when.year
    return config.content_dir / lang / f"{year:04d}" / f"{slug}.md"


def new_article(config: Config, title: str, lang: str, tags: list[str], translation_of: Path | None = None,
                now: datetime | None = None, slug: str | None = None) -> Path:
    """Write content/<lang>/<yyyy>/<slug>.md (or the translated article's path) and return it."""
    if lang not in config.language_codes:
        raise SiteError([Problem("--lang", None, f"unknown language '{lang}' "
                                 f"(languages: {', '.join(config.language_codes)})")])
    slug = _new_slug(title, slug)
    when = (now or datetime.now(config.tzinfo)).astimezone(config.tzinfo).replace(microsecond=0)
    fields = {"title": yaml_text(title), "date": when.isoformat()}
    target = article_path(config, lang, when, slug)
    if translation_of is not None:
        original = _original(config, translation_of)
        # Sharing the original's key (its translation_key or its path) pairs the two articles,
        # while the file name, and so the URL, follows the new title.
        target = article_path(config, lang, original.date, slug)
        fields["date"] = original.date.isoformat()
        fields["translation_key"] = yaml_text(original.key)
    if target.exists():
        raise SiteError([Problem(display_path(target, Path.cwd()), None,
                                 "already exists; digest new never overwrites an article")])
    tag_list = ", ".join(yaml_text(tag) for tag in tags)
    lines = [
        "---",
        f"title: {fields['title']}",
        f"date: {fields['date']}",
        "# source: {name: Press TV, url: https://www.example.com/original-article}",
        "# image: {src: photo.jpg, caption: What the photo shows., credit: AFP, alt: Short description}",
        f"tags: [{tag_list}]" if tags else "# tags: [Tag, Other tag]",
        "# section: International",
        "# summary: One or two sentences for lists and feeds (default: the first paragraph).",
        f"translation_key: {fields['translation_key']}" if "translation_key" in fields
        else "# translation_key: shared-key-of-all-translations",
        "# related: [2024/other-article]",
        f"# slug: {slug}",
        "# draft: true",
        "# updated: 2024-07-17",
        "---",
        "",
        translator(config, lang)("new_article_lead"),
        "",
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write("\n".join(lines))
    return target


def _new_slug(title: str, given: str | None) -> str:
    """The file name (and URL slug) of a new article: from --slug if given, else from the title. A day
    number (01 to 31) would take the URL of that day's edition, so it is refused."""
    where, slug = ("--slug", slugify(given)) if given is not None else ("TITLE", file_slug(title))
    if not slug:
        what = "--slug" if given is not None else "the title"
        raise SiteError([Problem(where, None, f"{what} has no letters or digits to make a file name from"
                                 + ("" if given is not None else "; give one with --slug"))])
    if len(slug.encode("utf-8")) > MAX_FILE_SLUG_BYTES:
        raise SiteError([Problem(where, None, f"the slug is too long for a file name ({len(slug.encode('utf-8'))} "
                                 f"bytes; at most {MAX_FILE_SLUG_BYTES})")])
    if EDITION_DAY.match(slug):
        raise SiteError([Problem(where, None, f"the slug '{slug}' would take the URL of the edition of day {slug} "
                                 "(/<lang>/<yyyy>/<mm>/<dd>/); give another with --slug, e.g. --slug "
                                 f"'{slugify(title + ' article') if given is None else 'day-' + slug}'")])
    return slug


def _original(config: Config, path: Path) -> Article:
    file = path if path.is_absolute() else Path.cwd() / path
    file = file.resolve()
    if not file.is_file() or not file.is_relative_to(config.content_dir.resolve()):
        raise SiteError([Problem(str(path), None, "--translation-of must name an article under content/")])
    lang = file.relative_to(config.content_dir.resolve()).parts[0]
    problems = Collector()
    article = load_article(config, lang, file, problems)
    problems.raise_if_any()
    assert article is not None
    return article


SKELETON_CONFIG = """\
# digest site configuration: see the README of digest for every key.
title: My News Digest
base_url: https://example.org/
default_language: en
languages:
  en: {title: My News Digest, locale: en_GB}
  fr: {title: Ma revue de presse, locale: fr_FR}
  ar: {title: موجزي الإخباري, locale: ar}
per_page: 10
timezone: Europe/Paris
"""

SKELETON_ARTICLES = {
    "en": ("Welcome to your news digest", "Welcome", "Digest",
           "This is the first article of your digest. Edit it, or add more with `digest new`."),
    "fr": ("Bienvenue dans votre revue de presse", "Bienvenue", "Revue",
           "Voici le premier article de votre revue de presse. Modifiez-le ou ajoutez-en avec `digest new`."),
    "ar": ("مرحبا بكم في موجزكم الإخباري", "ترحيب", "موجز",
           "هذا هو المقال الأول في موجزكم. عدّلوه أو أضيفوا مقالات أخرى باستخدام `digest new`."),
}

GITIGNORE = """\
# What digest builds and its cache: both are made again by `digest build`.
output/
.digest-cache/
"""


def templates_readme() -> str:
    """templates/README.md of a new site: how overriding works, where the built-in theme is, what it holds."""
    theme = default_theme_dir()
    listed = "\n".join(f"- `{name}`" for name in theme_files())
    return f"""\
# Templates

Files here override digest's built-in theme file by file: copy a template from
the theme into this folder and edit it, or add CSS and images under `assets/`
(copied to `output/assets/`). An empty folder means the built-in theme is used
as it is.

The built-in theme is in the folder that `digest theme --path` prints
(for this installation: `{theme}`). For example:

    cp "$(digest theme --path)/article.html" templates/

It holds:

{listed}
"""


def _gitignore(path: Path) -> str:
    """The new site's .gitignore; an existing one (a site started in a git repository) keeps its lines,
    and gets digest's added if it lacks them."""
    try:
        existing = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return GITIGNORE
    except (OSError, UnicodeDecodeError) as error:
        raise SiteError([Problem(str(path), None, f"cannot read: {error}")]) from None
    have = {line.strip().strip("/") for line in existing.splitlines()}
    missing = [line for line in GITIGNORE.splitlines()[1:] if line.strip("/") not in have]
    if not missing:
        return existing
    return existing + ("" if existing.endswith("\n") or not existing else "\n") + "\n".join(missing) + "\n"


def init_site(directory: Path) -> list[Path]:
    """Create config.yaml, content/ (one article per language) and templates/; never overwrites."""
    config_file = directory / "config.yaml"
    try:
        if config_file.exists() or (directory / "content").exists():
            raise SiteError([Problem(str(directory), None, "already holds a site (config.yaml or content/ exists)")])
    except OSError as error:  # a name too long, a file where a folder should be
        raise SiteError([Problem(str(directory), None, f"cannot create a site here: {error.strerror}")]) from None
    files = {config_file: SKELETON_CONFIG, directory / "templates" / "README.md": templates_readme(),
             directory / ".gitignore": _gitignore(directory / ".gitignore")}
    for lang, (title, section, tag, body) in SKELETON_ARTICLES.items():
        files[directory / "content" / lang / "welcome.md"] = "\n".join([
            "---",
            f"title: {yaml_text(title)}",
            "date: 2024-07-16T09:00:00+02:00",
            "source: {name: digest, url: https://example.org/}",
            f"image: {{caption: {yaml_text(section)}, credit: digest}}",
            f"tags: [{yaml_text(tag)}]",
            f"section: {yaml_text(section)}",
            "---",
            "",
            body,
            "",
        ])
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SiteError([Problem(str(directory), None, f"cannot create a site here: {error.strerror}")]) from None
    return sorted(files)
