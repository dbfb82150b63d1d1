"""`digest import` of scraped text: layouts of real news sites that the first importer got wrong."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.importer import find_dateline, parse_scraped, split_credit

from test_import import read, run

DATA = Path(__file__).parent / "data" / "import"
PARIS = ZoneInfo("Europe/Paris")



def test_published_and_updated_on_one_line(make_site):
    site = make_site()
    result = run(site, str(DATA / "updated.fr.txt"), "--lang", "fr")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / "content/fr/2025/le-prix-de-l-electricite-va-baisser-pour-les-menages-en-2025.md")
    assert meta["date"] == datetime(2025, 3, 3, 9, 15, tzinfo=PARIS)
    assert meta["updated"] == datetime(2025, 3, 3, 11, 2, tzinfo=PARIS)
    assert "Publié" not in body and "summary" not in meta
    assert body.strip().startswith("Le gouvernement a annoncé lundi")
    assert ('line 3: date: 2025-03-03T09:15:00+01:00 from the dateline: '
            '"Publié le 03/03/2025 à 09h15 Mis à jour le 03/03/2025 à 11h02"') in result.stdout
    assert 'line 3: updated: 2025-03-03T11:02:00+01:00 from the dateline: "Mis à jour le 03/03/2025 à 11h02"' \
        in result.stdout


@pytest.mark.parametrize(("line", "published", "updated"), [
    ("Publié le 03/03/2025 à 09h15 Mis à jour le 03/03/2025 à 11h02", (2025, 3, 3, (9, 15)), (2025, 3, 3, (11, 2))),
    ("Publié le 03/03/2025 à 09h15, modifié à 11h02", (2025, 3, 3, (9, 15)), (2025, 3, 3, (11, 2))),
    ("Publié le 3 mars 2025 à 09h15 - Mis à jour le 4 mars 2025 à 08h00", (2025, 3, 3, (9, 15)), (2025, 3, 4, (8, 0))),
    ("Published March 3, 2025 9:15am, updated 11:02am", (2025, 3, 3, (9, 15)), (2025, 3, 3, (11, 2))),
    ("Publié le 03/03/2025 à 09h15", (2025, 3, 3, (9, 15)), None),
])
def test_datelines_with_an_update(line, published, updated):
    found = find_dateline(line, 1)
    assert found is not None
    assert (found.year, found.month, found.day, found.time) == published
    if updated is None:
        assert found.updated is None
    else:
        assert found.updated is not None
        assert (found.updated.year, found.updated.month, found.updated.day, found.updated.time) == updated


def test_publie_line_with_other_words_is_not_a_dateline():
    assert find_dateline("Publié le 03/03/2025 à 09h15 Mis à jour par la rédaction", 1) is None


def test_wire_photo_credit_and_agency_dateline(make_site):
    site = make_site()
    result = run(site, str(DATA / "reuters.en.txt"), "--lang", "en")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / "content/en/2025/uk-sets-out-plan-to-cut-energy-bills-for-businesses.md")
    assert meta["image"] == {
        "caption": "Britain's Prime Minister Keir Starmer speaks during a news conference in London, Britain, "
                   "March 3, 2025.",
        "credit": "REUTERS/Chris Radburn/File Photo"}
    assert meta["author"] == "Alistair Smout"
    # the year the dateline leaves out is the year of the caption's date of the same day
    assert meta["date"] == date(2025, 3, 3)
    assert ('line 6: date: 2025-03-03 from the dateline opening the lead, year from a date written in the text: '
            '"LONDON, March 3"') in result.stdout
    assert "no dateline in the text" not in result.stdout
    blocks = body.strip().split("\n\n")
    assert blocks[0].startswith("LONDON, March 3 (Reuters) - Britain set out plans")
    assert len(blocks) == 3
    for gone in ("REUTERS/", "Workers install", "By Alistair", "Reporting by", "Editing by", "Our Standards"):
        assert gone not in body, gone
    report = result.stdout
    assert 'line 4: dropped a caption without a credit (above the byline): "Workers install solar panels on a roof"' \
        in report
    assert 'line 5: byline -> author: "By Alistair Smout"' in report
    assert ('line 9: dropped the agency\'s reporting and editing credits: '
            '"Reporting by Alistair Smout; Editing by Kate Holton"') in report
    assert ('line 10: dropped the agency\'s standards or copyright line: '
            '"Our Standards: The Thomson Reuters Trust Principles."') in report


@pytest.mark.parametrize(("line", "expected"), [
    ("Britain's Prime Minister speaks in London, March 3, 2025. REUTERS/Chris Radburn/File Photo",
     ("Britain's Prime Minister speaks in London, March 3, 2025.", "REUTERS/Chris Radburn/File Photo")),
    ("Smoke rises over the city. AFP/Ahmad Al-Rubaye", ("Smoke rises over the city.", "AFP/Ahmad Al-Rubaye")),
    ("The talks resumed on Monday in Geneva and/or Vienna", None),
    ("Prices rose 2.1% in the year to June/July", None),
])
def test_wire_credits(line, expected):
    assert split_credit(line) == expected


def test_dateline_year_without_a_date_elsewhere_is_the_latest_past_one():
    scraped = parse_scraped("A title\nPARIS, 16 juillet (AFP) - Le texte de l'article commence ici.\n")
    assert scraped.dateline is not None and scraped.dateline.year is None and scraped.dateline.year_from is None


def test_date_option_wins_over_a_dateline_without_a_year(make_site):
    site = make_site()
    site.write("in.txt", "Un titre\nPARIS, 3 mars (AFP) - Le texte de l'article commence ici, lundi.\n")
    result = run(site, "in.txt", "--lang", "fr", "--date", "2023-03-03")
    assert result.exit_code == 0, result.output
    meta, _ = read(site.root / "content/fr/2023/un-titre.md")
    assert meta["date"] == date(2023, 3, 3)


def test_unreadable_date_lines_are_dropped_and_reported():
    scraped = parse_scraped("Un titre\nMis à jour il y a 3 heures\nLe texte de l'article commence ici, lundi.\n")
    assert [p.text for p in scraped.paragraphs] == ["Le texte de l'article commence ici, lundi."]
    assert [str(n) for n in scraped.notes] == [
        'line 2: dropped a date line that could not be read as a date: "Mis à jour il y a 3 heures"']


def test_byline_after_a_stray_caption_but_not_after_a_paragraph():
    scraped = parse_scraped("A title\nA man walks past a mural\nBy Jane Doe\nThe lead of the story, at last.\n")
    assert scraped.author == "Jane Doe"
    assert scraped.lead == "The lead of the story, at last."
    long = "This is a long first paragraph " + "with many words " * 20 + "in it."
    scraped = parse_scraped(f"A title\n{long}\nBy the river, a crowd gathered\nMore text.\n")
    assert scraped.author is None and scraped.lead == long
