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


@click.group()
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """digest: a static site generator for curated, multilingual news digests."""


@main.command()
@config_option
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: output/ beside the config file).")
@drafts_option
@click.option("--base-url", help="Override base_url from the config, e.g. https://user.github.io/repo/.")
@reports_problems
def build(config_file: Path, output_dir: Path | None, drafts: bool, base_url: str | None) -> None:
    """Build the site into the output folder."""
    from digest.build import build as build_site
    from digest.progress import TerminalProgress

    progress = TerminalProgress()
    try:
        result = build_site(config_file, output_dir=output_dir, base_url=base_url, include_drafts=drafts,
                            progress=progress)
    finally:
        progress.clear()
    click.echo(f"Built {result.pages} pages ({result.files} files: {result.written} written, "
               f"{result.files - result.written} unchanged) in {result.seconds:.2f} s -> {_shown(result.output_dir)}")


@main.command()
@config_option
@drafts_option
@click.option("--base-url", help="Check as if built for this base_url.")
@reports_problems
def check(config_file: Path, drafts: bool, base_url: str | None) -> None:
    """Validate config, front matter and internal links; write nothing."""
    from digest.check import check_site

    result = check_site(config_file, base_url=base_url, include_drafts=drafts)
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
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@reports_problems
def serve(config_file: Path, host: str, port: int, drafts: bool, open_browser: bool) -> None:
    """Build, serve and rebuild on change, reloading the browser."""
    from digest.serve import serve as serve_site

    serve_site(config_file, host=host, port=port, include_drafts=drafts, open_browser=open_browser)


@main.command()
@click.argument("title")
@click.option("--lang", required=True, help="Language code of the article (a folder under content/).")
@click.option("--tags", default="", help="Comma-separated tags, e.g. 'Irak,États-Unis'.")
@click.option("--translation-of", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="An existing article this one translates (shares its key and date).")
@click.option("--slug", help="The file name and URL slug (default: made from the title).")
@config_option
@reports_problems
def new(title: str, lang: str, tags: str, translation_of: Path | None, slug: str | None, config_file: Path) -> None:
    """Write a new article with its front matter filled in."""
    from digest.config import load_config
    from digest.scaffold import new_article

    config = load_config(config_file)
    path = new_article(config, title, lang, [t.strip() for t in tags.split(",") if t.strip()], translation_of,
                       slug=slug)
    click.echo(_shown(path))


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lang", required=True, help="Language of the texts (a folder under content/).")
@click.option("--date", "date_text", help="Date of the articles: YYYY-MM-DD or ISO 8601 date and time "
              "(default: the dateline in the text, else now).")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path),
              help="A photo to copy beside the article (sets image.src).")
@click.option("--tags", default="", help="Comma-separated tags, added to the site's tags found in the title or lead.")
@click.option("--dry-run", is_flag=True, help="Print each article and its report; write nothing.")
@click.option("--force", is_flag=True, help="Replace an article imported before (same slug).")
@config_option
@reports_problems
def import_(files: tuple[Path, ...], lang: str, date_text: str | None, image: Path | None, tags: str,
            dry_run: bool, force: bool, config_file: Path) -> None:
    """Turn scraped plain-text articles into articles, reporting what could not be placed."""
    from digest.config import load_config
    from digest.importer import import_files, parse_date_option

    try:
        when = parse_date_option(date_text) if date_text is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--date'") from None
    if image is not None and len(files) > 1:
        raise click.UsageError("--image is the photo of one article: import its FILE alone")
    config = load_config(config_file)
    refused = False
    for result in import_files(config, files, lang, when, image, [t.strip() for t in tags.split(",") if t.strip()],
                               dry_run, force):
        for problem in result.problems:
            click.echo(str(problem), err=True)
        refused = refused or bool(result.problems)
        if result.path is None:
            continue
        click.echo(f"would write {_shown(result.path)}:\n{result.text}" if dry_run else _shown(result.path))
        click.echo(f"  from {result.input}")
        for note in result.report:
            click.echo(f"  {note}")
    if refused:
        sys.exit(1)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@reports_problems
def init(directory: Path) -> None:
    """Create a new site skeleton that builds at once."""
    from digest.scaffold import init_site

    for path in init_site(directory):
        click.echo(f"created {_shown(path)}")
    click.echo(f"Next: cd {directory} && digest build")


@main.command()
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
