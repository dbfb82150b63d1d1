"""Daily editions, month and year archives, and the editions feed."""

from __future__ import annotations

import feedparser

from helpers import article, hrefs, texts

SITE = {
    # two days in July 2024 with a gap, a day in August, one in December 2023; fr and en
    "fr/2024/a.md": article("Santé matin", date="2024-07-16T08:00:00+02:00", section="Santé"),
    "fr/2024/b.md": article("Santé soir", date="2024-07-16T18:00:00+02:00", section="Santé"),
    "fr/2024/c.md": article("Sciences midi", date="2024-07-16T12:00:00+02:00", section="Sciences"),
    "fr/2024/d.md": article("Sans rubrique", date="2024-07-16T20:00:00+02:00"),
    "fr/2024/e.md": article("Plus tard", date="2024-07-19T09:00:00+02:00", section="Culture"),
    "fr/2024/f.md": article("En août", date="2024-08-02T09:00:00+02:00"),
    "fr/2023/g.md": article("L'an passé", date="2023-12-30T09:00:00+01:00"),
    "fr/2024/brouillon.md": article("Brouillon", date="2024-07-18T09:00:00+02:00", draft="true"),
    "en/2024/a.md": article("Health morning", date="2024-07-16T08:00:00+02:00", section="Health"),
    # late evening in New York is already the next day in Paris: the site time zone decides the day
    "en/2024/late.md": article("Late in New York", date="2024-07-19T22:30:00-04:00"),
}


def test_edition_lists_its_day_grouped_by_section_newest_first(make_site):
    site = make_site(SITE)
    site.build_ok()
    page = site.page("fr/2024/07/16/")
    assert texts(page, "//h1") == ["16 juillet 2024"]
    groups = page.xpath("//section[contains(@class,'edition-section')]")
    layout = [(texts(g, ".//h2")[0], texts(g, ".//*[contains(@class,'card-title')]")) for g in groups]
    assert layout == [
        ("Santé", ["Santé soir", "Santé matin"]),
        ("Sciences", ["Sciences midi"]),
        ("Autres actualités", ["Sans rubrique"]),  # articles without a rubric come last
    ]
    assert site.page("en/2024/07/16/").xpath("//h1//text()") == ["16 July 2024"]
    assert "يوليو" not in texts(site.page("en/2024/07/16/"), "//h1")[0]


def test_previous_and_next_editions_skip_empty_days(make_site):
    site = make_site(SITE)
    site.build_ok()
    page = site.page("fr/2024/07/19/")
    assert page.xpath("//head/link[@rel='prev']/@href") == ["/sub/fr/2024/07/16/"]  # 17 and 18 have no edition
    assert page.xpath("//head/link[@rel='next']/@href") == ["/sub/fr/2024/08/02/"]
    oldest = site.page("fr/2023/12/30/")
    assert oldest.xpath("//head/link[@rel='prev']") == []
    assert oldest.xpath("//head/link[@rel='next']/@href") == ["/sub/fr/2024/07/16/"]


def test_a_day_with_only_drafts_has_no_edition(make_site):
    site = make_site(SITE)
    site.build_ok()
    assert not (site.output / "fr/2024/07/18").exists()
    site.build_ok("--drafts")
    assert texts(site.page("fr/2024/07/18/"), "//*[contains(@class,'card-title')]") == ["Brouillon"]


def test_site_time_zone_decides_the_day(make_site):
    site = make_site(SITE)
    site.build_ok()
    assert texts(site.page("en/2024/07/20/"), "//*[contains(@class,'card-title')]") == ["Late in New York"]
    assert not (site.output / "en/2024/07/19").exists()


