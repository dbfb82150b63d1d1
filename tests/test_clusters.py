"""Story clusters: one story from several outlets is one article with several sources.

`source` lists on the page and in JSON-LD; `digest import` reporting the same story instead of writing it
(`--merge`, `--force`), for texts, saved pages and feed entries; `digest status` listing duplicates; the
similarity measured on the labelled wire copy of tests/data/similarity/.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from digest import similarity
from digest.cli import main

from helpers import REPO, Site, article, hrefs, problems, texts
from test_import import read, run


def _bench():
    spec = importlib.util.spec_from_file_location("bench_similarity", REPO / "bench" / "similarity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
LABELLED = {item["id"]: item for item in BENCH.load_labelled()}


def body(item_id: str) -> str:
    return LABELLED[item_id]["text"]


def site_article(item_id: str, date: str, source: str) -> str:
    item = LABELLED[item_id]
    return article(item["title"], date=date, body=item["text"], source=source, tags="[Iraq]")


def status(site: Site, *args: str):
    previous = Path.cwd()
    os.chdir(site.root)
    try:
        return CliRunner().invoke(main, ["status", *args])
    finally:
        os.chdir(previous)


def text_input(tmp_path: Path, name: str, item_id: str, source: str, dateline: str = "") -> Path:
    """A scraped text as an editor receives it: title, lead (with its dateline), paragraphs, source line."""
    item = LABELLED[item_id]
    paragraphs = item["text"].strip().split("\n\n")
    paragraphs[0] = dateline + paragraphs[0]
    path = tmp_path / name
    path.write_text("\n".join([item["title"], *paragraphs, f"Source: {source}"]) + "\n", encoding="utf-8")
    return path


ASAD = "content/en/2024/ain-asad.md"
ASAD_TEXT = site_article("en-ain-asad-1", "2024-07-16T14:30:00+03:00",
                         "{name: Reuters, url: 'https://www.reuters.com/world/middle-east/ain-al-asad-2024-07-16/'}")


@pytest.fixture
def wire_site(make_site) -> Site:
    return make_site({ASAD.removeprefix("content/"): ASAD_TEXT,
                      "en/2024/ecb.md": site_article("en-ecb-1", "2024-06-06T14:15:00+02:00", "Reuters")})


# --- the measure ---------------------------------------------------------------------------------------------

def test_labelled_wire_copy_precision_and_recall() -> None:
    pairs = BENCH.scored_pairs(list(LABELLED.values()))
    precision, recall, *_ = BENCH.measure(pairs, similarity.THRESHOLD)
    assert precision == 1.0  # different events with the same places and people are never matched
    assert recall == 1.0
    # with a margin either side of the threshold
    assert max(score for score, same, *_ in pairs if not same) < similarity.THRESHOLD - 0.1
    assert min(score for score, same, *_ in pairs if same) > similarity.THRESHOLD + 0.05


def test_arabic_alef_forms_diacritics_and_tatweel_are_folded() -> None:
    marked = "إِنَّ الأمريكيةَ آخر ٱلكتاب مـــدرسة ١٢٣"
    assert similarity.words(marked) == similarity.words("ان الامريكيه اخر الكتاب مدرسه 123")
    assert similarity.words("Élection À Montréal") == ["election", "a", "montreal"]


# --- source lists on the page ---------------------------------------------------------------------------------

def test_every_source_is_shown_and_listed_in_json_ld(make_site) -> None:
    sources = ("\n  - {name: Reuters, url: 'https://www.reuters.com/a'}\n  - The National\n"
               "  - {name: Al Arabiya, url: 'https://english.alarabiya.net/b'}")
    site = make_site({"en/2024/story.md": article("Drones hit a base", source=sources, tags="[Iraq]"),
                      "en/2024/single.md": article("One source", date="2024-07-15",
                                                   source="{name: AP, url: 'https://apnews.com/c'}")})
    site.build_ok()
    page = site.page("en/2024/07/story/")
    assert texts(page, "//main//p[@class='byline']/span[@class='source']") == [
        "Source: Reuters, The National, Al Arabiya"]
    assert hrefs(page, "//main//p[@class='byline']/span[@class='source']//a") == [
        "https://www.reuters.com/a", "https://english.alarabiya.net/b"]
    data = [json.loads(s) for s in page.xpath("//script[@type='application/ld+json']/text()")]
    news = next(d for d in data if d.get("@type") == "NewsArticle")
    assert news["isBasedOn"] == ["https://www.reuters.com/a", "https://english.alarabiya.net/b"]
    single = site.page("en/2024/07/single/")
    news = next(d for d in (json.loads(s) for s in single.xpath("//script[@type='application/ld+json']/text()"))
                if d.get("@type") == "NewsArticle")
    assert news["isBasedOn"] == "https://apnews.com/c"
    # the home page's card names the main source only; the feed's author is the main source
    home = site.page("en/")
    assert "Source: Reuters" in texts(home, "//article[contains(@class,'card')]//span[@class='source']")
    assert b"<name>Reuters</name>" in (site.output / "en/feed.xml").read_bytes()
    # the newsletter names the main source, linked
    (site.root / "config.yaml").write_text((site.root / "config.yaml").read_text(encoding="utf-8")
                                           + "newsletter: {from: digest@example.org, to: [a@example.org]}\n",
                                           encoding="utf-8")
    result = CliRunner().invoke(main, ["newsletter", "--config", str(site.root / "config.yaml"), "--lang", "en",
                                       "--edition", "2024-07-16", "--output", str(site.root / "e.eml")])
    assert result.exit_code == 0, result.output
    letter = lxml_html.fromstring((site.root / "e.html").read_bytes())
    assert texts(letter, "//a[@href='https://www.reuters.com/a']") == ["Reuters"]
    assert "The National" not in letter.text_content()


def test_a_bad_source_in_a_list_is_reported_with_its_line(make_site) -> None:
    site = make_site({"en/2024/story.md": article("Drones", source="\n  - Reuters\n  - {name: X, url: 'ftp://x'}")})
    result = site.build()
    assert result.exit_code == 1
    assert problems(result) == [("content/en/2024/story.md", 4, "'source[1].url' must be an http(s) URL, "
                                 "not 'ftp://x'")]
    assert not site.output.exists()


# --- import --------------------------------------------------------------------------------------------------

def test_same_story_as_text_is_reported_not_written_and_the_others_are_imported(wire_site: Site,
                                                                               tmp_path: Path) -> None:
    copy = text_input(tmp_path, "national.txt", "en-ain-asad-2", "The National https://www.thenationalnews.com/x")
    other = text_input(tmp_path, "later.txt", "en-ain-asad-later", "Reuters https://www.reuters.com/later")
    before = (wire_site.root / ASAD).read_bytes()
    result = run(wire_site, str(copy), str(other), "--lang", "en", "--date", "2024-07-17")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "same story" in line]
    assert len(lines) == 1
    score = float(lines[0].split("(similarity ")[1].split(")")[0])
    assert 0.5 <= score <= 1
    assert lines[0] == (f"{copy}: same story as {ASAD} (similarity {score:.2f}); not imported: --merge adds its "
                        "source to that article, --force imports it anyway")
    written = sorted(p.relative_to(wire_site.root).as_posix() for p in (wire_site.root / "content").rglob("*.md"))
    # the second attack on the same base, nine days later, is another story: imported
    assert written == [ASAD, "content/en/2024/ecb.md",
                       "content/en/2024/rockets-hit-near-ain-al-asad-air-base-in-western-iraq-two-contractors-hurt.md"]
    assert (wire_site.root / ASAD).read_bytes() == before


def test_merge_adds_the_source_and_changes_no_other_line(wire_site: Site, tmp_path: Path) -> None:
    copy = text_input(tmp_path, "national.txt", "en-ain-asad-3", "Al Arabiya https://english.alarabiya.net/iraq/1")
    before = (wire_site.root / ASAD).read_text(encoding="utf-8").splitlines(keepends=True)
    result = run(wire_site, str(copy), "--lang", "en", "--date", "2024-07-16T18:00", "--merge")
    assert result.exit_code == 0, result.output
    assert f"same story as {ASAD}" in result.stdout and "added its source Al Arabiya" in result.stdout
    after = (wire_site.root / ASAD).read_text(encoding="utf-8").splitlines(keepends=True)
    source_line = next(n for n, line in enumerate(before) if line.startswith("source:"))
    assert after[:source_line] == before[:source_line]
    assert after[source_line + 3 :] == before[source_line + 1 :]  # every other line byte for byte
    meta, _ = read(wire_site.root / ASAD)
    assert meta["source"] == [{"name": "Reuters", "url": "https://www.reuters.com/world/middle-east/ain-al-asad-2024-07-16/"},
                              {"name": "Al Arabiya", "url": "https://english.alarabiya.net/iraq/1"}]
    assert len(list((wire_site.root / "content").rglob("*.md"))) == 2
    # again: the source is listed already, nothing changes, one line, exit 0
    merged = (wire_site.root / ASAD).read_bytes()
    again = run(wire_site, str(copy), "--lang", "en", "--date", "2024-07-16T18:00", "--merge")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [f"{copy}: its source https://english.alarabiya.net/iraq/1 is already listed "
                                         f"in {ASAD}: nothing to merge"]
    assert (wire_site.root / ASAD).read_bytes() == merged
    wire_site.build_ok()
    page = wire_site.page("en/2024/07/ain-asad/")
    assert hrefs(page, "//main//span[@class='source']//a") == [
        "https://www.reuters.com/world/middle-east/ain-al-asad-2024-07-16/", "https://english.alarabiya.net/iraq/1"]


def test_force_imports_the_same_story_anyway(wire_site: Site, tmp_path: Path) -> None:
    copy = text_input(tmp_path, "national.txt", "en-ain-asad-2", "The National https://www.thenationalnews.com/x")
    result = run(wire_site, str(copy), "--lang", "en", "--date", "2024-07-17", "--force")
    assert result.exit_code == 0, result.output
    assert "same story" not in result.stdout
    assert len(list((wire_site.root / "content").rglob("*.md"))) == 3


def test_outside_the_window_is_not_compared(wire_site: Site, tmp_path: Path) -> None:
    copy = text_input(tmp_path, "national.txt", "en-ain-asad-2", "The National https://www.thenationalnews.com/x")
    result = run(wire_site, str(copy), "--lang", "en", "--date", "2024-07-20T18:00:00+03:00")
    assert result.exit_code == 0, result.output
    assert "same story" not in result.stdout and len(list((wire_site.root / "content").rglob("*.md"))) == 3


def test_inputs_of_one_run_are_compared_with_each_other(make_site, tmp_path: Path) -> None:
    site = make_site({})
    (site.root / "content" / "fr").mkdir(parents=True)
    first = text_input(tmp_path, "afp.txt", "fr-censure-1", "AFP")
    second = text_input(tmp_path, "ouest.txt", "fr-censure-3", "Ouest-France https://www.ouest-france.fr/c")
    third = text_input(tmp_path, "loi.txt", "fr-loi-agricole", "AFP")
    result = run(site, str(first), str(second), str(third), "--lang", "fr", "--date", "2024-10-09")
    assert result.exit_code == 0, result.output
    assert f"{second}: same story as content/fr/2024/assemblee-la-motion-de-censure-rejetee-le-gouvernement-survit.md" \
        in result.stdout
    assert len(list((site.root / "content").rglob("*.md"))) == 2  # two votes of one day: two stories


def test_saved_pages_in_arabic(make_site, tmp_path: Path) -> None:
    site = make_site({"ar/2024/asad.md": site_article("ar-asad-1", "2024-07-16T14:30:00+03:00",
                                                      "{name: رويترز, url: 'https://ara.reuters.com/a'}")})
    item = LABELLED["ar-asad-3"]
    paragraphs = "".join(f"<p>{p}</p>" for p in item["text"].split("\n\n"))
    page = tmp_path / "alarabiya.html"
    page.write_text(f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{item['title']}</title><link rel="canonical" href="https://www.alarabiya.net/arab-and-world/iraq/1">
<meta property="og:site_name" content="العربية">
<meta property="article:published_time" content="2024-07-16T19:00:00+03:00">
</head><body><header><nav><a href="/">الرئيسية</a></nav></header><main><article><h1>{item['title']}</h1>
{paragraphs}</article></main><footer>جميع الحقوق محفوظة</footer></body></html>""", encoding="utf-8")
    result = run(site, str(page), "--lang", "ar")
    assert result.exit_code == 0, result.output
    assert f"{page}: same story as content/ar/2024/asad.md" in result.stdout
    assert len(list((site.root / "content").rglob("*.md"))) == 1
    merged = run(site, str(page), "--lang", "ar", "--merge")
    assert merged.exit_code == 0, merged.output
    meta, _ = read(site.root / "content/ar/2024/asad.md")
    assert [s["url"] for s in meta["source"]] == ["https://ara.reuters.com/a",
                                                  "https://www.alarabiya.net/arab-and-world/iraq/1"]


