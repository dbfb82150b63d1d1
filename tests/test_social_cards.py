"""Social cards (digest.cards): the share image of every article without a photo, in French, English
and Arabic, as a reader's share preview and an OCR engine see it."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from digest import cards
from digest.build import Builder
from digest.config import load_config

from helpers import BASE_CONFIG, Site, article, problems

ARTICLES = {
    "fr/2024/ain.md": article(
        "Irak : la base américaine d'Ain al-Asad visée par des drones", section="International",
        source="{name: Press TV, url: 'https://www.presstv.ir/Detail/2024/07/16/ain-al-asad'}",
        tags="[Irak, États-Unis]", image="{caption: Vue générale de la base., credit: AFP}",  # no src: no photo
        body="Deux drones ont visé mardi la base aérienne d'Ain al-Asad, dans l'ouest de l'Irak."),
    "fr/2024/port.md": article("Le marché du port rouvre", date="2024-07-15T08:00:00+02:00", section="Local",
                               image="{src: port.png, caption: Le port, alt: Les quais}"),
    "en/2024/heat.md": article("Heatwave: Valbrune hospitals open cooling rooms 🌡️🔥", section="Health",
                               body="Three hospitals opened cooling rooms on Tuesday."),
    "ar/2024/ain.md": article("العراق: طائرات مسيرة تستهدف قاعدة عين الأسد", section="دولي",
                              body="استهدفت طائرتان مسيرتان قاعدة عين الأسد الجوية غرب العراق."),
}


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#336699").save(out, format="PNG")
    return out.getvalue()


def make(root: Path, config: str = BASE_CONFIG) -> Site:
    site = Site(root)
    site.write("config.yaml", config)
    for relative, text in ARTICLES.items():
        site.write(f"content/{relative}", text)
    site.write("content/fr/2024/port.png", png(1600, 900))
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = make(tmp_path_factory.mktemp("cards") / "site")
    site.build_ok()
    return site


def meta(page, name: str) -> list[str]:
    return page.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")


def json_ld(page) -> dict:
    (script,) = page.xpath("//script[@type='application/ld+json']/text()")
    return json.loads(script)


def card(site: Site, url: str) -> Image.Image:
    data = (site.output / url / "social.png").read_bytes()
    assert len(data) <= 300_000
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    return image.convert("RGB")


def test_an_article_without_photo_shares_its_card(built: Site) -> None:
    for url, title in [("fr/2024/07/ain/", "Irak : la base américaine d'Ain al-Asad visée par des drones"),
                       ("ar/2024/07/ain/", "العراق: طائرات مسيرة تستهدف قاعدة عين الأسد")]:
        page = built.page(url)
        absolute = f"https://example.org/sub/{url}social.png"
        assert meta(page, "og:image") == [absolute]
        assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == (["1200"], ["630"])
        assert meta(page, "og:image:alt") == [title]
        assert meta(page, "twitter:card") == ["summary_large_image"]
        assert json_ld(page)["image"] == [absolute]
        card(built, url)


def test_an_article_with_a_photo_shares_its_photo_and_has_no_card(built: Site) -> None:
    page = built.page("fr/2024/07/port/")
    assert meta(page, "og:image") == ["https://example.org/sub/fr/2024/07/port/port.png"]
    assert json_ld(page)["image"] == ["https://example.org/sub/fr/2024/07/port/port.png"]
    assert not (built.output / "fr/2024/07/port/social.png").exists()
    assert sorted(str(p.relative_to(built.output)) for p in built.output.rglob("social.png")) == [
        "ar/2024/07/ain/social.png", "en/2024/07/heat/social.png", "fr/2024/07/ain/social.png"]


def test_emoji_in_a_title_are_left_out_of_the_card(built: Site) -> None:
    config = load_config(built.root / "config.yaml")
    theme = cards.theme(config)
    _, lines = cards.title_lines(cards.Card("Heatwave 🌡️🔥 hits", "Test Digest", "16 July 2024", None, "en", False),
                                    theme)
    assert lines == ["Heatwave hits"]
    card(built, "en/2024/07/heat/")


@pytest.mark.parametrize("title", ["🎉🎉🎉", "東京で会議 🎌", "Прорыв в переговорах",
                                   "https://example.org/" + "a" * 120])
def test_any_title_gives_a_card(built: Site, title: str) -> None:
    """Scripts the fonts lack are left out, a word longer than a line is cut: never a crash."""
    theme = cards.theme(load_config(built.root / "config.yaml"))
    for rtl in (False, True):
        image = Image.open(io.BytesIO(cards.draw(cards.Card(title, "Revue", "16 juillet 2024", "Monde", "fr", rtl),
                                                 theme)))
        assert image.size == (1200, 630)
    _, lines = cards.title_lines(cards.Card(title, "Revue", "16 juillet 2024", None, "fr", False), theme)
    assert len(lines) <= cards.MAX_TITLE_LINES
    if title.startswith("Прорыв"):
        assert lines == [title]  # Cyrillic is drawn


def test_a_very_long_title_is_cut_on_a_word_with_an_ellipsis(built: Site) -> None:
    theme = cards.theme(load_config(built.root / "config.yaml"))
    title = ("Les négociations sur le budget reprennent à l'Assemblée après une nuit de discussions tendues "
             "entre la majorité, les groupes d'opposition et le gouvernement, qui promet des concessions sur "
             "les retraites, la santé et les collectivités locales avant le vote solennel de mardi")
    words = title.split()
    size, lines = cards.title_lines(cards.Card(title, "Revue", "16 juillet 2024", None, "fr", False), theme)
    assert len(lines) == cards.MAX_TITLE_LINES and size == min(cards.TITLE_SIZES)
    assert lines[-1].endswith("…")
    shown = " ".join(lines)[:-1].split()
    assert shown == words[: len(shown)]  # whole words, in order, from the start


# --- what a reader sees: OCR and the ink's position

def tesseract(languages: str) -> str:
    """The tesseract command, if it reads these languages; skipped locally, required in CI."""
    found = shutil.which("tesseract")
    if found:
        listed = subprocess.run([found, "--list-langs"], capture_output=True, text=True, check=False).stdout.split()
        if all(language in listed for language in languages.split("+")):
            return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"tesseract with {languages} is needed in CI (see .ci/run)")
    pytest.skip(f"tesseract with {languages} is not installed")


def ocr(image: Image.Image, languages: str, tmp_path: Path) -> str:
    command = tesseract(languages)
    file = tmp_path / "card.png"
    image.save(file)
    result = subprocess.run([command, str(file), "stdout", "-l", languages], capture_output=True, text=True,
                            check=True)
    return " ".join(result.stdout.split())


def test_ocr_reads_the_french_card(built: Site, tmp_path: Path) -> None:
    text = ocr(card(built, "fr/2024/07/ain/"), "fra", tmp_path)
    for word in ["Irak", "base", "américaine", "Asad", "visée", "drones", "Revue de test", "16 juillet 2024",
                 "International"]:
        assert word in text, text


def test_ocr_reads_the_arabic_card_shaped_and_right_to_left(built: Site, tmp_path: Path) -> None:
    text = ocr(card(built, "ar/2024/07/ain/"), "ara", tmp_path)
    # Unshaped or left-to-right letters read as other words (or none): these come back only if joined right.
    for word in ["العراق", "طائرات", "قاعدة", "الأسد", "الاختبار"]:
        assert word in text, text


def ink_lines(image: Image.Image, top: int, bottom: int) -> list[tuple[int, int]]:
    """(left, right) of the dark pixels (text) of each line between two heights, in the card's
    coordinates (the accent band along the edge left out)."""
    band = image.crop((30, top, image.width - 30, bottom)).convert("L").point(lambda v: 255 if v < 100 else 0)
    lines, start = [], None
    for y in range(band.height + 1):
        inked = y < band.height and band.crop((0, y, band.width, y + 1)).getbbox() is not None
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            box = band.crop((0, start, band.width, y)).getbbox()
            assert box is not None
            lines.append((box[0] + 30, box[2] + 30))
            start = None
    return lines


def test_arabic_is_right_aligned_and_french_left_aligned(built: Site) -> None:
    # The title's lines, between the site's title and the rule above the date.
    arabic = ink_lines(card(built, "ar/2024/07/ain/"), 150, 480)
    assert len(arabic) == 2
    assert all(abs(right - (1200 - cards.MARGIN)) <= 8 for _, right in arabic)
    assert arabic[-1][0] > 400  # the short last line leaves the left side empty
    french = ink_lines(card(built, "fr/2024/07/ain/"), 150, 480)
    assert len(french) >= 2
    assert all(abs(left - cards.MARGIN) <= 8 for left, _ in french)
    assert french[-1][1] < 900


@pytest.mark.parametrize(("title", "lang", "rtl"), [
    # Three lines at the largest size, or four at a smaller one: descenders (p, g, j) on the last line.
    ("Crise petite chercheurs crise région habitants par climat et économie européenne", "fr", False),
    ("Le gouvernement japonais prépare un plan de soutien aux pêcheurs après la plongée des prix du poisson "
     "pêché au large", "fr", False),
    ("Les négociations sur le budget reprennent à l'Assemblée après une nuit de discussions tendues entre "
     "la majorité et les groupes", "fr", False),
    ("العراق: طائرات مسيرة تستهدف قاعدة عين الأسد الجوية غرب العراق وسط تصاعد التوتر في المنطقة", "ar", True),
])
def test_the_title_keeps_clear_of_the_rule_above_the_date(built: Site, title: str, lang: str, rtl: bool) -> None:
    """However many lines the title takes, its last line (descenders too) ends above the rule with room
    to spare: nothing but the background in the 30 pixels above the rule."""
    theme = cards.theme(load_config(built.root / "config.yaml"))
    image = drawn(theme, title, lang, rtl)
    rule_top = cards.DATE_BASELINE - 60
    gap = image.crop((cards.MARGIN, cards.TITLE_BOTTOM, 1200 - cards.MARGIN, rule_top))
    background = image.getpixel((600, 5))
    assert gap.getextrema() == (background, background)
    assert ink_lines(image, cards.TITLE_TOP, cards.TITLE_BOTTOM)  # the title is there, above



def drawn(theme: cards.Theme, title: str, lang: str = "fr", rtl: bool = False) -> Image.Image:
    return Image.open(io.BytesIO(cards.draw(cards.Card(title, "Revue", "16 juillet 2024", "Monde", lang, rtl),
                                            theme))).convert("L")


@pytest.mark.parametrize(("title", "lang", "rtl"), [
    ("Irak : la base américaine d'Ain al-Asad visée par des drones", "fr", False),
    ("العراق: طائرات مسيرة تستهدف قاعدة عين الأسد", "ar", True),
])
def test_a_title_drawn_a_word_at_a_time_looks_like_one_drawn_whole(built: Site, title: str, lang: str,
                                                                    rtl: bool) -> None:
    """Title words are rendered once per process and pasted; a zero-width non-joiner before each space
    (a format character) keeps every line whole: both cards differ by at most a pixel's shift of a word."""
    theme = cards.theme(load_config(built.root / "config.yaml"))
    by_word, whole = drawn(theme, title, lang, rtl), drawn(theme, title.replace(" ", "\u200c "), lang, rtl)
    assert ImageChops.difference(by_word, whole).getbbox() is not None  # not the same drawing
    nearest = ImageChops.difference(by_word, whole)
    for shift in (-1, 1):
        nearest = ImageChops.darker(nearest, ImageChops.difference(by_word, ImageChops.offset(whole, shift, 0)))
    assert nearest.getextrema()[1] <= 16


