"""A `digest build` that finds every input as the last build read it does nothing, and any change it
cannot see past (an input, an option, the output folder, time) makes it build.

The check is a stamp of every input file's name, time and size, kept in .digest-cache/ with the
instant until which the output stays right (the next scheduled article, the news sitemap's window).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main

from helpers import BASE_CONFIG, Site, article, tree

MakeSite = Callable[..., Site]

ARTICLES = {
    "fr/2024/glacier.md": article("Le glacier recule", tags="[Climat]", image="{src: photo.jpg, caption: Le glacier}"),
    "fr/2024/photo.jpg": b"\xff\xd8\xff not really a photo",
    "fr/2024/train.md": article("Le train de nuit", date="2024-07-15T09:00:00+02:00", tags="[Transports]"),
    "en/2024/glacier.md": article("The glacier retreats", tags="[Climate]"),
}


def build(site: Site, *args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, ["build", "--config", str(site.root / "config.yaml"), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def written(output: str) -> int:
    """The "N written" of the summary line."""
    return int(output.split(" written")[0].rsplit("(", 1)[1].split(": ")[-1])


def clean_build(site: Site, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, bytes]:
    """The output of the same inputs built from scratch, in a copy of the site without cache or output."""
    copy = tmp_path / "clean-copy"
    shutil.rmtree(copy, ignore_errors=True)
    # not output/, the cache, or the old trees a build is still deleting in the background
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", ".*"))
    result = CliRunner().invoke(main, ["build", "--config", str(copy / "config.yaml"), *args], env=env)
    assert result.exit_code == 0, result.output
    return tree(copy / "output", folders=True)


def test_a_build_with_no_change_reads_no_file(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    assert written(build(site)) > 20
    before = tree(site.output, folders=True)
    # Break an article without changing its size, time or inode: a build that read it would fail.
    path = site.root / "content/fr/2024/train.md"
    stat = path.stat()
    text = path.read_bytes()
    with path.open("r+b") as file:
        file.write(text.replace(b"title:", b"titel:", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    output = build(site)
    assert written(output) == 0
    assert tree(site.output, folders=True) == before


CHANGES: dict[str, Callable[[Site], None]] = {
    "an article's text": lambda site: site.write("content/fr/2024/train.md", article("Le train de nuit repart")),
    "only an article's time": lambda site: os.utime(site.root / "content/fr/2024/train.md", (1, 1)),
    "a new article": lambda site: site.write("content/en/2024/train.md", article("The night train")),
    "a deleted article": lambda site: (site.root / "content/fr/2024/train.md").unlink(),
    "a photo": lambda site: site.write("content/fr/2024/photo.jpg", b"\xff\xd8\xff another photo, longer"),
    "a template of the site": lambda site: site.write(
        "templates/404.html", "{% extends 'base.html' %}{% block main %}<h1>Perdu</h1>{% endblock %}\n"),
    "the config": lambda site: site.write("config.yaml", BASE_CONFIG.replace("per_page: 3", "per_page: 1")),
    "a page edited by hand in output/": lambda site: (site.output / "fr/index.html").write_text("edited"),
    "a page deleted in output/": lambda site: (site.output / "fr/tags/climat/index.html").unlink(),
    "a file added to output/": lambda site: (site.output / "fr/stray.html").write_text("stray"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_is_seen(make_site: MakeSite, tmp_path: Path, change: str) -> None:
    site = make_site(ARTICLES)
    build(site)
    build(site)  # nothing to do: the records say so
    time.sleep(0.01)  # file times must move past the last build's
    CHANGES[change](site)
    build(site)
    assert tree(site.output, folders=True) == clean_build(site, tmp_path)
    assert written(build(site)) == 0


@pytest.mark.parametrize("options", [["--drafts"], ["--future"], ["--base-url", "https://example.com/other/"]])
def test_a_different_option_builds(make_site: MakeSite, tmp_path: Path, options: list[str]) -> None:
    site = make_site({**ARTICLES, "fr/2024/brouillon.md": article("Brouillon", draft="true"),
                      "fr/2099/futur.md": article("Futur", date="2099-01-01T08:00:00+01:00")})
    build(site)
    build(site, *options)
    assert tree(site.output, folders=True) == clean_build(site, tmp_path, *options)
    build(site)
    assert tree(site.output, folders=True) == clean_build(site, tmp_path)


def test_a_different_source_date_epoch_builds(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({**ARTICLES, "fr/2024/plus-tard.md": article("Plus tard", date="2024-07-20T08:00:00+02:00")})
    early = {"SOURCE_DATE_EPOCH": str(int(datetime(2024, 7, 18, tzinfo=UTC).timestamp()))}
    late = {"SOURCE_DATE_EPOCH": str(int(datetime(2024, 7, 21, tzinfo=UTC).timestamp()))}
    build(site, env=early)
    assert not (site.output / "fr/2024/07/plus-tard").exists()
    build(site, env=late)
    assert (site.output / "fr/2024/07/plus-tard/index.html").is_file()
    assert tree(site.output, folders=True) == clean_build(site, tmp_path, env=late)


def test_time_passing_publishes_a_scheduled_article_and_moves_the_news_window(make_site: MakeSite) -> None:
    """Without SOURCE_DATE_EPOCH the build's time is now: no file changes, yet the output must."""
    now = datetime.now(UTC).replace(microsecond=0)
    due = now + timedelta(seconds=3)
    leaving = now - timedelta(days=2) + timedelta(seconds=3)  # leaves the news sitemap's two days then
    site = make_site({
        "fr/2024/glacier.md": article("Le glacier recule"),
        "fr/bientot.md": article("Bientôt", date=due.isoformat()),
        "fr/recent.md": article("Récent", date=leaving.isoformat()),
    })
    build(site)
    news = (site.output / "news-sitemap.xml").read_text()
    assert "Récent" in news and "Bientôt" not in news
    assert not any("bientot" in path for path in tree(site.output))
    assert written(build(site)) == 0  # before either instant: nothing to do
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1.2)
    build(site)
    news = (site.output / "news-sitemap.xml").read_text()
    assert "Bientôt" in news and "Récent" not in news
    assert any("bientot" in path for path in tree(site.output))
