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
                now: datetime | None = None, slug: str | None = None, publish: bool = False) -> Path:
    """Write content/<lang>/<yyyy>/<slug>.md (a draft unless `publish`) and return it. A translation
    (`translation_of`) starts from its original: see digest.translate."""
    if lang not in config.language_codes:
        raise SiteError([Problem("--lang", None, f"unknown language '{lang}' "
                                 f"(languages: {', '.join(config.language_codes)})")])
    slug = _new_slug(title, slug)
    when = (now or datetime.now(config.tzinfo)).astimezone(config.tzinfo).replace(microsecond=0)
    target = article_path(config, lang, when, slug)
    # A new article is a draft (as with `hugo new`): a half-written one never goes out with the next build.
    draft = "# draft: true" if publish else "draft: true  # delete this line (or set false) to publish the article"
    if translation_of is not None:
        lines, body, when = _translation(config, title, lang, tags, translation_of, slug, draft)
        target = article_path(config, lang, when, slug)
    else:
        tag_list = ", ".join(yaml_text(tag) for tag in tags)
        lines = [
            "---",
            f"title: {yaml_text(title)}",
            f"date: {when.isoformat()}",
            "# source: {name: Press TV, url: https://www.example.com/original-article}",
            "# author: Jeanne Dupont",
            "# image: {src: photo.jpg, caption: What the photo shows., credit: AFP, alt: Short description}",
            f"tags: [{tag_list}]" if tags else "# tags: [Tag, Other tag]",
            "# section: International",
            "# summary: One or two sentences for lists and feeds (default: the first paragraph).",
            "# translation_key: shared-key-of-all-translations",
            "# related: [2024/other-article]",
            f"# slug: {slug}",
            draft,
            "# updated: 2024-07-17",
            "---",
            "",
        ]
        body = translator(config, lang)("new_article_lead") + "\n"
    if target.exists():
        raise SiteError([Problem(display_path(target, Path.cwd()), None,
                                 "already exists; digest new never overwrites an article")])
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write("\n".join(lines) + "\n" + body)
    return target


def _translation(config: Config, title: str, lang: str, tags: list[str], translation_of: Path, slug: str,
                 draft: str) -> tuple[list[str], str, datetime]:
    """Front matter lines and body of a translation of `translation_of`."""
    from digest.content import ArticleCache, load_articles
    from digest.translate import (
        body_with_original,
        moved_links,
        original_parts,
        refuse_same_language,
        translation_fields,
    )

    original = _original(config, translation_of)
    refuse_same_language(original, lang, str(translation_of))
    meta, body = original_parts(config.content_dir / original.source_path)
    target_dir = article_path(config, lang, original.date, slug)
    articles = load_articles(config, ArticleCache.load(config.cache_dir / "articles"))
    copied, found, untranslated = translation_fields(original, meta, target_dir, config.content_dir, articles, lang)
    tag_list = list(dict.fromkeys([*found, *tags]))
    lines = [
        "---",
        f"title: {yaml_text(title)}",
        f"date: {original.date.isoformat()}",
        # The original's key (its translation_key or its path) pairs the two articles; the file name,
        # and so the URL, follows the new title.
        f"translation_key: {yaml_text(original.key)}",
        *copied,
        f"tags: [{', '.join(yaml_text(tag) for tag in tag_list)}]" if tag_list else "# tags: []",
    ]
    if untranslated:
        lines.append("# tags of the original with no translation on the site yet (add yours to tags): "
                     + ", ".join(untranslated))
    lines += [draft, "---", ""]
    body = moved_links(body, config.content_dir / original.source_path, target_dir, config.content_dir)
    return lines, body_with_original(original.lang, body), original.date


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


# What `digest init` knows of a language: the site title, the locale and the welcome article. Any other
# language Babel knows gets English texts (its UI strings fall back to English too) and its code as locale.
LANGUAGE_DEFAULTS = {
    "en": ("My News Digest", "en_GB", "Welcome to your news digest",
           "This is an example article from `digest init`: write your own with `digest new`, then delete "
           "this one (`digest check` reminds you while it is here)."),
    "fr": ("Ma revue de presse", "fr_FR", "Bienvenue dans votre revue de presse",
           "Cet article est un exemple créé par `digest init` : écrivez les vôtres avec `digest new`, puis "
           "supprimez celui-ci (`digest check` vous le rappelle tant qu'il est là)."),
    "ar": ("موجزي الإخباري", "ar", "مرحبا بكم في موجزكم الإخباري",
           "هذا مقال مثال أنشأه `digest init`: اكتبوا مقالاتكم باستخدام `digest new`، ثم احذفوا هذا المقال."),
}
EXAMPLE_BASE_URL = "https://example.org/"
INIT_TIMEZONE = "UTC"
WELCOME = "welcome.md"


