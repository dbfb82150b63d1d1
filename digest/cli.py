"""The `digest` command: parses arguments and calls the library, nothing else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from digest import __version__
from digest.errors import SiteError


def reports_problems(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print each problem as `path:line: message` and exit 1; never a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SiteError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("DIGEST_DEBUG"):
                raise
            click.echo(f"digest: internal error: {type(error).__name__}: {error} "
                       "(set DIGEST_DEBUG=1 for details)", err=True)
            sys.exit(1)

    return run


config_option = click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                             default="config.yaml", show_default=True, help="The site's configuration file.")
drafts_option = click.option("--drafts", is_flag=True, help="Include articles marked draft: true.")
future_option = click.option("--future", is_flag=True, help="Include scheduled articles (dated later than now).")


@click.group()
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """digest: a static site generator for curated, multilingual news digests."""


def run() -> None:
    """The console script."""
    global _quick_exit
    _quick_exit = True
    main()


_quick_exit = False  # run as the console script: a command may end the process as soon as it is done


def exit_now() -> None:
    """End the process at once when run as the console script, rather than free every object one by
    one: the page graph of a large site holds hundreds of thousands, and freeing them takes longer
    than an edit's build. Output is flushed; every file digest writes is closed already."""
    if _quick_exit:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@main.command()
@config_option
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: output/ beside the config file).")
@drafts_option
@future_option
@click.option("--base-url", help="Override base_url from the config, e.g. https://user.github.io/repo/.")
@reports_problems
def build(config_file: Path, output_dir: Path | None, drafts: bool, future: bool, base_url: str | None) -> None:
    """Build the site into the output folder."""
    from digest.build import Builder, drafts_line, scheduled_line
    from digest.parallel import jobs
    from digest.progress import TerminalProgress

    progress = TerminalProgress()
    builder = Builder(config_file, output_dir=output_dir, base_url=base_url, include_drafts=drafts, workers=jobs(),
                      persistent=True, progress=progress, include_future=future)
    try:
        result = builder.build()
    finally:
        progress.clear()
    click.echo(f"Built {result.pages} pages ({result.files} files: {result.written} written, "
               f"{result.files - result.written} unchanged) in {result.seconds:.2f} s -> {_shown(result.output_dir)}")
    if result.scheduled:
        click.echo(scheduled_line(result.scheduled, result.next_due, result.future))
    if result.drafts:
        click.echo(drafts_line(result.drafts))
    exit_now()  # (the builder, and the page graph it holds, are freed by the end of the process)


@main.command(short_help="Check config, content and links; write nothing.")
@config_option
@drafts_option
@future_option
@click.option("--base-url", help="Check as if built for this base_url.")
@reports_problems
def check(config_file: Path, drafts: bool, future: bool, base_url: str | None) -> None:
    """Validate config, front matter and internal links; write nothing."""
    from digest.check import check_site

    result = check_site(config_file, base_url=base_url, include_drafts=drafts, include_future=future)
    for warning in result.warnings:
        click.echo(warning, err=True)
    for broken in result.broken:
        click.echo(str(broken), err=True)
    if result.broken:
        sys.exit(1)
    click.echo(f"Checked {result.files} pages and feeds, {result.links} internal links: no broken links")


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@drafts_option
@future_option
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@reports_problems
def serve(config_file: Path, host: str, port: int, drafts: bool, future: bool, open_browser: bool) -> None:
    """Build, serve and rebuild on change, reloading the browser."""
    from digest.serve import serve as serve_site

    serve_site(config_file, host=host, port=port, include_drafts=drafts, open_browser=open_browser,
               include_future=future)


