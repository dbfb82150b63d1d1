"""Languages: localized dates, text direction, translations, switcher and hreflang."""

from __future__ import annotations

from helpers import article, hrefs, texts


def test_dates_are_localized_with_babel_long_format(make_site):
    when = "2024-07-16T14:30:00+02:00"
    site = make_site({lang: article("T", date=when) for lang in ("fr/2024/a.md", "en/2024/a.md", "ar/2024/a.md")})
    site.build_ok()
    assert texts(site.page("fr/2024/07/a/"), "//article//time") == ["16 juillet 2024"]
    assert texts(site.page("en/2024/07/a/"), "//article//time") == ["16 July 2024"]
    arabic = texts(site.page("ar/2024/07/a/"), "//article//time")[0]
    assert "يوليو" in arabic  # the Arabic month name
    assert site.page("ar/2024/07/a/").xpath("//article//time/@datetime") == ["2024-07-16T14:30:00+02:00"]


def test_html_lang_and_dir_on_every_page(make_site):
    site = make_site({"ar/2024/a.md": article("عنوان", tags="[اقتصاد]"), "en/2024/a.md": article("Title")})
    site.build_ok()
    for path in ("ar/", "ar/2024/07/a/", "ar/tags/", "ar/tags/اقتصاد/"):
        page = site.page(path)
        assert (page.get("lang"), page.get("dir")) == ("ar", "rtl"), path
    for path in ("en/", "en/2024/07/a/", "en/tags/"):
        page = site.page(path)
        assert (page.get("lang"), page.get("dir")) == ("en", "ltr"), path


def test_translations_by_path_link_each_other(make_site):
    site = make_site({
        "fr/2024/drones.md": article("Drones en Irak"),
        "en/2024/drones.md": article("Drones in Iraq"),
        "ar/2024/drones.md": article("طائرات مسيرة في العراق"),
    })
    site.build_ok()
    page = site.page("en/2024/07/drones/")
    alternates = {link.get("hreflang"): link.get("href") for link in page.xpath("//head/link[@hreflang]")}
    assert alternates == {
        "fr": "https://example.org/sub/fr/2024/07/drones/",
        "en": "https://example.org/sub/en/2024/07/drones/",
        "ar": "https://example.org/sub/ar/2024/07/drones/",
        "x-default": "https://example.org/sub/fr/2024/07/drones/",
    }
    switcher = page.xpath("//*[contains(@class,'language-switcher')]//a")
    assert [(a.get("hreflang"), a.get("href")) for a in switcher] == [
        ("fr", "/sub/fr/2024/07/drones/"), ("en", "/sub/en/2024/07/drones/"), ("ar", "/sub/ar/2024/07/drones/")]
    assert [a.get("aria-current") for a in switcher] == [None, "page", None]
    assert [a.text_content() for a in switcher] == ["Français", "English", "العربية"]


def test_translation_key_pairs_different_paths_and_switcher_falls_back_to_home(make_site):
    site = make_site({
        "fr/2024/train-de-nuit.md": article("Le train de nuit", translation_key="night-train"),
        "en/2024/night-train.md": article("The night train", translation_key="night-train"),
        "fr/2024/seul.md": article("Seul en français"),
    })
    site.build_ok()
    paired = site.page("fr/2024/07/train-de-nuit/")
    assert "https://example.org/sub/en/2024/07/night-train/" in paired.xpath("//head/link[@hreflang='en']/@href")
    alone = site.page("fr/2024/07/seul/")
    assert alone.xpath("//head/link[@hreflang]") == []
    links = alone.xpath("//*[contains(@class,'language-switcher')]//a")
    switcher = {a.get("hreflang"): a.get("href") for a in links}
    assert switcher == {"fr": "/sub/fr/2024/07/seul/", "en": "/sub/en/", "ar": "/sub/ar/"}


def test_read_also_prefers_same_language_then_default_language(make_site):
    site = make_site({
        "en/2024/main.md": article("Main", related="[2024/both, 2024/french-only]"),
        "fr/2024/both.md": article("Les deux"),
        "en/2024/both.md": article("Both"),
        "fr/2024/french-only.md": article("Seulement en français"),
    })
    site.build_ok()
    page = site.page("en/2024/07/main/")
    assert hrefs(page, "//*[contains(@class,'read-also')]//a") == [
        "/sub/en/2024/07/both/", "/sub/fr/2024/07/french-only/"]
    assert texts(page, "//*[contains(@class,'read-also')]//h2") == ["Read also"]
    assert page.xpath("//*[contains(@class,'read-also')]//a/@hreflang") == ["fr"]


def test_home_pages_are_alternates_of_each_other(make_site):
    site = make_site({"fr/2024/a.md": article("A")})
    site.build_ok()
    home = site.page("fr/")
    alternates = {link.get("hreflang"): link.get("href") for link in home.xpath("//head/link[@hreflang]")}
    assert alternates == {"fr": "https://example.org/sub/fr/", "en": "https://example.org/sub/en/",
                          "ar": "https://example.org/sub/ar/", "x-default": "https://example.org/sub/fr/"}


def test_ui_strings_are_translated(make_site):
    site = make_site({f"{lang}/2024/a.md": article("T", tags="[x]") for lang in ("fr", "en", "ar")})
    site.build_ok()
    share = {lang: texts(site.page(f"{lang}/2024/07/a/"), "//*[@id='share-heading']")[0] for lang in ("fr", "en", "ar")}
    assert share == {"fr": "Partager cet article", "en": "Share this article", "ar": "شارك هذا المقال"}


def test_root_redirects_to_default_language_without_javascript(make_site):
    site = make_site({"fr/2024/a.md": article("A")})
    site.build_ok()
    root = site.page("")
    refresh = root.xpath("//meta[@http-equiv='refresh']/@content")[0]
    assert refresh.endswith("url=/sub/fr/")
    assert hrefs(root, "//body//a") == ["/sub/fr/", "/sub/en/", "/sub/ar/"]
    assert root.xpath("//script") == []