def test_a_line_against_the_cards_direction_is_drawn_whole(built: Site) -> None:
    """Latin words in an Arabic title run left to right inside the line: word by word would reverse them."""
    theme = cards.theme(load_config(built.root / "config.yaml"))
    writer = cards._Writer(None, cards.Card("", "", "", None, "ar", True), theme)
    assert writer.word_by_word("طائرات مسيرة تستهدف قاعدة 2024")
    assert not writer.word_by_word("قمة G7 Summit في باريس")
    assert not writer.word_by_word("Irak : la base d'Ain al-Asad")
    latin = cards._Writer(None, cards.Card("", "", "", None, "fr", False), theme)
    assert latin.word_by_word("Irak : la base d'Ain al-Asad")
    assert not latin.word_by_word("Le sommet de عين الأسد")
    assert not latin.word_by_word("Le sommet\u200d de Paris")


def test_a_card_is_the_same_whatever_was_drawn_before_in_the_process(built: Site) -> None:
    """Words rendered for one card are reused by the next: the bytes do not depend on it (a worker
    draws cards in any order)."""
    theme = cards.theme(load_config(built.root / "config.yaml"))
    card_of = cards.Card("Le marché du port rouvre après la grève", "Revue", "16 juillet 2024", None, "fr", False)
    cards._word.cache_clear()
    cards._rendered.cache_clear()
    cold = cards.draw(card_of, theme)
    cards.draw(cards.Card("La grève du port: le marché attend", "Revue", "1 mai 2024", "Local", "fr", False), theme)
    assert cards._word.cache_info().hits > 0
    assert cards.draw(card_of, theme) == cold

