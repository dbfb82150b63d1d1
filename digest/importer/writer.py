"""Putting a draft together with the site (date, tags, related keys, path) and writing it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from digest import yamlfile
from digest.config import Config
from digest.content import TagRef
from digest.errors import Problem, SiteError, display_path
from digest.importer.draft import ScrapedArticle
from digest.importer.report import Note
from digest.importer.text import _URL, _read_text, parse_scraped
from digest.importer.titles import KnownArticle, SiteArticles, TitleIndex, find_tags
from digest.importer.words import markdown_escape
from digest.scaffold import article_path, yaml_text
from digest.slugs import slugify

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")


@dataclass
class ImportResult:
    input: Path
    path: Path | None = None  # the article written (or that would be)
    photo: Path | None = None  # the photo copied beside it
    text: str = ""  # the article file's text
    report: tuple[Note, ...] = ()
    written: bool = False
    key: str | None = None
    problems: tuple[Problem, ...] = ()  # non-empty: the file was refused, nothing written


def parse_date_option(text: str) -> date | datetime:
    """`--date`: 2024-07-16, 2024-07-16T14:30 or 2024-07-16T14:30:00+03:00; raises ValueError."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: expected YYYY-MM-DD or an ISO 8601 date and time "
                         "such as 2024-07-16T14:30:00+03:00") from None



def _when(config: Config, scraped: ScrapedArticle, given: date | datetime | None,
          now: datetime | None) -> tuple[date | datetime, Note]:
    tz = config.tzinfo
    now = (now or datetime.now(tz)).astimezone(tz).replace(microsecond=0)
    dateline = scraped.dateline
    if given is not None:
        if isinstance(given, datetime) and given.tzinfo is None:
            given = given.replace(tzinfo=tz)
        if dateline is not None and not dateline.in_lead:
            scraped.notes.append(Note(dateline.line, "dateline not used (--date given)", dateline.text))
        return given, Note(None, f"date: {given.isoformat()} (--date)")
    if dateline is not None:
        stated = dateline.resolve(tz, now)
        if stated is not None:
            assumed = ", year assumed" if dateline.year is None else ""
            where = "the dateline opening the lead" if dateline.in_lead else "the dateline"
            return stated, Note(dateline.line, f"date: {stated.isoformat()} from {where}{assumed}", dateline.text)
        scraped.notes.append(Note(dateline.line, "dropped a dateline that is not a real date", dateline.text))
    return now, Note(None, f"date: now, {now.isoformat()} (no --date and no dateline in the text)")


