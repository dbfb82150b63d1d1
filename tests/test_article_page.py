"""An article page shows every field of its front matter, as a reader sees it."""

from __future__ import annotations

import json

from helpers import article, hrefs, texts

SEED_LIKE = article(
    "Irak : la base américaine d'Ain al-Asad visée par des drones",
    source="{name: Press TV, url: 'https://www.presstv.ir/Detail/2024/07/16/x'}",
    image="{src: base.jpg, caption: Vue générale de la base aérienne., credit: AFP, alt: Vue aérienne}",
    tags="[Irak, États-Unis, Drones]",
    section="International",
    related="[2024/retrait]",
    updated="2024-07-17",
    body="""
    Une source sécuritaire irakienne a fait état d'une **attaque** de drones.

    Deux drones suicide ont pris pour cible la base.
    """,
)


def test_article_page_shows_every_field(make_site):
    site = make_site({
        "fr/2024/ain-al-asad.md": SEED_LIKE,
        "fr/2024/base.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
        "fr/2024/retrait.md": article("Retrait des forces américaines", date="2024-07-10"),
    })
    site.build_ok()
    page = site.page("fr/2024/07/ain-al-asad/")
    assert texts(page, "//h1") == ["Irak : la base américaine d'Ain al-Asad visée par des drones"]
    assert texts(page, "//*[@class='rubric']") == ["International"]
    time = page.xpath("//article//time")[0]
    assert time.get("datetime") == "2024-07-16T13:30:00+02:00"  # the same instant in the site time zone
    assert time.text_content() == "16 juillet 2024"
    source = page.xpath("//*[@class='source']//a")[0]
    assert source.text_content() == "Press TV"
    assert source.get("href") == "https://www.presstv.ir/Detail/2024/07/16/x"
    figure = page.xpath("//figure")[0]
    img = figure.xpath(".//img")[0]
    assert img.get("alt") == "Vue aérienne"
    assert img.get("src") == "/sub/fr/2024/07/ain-al-asad/base.jpg"
    assert (site.output / "fr/2024/07/ain-al-asad/base.jpg").read_bytes().startswith(b"\xff\xd8")
    caption = texts(figure, ".//figcaption")[0]
    assert "Vue générale de la base aérienne." in caption and "AFP" in caption
    assert hrefs(page, "//*[contains(@class,'tags')]//a") == [
        "/sub/fr/tags/irak/", "/sub/fr/tags/etats-unis/", "/sub/fr/tags/drones/"]
    assert texts(page, "//*[contains(@class,'tags')]//a") == ["Irak", "États-Unis", "Drones"]
    assert page.xpath("//*[contains(@class,'article-body')]//strong")[0].text == "attaque"
    assert hrefs(page, "//*[contains(@class,'read-also')]//a") == ["/sub/fr/2024/07/retrait/"]
    assert "17 juillet 2024" in texts(page, "//*[@class='updated']")[0]
    assert page.xpath("//link[@rel='canonical']/@href") == ["https://example.org/sub/fr/2024/07/ain-al-asad/"]


def test_share_links_are_plain_links_without_scripts(make_site):
    site = make_site({"fr/2024/a.md": article("Titre & « guillemets »")})
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    share = hrefs(page, "//*[contains(@class,'share')]//a")
    assert [link.split(":")[0] for link in share] == ["mailto", "https", "https", "https", "https"]
    hosts = " ".join(share)
    for host in ("x.com", "facebook.com", "wa.me", "t.me"):
        assert host in hosts
    assert all("https%3A%2F%2Fexample.org%2Fsub%2Ffr%2F2024%2F07%2Fa%2F" in link for link in share)
    # no third-party script anywhere: the only script is the JSON-LD data block
    assert [s.get("type") for s in page.xpath("//script")] == ["application/ld+json"]


def test_open_graph_and_json_ld(make_site):
    site = make_site({
        "fr/2024/ain-al-asad.md": SEED_LIKE,
        "fr/2024/base.jpg": b"jpeg",
        "fr/2024/retrait.md": article("Retrait", date="2024-07-10"),
    })
    site.build_ok()
    page = site.page("fr/2024/07/ain-al-asad/")

    def meta(name: str) -> list[str]:
        return page.xpath(f"//meta[@property='{name}']/@content")

    assert meta("og:type") == ["article"]
    assert meta("og:title") == ["Irak : la base américaine d'Ain al-Asad visée par des drones"]
    assert meta("og:url") == ["https://example.org/sub/fr/2024/07/ain-al-asad/"]
    assert meta("og:image") == ["https://example.org/sub/fr/2024/07/ain-al-asad/base.jpg"]
    assert meta("og:locale") == ["fr_FR"]
    assert meta("article:tag") == ["Irak", "États-Unis", "Drones"]
    data = json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Irak : la base américaine d'Ain al-Asad visée par des drones"
    assert data["datePublished"] == "2024-07-16T13:30:00+02:00"
    assert data["image"] == ["https://example.org/sub/fr/2024/07/ain-al-asad/base.jpg"]
    assert data["author"]["name"] == "Press TV"
    assert data["inLanguage"] == "fr"