def test_a_card_png_holds_the_pixels_drawn_as_pillows_own_png_writer_stores_them(
        built: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """digest writes the PNG itself (zlib-ng): a decoder sees exactly the drawn palette image, no more
    and no less than Pillow's own writer would have stored, up to the right-to-left band at the edge."""
    theme = cards.theme(load_config(built.root / "config.yaml"))
    drawn: list[Image.Image] = []
    write = cards._png
    monkeypatch.setattr(cards, "_png", lambda image: drawn.append(image.copy()) or write(image))
    for card_of in [cards.Card("العراق: طائرات مسيرة تستهدف قاعدة عين الأسد", "الموجز", "16 يوليو 2024", "دولي",
                               "ar", True),
                    cards.Card("Le marché du port rouvre", "Revue", "16 juillet 2024", "Local", "fr", False)]:
        data = cards.draw(card_of, theme)
        decoded = Image.open(io.BytesIO(data))
        decoded.load()  # (Pillow checks every chunk's CRC and the zlib stream's checksum)
        assert (decoded.format, decoded.mode, decoded.size) == ("PNG", "P", (1200, 630))
        assert decoded.info == {}  # no metadata, no transparency
        expected = drawn[-1].crop((0, 0, 1200, 630))
        reference = io.BytesIO()
        expected.save(reference, format="PNG")
        by_pillow = Image.open(reference)
        assert decoded.tobytes() == expected.tobytes() == by_pillow.tobytes()
        assert decoded.getpalette() == by_pillow.getpalette()
        band = (1199, 300) if card_of.rtl else (0, 300)
        assert decoded.getpixel(band) != 0  # the accent band reaches the card's edge
        assert decoded.convert("RGB").getpixel(band) == by_pillow.convert("RGB").getpixel(band)


def test_cards_are_byte_identical_from_build_to_build(built: Site, tmp_path: Path) -> None:
    again = make(tmp_path / "again")
    again.build_ok()
    for url in ["fr/2024/07/ain/", "ar/2024/07/ain/", "en/2024/07/heat/"]:
        assert (again.output / url / "social.png").read_bytes() == (built.output / url / "social.png").read_bytes()


# --- incremental builds

def stamps(site: Site) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(site.output)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in site.output.rglob("social.png")}