def import_file(config: Config, path: Path, lang: str, date: date | datetime | None = None,
                image: Path | None = None, tags: Sequence[str] = (), dry_run: bool = False, force: bool = False,
                *, site: SiteArticles | None = None, now: datetime | None = None) -> ImportResult:
    """Import one scraped text as content/<lang>/<yyyy>/<slug>.md; raises SiteError (nothing written)."""
    name = str(path)
    if lang not in config.language_codes:
        raise SiteError([Problem(name, None, f"unknown language '{lang}' given with --lang "
                                 f"(languages: {', '.join(config.language_codes)})")])
    for tag in tags:
        if not slugify(tag):
            raise SiteError([Problem(name, None, f"--tags: tag {tag!r} has no letters or digits")])
    scraped = parse_scraped(_read_text(path), name)
    slug = slugify(scraped.title)
    if not slug:
        raise SiteError([Problem(name, scraped.title_line, "the title has no letters or digits "
                                 "to make a file name from")])
    site = site if site is not None else SiteArticles.load(config)
    when, date_note = _when(config, scraped, date, now)
    target = article_path(config, lang, when, slug)
    same = sorted(a.file for a in site.known if a.lang == lang and a.slug == slug)
    if target.exists() or same:
        existing = display_path(target, config.root) if target.exists() else same[0]
        if existing in site.planned:
            raise SiteError([Problem(name, scraped.title_line, f"same slug '{slug}' as {site.planned[existing]}, "
                                     f"imported in this run as {existing}")])
        if not force:
            raise SiteError([Problem(name, scraped.title_line, f"an article with the same slug '{slug}' already "
                                     f"exists: {existing} (imported before? digest import never overwrites an "
                                     "article; --force replaces it)")])
        target = config.root / existing  # --force: the article imported before, keeping its key
    file_shown = display_path(target, config.root)
    key = target.relative_to(config.content_dir / lang).with_suffix("").as_posix()

    photo_target = None
    if image is not None:
        if not image.is_file():
            raise SiteError([Problem(name, None, f"--image {image}: photo not found")])
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            raise SiteError([Problem(name, None, f"--image {image}: not a photo "
                                     f"(expected {', '.join(IMAGE_SUFFIXES)})")])
        photo_target = target.with_name(slug + image.suffix.lower())
        if photo_target.exists() and not force:
            raise SiteError([Problem(name, None, f"{display_path(photo_target, Path.cwd())} already exists; "
                                     "digest import never overwrites a photo unless given --force")])

    index = TitleIndex(a for a in site.known if a.file != file_shown)
    related, read_also, notes = _place_related(config, scraped, index, lang, key)
    auto_tags = find_tags(site.tag_names(lang), scraped.title, scraped.lead, given=tags)
    all_tags = list(dict.fromkeys([*tags, *auto_tags]))

    report = [date_note]
    report.append(Note(None, f"tags: {', '.join(auto_tags)} (found in the title or lead)" if auto_tags
                       else "tags: none of the site's tags appear in the title or lead"))
    if image is not None and photo_target is not None:
        report.append(Note(None, f"photo: {display_path(photo_target, Path.cwd())}"))
    elif scraped.caption is not None:
        report.append(Note(None, "photo: caption and credit kept without a picture (no --image)"))
    report += sorted([*scraped.notes, *notes], key=lambda note: note.line or 0)
    if site.unreadable:
        report.append(Note(None, f"{len(site.unreadable)} article(s) of the site have errors and were not searched "
                           f"for related titles or tags (run digest check): {', '.join(site.unreadable)}"))

    text = article_text(scraped, when, all_tags, related, read_also,
                        photo_target.name if photo_target is not None else None,
                        slug=None if slugify(target.stem) == slug else slug)
    result = ImportResult(input=path, path=target, photo=photo_target, text=text, report=tuple(report), key=key)
    site.known = [a for a in site.known if a.file != file_shown]
    site.known.append(KnownArticle(key, lang, scraped.title, slug, file_shown,
                                   tuple(TagRef(t, slugify(t)) for t in all_tags)))
    site.planned[file_shown] = name
    if dry_run:
        return result
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w" if force else "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write(text)
    if image is not None and photo_target is not None:
        shutil.copyfile(image, photo_target)
    result.written = True
    return result


def _place_related(config: Config, scraped: ScrapedArticle, index: TitleIndex, lang: str,
                   key: str) -> tuple[list[str], list[str], list[Note]]:
    """Related keys from "Read also" lines and inline headlines; unmatched "Read also" titles; notes."""
    related: list[str] = []
    read_also: list[str] = []
    notes: list[Note] = []
    links = [(p, True) for p in scraped.read_also] + [(p, False) for p in scraped.paragraphs[1:]]
    inline: set[int] = set()
    for paragraph, labelled in sorted(links, key=lambda link: link[0].line):
        title = _URL.sub(" ", paragraph.text).strip().strip("«»“”\"'„ ").strip()
        if not labelled and len(paragraph.text.split()) > 30:
            continue
        found = index.match(title, lang, config.default_language, exclude_key=key)
        if found is not None and found.key not in related:
            related.append(found.key)
        if found is not None:
            notes.append(Note(paragraph.line, f"{'read also' if labelled else 'inline headline'} -> related "
                              f"{found.key} ({found.file})", paragraph.quoted))
            if not labelled:
                inline.add(paragraph.line)
        elif labelled:
            read_also.append(title)
            notes.append(Note(paragraph.line, "read also: no article of the site has this title; "
                              "kept in read_also, not in related", paragraph.quoted))
        elif len(paragraph.text.split()) <= 20 and not paragraph.text.endswith((".", ":", ";", ",", "…")):
            notes.append(Note(paragraph.line, "kept in the body, though it reads like the headline of another "
                              "article (no article of the site has this title)", paragraph.text))
    scraped.paragraphs = [p for p in scraped.paragraphs if p.line not in inline]
    return related, read_also, notes