@main.command(short_help="Write a new article (a draft unless --publish).")
@click.argument("title")
@click.option("--lang", required=True, help="Language code of the article (a folder under content/).")
@click.option("--tags", default="", help="Comma-separated tags, e.g. 'Irak,États-Unis'.")
@click.option("--translation-of", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The article this one translates: starts from its fields, tags and text.")
@click.option("--slug", help="The file name and URL slug (default: made from the title).")
@click.option("--publish", is_flag=True, help="Write a published article, not a draft.")
@config_option
@reports_problems
def new(title: str, lang: str, tags: str, translation_of: Path | None, slug: str | None, publish: bool,
        config_file: Path) -> None:
    """Write a new article (a draft unless --publish) with its front matter filled in."""
    from digest.config import load_config
    from digest.scaffold import new_article

    config = load_config(config_file)
    path = new_article(config, title, lang, [t.strip() for t in tags.split(",") if t.strip()], translation_of,
                       slug=slug, publish=publish)
    click.echo(_shown(path))


@main.command("import", short_help="Turn texts, web pages, URLs or feeds into articles.")
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option("--feed", metavar="FILE_OR_URL", help="An RSS or Atom feed: import its entries not on the site yet.")
@click.option("--limit", type=click.IntRange(min=1), help="With --feed: import at most this many new entries.")
@click.option("--lang", required=True, help="Language of the texts (a folder under content/).")
@click.option("--date", "date_text", help="Date of the articles: YYYY-MM-DD or ISO 8601 date and time "
              "(default: the page's date or the dateline in the text, else now).")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path),
              help="A photo to copy beside the article (sets image.src).")
@click.option("--tags", default="", help="Comma-separated tags, added to the site's tags found in the title or lead.")
@click.option("--dry-run", is_flag=True, help="Print each article and its report; write nothing.")
@click.option("--force", is_flag=True, help="Replace an article imported before (same slug or source URL); "
              "import a page whose language is not --lang; import a story the site has already.")
@click.option("--merge", is_flag=True, help="An input that is the same story as an article of the site: add its "
              "source to that article's sources instead of importing it.")
@click.option("--download-images/--no-download-images", "download_images", default=None,
              help="Download the lead photo beside the article instead of linking the source's copy "
              "(default: config import.download_images).")
@config_option
@reports_problems
def import_(inputs: tuple[str, ...], feed: str | None, limit: int | None, lang: str, date_text: str | None,
            image: Path | None, tags: str, dry_run: bool, force: bool, merge: bool, download_images: bool | None,
            config_file: Path) -> None:
    """Turn scraped texts, saved web pages (.html), http(s) URLs or a feed's entries into articles,
    reporting what could not be placed."""
    from digest.config import load_config
    from digest.importer import import_feed, import_files, parse_date_option

    _check_import_usage(inputs, feed, limit, date_text, image)
    try:
        when = parse_date_option(date_text) if date_text is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--date'") from None
    config = load_config(config_file)
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    if feed is not None:
        results = import_feed(config, feed, lang, tag_list, limit, dry_run, force, download=download_images,
                              merge=merge)
    else:
        results = import_files(config, inputs, lang, when, image, tag_list, dry_run, force, download=download_images,
                               merge=merge)
    refused = False
    for result in results:
        refused = _print_import(result, dry_run) or refused
    if refused:
        sys.exit(1)


def _check_import_usage(inputs: tuple[str, ...], feed: str | None, limit: int | None, date_text: str | None,
                        image: Path | None) -> None:
    if feed is None and not inputs:
        raise click.UsageError("give INPUT... (text files, .html pages or URLs) or --feed FILE_OR_URL")
    if feed is not None and (inputs or date_text or image):
        raise click.UsageError("--feed imports the feed's entries alone: no INPUT, --date or --image with it")
    if limit is not None and feed is None:
        raise click.UsageError("--limit goes with --feed")
    if image is not None and len(inputs) > 1:
        raise click.UsageError("--image is the photo of one article: import its FILE alone")


def _print_import(result: Any, dry_run: bool) -> bool:
    """Print one input's outcome; True when it was refused."""
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.skipped is not None:
        click.echo(f"skipped {result.input}: {result.skipped}")
    if result.same_story is not None:
        click.echo(f"{result.input}: {result.same_story}")
    if result.path is not None:
        click.echo(f"would write {_shown(result.path)}:\n{result.text}" if dry_run else _shown(result.path))
        click.echo(f"  from {result.input}")
        for note in result.report:
            click.echo(f"  {note}")
    return bool(result.problems)


