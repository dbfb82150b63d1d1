"""`digest import`: scraped plain text (like the seed) -> an article that builds, and a report."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from digest import yamlfile
from digest.cli import main
from digest.config import load_config
from digest.content import load_articles, split_front_matter
from digest.importer import (
    KnownArticle,
    TitleIndex,
    clean,
    find_dateline,
    find_tags,
    is_share_prompt,
    markdown_escape,
    parse_scraped,
    source_name,
    split_credit,
)

from helpers import Site, article, hrefs, texts, tree

SEED = Path(__file__).parent / "data" / "seed.fr.txt"  # a copy of ../shared/seed/example-scraped-article.fr.txt
SEED_SLUG = "irak-la-base-americaine-d-ain-al-asad-fait-l-objet-d-une-attaque-de-drones"
SEED_TITLE = "Irak: la base américaine d'Ain al-Asad fait l’objet d’une attaque de drones"
SEED_LEAD = ("Une source sécuritaire irakienne a fait état d’une attaque de drones contre la base américaine "
             "d'Ain al-Asad située en Irak.")
KEPT_CAPTION = ("Vue générale de la base aérienne d'Ain al-Asad, qui abrite des soldats américains, "
                "à l'ouest de la province d'al-Anbar en Irak.")
INLINE_HEADLINE = "Irak : « la Résistance infligera de nouvelles gifles aux États-Unis »"

# Articles already on the site: titled like the seed's "Lire aussi" link (which drops the last two words)
# and its inline headline (which adds "Irak :"), with tags the importer should find in the title and lead.
SEED_SITE = {
    "fr/2024/resistance-eilat.md": article(
        "La Résistance irakienne mène des frappes contre deux positions israéliennes à Eilat",
        date="2024-07-10T10:00:00+02:00", tags="[Irak, Israël]"),
    "fr/2024/gifles.md": article("La Résistance infligera de nouvelles gifles aux « États-Unis »",
                                 date="2024-07-12T10:00:00+02:00", tags="[États-Unis, Drones]"),
    "fr/2024/retrait.md": article("Retrait des forces américaines : les négociations reprennent",
                                  date="2024-07-01", tags="[Irak, Diplomatie]"),
    # the same title in English is not chosen over the French article
    "en/2024/resistance-eilat-en.md": article(
        "La Résistance irakienne mène des frappes contre deux positions israéliennes",
        date="2024-07-10T10:00:00+02:00", translation_key="other-key"),
}


def run(site: Site, *args: str) -> Result:
    """`digest import ...` at the site root."""
    previous = Path.cwd()
    os.chdir(site.root)
    try:
        return CliRunner().invoke(main, ["import", *args])
    finally:
        os.chdir(previous)


def read(path: Path) -> tuple[dict, str]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    return yamlfile.parse(parts[0]), parts[1]


def paragraphs(body: str) -> list[str]:
    return [block for block in body.strip().split("\n\n") if block]


def snapshot(site: Site) -> dict[str, bytes]:
    return tree(site.root)


@pytest.fixture
def seed_site(make_site) -> Site:
    site = make_site(SEED_SITE)
    site.write("scraped/seed.fr.txt", SEED.read_bytes())
    return site


# --- the seed ------------------------------------------------------------------------------------


def test_seed_is_a_copy_of_the_shared_seed():
    shared = Path(__file__).resolve().parent.parent.parent / "shared/seed/example-scraped-article.fr.txt"
    if not shared.is_file():
        pytest.skip("../shared is not there")
    assert SEED.read_bytes() == shared.read_bytes()


def test_seed_import_places_every_field(seed_site: Site):
    result = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "2024-07-16T14:30:00+03:00")
    assert result.exit_code == 0, result.output
    written = f"content/fr/2024/{SEED_SLUG}.md"
    assert result.stdout.splitlines()[0] == written
    meta, body = read(seed_site.root / written)

    assert meta["title"] == SEED_TITLE  # as written, typographic apostrophes included
    assert meta["section"] == "TV"
    assert meta["date"] == datetime(2024, 7, 16, 14, 30, tzinfo=ZoneInfo("Asia/Baghdad"))
    assert meta["image"] == {"caption": KEPT_CAPTION, "credit": "AFP"}  # no src without --image
    assert meta["source"] == "French Press TV"
    assert meta["tags"] == ["Irak", "Drones"]  # site tags found in the title and lead
    assert meta["related"] == ["2024/resistance-eilat", "2024/gifles"]  # the French article, not the English one
    assert "read_also" not in meta and "summary" not in meta

    blocks = paragraphs(body)
    assert blocks[0] == SEED_LEAD
    assert blocks[1].startswith("Deux drones suicide ont pris pour cible, mardi 16 juillet, les alentours de la")
    assert blocks[-1].startswith("En 2020, le Parlement irakien a voté l'expulsion")
    assert len(blocks) == 13
    for gone in ("Ilhan Omar", "Vue générale", "©", "Partager", "SOURCE", "Lire aussi", "Résistance irakienne mène",
                 "gifles", "TV\n", "\u00a0"):
        assert gone not in body

    report = result.stdout
    assert ('line 5: dropped caption of another photo: "US Rep. Ilhan Omar (D-MN) (L) talks with Speaker'
            in report)
    assert 'line 42: dropped share prompt: "Partager Cet Article"' in report
    assert "line 18: read also -> related 2024/resistance-eilat" in report
    assert f'line 30: inline headline -> related 2024/gifles (content/fr/2024/gifles.md): "{INLINE_HEADLINE}"' in report
    assert "date: 2024-07-16T14:30:00+03:00 (--date)" in report
    assert "tags: Irak, Drones (found in the title or lead)" in report


def test_seed_article_builds_with_figure_caption_credit_and_read_also(seed_site: Site):
    assert run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "2024-07-16").exit_code == 0
    seed_site.build_ok()
    page = seed_site.page(f"fr/2024/07/{SEED_SLUG}/")
    assert texts(page, "//h1") == [SEED_TITLE]
    assert texts(page, "//*[@class='rubric']") == ["TV"]
    figure = page.xpath("//figure")[0]
    assert figure.xpath(".//img") == []  # no --image: caption and credit without a picture
    assert texts(figure, ".//*[@class='caption']") == [KEPT_CAPTION]
    assert "AFP" in texts(figure, ".//*[@class='credit']")[0]
    assert "French Press TV" in texts(page, "//*[@class='source']")[0]
    assert hrefs(page, "//*[contains(@class,'read-also')]//a") == [
        "/sub/fr/2024/07/resistance-eilat/", "/sub/fr/2024/07/gifles/"]
    body = texts(page, "//*[contains(@class,'article-body')]/p")
    assert body[0] == SEED_LEAD
    assert not [p for p in body if "Partager" in p or "SOURCE" in p or "Ilhan" in p or "Lire aussi" in p]
    assert page.xpath("//meta[@name='description']/@content") == [SEED_LEAD]  # summary: the lead
    assert hrefs(page, "//*[contains(@class,'tags')]//a") == ["/sub/fr/tags/irak/", "/sub/fr/tags/drones/"]
    # the site's own loader reads the article back exactly
    imported = [a for a in load_articles(load_config(seed_site.root / "config.yaml")) if a.slug == SEED_SLUG]
    assert imported[0].title == SEED_TITLE and imported[0].image.caption == KEPT_CAPTION


def test_image_option_copies_the_photo_beside_the_article(seed_site: Site, tmp_path: Path):
    photo = tmp_path / "Ain-Al-Asad.JPG"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo")
    result = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "2024-07-16", "--image", str(photo))
    assert result.exit_code == 0, result.output
    copied = seed_site.root / f"content/fr/2024/{SEED_SLUG}.jpg"
    assert copied.read_bytes() == photo.read_bytes()
    meta, _ = read(seed_site.root / f"content/fr/2024/{SEED_SLUG}.md")
    assert meta["image"] == {"src": f"{SEED_SLUG}.jpg", "caption": KEPT_CAPTION, "credit": "AFP"}
    seed_site.build_ok()
    img = seed_site.page(f"fr/2024/07/{SEED_SLUG}/").xpath("//figure//img")[0]
    assert img.get("src") == f"/sub/fr/2024/07/{SEED_SLUG}/{SEED_SLUG}.jpg"
    assert img.get("alt") == KEPT_CAPTION


def test_without_date_or_dateline_the_date_is_now_and_the_report_says_so(seed_site: Site):
    before = datetime.now(ZoneInfo("Europe/Paris")).replace(microsecond=0)
    result = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert "(no --date and no dateline in the text)" in result.stdout
    meta, _ = read(seed_site.root / result.stdout.splitlines()[0])
    assert before <= meta["date"] <= datetime.now(ZoneInfo("Europe/Paris"))
    assert result.stdout.splitlines()[0] == f"content/fr/{meta['date']:%Y}/{SEED_SLUG}.md"


def test_tags_option_comes_first_and_read_also_without_match_is_kept_apart(make_site):
    site = make_site({"fr/2024/a.md": article("Autre chose", tags="[Irak]")})
    site.write("scraped/seed.fr.txt", SEED.read_bytes())
    result = run(site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "2024-07-16", "--tags", "Moyen-Orient, Irak")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / f"content/fr/2024/{SEED_SLUG}.md")
    assert meta["tags"] == ["Moyen-Orient", "Irak"]
    assert "related" not in meta  # never a key that no article has
    assert meta["read_also"] == ["La Résistance irakienne mène des frappes contre deux positions israéliennes"]
    assert "Lire aussi" not in body and "mène des frappes" not in body
    assert INLINE_HEADLINE in body  # not an article of this site: it stays, and the report says so
    assert "read also: no article of the site has this title; kept in read_also" in result.stdout
    assert 'line 30: kept in the body, though it reads like the headline of another' in result.stdout
    site.build_ok()  # read_also is an extra key: the build accepts it


def test_dry_run_prints_the_article_and_report_and_writes_nothing(seed_site: Site):
    before = snapshot(seed_site)
    result = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "2024-07-16", "--dry-run")
    assert result.exit_code == 0, result.output
    assert snapshot(seed_site) == before
    assert result.stdout.startswith(f"would write content/fr/2024/{SEED_SLUG}.md:\n---\ntitle: ")
    assert SEED_LEAD in result.stdout and "dropped caption of another photo" in result.stdout


def test_importing_the_same_text_twice_is_refused_unless_forced(seed_site: Site):
    args = ("scraped/seed.fr.txt", "--lang", "fr", "--date", "2024-07-16")
    assert run(seed_site, *args).exit_code == 0
    path = seed_site.root / f"content/fr/2024/{SEED_SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nEdited by hand.\n", encoding="utf-8")
    edited = path.read_bytes()

    again = run(seed_site, *args)
    assert again.exit_code == 1
    assert again.stderr.startswith("scraped/seed.fr.txt:3: ")
    assert f"content/fr/2024/{SEED_SLUG}.md" in again.stderr and "--force" in again.stderr
    assert path.read_bytes() == edited

    # another year (another date) still finds the article with the same slug
    later = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "2025-01-02")
    assert later.exit_code == 1 and f"content/fr/2024/{SEED_SLUG}.md" in later.stderr
    assert not (seed_site.root / "content/fr/2025").exists()

    forced = run(seed_site, *args, "--force")
    assert forced.exit_code == 0, forced.output
    assert b"Edited by hand" not in path.read_bytes()


def test_several_files_are_imported_or_refused_each_on_its_own(seed_site: Site):
    seed_site.write("scraped/empty.txt", "")
    seed_site.write("scraped/copy.txt", SEED.read_bytes())
    result = run(seed_site, "scraped/empty.txt", "scraped/seed.fr.txt", "scraped/missing.txt", "scraped/copy.txt",
                 "--lang", "fr", "--date", "2024-07-16")
    assert result.exit_code == 1
    assert (seed_site.root / f"content/fr/2024/{SEED_SLUG}.md").is_file()
    errors = result.stderr.splitlines()
    assert errors[0] == "scraped/empty.txt:1: empty file: nothing to import"
    assert errors[1] == "scraped/missing.txt: file not found"
    assert errors[2].startswith("scraped/copy.txt:3: same slug") and "scraped/seed.fr.txt" in errors[2]
    assert len(errors) == 3


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "expected"), [
    (None, "scraped/bad.txt: file not found"),
    (b"", "scraped/bad.txt:1: empty file: nothing to import"),
    ("\u00a0\n\n \u00a0 \n\n".encode(), "scraped/bad.txt:1: empty file: nothing to import"),
    ("TV\n\nCafé au lait\n".encode("latin-1"), "scraped/bad.txt:3: not UTF-8 text (byte 7)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "scraped/bad.txt:1: not UTF-8 text (byte 0)"),
    (b"Title\n\x00\x01\x02", "scraped/bad.txt:2: not a text file"),
    ("Vue de la base. ©AFP\n\nSOURCE: PRESS TV\nPartager cet article\n".encode(), "scraped/bad.txt:1: no title line"),
    (("Une source sécuritaire irakienne a fait état d’une attaque de drones contre la base américaine, "
      "a rapporté l’agence de presse Baghdad Al-Youm, citant une source sécuritaire irakienne.\n").encode(),
     "scraped/bad.txt:1: no title line"),
])
def test_bad_input_is_refused_with_its_path_and_line(make_site, content: bytes | None, expected: str):
    site = make_site(SEED_SITE)
    if content is not None:
        site.write("scraped/bad.txt", content)
    before = snapshot(site)
    result = run(site, "scraped/bad.txt", "--lang", "fr")
    assert result.exit_code == 1
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.output
    assert snapshot(site) == before


def test_unknown_language_is_reported_for_each_input(seed_site: Site):
    before = snapshot(seed_site)
    result = run(seed_site, "scraped/seed.fr.txt", "scraped/other.txt", "--lang", "de")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{name}: unknown language 'de' given with --lang (languages: fr, en, ar)"
        for name in ("scraped/seed.fr.txt", "scraped/other.txt")]
    assert snapshot(seed_site) == before


def test_usage_errors_and_a_missing_photo(seed_site: Site):
    bad_date = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--date", "16/07/2024")
    assert bad_date.exit_code == 2 and "--date" in bad_date.output
    two_with_image = run(seed_site, "scraped/seed.fr.txt", "scraped/seed.fr.txt", "--lang", "fr", "--image", "p.jpg")
    assert two_with_image.exit_code == 2
    assert run(seed_site, "--lang", "fr").exit_code == 2  # FILE is required
    before = snapshot(seed_site)
    missing = run(seed_site, "scraped/seed.fr.txt", "--lang", "fr", "--image", "nowhere.jpg")
    assert missing.exit_code == 1
    assert missing.stderr == "scraped/seed.fr.txt: --image nowhere.jpg: photo not found\n"
    assert snapshot(seed_site) == before


# --- English and Arabic articles of the same shape -------------------------------------------------

TRICKY = [
    "# Not a heading, but a line that starts with a hash",
    "- not a list item, and 1. not a numbered one",
    "1. Neither is this",
    "> Nor a quote, with <b>tags</b>, [brackets](x), *stars*, _underscores_, `ticks`, ~~tildes~~ | pipes",
    "Entities stay text: &amp; &#169; and a backslash \\ at the end \\",
    "+33 1 23 45 67 89 is a phone number, <https://example.com> is not a link",
]

ENGLISH = "\n".join([
    "World",
    "",
    "Drones target US base in western Iraq, officials say",
    "",
    "Published: 16 July 2024 14:30",
    "",
    "A man walks past a mural in central Paris on Monday. (AFP photo)",
    "A general view of the Ain al-Asad air base, which hosts US troops in western Iraq. Photo: Jane Doe / Reuters",
    "",
    "Two drones targeted the Ain al-Asad air base in western Iraq on Tuesday, Iraqi security sources said.",
    "",
    "READ ALSO : Iraqi resistance strikes two Israeli positions",
    "",
    *[line for tricky in TRICKY for line in (tricky, "")],
    "Read more: Talks on the future of the coalition open in Washington",
    "",
    "The talks are due to open next week in Washington.",
    "\u00a0",
    "Share this article",
    "Share on Facebook",
    "Source : REUTERS https://www.reuters.com/world/iraq-drones",
])

ENGLISH_SITE = {
    "en/2024/resistance.md": article("Iraqi Resistance strikes two Israeli positions near Eilat",
                                     date="2024-07-10T10:00:00+02:00", tags="[Iraq, Israel]"),
    "en/2024/drones.md": article("Drone warfare", date="2024-07-09", tags="[Drones, United States, Syria]"),
}


def test_english_scraped_article(make_site):
    site = make_site(ENGLISH_SITE)
    site.write("scraped/drones.en.txt", ENGLISH)
    result = run(site, "scraped/drones.en.txt", "--lang", "en", "--tags", "Middle East")
    assert result.exit_code == 0, result.output
    path = site.root / "content/en/2024/drones-target-us-base-in-western-iraq-officials-say.md"
    assert result.stdout.splitlines()[0] == path.relative_to(site.root).as_posix()
    meta, body = read(path)
    assert meta["title"] == "Drones target US base in western Iraq, officials say"
    assert meta["section"] == "World"
    assert meta["date"] == datetime(2024, 7, 16, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))  # from the dateline
    assert meta["image"] == {"caption": "A general view of the Ain al-Asad air base, which hosts US troops in "
                                        "western Iraq.", "credit": "Jane Doe / Reuters"}
    assert meta["source"] == {"name": "Reuters", "url": "https://www.reuters.com/world/iraq-drones"}
    assert meta["tags"] == ["Middle East", "Drones", "Iraq"]
    assert meta["related"] == ["2024/resistance"]
    assert meta["read_also"] == ["Talks on the future of the coalition open in Washington"]
    assert "Published" not in body and "Share" not in body and "Source" not in body and "Read" not in body
    assert 'line 5: date: 2024-07-16T14:30:00+02:00 from the dateline: "Published: 16 July 2024 14:30"' in result.stdout
    assert 'line 7: dropped caption of another photo: "A man walks past a mural' in result.stdout
    assert 'dropped share prompt: "Share on Facebook"' in result.stdout

    site.build_ok()
    page = site.page("en/2024/07/drones-target-us-base-in-western-iraq-officials-say/")
    rendered = texts(page, "//*[contains(@class,'article-body')]/*")
    expected = [
        "Two drones targeted the Ain al-Asad air base in western Iraq on Tuesday, Iraqi security sources said.",
        *TRICKY,
        "The talks are due to open next week in Washington.",
    ]
    assert rendered == expected  # every paragraph renders as the text it was: nothing read as Markdown
    assert page.xpath("//*[contains(@class,'article-body')]/p") and not page.xpath(
        "//*[contains(@class,'article-body')]//*[self::h1 or self::ul or self::ol or self::blockquote or self::a]")
    assert "Jane Doe / Reuters" in texts(page, "//figure//*[@class='credit']")[0]
    assert hrefs(page, "//*[contains(@class,'read-also')]//a") == ["/sub/en/2024/07/resistance/"]


ARABIC = """سياسة