def test_feed_entries(wire_site: Site, tmp_path: Path) -> None:
    def entry(item_id: str, link: str, when: str) -> str:
        item = LABELLED[item_id]
        content = "".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in item["text"].split("\n\n"))
        return (f"<item><title>{item['title']}</title><link>{link}</link><pubDate>{when}</pubDate>"
                f"<content:encoded>{content}</content:encoded></item>")

    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
                    'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Euronews</title>'
                    '<link>https://www.euronews.com/</link><language>en</language>'
                    + entry("en-ain-asad-2", "https://www.euronews.com/asad", "Tue, 16 Jul 2024 18:00:00 GMT")
                    + entry("en-floods-1", "https://www.euronews.com/floods", "Wed, 17 Jul 2024 08:00:00 GMT")
                    + "</channel></rss>", encoding="utf-8")
    result = run(wire_site, "--feed", str(feed), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert (f"https://www.euronews.com/asad: same story as {ASAD}") in result.stdout
    assert len(list((wire_site.root / "content").rglob("*.md"))) == 3


# --- status --------------------------------------------------------------------------------------------------

def test_status_lists_probable_duplicates(make_site) -> None:
    site = make_site({
        "en/2024/asad.md": site_article("en-ain-asad-1", "2024-07-16T14:30:00+03:00", "Reuters"),
        "en/2024/asad-national.md": site_article("en-ain-asad-2", "2024-07-16T20:00:00+03:00", "The National"),
        "en/2024/asad-later.md": site_article("en-ain-asad-later", "2024-07-18T20:00:00+03:00", "Reuters"),
        "en/2024/asad-old.md": site_article("en-ain-asad-3", "2024-07-01T20:00:00+03:00", "Al Arabiya"),
        "ar/2024/asad.md": site_article("ar-asad-1", "2024-07-16T14:30:00+03:00", "رويترز"),
        "ar/2024/asad-2.md": site_article("ar-asad-3", "2024-07-17T14:30:00+03:00", "العربية"),
        "fr/2024/censure.md": site_article("fr-censure-1", "2024-07-16T14:30:00+03:00", "AFP"),
        "fr/2024/loi.md": site_article("fr-loi-agricole", "2024-07-16T14:30:00+03:00", "AFP"),
    })
    result = status(site, "--json")
    assert result.exit_code == 0, result.output
    duplicates = json.loads(result.output)["duplicates"]
    assert [d["files"] for d in duplicates] == [["content/ar/2024/asad-2.md", "content/ar/2024/asad.md"],
                                                ["content/en/2024/asad-national.md", "content/en/2024/asad.md"]]
    assert all(0.5 <= d["similarity"] <= 1 for d in duplicates)
    text = status(site)
    assert text.exit_code == 0
    assert "probable duplicates: 2" in text.output
    assert f"  content/en/2024/asad-national.md and content/en/2024/asad.md: same story (similarity " \
           f"{duplicates[1]['similarity']:.2f})" in text.output


# --- --merge edits only the source lines, whatever their shape -------------------------------------------------

NEW = {"name": "AP", "url": "https://apnews.com/x"}


@pytest.mark.parametrize(("front", "expected"), [
    ("source: Reuters\n", ["Reuters", NEW]),
    ("source:\n  name: Reuters\n  url: https://www.reuters.com/a\n",
     [{"name": "Reuters", "url": "https://www.reuters.com/a"}, NEW]),
    ("source:\n- Reuters\n- {name: AFP, url: 'https://www.afp.com/b'}\n",
     ["Reuters", {"name": "AFP", "url": "https://www.afp.com/b"}, NEW]),
    ("source: [Reuters]  # the wire\n", ["Reuters", NEW]),
    ("", [NEW]),
])
def test_merge_source_shapes(tmp_path: Path, front: str, expected: list) -> None:
    from digest.importer.cluster import merge_source

    for newline in ("\n", "\r\n"):
        text = f"---\ntitle: \"Drones\"\ndate: 2024-07-16\n{front}tags: [Iraq]\n# kept as written\n---\nBody.\n"
        path = tmp_path / "a.md"
        path.write_bytes(text.replace("\n", newline).encode())
        assert merge_source(path, "a.md", NEW) is True
        data = path.read_bytes().decode()

        def others(lines: list[str]) -> list[str]:  # every line but the source's
            return [line for line in lines if not line.startswith(("source:", " ", "- "))]

        assert others(data.split(newline)) == others(text.replace("\n", newline).split(newline))
        assert others(data.split(newline)) == ["---", 'title: "Drones"', "date: 2024-07-16", "tags: [Iraq]",
                                               "# kept as written", "---", "Body.", ""]
        assert newline == "\n" or "\n" not in data.replace("\r\n", "")
        meta, _ = read(path)
        assert meta["source"] == expected and meta["tags"] == ["Iraq"]
        assert merge_source(path, "a.md", NEW) is False  # listed already: nothing written
        assert path.read_bytes().decode() == data


def test_dry_run_merge_writes_nothing(wire_site: Site, tmp_path: Path) -> None:
    copy = text_input(tmp_path, "national.txt", "en-ain-asad-2", "The National https://www.thenationalnews.com/x")
    before = (wire_site.root / ASAD).read_bytes()
    result = run(wire_site, str(copy), "--lang", "en", "--date", "2024-07-17", "--merge", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would add its source The National <https://www.thenationalnews.com/x>" in result.stdout
    assert (wire_site.root / ASAD).read_bytes() == before