@main.command(short_help="Translations missing or outdated, drafts, scheduled.")
@click.option("--lang", help="Only this language (a code from config.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts and CI.")
@config_option
@reports_problems
def status(lang: str | None, as_json: bool, config_file: Path) -> None:
    """Translations missing or outdated per language, drafts, scheduled articles."""
    from digest.status import report

    click.echo(report(config_file, lang, as_json))


@main.command(short_help="Write or send a day's edition as an e-mail.")
@click.option("--lang", required=True, help="Language of the edition.")
@click.option("--edition", "edition_day", metavar="YYYY-MM-DD", help="The day's edition (default: the newest).")
@click.option("--week", metavar="YYYY-Www", help="The editions of an ISO week, day by day (e.g. 2024-W29).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The .eml file to write (default: newsletters/<lang>/<edition>.eml); the HTML part goes beside it.")
@click.option("--send", is_flag=True, help="Send it over SMTP (newsletter.smtp in config.yaml) instead of writing it.")
@click.option("--force", is_flag=True, help="Send it even if newsletters/sent.yaml says it was sent already.")
@click.option("--base-url", help="Links and images to this address instead of base_url, e.g. "
              "http://127.0.0.1:8000/ to preview with digest serve.")
@config_option
@reports_problems
def newsletter(lang: str, edition_day: str | None, week: str | None, output: Path | None, send: bool, force: bool,
               base_url: str | None, config_file: Path) -> None:
    """The day's (or week's) edition as an e-mail (HTML and text); --send sends it, never twice."""
    from digest.newsletter import PASSWORD_VARIABLE, parse_day, parse_week
    from digest.newsletter_command import run

    if edition_day is not None and week is not None:
        raise click.UsageError("--edition and --week exclude each other: give one")
    if send and output is not None:
        raise click.UsageError("--output is for writing the message; --send sends it")
    if send and base_url is not None:
        raise click.UsageError("--base-url is for a preview; --send links to base_url of config.yaml")
    try:
        day = parse_day(edition_day) if edition_day is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--edition'") from None
    try:
        iso_week = parse_week(week) if week is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--week'") from None
    result = run(config_file, lang, day, iso_week, output, send, force, os.environ.get(PASSWORD_VARIABLE),
                 base_url=base_url)
    for path in result.files:
        click.echo(_shown(path))
    if result.sent is not None:
        click.echo(f"sent {result.newsletter.message_id} ({result.newsletter.subject}) "
                   f"to {', '.join(result.sent.recipients)}")


@main.command(short_help="Create a new site, with a GitHub Pages workflow.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--languages", default="en", show_default=True,
              help="Comma-separated language codes, e.g. fr,en; the first is the default language.")
@click.option("--title", help="The site's title (default: one per language).")
@reports_problems
def init(directory: Path, languages: str, title: str | None) -> None:
    """Create a new site that builds at once, with a GitHub Pages workflow."""
    from digest.scaffold import init_site, parse_languages

    for path in init_site(directory, parse_languages(languages), title):
        click.echo(f"created {_shown(path)}")
    click.echo(f"Next: cd {directory} && digest serve (a preview at http://127.0.0.1:8000/); to publish on GitHub "
               "Pages, push it to a repository of its own (.github/workflows/pages.yml deploys it)")


@main.command(short_help="Show where the built-in theme is and its files.")
@click.option("--path", "path_only", is_flag=True, help="Print only the folder of the built-in theme.")
def theme(path_only: bool) -> None:
    """Show where the built-in theme is and the files it holds (copy one into templates/ to change it)."""
    from digest.theme import default_theme_dir, theme_files

    click.echo(default_theme_dir())
    if not path_only:
        for name in theme_files():
            click.echo(f"  {name}")


def _shown(path: Path) -> str:
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path)
    return shown + "/" if path.is_dir() else shown
