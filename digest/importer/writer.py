"""Putting a draft together with the site (date, tags, related keys, path) and writing it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from digest import yamlfile
from digest.config import Config
from digest.content import TagRef, split_front_matter
from digest.errors import Problem, SiteError, display_path
from digest.importer import cluster
from digest.importer.dates import Dateline
from digest.importer.draft import ScrapedArticle
from digest.importer.page import fetch, is_page, is_url, read_page
from digest.importer.photo import PhotoError, download_photo
from digest.importer.report import Note
from digest.importer.text import _URL, _read_text, parse_scraped, read_file
from digest.importer.titles import KnownArticle, SiteArticles, TitleIndex, find_tags
from digest.importer.words import markdown_escape
from digest.scaffold import article_path, file_slug, yaml_text
from digest.slugs import slugify

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")


@dataclass
class ImportResult:
    input: Path | str  # a file, or a URL
    path: Path | None = None  # the article written (or that would be)
    photo: Path | None = None  # the photo copied beside it
    text: str = ""  # the article file's text
    report: tuple[Note, ...] = ()
    written: bool = False
    key: str | None = None
    problems: tuple[Problem, ...] = ()  # non-empty: the file was refused, nothing written
    skipped: str | None = None  # why a feed entry was not imported (e.g. it is on the site already)
    photo_data: bytes | None = None  # the lead photo downloaded (--download-images), written at `photo`
    same_story: str | None = None  # not imported: the same story as an article of the site (the report line)


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
        start = given if isinstance(given, datetime) else datetime.combine(given, datetime.min.time(), tz)
        # A date to come is not a typo to hide: the article is scheduled (left out of builds until then).
        later = "; in the future: scheduled, published by the first build after that time" if start > now else ""
        return given, Note(None, f"date: {given.isoformat()} (--date){later}")
    if scraped.date is not None:
        stated = scraped.date.replace(tzinfo=tz) if isinstance(scraped.date, datetime) and \
            scraped.date.tzinfo is None else scraped.date
        return stated, Note(None, f"date: {stated.isoformat()} from {scraped.date_from}")
    if dateline is not None:
        stated = dateline.resolve(tz, now)
        if stated is not None:
            _updated_from_dateline(scraped, dateline, stated, tz, now)
            assumed = ", year assumed" if dateline.year is None else \
                f", year from {dateline.year_from}" if dateline.year_from else ""
            where = "the dateline opening the lead" if dateline.in_lead else "the dateline"
            return stated, Note(dateline.line, f"date: {stated.isoformat()} from {where}{assumed}", dateline.text)
        scraped.notes.append(Note(dateline.line, "dropped a dateline that is not a real date", dateline.text))
    found = "no date in the page" if scraped.body_markdown is not None else "no dateline in the text"
    return now, Note(None, f"date: now, {now.isoformat()} (no --date and {found})")


def _updated_from_dateline(scraped: ScrapedArticle, dateline: Dateline, stated: date | datetime, tz: Any,
                           now: datetime) -> None:
    """`Mis à jour le ... à 11h02` on the dateline: `updated`, when it is later than the date."""
    if dateline.updated is None:
        return
    updated = replace(dateline.updated, year=dateline.updated.year or dateline.year).resolve(tz, now)
    if isinstance(updated, datetime) and isinstance(stated, datetime) and updated > stated:
        scraped.updated = updated
        scraped.notes.append(Note(dateline.line, f"updated: {updated.isoformat()} from the dateline",
                                  dateline.updated.text))
    elif updated is not None and not isinstance(updated, datetime) and not isinstance(stated, datetime) \
            and updated > stated:
        scraped.updated = updated


def read_input(source: Path | str) -> ScrapedArticle:
    """The draft of one input: an http(s) URL, a saved page (.html, .htm) or scraped plain text."""
    if isinstance(source, str) and is_url(source):
        return read_page(fetch(source), source, source)
    path = Path(source)
    if is_page(path):
        return read_page(read_file(path), str(path))
    return parse_scraped(_read_text(path), str(path))


def check_options(config: Config, name: str, lang: str, tags: Sequence[str]) -> None:
    if lang not in config.language_codes:
        raise SiteError([Problem(name, None, f"unknown language '{lang}' given with --lang "
                                 f"(languages: {', '.join(config.language_codes)})")])
    for tag in tags:
        if not slugify(tag):
            raise SiteError([Problem(name, None, f"--tags: tag {tag!r} has no letters or digits")])


def import_file(config: Config, path: Path | str, lang: str, date: date | datetime | None = None,
                image: Path | None = None, tags: Sequence[str] = (), dry_run: bool = False, force: bool = False,
                *, site: SiteArticles | None = None, now: datetime | None = None,
                download: bool | None = None, merge: bool = False) -> ImportResult:
    """Import one input (text, saved page or URL) as content/<lang>/<yyyy>/<slug>.md; raises SiteError
    (nothing written)."""
    check_options(config, str(path), lang, tags)
    scraped = read_input(path)
    return import_draft(config, scraped, path, lang, date, image, tags, dry_run, force, site=site, now=now,
                        download=download, merge=merge)


def _language_name(code: str, lang: str) -> str:
    try:
        return f"{Locale.parse(code).get_display_name('en')} ({code})"
    except (ValueError, UnknownLocaleError):
        return code


def check_language(scraped: ScrapedArticle, name: str, lang: str, force: bool) -> Note | None:
    """A page in another language than --lang is refused, unless --force."""
    if scraped.lang is None or scraped.lang == lang.split("_")[0].split("-")[0].lower():
        return None
    if not force:
        raise SiteError([Problem(name, None, f"the page is in {_language_name(scraped.lang, lang)}, not "
                                 f"'{lang}': import it with --lang {scraped.lang} (or --force to import it anyway)")])
    return Note(None, f"language: the page is in {_language_name(scraped.lang, lang)}, imported as '{lang}' (--force)")


def _target(config: Config, scraped: ScrapedArticle, site: SiteArticles, name: str, lang: str, slug: str,
            when: date | datetime, force: bool) -> Path:
    """Where the article goes; an article of the site with the same source URL or slug is an error unless --force
    (which replaces it)."""
    same_source = sorted(a.file for a in site.known if a.has_source(scraped.source_url))
    if same_source:
        existing = same_source[0]
        if existing in site.planned:
            raise SiteError([Problem(name, scraped.title_line or None, f"same source URL {scraped.source_url} as "
                                     f"{site.planned[existing]}, imported in this run as {existing}")])
        if not force:
            raise SiteError([Problem(name, scraped.title_line or None, f"already on the site: {existing} has the "
                                     f"same source URL {scraped.source_url} (digest import never overwrites an "
                                     "article; --force replaces it)")])
        return config.root / existing
    target = article_path(config, lang, when, slug)
    same = sorted(a.file for a in site.known if a.lang == lang and a.slug == slug)
    if target.exists() or same:
        existing = display_path(target, config.root) if target.exists() else same[0]
        if existing in site.planned:
            raise SiteError([Problem(name, scraped.title_line or None, f"same slug '{slug}' as "
                                     f"{site.planned[existing]}, imported in this run as {existing}")])
        if not force:
            raise SiteError([Problem(name, scraped.title_line or None, f"an article with the same slug '{slug}' "
                                     f"already exists: {existing} (imported before? digest import never overwrites "
                                     "an article; --force replaces it)")])
        target = config.root / existing  # --force: the article imported before, keeping its key
    return target


def _photo_target(name: str, image: Path | None, target: Path, slug: str, force: bool) -> Path | None:
    if image is None:
        return None
    if not _is_file(image):
        raise SiteError([Problem(name, None, f"--image {image}: photo not found")])
    if image.suffix.lower() not in IMAGE_SUFFIXES:
        raise SiteError([Problem(name, None, f"--image {image}: not a photo "
                                 f"(expected {', '.join(IMAGE_SUFFIXES)})")])
    photo_target = target.with_name(slug + image.suffix.lower())
    if photo_target.exists() and not force:
        raise SiteError([Problem(name, None, f"{display_path(photo_target, Path.cwd())} already exists; "
                                 "digest import never overwrites a photo unless given --force")])
    return photo_target


def _page_tags(site: SiteArticles, scraped: ScrapedArticle, lang: str, given: Sequence[str]) -> list[str]:
    """The page's own tags that the site already has in this language (as the site writes them)."""
    names = site.tag_names(lang)
    skip = {slugify(tag) for tag in given}
    kept = [names[slugify(tag)] for tag in scraped.keywords if slugify(tag) in names and slugify(tag) not in skip]
    return list(dict.fromkeys(kept))


