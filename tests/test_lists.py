"""Home pages, tag index and tag pages: ordering, pagination and membership."""

from __future__ import annotations

from helpers import article, hrefs, texts


def dated(n: int, **fields: str) -> str:
    return article(f"Article {n}", date=f"2024-07-{n:02d}T10:00:00+02:00", **fields)


def card_links(page) -> list[str]:
    return hrefs(page, "//*[contains(@class,'card-title')]/a")


def test_home_paginates_at_per_page_newest_first(make_site):
    site = make_site({f"en/2024/a{n:02d}.md": dated(n) for n in range(1, 8)})  # per_page is 3
    site.build_ok()
    pages = [site.page("en/"), site.page("en/page/2/"), site.page("en/page/3/")]
    assert not (site.output / "en/page/4").exists()
    assert [len(card_links(p)) for p in pages] == [3, 3, 1]
    everything = [link for p in pages for link in card_links(p)]
    assert everything == [f"/sub/en/2024/07/a{n:02d}/" for n in range(7, 0, -1)]
    assert texts(pages[1], "//*[@class='page-number']") == ["Page 2 of 3"]
    assert hrefs(pages[1], "//a[@rel='prev']") == ["/sub/en/"]
    assert hrefs(pages[1], "//a[@rel='next']") == ["/sub/en/page/3/"]
    assert hrefs(pages[0], "//a[@rel='prev']") == []
    assert hrefs(pages[2], "//a[@rel='next']") == []
    assert pages[1].xpath("//link[@rel='canonical']/@href") == ["https://example.org/sub/en/page/2/"]


def test_same_instant_is_ordered_by_path(make_site):
    same = "2024-07-01T10:00:00+02:00"
    site = make_site({"en/2024/b.md": article("B", date=same), "en/2024/a.md": article("A", date=same),
                      "en/2024/c.md": article("C", date="2024-07-02")})
    site.build_ok()
    assert texts(site.page("en/"), "//*[contains(@class,'card-title')]") == ["C", "A", "B"]


def test_language_with_no_articles_still_has_a_home(make_site):
    site = make_site({"fr/2024/a.md": dated(1)})
    site.build_ok()
    assert card_links(site.page("ar/")) == []
    assert site.page("ar/").get("dir") == "rtl"


def test_tag_pages_list_exactly_the_tagged_articles_newest_first(make_site):
    articles = {f"fr/2024/a{n}.md": dated(n, tags="[États-Unis, Irak]" if n % 2 else "[Irak]") for n in range(1, 9)}
    articles["fr/2024/other.md"] = dated(20, tags="[Climat]")
    articles["en/2024/x.md"] = dated(21, tags="[Irak]")  # same tag in another language: not on the fr page
    site = make_site(articles)
    site.build_ok()
    first, second = site.page("fr/tags/etats-unis/"), site.page("fr/tags/etats-unis/page/2/")
    assert card_links(first) + card_links(second) == [f"/sub/fr/2024/07/a{n}/" for n in (7, 5, 3, 1)]
    assert texts(first, "//h1") == ["Mot-clé : États-Unis"]
    irak = [link for p in ("fr/tags/irak/", "fr/tags/irak/page/2/", "fr/tags/irak/page/3/")
            for link in card_links(site.page(p))]
    assert irak == [f"/sub/fr/2024/07/a{n}/" for n in range(8, 0, -1)]
    assert card_links(site.page("en/tags/irak/")) == ["/sub/en/2024/07/x/"]


def test_tag_index_lists_every_tag_with_its_count(make_site):
    site = make_site({
        "fr/2024/a.md": dated(1, tags="[Écologie, Énergie]"),
        "fr/2024/b.md": dated(2, tags="[écologie]"),
        "fr/2024/c.md": dated(3, tags="[Écologie]"),
    })
    site.build_ok()
    index = site.page("fr/tags/")
    entries = dict(zip(texts(index, "//ul[@class='tag-index']/li/a"),
                       texts(index, "//ul[@class='tag-index']/li/*[@class='count']"), strict=True))
    # one tag for both spellings, shown as the most frequent one
    assert entries == {"Écologie": "3 articles", "Énergie": "1 article"}
    assert hrefs(index, "//ul[@class='tag-index']/li/a") == ["/sub/fr/tags/ecologie/", "/sub/fr/tags/energie/"]


def test_non_latin_tags_keep_their_script_and_are_percent_encoded(make_site):
    site = make_site({"ar/2024/a.md": dated(1, tags="[العراق, الولايات المتحدة]")})
    site.build_ok()
    assert (site.output / "ar/tags/العراق/index.html").is_file()
    assert (site.output / "ar/tags/الولايات-المتحدة/index.html").is_file()
    links = hrefs(site.page("ar/2024/07/a/"), "//*[contains(@class,'tags')]//a")
    assert links == ["/sub/ar/tags/%D8%A7%D9%84%D8%B9%D8%B1%D8%A7%D9%82/",
                     "/sub/ar/tags/%D8%A7%D9%84%D9%88%D9%84%D8%A7%D9%8A%D8%A7%D8%AA-%D8%A7%D9%84%D9%85%D8%AA%D8%AD%D8%AF%D8%A9/"]


def test_arabic_counts_use_arabic_plural_forms(make_site):
    site = make_site({f"ar/2024/a{n}.md": dated(n, tags="[اقتصاد]") for n in (1, 2)})
    site.build_ok()
    assert texts(site.page("ar/tags/"), "//*[@class='count']") == ["مقالان"]  # the dual form