def article_text(scraped: ScrapedArticle, when: date | datetime, tags: Sequence[str], related: Sequence[str],
                 read_also: Sequence[str], photo: str | None, slug: str | None = None) -> str:
    """The article file: front matter that YAML reads back exactly, then the body as Markdown."""
    def flow(items: Iterable[str]) -> str:
        return "[" + ", ".join(yaml_text(item) for item in items) + "]"

    meta: dict[str, Any] = {"title": scraped.title, "date": when}
    lines = ["---", f"title: {yaml_text(scraped.title)}", f"date: {when.isoformat()}"]
    if slug:
        lines.append(f"slug: {yaml_text(slug)}")
        meta["slug"] = slug
    if scraped.section:
        lines.append(f"section: {yaml_text(scraped.section)}")
        meta["section"] = scraped.section
    if scraped.source_name:
        if scraped.source_url:
            lines.append(f"source: {{name: {yaml_text(scraped.source_name)}, url: {yaml_text(scraped.source_url)}}}")
            meta["source"] = {"name": scraped.source_name, "url": scraped.source_url}
        else:
            lines.append(f"source: {yaml_text(scraped.source_name)}")
            meta["source"] = scraped.source_name
    if scraped.author:
        lines.append(f"author: {yaml_text(scraped.author)}")
        meta["author"] = scraped.author
    image = {"src": photo}
    if scraped.caption is not None:
        image.update(caption=scraped.caption.caption or None, credit=scraped.caption.credit)
    image = {k: v for k, v in image.items() if v}
    if image:
        lines.append("image:")
        lines += [f"  {k}: {yaml_text(v)}" for k, v in image.items()]
        meta["image"] = image
    if tags:
        lines.append(f"tags: {flow(tags)}")
        meta["tags"] = list(tags)
    if related:
        lines.append(f"related: {flow(related)}")
        meta["related"] = list(related)
    if read_also:
        lines.append("# \"Read also\" titles not found on this site: import those articles, then list their keys "
                     "under related")
        lines.append(f"read_also: {flow(read_also)}")
        meta["read_also"] = list(read_also)
    front = "\n".join(lines[1:])
    lines += ["---", "", ""]
    if yamlfile.parse(front) != meta:  # never write front matter that would read back differently
        raise RuntimeError(f"front matter does not read back as written:\n{front}")
    body = "\n\n".join(markdown_escape(paragraph.text) for paragraph in scraped.paragraphs)
    return "\n".join(lines) + (body + "\n" if body else "")


def import_files(config: Config, paths: Sequence[Path], lang: str, date: date | datetime | None = None,
                 image: Path | None = None, tags: Sequence[str] = (), dry_run: bool = False, force: bool = False,
                 *, now: datetime | None = None) -> Iterator[ImportResult]:
    """Import each file on its own: a refused file (result.problems) does not stop the others."""
    site = SiteArticles.load(config) if lang in config.language_codes else SiteArticles([], [])
    for path in paths:
        try:
            yield import_file(config, path, lang, date, image, tags, dry_run, force, site=site, now=now)
        except SiteError as error:
            yield ImportResult(input=path, problems=error.problems)
