"""Corrections: a marked box under the title, schema.org `correction` and `dateModified`, the feeds' `updated`."""

from __future__ import annotations

import json
from collections.abc import Callable

import feedparser
import pytest

from helpers import Site, article, texts, tree_hashes

MakeSite = Callable[..., Site]

CORRECTIONS = """
  - date: 2024-07-17
    text: "Le nombre de drones était de deux, non de trois."
  - {date: 2024-07-18T09:15:00+02:00, text: "Le nom de la base était mal orthographié & <corrigé>."}"""
CORRECTED = article("Drones sur la base", date="2024-07-16T14:30:00+03:00", updated="2024-07-16T20:00:00+02:00",
                    corrections=CORRECTIONS)


def json_ld(site: Site, path: str) -> dict:
    scripts = site.page(path).xpath('//script[@type="application/ld+json"]/text()')
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_corrections_box_json_ld_and_feeds(make_site: MakeSite) -> None:
    site = make_site({"fr/2024/drones.md": CORRECTED, "fr/2024/autre.md": article("Autre", date="2024-07-15"),
                      "en/2024/drones.md": article("Drones", date="2024-07-16T14:30:00+03:00",
                                                   corrections='[{date: 2024-07-19, text: "Two drones, not three."}]')})
    site.build_ok()
    page = site.page("fr/2024/07/drones/")
    box = page.xpath('//aside[@class="corrections"]')
    assert len(box) == 1 and box[0].get("role") == "note" and box[0].get("aria-label") == "Rectificatifs"
    # Under the title, before the picture and the body.
    assert box[0].getprevious().tag == "header" and box[0].getprevious().xpath(".//h1")
    assert texts(box[0], "p") == [
        "Rectificatif (17 juillet 2024) : Le nombre de drones était de deux, non de trois.",
        "Rectificatif (18 juillet 2024) : Le nom de la base était mal orthographié & <corrigé>.",
    ]
    assert box[0].xpath("p/time/@datetime") == ["2024-07-17T00:00:00+02:00", "2024-07-18T09:15:00+02:00"]
    assert texts(site.page("en/2024/07/drones/"), '//aside[@class="corrections"]/p') == [
        "Correction (19 July 2024): Two drones, not three."]
    assert site.page("fr/2024/07/autre/").xpath('//aside[@class="corrections"]') == []

    data = json_ld(site, "fr/2024/07/drones/")
    assert data["datePublished"] == "2024-07-16T13:30:00+02:00"
    assert data["dateModified"] == "2024-07-18T09:15:00+02:00"  # the latest correction, later than `updated`
    assert data["correction"] == [
        {"@type": "CorrectionComment", "text": "Le nombre de drones était de deux, non de trois.",
         "datePublished": "2024-07-17T00:00:00+02:00"},
        {"@type": "CorrectionComment", "text": "Le nom de la base était mal orthographié & <corrigé>.",
         "datePublished": "2024-07-18T09:15:00+02:00"},
    ]
    assert "correction" not in json_ld(site, "fr/2024/07/autre/")

    feed = feedparser.parse((site.output / "fr/feed.xml").read_bytes())
    entries = {entry.title: entry for entry in feed.entries}
    assert entries["Drones sur la base"].updated == "2024-07-18T09:15:00+02:00"
    assert entries["Drones sur la base"].published == "2024-07-16T13:30:00+02:00"
    assert entries["Autre"].updated == "2024-07-15T00:00:00+02:00"
    assert feed.feed.updated == "2024-07-18T09:15:00+02:00"
    editions = feedparser.parse((site.output / "fr/editions.xml").read_bytes())
    assert editions.entries[0].updated == "2024-07-18T09:15:00+02:00"


def test_a_correction_older_than_updated_leaves_date_modified_alone(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("A", date="2024-07-10", updated="2024-07-20",
                                         corrections="[{date: 2024-07-12, text: Oups.}]")})
    site.build_ok()
    assert json_ld(site, "fr/2024/07/a/")["dateModified"] == "2024-07-20T00:00:00+02:00"


def test_adding_a_correction_rebuilds_the_page_and_feed(make_site: MakeSite) -> None:
    site = make_site({"fr/a.md": article("A", date="2024-07-10")})
    site.build_ok()
    site.write("content/fr/a.md", article("A", date="2024-07-10", corrections="[{date: 2024-07-12, text: Oups.}]"))
    site.build_ok()
    assert texts(site.page("fr/2024/07/a/"), '//aside[@class="corrections"]/p') == [
        "Rectificatif (12 juillet 2024) : Oups."]
    assert feedparser.parse((site.output / "fr/feed.xml").read_bytes()).entries[0].updated.startswith("2024-07-12")


@pytest.mark.parametrize(("corrections", "message"), [
    ("\n  - date: 2024-07-17", "6: correction 1 needs a 'text'"),
    ("\n  - date: 2024-07-17\n    text: Bon.\n  - text: Sans date.", "8: correction 2 needs a 'date'"),
    ("\n  - {date: 2024-07-17, text: ''}", "6: correction 1 needs a 'text'"),
    ("\n  - {date: 2024-07-17, text: [a, b]}", "6: correction 1: 'text' must be text, not list"),
    ("\n  - {date: hier, text: Oups.}", "6: correction 1: 'date' is not a valid date: 'hier' "
                                       "(expected YYYY-MM-DD or an ISO 8601 date and time)"),
    ("\n  - {date: 2024-07-17, text: Oups., by: moi}",
     "6: unknown key(s) in correction 1: by (expected date and text)"),
    ("\n  - Oups.", "6: correction 1 must be {date: ..., text: ...}, not str"),
    ("Oups.", "5: 'corrections' must be a list of {date: ..., text: ...}"),
])
def test_bad_corrections_are_one_line_errors(make_site: MakeSite, corrections: str, message: str) -> None:
    site = make_site({"fr/a.md": article("A", date="2024-07-10")})
    site.build_ok()
    before = tree_hashes(site.output)
    site.write("content/fr/a.md", article("A", date="2024-07-10", section="Monde", corrections=corrections))
    result = site.build()
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"content/fr/a.md:{message}"]
    assert "Traceback" not in result.output
    assert tree_hashes(site.output) == before