def parse_languages(text: str) -> list[str]:
    """`--languages fr,en` -> ["fr", "en"]: codes Babel knows, each once; the first is the default."""
    from babel import Locale, UnknownLocaleError

    codes = [code.strip() for code in text.split(",") if code.strip()]
    if not codes:
        raise SiteError([Problem("--languages", None, "give at least one language code, e.g. --languages en")])
    problems = Collector()
    for code in codes:
        if codes.count(code) > 1:
            problems.add("--languages", None, f"'{code}' is given twice")
        try:
            Locale.parse(code.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            problems.add("--languages", None, f"unknown language code '{code}' (a code such as en, fr, ar, de)")
    problems.raise_if_any()
    return list(dict.fromkeys(codes))


def site_config(languages: list[str], title: str | None) -> str:
    """config.yaml of a new site: the given languages in order, the first the default."""
    site_title = title or LANGUAGE_DEFAULTS.get(languages[0], LANGUAGE_DEFAULTS["en"])[0]
    lines = [
        "# digest site configuration: see the README of digest for every key.",
        f"title: {yaml_text(site_title)}",
        "# The address the site is published at; the GitHub Pages workflow gives the build its own.",
        f"base_url: {EXAMPLE_BASE_URL}",
        f"default_language: {languages[0]}",
        "languages:  # the first is the default; the order is the language switcher's",
    ]
    for code in languages:
        default_title, locale, *_ = LANGUAGE_DEFAULTS.get(code, (site_title, code.replace("-", "_")))
        lines.append(f"  {code}: {{title: {yaml_text(title or default_title)}, locale: {locale}}}")
    lines += ["per_page: 10", f"timezone: {INIT_TIMEZONE}  # your newsroom's, e.g. Europe/Paris", ""]
    return "\n".join(lines)


def welcome_article(lang: str, today: date) -> str:
    """The example article of one language: dated today (so it is the lead story, not scheduled) and
    marked `example: true`, which `digest check` warns about until it is deleted."""
    _title, _locale, heading, body = LANGUAGE_DEFAULTS.get(lang, LANGUAGE_DEFAULTS["en"])
    return "\n".join([
        "---",
        f"title: {yaml_text(heading)}",
        f"date: {today.isoformat()}",
        "source: {name: digest}",
        "tags: [digest]",
        "example: true  # made by digest init: delete this article once you have written your own",
        "---",
        "",
        body,
        "",
    ])


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


def init_site(directory: Path, languages: list[str] | None = None, title: str | None = None,
              today: date | None = None) -> list[Path]:
    """Create config.yaml, content/ (an example article per language), templates/, a .gitignore,
    requirements.txt and the GitHub Pages workflow; never overwrites a site."""
    from zoneinfo import ZoneInfo

    from digest.pages_workflow import pages_workflow, requirements_txt

    languages = languages or ["en"]
    today = today or datetime.now(ZoneInfo(INIT_TIMEZONE)).date()
    config_file = directory / "config.yaml"
    workflow = directory / ".github" / "workflows" / "pages.yml"
    try:
        if config_file.exists() or (directory / "content").exists():
            raise SiteError([Problem(str(directory), None, "already holds a site (config.yaml or content/ exists)")])
        taken = [path for path in (workflow, directory / "requirements.txt") if path.exists()]
    except OSError as error:  # a name too long, a file where a folder should be
        raise SiteError([Problem(str(directory), None, f"cannot create a site here: {error.strerror}")]) from None
    if taken:
        raise SiteError([Problem(str(path), None, "already exists; digest init never overwrites it") for path in taken])
    files = {config_file: site_config(languages, title),
             directory / "templates" / "README.md": templates_readme(),
             directory / ".gitignore": _gitignore(directory / ".gitignore"),
             directory / "requirements.txt": requirements_txt(),
             workflow: pages_workflow(languages, INIT_TIMEZONE)}
    for lang in languages:
        files[directory / "content" / lang / WELCOME] = welcome_article(lang, today)
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SiteError([Problem(str(directory), None, f"cannot create a site here: {error.strerror}")]) from None
    return sorted(files)