def _picture_note(scraped: ScrapedArticle, image: Path | None, photo_target: Path | None) -> Note | None:
    if image is not None and photo_target is not None:
        return Note(None, f"photo: {display_path(photo_target, Path.cwd())}")
    if scraped.image_src:
        with_caption = " with its caption" if scraped.caption is not None else ""
        return Note(None, f"photo: {scraped.image_src}{with_caption}")
    if scraped.caption is not None:
        return Note(None, "photo: caption and credit kept without a picture (no --image)")
    return None


def _report(scraped: ScrapedArticle, site: SiteArticles, report: list[Note], page_tags: Sequence[str],
            auto_tags: Sequence[str], all_tags: Sequence[str], picture: Note | None, notes: list[Note]) -> list[Note]:
    """The report: date, tags, picture, then what happened to each line, then the site's unreadable articles."""
    if scraped.keywords:
        dropped = [tag for tag in scraped.keywords if slugify(tag) not in {slugify(t) for t in all_tags}]
        kept = f"tags: {', '.join(page_tags)} (the page's own tags that the site has" if page_tags else \
            "tags: none of the page's own tags are the site's ("
        report.append(Note(None, kept + (f"{'; ' if page_tags else ''}not on the site: {', '.join(dropped)})"
                                         if dropped else ")")))
    report.append(Note(None, f"tags: {', '.join(auto_tags)} (found in the title or lead)" if auto_tags
                       else "tags: none of the site's tags appear in the title or lead"))
    if picture is not None:
        report.append(picture)
    report += sorted([*scraped.notes, *notes], key=lambda note: note.line or 0)
    if site.unreadable:
        report.append(Note(None, f"{len(site.unreadable)} article(s) of the site have errors and were not searched "
                           f"for related titles or tags (run digest check): {', '.join(site.unreadable)}"))
    return report