def test_month_and_year_pages_link_exactly_what_exists(make_site):
    site = make_site(SITE)
    site.build_ok()
    month = site.page("fr/2024/07/")
    assert texts(month, "//h1") == ["juillet 2024"]
    days = month.xpath("//ol[contains(@class,'archive-days')]/li")
    assert [hrefs(day, ".//h2/a")[0] for day in days] == ["/sub/fr/2024/07/19/", "/sub/fr/2024/07/16/"]
    assert texts(days[1], ".//*[@class='count']") == ["4 articles"]
    assert texts(days[1], ".//ul/li/a") == ["Sans rubrique", "Santé soir", "Sciences midi", "Santé matin"]
    year = site.page("fr/2024/")
    assert hrefs(year, "//ul[contains(@class,'archive-months')]//a") == ["/sub/fr/2024/08/", "/sub/fr/2024/07/"]
    assert texts(year, "//ul[contains(@class,'archive-months')]//*[@class='count']") == ["1 article", "5 articles"]
    assert hrefs(site.page("fr/2023/"), "//ul[contains(@class,'archive-months')]//a") == ["/sub/fr/2023/12/"]
    assert not (site.output / "fr/2024/06").exists()
    assert not (site.output / "fr/2022").exists()


def test_every_page_links_the_archive_of_the_newest_year(make_site):
    site = make_site(SITE)
    site.build_ok()
    for path in ("fr/", "fr/2024/07/a/", "fr/tags/", "fr/2023/12/30/"):
        assert "/sub/fr/2024/" in hrefs(site.page(path), "//nav[contains(@class,'section-nav')]//a"), path


def test_edition_switcher_and_hreflang(make_site):
    site = make_site(SITE)
    site.build_ok()
    page = site.page("fr/2024/07/16/")
    switcher = {a.get("hreflang"): a.get("href") for a in page.xpath("//*[contains(@class,'language-switcher')]//a")}
    # en has an edition that day; ar has nothing that year, so its home
    assert switcher == {"fr": "/sub/fr/2024/07/16/", "en": "/sub/en/2024/07/16/", "ar": "/sub/ar/"}
    alternates = {link.get("hreflang") for link in page.xpath("//head/link[@hreflang]")}
    assert alternates == {"fr", "en", "x-default"}
    other_day = site.page("fr/2024/07/19/")
    links = other_day.xpath("//*[contains(@class,'language-switcher')]//a")
    switcher = {a.get("hreflang"): a.get("href") for a in links}
    assert switcher["en"] == "/sub/en/2024/"  # no en edition that day: the year page
    assert (page.get("lang"), page.get("dir")) == ("fr", "ltr")
    assert page.xpath("//link[@rel='canonical']/@href") == ["https://example.org/sub/fr/2024/07/16/"]


def test_editions_feed_has_one_entry_per_day(make_site):
    site = make_site(SITE)
    site.build_ok()
    feed = feedparser.parse((site.output / "fr/editions.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [entry.link for entry in feed.entries] == [
        "https://example.org/sub/fr/2024/08/02/", "https://example.org/sub/fr/2024/07/19/",
        "https://example.org/sub/fr/2024/07/16/", "https://example.org/sub/fr/2023/12/30/"]
    assert feed.entries[2].title == "Édition du 16 juillet 2024"
    assert "Sciences midi" in feed.entries[2].content[0].value
    assert "https://example.org/sub/fr/2024/07/c/" in feed.entries[2].content[0].value


def test_date_pages_are_in_the_sitemap(make_site):
    site = make_site(SITE)
    site.build_ok()
    sitemap = (site.output / "sitemap.xml").read_text()
    for path in ("fr/2024/07/16/", "fr/2024/07/", "fr/2024/", "en/2024/07/20/"):
        assert f"<loc>https://example.org/sub/{path}</loc>" in sitemap


def test_day_number_slug_is_an_error(make_site):
    site = make_site({"fr/2024/a.md": article("A", slug="'16'"), "fr/2024/07.md": article("B")})
    result = site.build()
    assert result.exit_code == 1
    assert "content/fr/2024/a.md:4: slug '16' would take the URL of the edition" in result.output
    assert "content/fr/2024/07.md:1: slug '07' would take the URL of the edition" in result.output