def test_source_as_plain_name_and_image_without_src(make_site):
    site = make_site({"fr/2024/a.md": article(
        "Titre", source="Le Courrier", image="{caption: Une légende, credit: Reuters}")})
    site.build_ok()
    page = site.page("fr/2024/07/a/")
    assert texts(page, "//*[@class='source']") == ["Source : Le Courrier"]
    assert page.xpath("//*[@class='source']//a") == []
    assert page.xpath("//figure//img") == []
    caption = texts(page, "//figure/figcaption")[0]
    assert "Une légende" in caption and "Reuters" in caption


def test_remote_image_is_left_where_it_is(make_site):
    site = make_site({"en/2024/a.md": article("Title", image="https://images.example.com/p.jpg")})
    site.build_ok()
    page = site.page("en/2024/07/a/")
    assert page.xpath("//figure//img/@src") == ["https://images.example.com/p.jpg"]


def test_summary_defaults_to_first_paragraph_as_plain_text(make_site):
    site = make_site({"en/2024/a.md": article("Title", body="""
        # Heading

        First *paragraph* with a [link](https://example.com/).

        Second paragraph.
        """)})
    site.build_ok()
    page = site.page("en/2024/07/a/")
    assert page.xpath("//meta[@name='description']/@content") == ["First paragraph with a link."]
    home = site.page("en/")
    assert texts(home, "//*[@class='summary']") == ["First paragraph with a link."]


def test_extra_front_matter_reaches_templates(make_site):
    site = make_site({"en/2024/a.md": article("Title", byline="'Jane Doe'")})
    site.write("templates/article.html",
               '{% extends "base.html" %}{% block main %}<p id="by">{{ article.extra.byline }}</p>{% endblock %}')
    site.build_ok()
    assert texts(site.page("en/2024/07/a/"), "//p[@id='by']") == ["Jane Doe"]


def test_markdown_extensions_and_escaped_html(make_site):
    site = make_site({"en/2024/a.md": article("Title", body="""
        | a | b |
        |---|---|
        | 1 | 2 |

        ~~gone~~ and a note[^1]. <script>alert(1)</script>

        [bad](javascript:alert(1))

        [^1]: The note.
        """)})
    site.build_ok()
    page = site.page("en/2024/07/a/")
    body = page.xpath("//*[contains(@class,'article-body')]")[0]
    assert body.xpath(".//table//td/text()") == ["1", "2"]
    assert body.xpath(".//s/text()") == ["gone"]
    assert body.xpath(".//*[contains(@class,'footnote')]")
    assert page.xpath("//script[not(@type='application/ld+json')]") == []
    assert "<script>alert(1)</script>" in body.text_content()
    assert not [a for a in body.xpath(".//a/@href") if a.lower().startswith("javascript")]


def test_raw_html_allowed_by_config(make_site):
    from helpers import BASE_CONFIG

    site = make_site({"en/2024/a.md": article("Title", body='<p class="raw">hello</p>')},
                     config=BASE_CONFIG + "markdown: {html: true}\n")
    site.build_ok()
    assert texts(site.page("en/2024/07/a/"), "//p[@class='raw']") == ["hello"]


def test_body_images_are_copied_and_linked(make_site):
    site = make_site({
        "en/2024/a.md": article("Title", body="![chart](img/chart.png) and ![map](../shared/map.png)"),
        "en/2024/img/chart.png": b"png1",
        "en/shared/map.png": b"png2",
    })
    site.build_ok()
    page = site.page("en/2024/07/a/")
    assert page.xpath("//*[contains(@class,'article-body')]//img/@src") == [
        "/sub/en/2024/07/a/img/chart.png", "/sub/en/2024/07/a/map.png"]
    assert (site.output / "en/2024/07/a/img/chart.png").read_bytes() == b"png1"
    assert (site.output / "en/2024/07/a/map.png").read_bytes() == b"png2"


def test_explicit_slug_and_extra_path_segments(make_site):
    site = make_site({"fr/monde/moyen-orient/irak.md":
                      article("Titre", slug="ain-al-asad", date="2024-12-31T23:30:00Z")})
    site.build_ok()
    # 23:30 UTC on Dec 31 is already January 1st in Paris: the URL follows the site time zone
    assert site.page("fr/2025/01/ain-al-asad/") is not None


def test_links_to_article_source_files_become_their_urls(make_site):
    site = make_site({
        "fr/2024/a.md": article("A", body="Voir [l'autre](../2023/b.md#suite) et [ici](c.md)."),
        "fr/2023/b.md": article("B", date="2023-12-01"),
        "fr/2024/c.md": article("C", date="2024-01-05"),
    })
    site.build_ok()
    links = hrefs(site.page("fr/2024/07/a/"), "//*[contains(@class,'article-body')]//a")
    assert links == ["/sub/fr/2023/12/b/#suite", "/sub/fr/2024/01/c/"]


def test_link_to_missing_article_file_is_an_error_with_its_line(make_site):
    site = make_site({"fr/2024/a.md": article("A", body="Intro.\n\nVoir [l'autre](../2023/nope.md).")})
    result = site.build()
    assert result.exit_code == 1
    assert "content/fr/2024/a.md:7: file not found: '../2023/nope.md'" in result.output


def test_link_to_a_draft_is_an_error(make_site):
    site = make_site({"fr/2024/a.md": article("A", body="[d](d.md)"),
                      "fr/2024/d.md": article("D", draft="true")})
    result = site.build()
    assert result.exit_code == 1
    assert "content/fr/2024/a.md:5: link to content/fr/2024/d.md, which is a draft" in result.output
    site.build_ok("--drafts")