def _download(scraped: ScrapedArticle, name: str, target: Path, slug: str,
              force: bool) -> tuple[Path | None, bytes | None, Note | None]:
    """--download-images: the page's lead photo, fetched and stripped of its metadata, to write beside the
    article; when it cannot be, the article links the source's copy and the report says why."""
    if not scraped.image_src:
        return None, None, None
    try:
        data, suffix = download_photo(scraped.image_src)
    except PhotoError as error:
        return None, None, Note(None, f"photo: not downloaded ({error}); linked to {scraped.image_src}")
    photo_target = target.with_name(slug + suffix)
    if photo_target.exists() and not force:
        raise SiteError([Problem(name, None, f"{display_path(photo_target, Path.cwd())} already exists; "
                                 "digest import never overwrites a photo unless given --force")])
    return photo_target, data, Note(None, f"photo: {display_path(photo_target, Path.cwd())}, downloaded from "
                                    f"{scraped.image_src} (metadata stripped)")


def import_draft(config: Config, scraped: ScrapedArticle, source: Path | str, lang: str,
                 date: date | datetime | None = None, image: Path | None = None, tags: Sequence[str] = (),
                 dry_run: bool = False, force: bool = False, *, site: SiteArticles | None = None,
                 now: datetime | None = None, download: bool | None = None, merge: bool = False) -> ImportResult:
    """Place a draft on the site (date, path, tags, related keys, report) and write it unless `dry_run`;
    not when it is the same story as an article of the site (unless `force`; `merge` adds its source there)."""
    name = str(source)
    language_note = check_language(scraped, name, lang, force)
    slug = file_slug(scraped.title)
    if not slug:
        raise SiteError([Problem(name, scraped.title_line or None, "the title has no letters or digits "
                                 "to make a file name from")])
    site = site if site is not None else SiteArticles.load(config)
    when, date_note = _when(config, scraped, date, now)
    if merge and not force and (listed := _listed_in(site, scraped.source_url)) is not None:
        return _result(source, f"its source {scraped.source_url} is already listed in {listed}: nothing to merge")
    target = _target(config, scraped, site, name, lang, slug, when, force)
    file_shown = display_path(target, config.root)
    if not force and (same := cluster.find_same_story(config, site.known, scraped, lang, when, file_shown)):
        return _same_story(config, site, scraped, source, same, merge, dry_run)
    key = target.relative_to(config.content_dir / lang).with_suffix("").as_posix()
    photo_target = _photo_target(name, image, target, slug, force)
    photo_data = None
    download_note = None
    if image is None and (download if download is not None else config.import_download_images):
        photo_target, photo_data, download_note = _download(scraped, name, target, slug, force)

    index = TitleIndex(a for a in site.known if a.file != file_shown)
    related, read_also, notes = _place_related(config, scraped, index, lang, key)
    page_tags = _page_tags(site, scraped, lang, tags)
    auto_tags = find_tags(site.tag_names(lang), scraped.title, scraped.lead, given=[*tags, *page_tags])
    all_tags = list({slugify(tag): tag for tag in reversed([*tags, *page_tags, *auto_tags])}.values())[::-1]

    report = _report(scraped, site, [date_note] + ([language_note] if language_note else []), page_tags,
                     auto_tags, all_tags, download_note or _picture_note(scraped, image, photo_target), notes)

    if tags:
        report.insert(1, Note(None, f"tags: {', '.join(tags)} (--tags)"))
    text = article_text(scraped, when, all_tags, related, read_also,
                        photo_target.name if photo_target is not None else scraped.image_src,
                        slug=None if slugify(target.stem) == slug else slug)
    if force and target.exists():
        text, kept_note = keep_editor_keys(target, text)
        if kept_note is not None:
            report.append(kept_note)
    result = ImportResult(input=Path(source) if isinstance(source, Path) else source, path=target,
                          photo=photo_target, text=text, report=tuple(report), key=key, photo_data=photo_data)
    site.known = [a for a in site.known if a.file != file_shown]
    site.known.append(KnownArticle(key, lang, scraped.title, slug, file_shown,
                                   tuple(TagRef(t, slugify(t)) for t in all_tags), source_url=scraped.source_url,
                                   date=cluster.as_datetime(when, config), text=cluster.draft_text(scraped)))
    site.planned[file_shown] = name
    if not dry_run:
        _write(result, image, force)
    return result


