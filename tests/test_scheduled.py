"""Scheduled publishing: articles dated after the build's time (now, or SOURCE_DATE_EPOCH) stay out of every
output until then, unless --future; the incremental build notices when one becomes due."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result
from lxml import etree
from test_serve import Server, serve  # noqa: F401  (the serve fixture)

from digest.cli import main

from helpers import Site, article, hrefs, tree_hashes

MakeSite = Callable[..., Site]

BEFORE = str(int(datetime.fromisoformat("2024-07-18T12:00:00+00:00").timestamp()))
AFTER = str(int(datetime.fromisoformat("2024-07-21T12:00:00+00:00").timestamp()))
DUE = "2024-07-20T08:00:00+02:00"

ARTICLES = {
    "fr/2024/aujourdhui.md": article("Aujourd'hui", tags="[Irak]"),
    "fr/2024/demain.md": article("Demain matin", date=DUE, tags="[Irak, Futur]", translation_key="demain"),
    "en/2024/tomorrow.md": article("Tomorrow morning", date=DUE, translation_key="demain"),
}
SCHEDULED = ["fr/2024/07/demain/", "en/2024/07/tomorrow/", "fr/tags/futur/", "fr/2024/07/20/", "en/2024/07/20/",
             "en/2024/", "en/2024/07/"]


def build(site: Site, epoch: str, *args: str, output: Path | None = None) -> Result:
    return CliRunner().invoke(main, ["build", "--config", str(site.root / "config.yaml"),
                                     *(["--output", str(output)] if output else []), *args],
                              env={"SOURCE_DATE_EPOCH": epoch})


def exists(output: Path, path: str) -> bool:
    return (output / path / "index.html").is_file()


def mentions(output: Path, text: str) -> list[str]:
    """Every output file whose bytes contain `text`."""
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*")
                  if p.is_file() and text.encode() in p.read_bytes())


def sitemap_locs(output: Path) -> list[str]:
    tree = etree.parse(str(output / "sitemap.xml"))
    return tree.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})


def test_scheduled_articles_are_absent_from_every_output_until_due(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    result = build(site, BEFORE)
    assert result.exit_code == 0, result.output
    assert f"2 scheduled articles left out; the next is due {DUE}" in result.output
    out = site.output
    assert exists(out, "fr/2024/07/aujourdhui/")
    assert not any(exists(out, path) for path in SCHEDULED)
    assert mentions(out, "Demain matin") == [] and mentions(out, "Tomorrow") == []
    assert mentions(out, "demain") == []  # no link, no sitemap entry, no feed entry, no tag
    assert not (out / "fr/tags/futur/feed.xml").exists()
    feed = feedparser.parse((out / "fr/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Aujourd'hui"]
    assert [e.title for e in feedparser.parse((out / "en/feed.xml").read_bytes()).entries] == []
    assert not any("demain" in loc or "tomorrow" in loc for loc in sitemap_locs(out))
    assert "Aujourd" in site.page("fr/").text_content()
    assert hrefs(site.page("fr/tags/"), '//a[contains(@href, "/tags/futur/")]') == []

    # Time passes, no file changes: the cached, incremental build publishes them.
    result = build(site, AFTER)
    assert result.exit_code == 0, result.output
    assert "scheduled article" not in result.output
    assert all(exists(out, path) for path in SCHEDULED)
    feed = feedparser.parse((out / "fr/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Demain matin", "Aujourd'hui"]
    assert "https://example.org/sub/fr/2024/07/demain/" in sitemap_locs(out)
    home = site.page("fr/")
    assert "/sub/fr/2024/07/demain/" in hrefs(home, "//main//a")
    translations = site.page("fr/2024/07/demain/").xpath('//link[@rel="alternate"][@hreflang="en"]/@href')
    assert translations == ["https://example.org/sub/en/2024/07/tomorrow/"]

    # ... and that cached build equals a clean build of the same input, byte for byte.
    clean = site.root.parent / "clean"
    shutil.copytree(site.root, clean, ignore=shutil.ignore_patterns("output", ".digest-cache"))
    result = build(Site(clean), AFTER)
    assert result.exit_code == 0, result.output
    assert tree_hashes(clean / "output") == tree_hashes(out)

    # Going back in time takes them out again, with nothing stale left.
    assert build(site, BEFORE).exit_code == 0
    assert not any(exists(out, path) for path in SCHEDULED) and mentions(out, "demain") == []


def test_future_option_includes_them(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    result = build(site, BEFORE, "--future")
    assert result.exit_code == 0, result.output
    assert "2 scheduled articles included (--future)" in result.output
    assert all(exists(site.output, path) for path in SCHEDULED)
    future = tree_hashes(site.output)
    # The same as a build after their date (but for the news sitemap: its two days depend on the build's time).
    assert build(site, AFTER, output=site.root / "after").exit_code == 0
    after = tree_hashes(site.root / "after")
    assert after.pop("news-sitemap.xml") != future.pop("news-sitemap.xml")
    assert after == future


def test_same_source_date_epoch_gives_byte_identical_builds(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    assert build(site, BEFORE).exit_code == 0
    shutil.rmtree(site.root / ".digest-cache")
    assert build(site, BEFORE, output=site.root / "again").exit_code == 0
    assert tree_hashes(site.root / "again") == tree_hashes(site.output)


def test_drafts_in_the_future_stay_drafts(make_site: MakeSite) -> None:
    site = make_site({"fr/x.md": article("Brouillon", date=DUE, draft="true")})
    result = build(site, BEFORE, "--future")
    assert result.exit_code == 0, result.output
    assert "scheduled article" not in result.output and not exists(site.output, "fr/2024/07/x/")
    result = build(site, BEFORE, "--future", "--drafts")
    assert "1 scheduled article included (--future)" in result.output and exists(site.output, "fr/2024/07/x/")


def test_link_to_a_scheduled_article_is_reported_and_check_takes_future(make_site: MakeSite) -> None:
    site = make_site({**ARTICLES, "fr/2024/lien.md": article("Lien", body="Voir [demain](demain.md).")})
    result = build(site, BEFORE)
    assert result.exit_code == 1
    assert result.output.strip() == (f"content/fr/2024/lien.md:5: link to content/fr/2024/demain.md, which is "
                                     f"scheduled for {DUE} (use --future)")
    assert not site.output.exists()
    check = ["check", "--config", str(site.root / "config.yaml")]
    result = CliRunner().invoke(main, check, env={"SOURCE_DATE_EPOCH": BEFORE})
    assert result.exit_code == 1 and "scheduled for" in result.output
    result = CliRunner().invoke(main, [*check, "--future"], env={"SOURCE_DATE_EPOCH": BEFORE})
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, check, env={"SOURCE_DATE_EPOCH": AFTER})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", ["soon", "1.5", "-", "99999999999999999999"])
def test_bad_source_date_epoch_is_one_line_error(make_site: MakeSite, value: str) -> None:
    site = make_site(ARTICLES)
    assert build(site, BEFORE).exit_code == 0
    before = tree_hashes(site.output)
    result = build(site, value)
    assert result.exit_code == 1
    assert result.output.strip() == ("SOURCE_DATE_EPOCH: must be a whole number of seconds since "
                                     f"1970-01-01 00:00 UTC, not {value!r}")
    assert tree_hashes(site.output) == before


def test_articles_dated_far_ahead_are_scheduled_without_source_date_epoch(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("Passé"), "fr/b.md": article("Futur", date="2999-01-01")})
    result = CliRunner().invoke(main, ["build", "--config", str(site.root / "config.yaml")],
                                env={"SOURCE_DATE_EPOCH": None})
    assert result.exit_code == 0, result.output
    assert "1 scheduled article left out; the next is due 2999-01-01T00:00:00+01:00" in result.output
    assert not exists(site.output, "fr/2999/01/b/")


def test_serve_future(make_site: MakeSite, serve: Callable[..., Server]) -> None:  # noqa: F811
    site = make_site({"fr/a.md": article("Passé"), "fr/b.md": article("Futur", date="2999-01-01")})
    assert serve(site).get("/fr/2999/01/b/").status == 404
    assert serve(site, "--future").get("/fr/2999/01/b/").h1() == ["Futur"]


def test_search_index_leaves_scheduled_articles_out_until_due(make_site: MakeSite) -> None:
    from test_search import SEARCH_CONFIG, indexed_pages

    site = make_site(ARTICLES, config=SEARCH_CONFIG)

    def indexed() -> dict[str, int]:
        return indexed_pages(site.output)

    assert build(site, BEFORE).exit_code == 0
    assert indexed() == {"fr": 1}
    assert build(site, AFTER).exit_code == 0
    assert indexed() == {"fr": 2, "en": 1}


def test_serve_publishes_a_scheduled_article_when_it_falls_due(make_site: MakeSite,
                                                               serve: Callable[..., Server]) -> None:  # noqa: F811
    """No file is saved: the preview's clock rebuilds when the next scheduled article is due."""
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    site = make_site({"fr/a.md": article("Passé"), "fr/b.md": article("Bientôt", date=due.isoformat())})
    server = serve(site)
    path = f"/fr/{due:%Y}/{due:%m}/b/"
    assert server.get(path).status == 404
    server.wait_for_page(path, lambda response: response.h1() == ["Bientôt"], "the article once due", timeout=15)
