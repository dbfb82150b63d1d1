"""Smaller things a new user meets: a future `--date` on import says it is scheduled, a newsletter preview
with `--base-url`, sent.yaml in the site time zone, help lines that are not cut off, a README that
holds no repeated row or paragraph and no path outside a clone."""

from __future__ import annotations

import re
from collections.abc import Callable

from click.testing import CliRunner
from lxml import html as lxml_html
from test_newsletter import ARTICLES, sending_config

from digest.cli import main

from helpers import REPO, Site, run_in

MakeSite = Callable[..., Site]
SCRAPED = "International\nDes drones visent une base aérienne\nDeux drones ont visé mardi une base aérienne.\n"


def test_import_with_a_future_date_says_the_article_is_scheduled(make_site: MakeSite) -> None:
    site = make_site({})
    site.write("scraped.txt", SCRAPED)
    future = run_in(site.root, "import", "scraped.txt", "--lang", "fr", "--date", "2999-01-01T08:00:00+01:00",
                    "--dry-run")
    assert future.exit_code == 0, future.output
    assert ("  date: 2999-01-01T08:00:00+01:00 (--date); in the future: scheduled, published by the first build "
            "after that time") in future.output.splitlines()
    past = run_in(site.root, "import", "scraped.txt", "--lang", "fr", "--date", "2024-07-16", "--dry-run")
    assert past.exit_code == 0, past.output
    assert "  date: 2024-07-16 (--date)" in past.output.splitlines()


def test_newsletter_base_url_previews_with_local_links(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    result = run_in(site.root, "newsletter", "--lang", "fr", "--edition", "2024-07-16",
                    "--base-url", "http://127.0.0.1:8000/sub/")
    assert result.exit_code == 0, result.output
    page = lxml_html.fromstring((site.root / "newsletters/fr/2024-07-16.html").read_bytes())
    links = [href for href in page.xpath("//a/@href") if href.startswith("http")]
    ours = [href for href in links if "example.org" in href or "127.0.0.1" in href]
    assert ours and all(href.startswith("http://127.0.0.1:8000/sub/") for href in ours), ours
    assert all(src.startswith("http://127.0.0.1:8000/sub/") for src in page.xpath("//img/@src"))
    refused = run_in(site.root, "newsletter", "--lang", "fr", "--send", "--base-url", "http://127.0.0.1:8000/")
    assert refused.exit_code == 2
    assert "--base-url is for a preview" in refused.output


def test_the_refusal_to_send_twice_names_the_time_in_the_site_time_zone(make_site: MakeSite) -> None:
    # A record written by an older digest, in UTC: shown in the site's time zone (Europe/Paris).
    site = make_site(ARTICLES, config=sending_config(9))
    site.write("newsletters/sent.yaml", "- message_id: <x@example.org>\n  lang: fr\n  edition: '2024-07-16'\n"
                                        "  time: '2024-07-16T16:05:00Z'\n  recipients: [lecteurs@lists.example.org]\n")
    result = run_in(site.root, "newsletter", "--lang", "fr", "--edition", "2024-07-16", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "newsletters/sent.yaml:1: the 'fr' edition 2024-07-16 was already sent on 2024-07-16T18:05:00+02:00 "
        "to lecteurs@lists.example.org; --force sends it again"]


def test_help_lines_are_not_cut_off() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    commands = result.output.split("Commands:\n", 1)[1].splitlines()
    assert len(commands) >= 9
    for line in commands:
        assert not line.rstrip().endswith("..."), line
        assert len(line) <= 80, line


def test_readme_has_no_repeated_row_or_paragraph_and_no_path_outside_a_clone() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `digest ")]
    assert len(rows) == len(set(rows)), [row for row in rows if rows.count(row) > 1]
    assert len([row for row in rows if row.startswith("| `digest new ")]) == 1
    prose = re.sub(r"```.*?```", "", readme, flags=re.S)
    paragraphs = [" ".join(block.split()) for block in prose.split("\n\n") if block.strip()]
    assert len(paragraphs) == len(set(paragraphs)), [p for p in paragraphs if paragraphs.count(p) > 1]
    deploying = readme.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    hourly = [p for p in deploying.split("\n\n") if "every hour" in " ".join(p.split())]
    assert len(hourly) == 1, hourly  # the schedule is explained once
    assert "../shared" not in readme