# The keys an editor adds by hand to an imported article: `--force` keeps them unless the new text has them.
EDITOR_KEYS = ("corrections", "translation_key", "related", "author", "draft")


def _top_level_keys(front: str) -> dict[str, str]:
    """Each top-level key of a front matter with its lines as written (its nested lines and comments too)."""
    blocks: dict[str, str] = {}
    key = None
    for line in front.splitlines(keepends=True):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match:
            key = match.group(1)
            blocks[key] = line
        elif key is not None:
            blocks[key] += line
    return blocks


def keep_editor_keys(existing: Path, text: str) -> tuple[str, Note | None]:
    """The new article's text with the editor's own keys of the article it replaces (corrections,
    translation_key, related, author, draft) carried over, each as written, when the new text lacks them."""
    try:
        old = split_front_matter(existing.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        old = None
    new = split_front_matter(text)
    if old is None or new is None:
        return text, None
    old_keys, new_keys = _top_level_keys(old[0]), _top_level_keys(new[0])
    kept = [key for key in EDITOR_KEYS if key in old_keys and key not in new_keys]
    replaced = [key for key in old_keys if key in new_keys and key != "title" and key != "date"]
    if kept:
        front = new[0].rstrip("\n") + "\n" + "".join(old_keys[key].rstrip("\n") + "\n" for key in kept)
        try:
            if not isinstance(yamlfile.parse(front), dict):
                return text, None
        except yamlfile.YamlSyntaxError:  # the old front matter was broken: nothing is carried over
            return text, None
        text = f"---\n{front}---\n\n{new[1].lstrip(chr(10))}"
    parts = []
    if kept:
        parts.append(f"kept the editor's {', '.join(kept)}")
    if replaced:
        parts.append(f"replaced {', '.join(replaced)}")
    return text, Note(None, f"--force: {'; '.join(parts)} of {existing.name}") if parts else None
def _result(source: Path | str, line: str) -> ImportResult:
    return ImportResult(input=Path(source) if isinstance(source, Path) else source, same_story=line)


def _listed_in(site: SiteArticles, url: str | None) -> str | None:
    """The article of the site (not one imported in this run) that lists this source URL."""
    return min((a.file for a in site.known if a.has_source(url) and a.file not in site.planned), default=None)


def _same_story(config: Config, site: SiteArticles, scraped: ScrapedArticle, source: Path | str,
                same: cluster.SameStory, merge: bool, dry_run: bool) -> ImportResult:
    """Not imported: the report line, and with `merge` the input's source added to the article of the site
    (`dry_run`: said, not done)."""
    found = f"same story as {same.article.file} (similarity {same.similarity:.2f})"
    if not merge:
        return _result(source, f"{found}; not imported: --merge adds its source to that article, "
                       "--force imports it anyway")
    new = cluster.input_source(scraped)
    if new is None:
        return _result(source, f"{found}; not imported: it names no source to merge")
    shown = new if isinstance(new, str) else f"{new['name']} <{new['url']}>"
    path = config.root / same.article.file
    if not path.exists():  # imported earlier in this dry run: nothing on disk to add it to
        return _result(source, f"{found}; would add its source {shown} to that article")
    if not cluster.merge_source(path, same.article.file, new, dry_run):
        return _result(source, f"{found}; its source {shown} is already listed there: nothing changed")
    if isinstance(new, dict):  # a later input of this run with that URL finds it listed
        site.known = [replace(a, source_urls=(*a.source_urls, new["url"])) if a is same.article else a
                      for a in site.known]
    return _result(source, f"{found}; {'would add' if dry_run else 'added'} its source {shown} to that article")


def _write(result: ImportResult, image: Path | None, force: bool) -> None:
    assert result.path is not None
    result.path.parent.mkdir(parents=True, exist_ok=True)
    with result.path.open("w" if force else "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write(result.text)
    if image is not None and result.photo is not None:
        shutil.copyfile(image, result.photo)
    elif result.photo_data is not None and result.photo is not None:
        with result.photo.open("wb" if force else "xb") as photo:
            photo.write(result.photo_data)
    result.written = True


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
    if scraped.updated is not None:
        lines.append(f"updated: {scraped.updated.isoformat()}")
        meta["updated"] = scraped.updated
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
    if scraped.summary:
        lines.append(f"summary: {yaml_text(scraped.summary)}")
        meta["summary"] = scraped.summary
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
    if scraped.body_markdown is not None:
        body = scraped.body_markdown.strip()
    else:
        body = "\n\n".join(markdown_escape(paragraph.text) for paragraph in scraped.paragraphs)
    return "\n".join(lines) + (body + "\n" if body else "")


def import_files(config: Config, paths: Sequence[Path | str], lang: str, date: date | datetime | None = None,
                 image: Path | None = None, tags: Sequence[str] = (), dry_run: bool = False, force: bool = False,
                 *, now: datetime | None = None, download: bool | None = None,
                 merge: bool = False) -> Iterator[ImportResult]:
    """Import each input (file or URL) on its own: a refused file (result.problems) does not stop the others."""
    site = SiteArticles.load(config) if lang in config.language_codes else SiteArticles([], [])
    for path in paths:
        try:
            yield import_file(config, path, lang, date, image, tags, dry_run, force, site=site, now=now,
                              download=download, merge=merge)
        except SiteError as error:
            yield ImportResult(input=path, problems=error.problems)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system, say
        return False