العراق: هجوم بطائرات مسيّرة على قاعدة عين الأسد الجوية

الثلاثاء 16 يوليو 2024 - 14:30

صورة عامة لقاعدة عين الأسد الجوية في غرب العراق. © رويترز
متظاهرون في باريس يوم الاثنين (صورة: أ ف ب)

أفادت مصادر أمنية عراقية بأن طائرتين مسيرتين استهدفتا قاعدة عين الأسد الجوية في محافظة الأنبار غرب العراق.

ولم تعلن أي جهة مسؤوليتها عن الهجوم حتى الآن.

اقرأ أيضاً: المقاومة العراقية تستهدف موقعين إسرائيليين

وتأتي الهجمات قبل أسبوع من مفاوضات في واشنطن حول مستقبل التحالف.

شارك هذا المقال
المصدر : وكالة الأنباء العراقية
"""

ARABIC_SITE = {
    "ar/2024/muqawama.md": article("المقاومة العراقية تستهدف موقعين إسرائيليين في إيلات",
                                   date="2024-07-10T10:00:00+02:00", tags="[العراق, إسرائيل]"),
    "ar/2024/anbar.md": article("أخبار الأنبار", date="2024-07-09", tags="[الأنبار, طائرات مسيرة]"),
}


def test_arabic_scraped_article(make_site):
    site = make_site(ARABIC_SITE)
    site.write("scraped/ain-al-asad.ar.txt", ARABIC)
    result = run(site, "scraped/ain-al-asad.ar.txt", "--lang", "ar")
    assert result.exit_code == 0, result.output
    written = site.root / result.stdout.splitlines()[0]
    assert written.parent == site.root / "content/ar/2024"
    assert written.name == "العراق-هجوم-بطائرات-مسيّرة-على-قاعدة-عين-الأسد-الجوية.md"
    meta, body = read(written)
    assert meta["title"] == "العراق: هجوم بطائرات مسيّرة على قاعدة عين الأسد الجوية"
    assert meta["section"] == "سياسة"
    assert meta["date"] == datetime(2024, 7, 16, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert meta["image"] == {"caption": "صورة عامة لقاعدة عين الأسد الجوية في غرب العراق.", "credit": "رويترز"}
    assert meta["source"] == "وكالة الأنباء العراقية"
    assert meta["tags"] == ["العراق", "طائرات مسيرة", "الأنبار"]  # "بطائرات مسيّرة": prefix and shadda aside
    assert meta["related"] == ["2024/muqawama"]
    assert paragraphs(body) == [
        "أفادت مصادر أمنية عراقية بأن طائرتين مسيرتين استهدفتا قاعدة عين الأسد الجوية في محافظة الأنبار غرب العراق.",
        "ولم تعلن أي جهة مسؤوليتها عن الهجوم حتى الآن.",
        "وتأتي الهجمات قبل أسبوع من مفاوضات في واشنطن حول مستقبل التحالف.",
    ]
    assert 'dropped caption of another photo: "متظاهرون في باريس يوم الاثنين (صورة: أ ف ب)"' in result.stdout
    assert 'dropped share prompt: "شارك هذا المقال"' in result.stdout

    site.build_ok()
    page = site.page(f"ar/2024/07/{written.stem}/")
    assert page.get("dir") == "rtl"
    assert texts(page, "//h1") == [meta["title"]]
    assert "رويترز" in texts(page, "//figure//*[@class='credit']")[0]
    assert hrefs(page, "//*[contains(@class,'read-also')]//a") == ["/sub/ar/2024/07/muqawama/"]


def test_front_matter_reads_back_exactly(make_site):
    title = 'Titre : « guillemets », "doubles", \'simples\', #dièse, back\\slash — et: deux-points'
    site = make_site()
    site.write("scraped/x.txt", f"{title}\n\nPremier paragraphe.\n\nSOURCE: L'ORIENT-LE JOUR\n")
    result = run(site, "scraped/x.txt", "--lang", "fr", "--date", "2024-07-16")
    assert result.exit_code == 0, result.output
    meta, _ = read(site.root / result.stdout.splitlines()[0])
    assert meta["title"] == title and meta["date"] == date(2024, 7, 16)
    assert meta["source"] == "L'Orient-Le Jour"
    site.build_ok()
    (loaded,) = load_articles(load_config(site.root / "config.yaml"))
    assert loaded.title == title and loaded.summary == "Premier paragraphe."


# --- the pieces ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "expected"), [
    ("Vue de la base en Irak. ©AFP", ("Vue de la base en Irak.", "AFP")),
    ("View of the base. © Reuters", ("View of the base.", "Reuters")),
    ("Speaker Nancy Pelosi in Washington, DC. (AFP photo)", ("Speaker Nancy Pelosi in Washington, DC.", "AFP")),
    ("The base in 2020. (Reuters file photo)", ("The base in 2020.", "Reuters")),
    ("The base. (Photo: Jane Doe/AFP)", ("The base.", "Jane Doe/AFP")),
    ("La base. Photo : Jean Dupont", ("La base.", "Jean Dupont")),
    ("La base. Crédit photo: Le Journal", ("La base.", "Le Journal")),
    ("Photo by Jane Doe", ("", "Jane Doe")),
    ("صورة للقاعدة. © رويترز", ("صورة للقاعدة.", "رويترز")),
    ("The minister said the photo: it was taken", None),
    ("He looked at the photo and left.", None),
    ("Deux drones suicide ont pris pour cible la base.", None),
])
def test_split_credit(line, expected):
    assert split_credit(line) == expected


@pytest.mark.parametrize("line", [
    "Partager Cet Article", "partagez cet article", "Share this article", "SHARE", "Share on Facebook",
    "Facebook Twitter WhatsApp", "شارك هذا المقال", "شارك",
])
def test_share_prompts(line):
    assert is_share_prompt(line)


@pytest.mark.parametrize("line", ["Share prices fell sharply on Monday", "Partager le pouvoir", "Facebook"])
def test_lines_that_are_not_share_prompts(line):
    assert is_share_prompt(line) == (line == "Facebook")


@pytest.mark.parametrize("label", ["Lire aussi:", "Lire aussi :", "LIRE AUSSI\u00a0:", "À lire aussi :",
                                   "Read also:", "read also :", "Also read:", "اقرأ أيضا:", "اقرأ أيضاً :",
                                   "إقرأ أيضا:"])
def test_read_also_labels(label):
    scraped = parse_scraped(f"Titre\n\nPremier paragraphe.\n\n{label} Un autre article\n")
    assert [p.text for p in scraped.read_also] == ["Un autre article"]
    assert [p.text for p in scraped.paragraphs] == ["Premier paragraphe."]


def test_read_also_label_alone_takes_the_next_line():
    scraped = parse_scraped("Titre\n\nPremier paragraphe.\n\nLire aussi :\n\nUn autre article\n\nRead more\n")
    assert [p.text for p in scraped.read_also] == ["Un autre article"]
    assert [str(n) for n in scraped.notes] == ['line 9: dropped a "Read also" label with no title after it: '
                                               '"Read more"']


@pytest.mark.parametrize(("line", "expected"), [
    ("SOURCE: FRENCH PRESS TV", ("French Press TV", None)),
    ("Source : BBC NEWS https://www.bbc.com/news/x", ("BBC News", "https://www.bbc.com/news/x")),
    ("source:le monde", ("Le Monde", None)),
    ("Source: https://www.presstv.ir/Detail/2024/07/16/x", ("presstv.ir", "https://www.presstv.ir/Detail/2024/07/16/x")),
    ("المصدر: قناة الميادين", ("قناة الميادين", None)),
    ("Source : Press TV", ("Press TV", None)),
])
def test_source_lines(line, expected):
    scraped = parse_scraped(f"Titre\n\nPremier paragraphe.\n\n{line}\n")
    assert (scraped.source_name, scraped.source_url) == expected
    assert [p.text for p in scraped.paragraphs] == ["Premier paragraphe."]


def test_source_name_title_case_keeps_acronyms():
    assert source_name("FRENCH PRESS TV") == "French Press TV"
    assert source_name("AL-MAYADEEN") == "Al-Mayadeen"
    assert source_name("AFP") == "AFP"
    assert source_name("Le Monde diplomatique") == "Le Monde diplomatique"


def test_a_long_sources_sentence_is_body_text():
    line = "Sources : selon plusieurs diplomates, les négociations reprendront la semaine prochaine à Washington."
    scraped = parse_scraped(f"Titre\n\nPremier paragraphe.\n\n{line}\n")
    assert scraped.source_name is None and scraped.paragraphs[-1].text == line


def test_rubric_only_when_a_title_follows():
    assert parse_scraped("TV\n\nUn titre\n\nLe texte.\n").section == "TV"
    short_title = parse_scraped("Biden renonce\n\nUne légende de la photo. ©AFP\n\nLe président a annoncé.\n")
    assert (short_title.section, short_title.title) == (None, "Biden renonce")
    ended = parse_scraped("Brèves.\n\nUn titre\n\nLe texte.\n")
    assert (ended.section, ended.title) == (None, "Brèves.")


def test_non_breaking_spaces_are_ignored_but_french_typography_kept():
    assert clean("  drones\u00a0 contre\u00a0la base\t ") == "drones contre la base"
    assert clean("Irak\u00a0: «\u00a0non\u00a0»") == "Irak\u00a0: «\u00a0non\u00a0»"


@pytest.mark.parametrize(("line", "expected"), [
    ("Publié le 16/07/2024 à 14h30", (2024, 7, 16, (14, 30))),
    ("mardi 16 juillet 2024", (2024, 7, 16, None)),
    ("Mis à jour le 1er août 2024 à 9h05", (2024, 8, 1, (9, 5))),
    ("Published: July 16, 2024, 2:30 pm", (2024, 7, 16, (14, 30))),
    ("Tuesday 16 July 2024 14:30 GMT", (2024, 7, 16, (14, 30))),
    ("2024-07-16T14:30:00+03:00", (2024, 7, 16, (14, 30))),
    ("الثلاثاء 16 يوليو/تموز 2024", (2024, 7, 16, None)),
    ("١٦ تموز ٢٠٢٤", (2024, 7, 16, None)),
    ("Deux drones suicide ont pris pour cible, mardi 16 juillet, les alentours de la base", None),
    ("Le 16 juillet 2024, deux drones ont visé la base.", None),
])
def test_datelines(line, expected):
    found = find_dateline(line, 1)
    assert (found and (found.year, found.month, found.day, found.time)) == expected


def test_agency_dateline_opening_the_lead():
    scraped = parse_scraped("Un titre\n\nBAGDAD, 16 juillet 2024 (AFP) - Deux drones ont visé la base.\n")
    assert (scraped.dateline.year, scraped.dateline.month, scraped.dateline.day) == (2024, 7, 16)
    assert scraped.lead.startswith("BAGDAD, 16 juillet 2024 (AFP) - ")  # kept in the text


def test_title_index_normalizes_and_allows_a_few_words_more_or_less():
    index = TitleIndex([
        KnownArticle("2024/a", "fr", "La Résistance irakienne mène des frappes contre deux positions", "a", "a.md"),
        KnownArticle("2024/b", "en", "Irak : « la Résistance infligera de nouvelles gifles aux États-Unis »", "b",
                     "b.md"),
        KnownArticle("2024/c", "fr", "Irak", "c", "c.md"),
        KnownArticle("2024/draft", "fr", "Un brouillon qui ne compte pas", "d", "d.md", draft=True),
    ])
    assert index.match("LA RESISTANCE IRAKIENNE MENE DES FRAPPES CONTRE DEUX POSITIONS", "fr").key == "2024/a"
    assert index.match("La Résistance irakienne mène des frappes contre deux positions israéliennes", "fr").key \
        == "2024/a"
    assert index.match("Résistance irakienne mène des frappes contre deux positions israéliennes", "fr").key \
        == "2024/a"
    assert index.match("Résistance irakienne mène des frappes contre deux positions israéliennes à Eilat", "fr") \
        is None  # four words apart
    assert index.match("La Résistance irakienne mène des frappes", "fr").key == "2024/a"  # three words less
    assert index.match("La Résistance irakienne mène des", "fr") is None  # four words less
    assert index.match("la Résistance infligera de nouvelles gifles aux “Etats Unis”", "fr").key == "2024/b"
    assert index.match("Irak", "fr").key == "2024/c"
    assert index.match("Irak : la guerre", "fr") is None
    assert index.match("Un brouillon qui ne compte pas", "fr") is None
    index.add(KnownArticle("2024/a-fr", "fr", "Irak : la Résistance infligera de nouvelles gifles aux États-Unis",
                           "e", "e.md"))
    assert index.match("la Résistance infligera de nouvelles gifles aux États-Unis", "fr").key == "2024/a-fr"
    assert index.match("la Résistance infligera de nouvelles gifles aux États-Unis", "en").key == "2024/b"


def test_find_tags_in_title_then_lead_at_most_five():
    names = {slugify_name: name for slugify_name, name in (
        ("irak", "Irak"), ("etats-unis", "États-Unis"), ("drones", "Drones"), ("base", "Base"), ("ain", "Ain"),
        ("asad", "Asad"), ("source", "Source"), ("iran", "Iran"))}
    assert find_tags(names, "Irak : drones sur Ain al-Asad", "Une source parle de la base aux Etats-Unis.") == [
        "Irak", "Drones", "Ain", "Asad", "Source"]
    assert find_tags(names, "Irak", "", given=["irak"]) == []


def test_markdown_escape():
    assert markdown_escape("# titre") == "\\# titre"
    assert markdown_escape("2024. Année") == "2024\\. Année"
    assert markdown_escape("a *b* _c_ [d] <e> `f` ~g~ \\ &amp; & h") == \
        "a \\*b\\* \\_c\\_ \\[d\\] \\<e> \\`f\\` \\~g\\~ \\\\ \\&amp; & h"