def test_a_title_edit_redraws_that_card_only(tmp_path: Path) -> None:
    site = make(tmp_path / "site")
    config = site.root / "config.yaml"
    Builder(config, persistent=True).build()
    before = stamps(site)
    old = (site.output / "fr/2024/07/ain/social.png").read_bytes()
    path = site.root / "content/fr/2024/ain.md"
    path.write_text(path.read_text(encoding="utf-8").replace("visée par des drones", "touchée par des roquettes"),
                    encoding="utf-8")
    result = Builder(config, persistent=True).build()
    assert result.kind == "edit"
    after = stamps(site)
    assert [name for name in after if after[name] != before[name]] == ["fr/2024/07/ain/social.png"]
    assert (site.output / "fr/2024/07/ain/social.png").read_bytes() != old
    # A body edit keeps every card.
    path.write_text(path.read_text(encoding="utf-8").replace("mardi", "mardi soir"), encoding="utf-8")
    assert Builder(config, persistent=True).build().kind == "edit"
    assert stamps(site) == after


def test_a_photo_added_or_removed_adds_or_removes_the_card(tmp_path: Path) -> None:
    site = make(tmp_path / "site")
    config = site.root / "config.yaml"
    Builder(config, persistent=True).build()
    path = site.root / "content/en/2024/heat.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("section: Health", "section: Health\nimage: https://cdn.example.com/heat.jpg"),
                    encoding="utf-8")
    Builder(config, persistent=True).build()
    assert not (site.output / "en/2024/07/heat/social.png").exists()
    assert meta(site.page("en/2024/07/heat/"), "og:image") == ["https://cdn.example.com/heat.jpg"]
    path.write_text(original, encoding="utf-8")
    Builder(config, persistent=True).build()
    assert (site.output / "en/2024/07/heat/social.png").is_file()


# --- config

def test_social_cards_false_writes_no_card_and_shares_the_default_image(tmp_path: Path) -> None:
    site = make(tmp_path / "site", BASE_CONFIG + "social_cards: false\ndefault_image: images/share.png\n")
    site.write("images/share.png", png(1200, 675))
    site.build_ok()
    assert not list(site.output.rglob("social.png"))
    page = site.page("fr/2024/07/ain/")
    assert meta(page, "og:image") == ["https://example.org/sub/images/share.png"]
    assert json_ld(page)["image"] == ["https://example.org/sub/images/share.png"]


def test_social_cards_must_be_a_boolean(tmp_path: Path) -> None:
    site = make(tmp_path / "site", BASE_CONFIG + "social_cards: yes please\n")
    result = site.build()
    assert result.exit_code == 1
    ((path, line, message),) = problems(result)
    assert (Path(path).name, line, message) == ("config.yaml", BASE_CONFIG.count("\n") + 1,
                                                "'social_cards' must be true or false, not a string")
    assert not site.output.exists()
