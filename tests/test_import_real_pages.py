"""`digest import` on pages and feeds shaped like real ones (WordPress, Arc, Drupal, a Google News feed):
lead photo, titles, summaries, escaping, clutter, tags, credits, `--force`, feed fallbacks and entities,
bounded fetches and `--download-images`, against real servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import io
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from digest.importer import page as page_module
from digest.importer import to_markdown

from helpers import Site, article
from test_import import read, run

REAL = Path(__file__).parent / "data" / "import" / "real"
WP_SLUG = "la-transition-ecologique-des-ports-de-la-mediterranee"
ARC_SLUG = "berlin-confronts-germany-s-colonial-past-with-new-initiative"
DRUPAL_SLUG = "le-conseil-communal-adopte-le-plan-de-mobilite-2030"

SITE = {
    "fr/2019/ports.md": article("Les ports face au climat", date="2019-06-01", tags="[Énergie, Marseille]"),
    "en/2019/museums.md": article("Museums and restitution", date="2019-06-01", tags="[Berlin, colonialism]"),
}


@pytest.fixture
def site(make_site) -> Site:
    return make_site(SITE)


def body_of(site: Site, url_path: str) -> tuple[str, list]:
    site.build_ok()
    page = site.page(url_path)
    body = page.xpath("//*[contains(@class,'article-body')]")[0]
    return body.text_content(), body


# --- saved pages -----------------------------------------------------------------------------------


def test_wordpress_page_lead_photo_title_keywords_and_text(site: Site):
    result = run(site, str(REAL / "wordpress.fr.html"), "--lang", "fr")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / f"content/fr/2019/{WP_SLUG}.md")
    # the site name is not part of the title (nor of the slug)
    assert meta["title"] == "La transition écologique des ports de la Méditerranée"
    assert "title: left out the site's name and dates around it (Le Fil Marin)" in result.stdout
    # og:image is the lead photo, not the related article's 150x150 thumbnail with its headline
    assert meta["image"] == {"src": "https://www.lefilmarin.example/wp-content/uploads/2019/09/port-marseille-quai.jpg"}
    assert "stars" not in result.output and "croisières" not in body
    # `Ports,Énergie,Marseille` is three keywords: the two the site has are its tags
    assert meta["tags"] == ["Énergie", "Marseille"]
    assert "not on the site: Ports)" in result.stdout
    # the date alone at the top is not the lead
    assert "mercredi 11 septembre 2019" not in body
    assert body.lstrip().startswith("Les grands ports de la Méditerranée")
    # spaces kept around emphasis and links; no soft hyphen; the in-page anchor is no link
    assert "son *écosystème* de sous-traitants" in body
    assert "qui [présente](https://www.lefilmarin.example/2019/06/marseille-quais-electriques/) le projet" in body
    assert "\u00ad" not in body and "d’électrification" in body
    assert "#lettre" not in body and "inscrivez-vous à notre lettre en bas" in body
    # what a reader sees: the lines after <br> are text, not a heading, a list and a numbered list
    text, element = body_of(site, f"fr/2019/09/{WP_SLUG}/")
    assert not element.xpath(".//ul | .//ol | .//h1 | .//h2")
    assert "# 1 le raccordement électrique des ferries" in text
    assert "- la piste du gaz naturel liquéfié" in text
    assert "1. la nouvelle génération de carburants" in text
    assert "\u00ad" not in text


def test_arc_page_title_standfirst_clutter_credit_and_tags(site: Site):
    result = run(site, str(REAL / "arc.en.html"), "--lang", "en", "--tags", "Namibia,colonialism")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / f"content/en/2020/{ARC_SLUG}.md")
    assert meta["title"] == "Berlin confronts Germany's colonial past with new initiative"
    assert "(19.01.2020, DW)" in result.stdout
    # JSON-LD image (no og:image), its caption and the credit at the caption's end
    assert meta["image"] == {"src": "https://static.dw.example/image/52058196_303.jpg",
                             "caption": "A street sign in Berlin's African Quarter, where several streets are "
                                        "named after colonial officers.",
                             "credit": "Mike Blake/Reuters files"}
    # the standfirst is the first paragraph, without the date glued to it, and not a heading
    first = body.strip().split("\n\n")[0]
    assert first == ("From street names to skulls held in museum stores, the German capital wants to face the "
                     "history of its colonial empire. Can the city finally come to terms with it?")
    assert "January 2020" not in body
    assert 'dropped the date glued to the standfirst: "Sunday, 19 January 2020"' in result.stdout
    # clutter: dropped and reported
    for gone, why in (("Read more", 'a "Read more" line'), ("## Related", "an empty related-articles heading"),
                      ("Jane Doe", "a photo credit line"), ("commission", "an affiliate disclosure")):
        assert gone not in body, gone
        assert f"dropped {why}" in result.stdout
    assert "## Street names under review" in body
    # tags: --tags first, reported; the page's keywords split (Berlin once); no tag twice
    assert meta["tags"] == ["Namibia", "colonialism", "Berlin"]
    assert "  tags: Namibia, colonialism (--tags)" in result.stdout
    assert "tags: Berlin (the page's own tags that the site has; not on the site: German Reich)" in result.stdout


def test_drupal_page_summary_from_the_description_when_the_lead_is_junk(site: Site):
    result = run(site, str(REAL / "drupal.fr.html"), "--lang", "fr")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / f"content/fr/2020/{DRUPAL_SLUG}.md")
    assert meta["title"] == "Le conseil communal adopte le plan de mobilité 2030"  # no " - RTBF"
    description = ("Le conseil communal a adopté lundi soir le plan de mobilité 2030, qui prévoit trois nouvelles "
                   "lignes de bus et la piétonnisation du centre historique.")
    assert meta["summary"] == description
    assert "Le conseil communal a adopté lundi soir, par 24 voix contre 11" in body  # the text itself is kept
    assert "summary: the page's description (its first paragraph is not a lead)" in result.stdout
    site.build_ok()
    page = site.page(f"fr/2020/01/{DRUPAL_SLUG}/")
    assert page.xpath("//meta[@name='description']/@content") == [description]


def test_brightspot_page_without_og_image_never_takes_a_promo_thumbnail(site: Site):
    result = run(site, str(REAL / "brightspot.en.html"), "--lang", "en")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / "content/en/2020/harbor-dredging-plan-wins-federal-approval.md")
    # the promo of another article (a linked 150x150 figure with that article's headline) comes first in the page
    assert meta["image"] == {"src": "https://www.coastalradio.example/dims4/default/harbor/1200x675/harbor-channel.jpg",
                             "caption": "A container ship enters the harbor's main channel in December.",
                             "credit": "Sam Ortega / Coastal Public Radio"}
    assert "Ferry" not in result.stdout + body
    assert "Related" not in body and 'dropped an empty related-articles heading: "Related"' in result.stdout
    assert "Shipping companies have warned" in body


def test_force_keeps_the_editors_keys_and_says_so(site: Site):
    assert run(site, str(REAL / "drupal.fr.html"), "--lang", "fr").exit_code == 0
    path = site.root / f"content/fr/2020/{DRUPAL_SLUG}.md"
    text = path.read_text(encoding="utf-8").replace("---\n\n", (
        "translation_key: mobilite-2030\nauthor: Marie Lambert\ndraft: true\nrelated: [2019/ports]\n"
        "corrections:\n  - date: 2020-01-07\n    text: Le vote a eu lieu lundi, pas mardi.\n---\n\n"), 1)
    path.write_text(text, encoding="utf-8")
    result = run(site, str(REAL / "drupal.fr.html"), "--lang", "fr", "--force")
    assert result.exit_code == 0, result.output
    meta, _ = read(path)
    assert meta["corrections"] == [{"date": date(2020, 1, 7),
                                    "text": "Le vote a eu lieu lundi, pas mardi."}]
    assert meta["translation_key"] == "mobilite-2030" and meta["author"] == "Marie Lambert"
    assert meta["draft"] is True and meta["related"] == ["2019/ports"]
    assert meta["summary"].startswith("Le conseil communal a adopté lundi soir")  # the input's, replaced
    line = next(line for line in result.stdout.splitlines() if "--force:" in line)
    assert "kept the editor's corrections, translation_key, related, author, draft" in line
    assert "replaced " in line and "summary" in line and "source" in line


# --- a local web server ------------------------------------------------------------------------------


Route = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, Route]], str]]:
    servers = []

    def start(routes: dict[str, Route]) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if route is None:
                        self.send_error(404, "File not found")
                    else:
                        route(self)

            def log_message(self, *args: object) -> None:
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def send(body: bytes, kind: str = "text/html; charset=utf-8", **headers: str) -> Route:
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)
    return route


def drip(handler: http.server.BaseHTTPRequestHandler) -> None:
    """One byte every 0.2 s, for ever: each read gets data, the whole never arrives."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    for _ in range(200):
        handler.wfile.write(b"<")
        handler.wfile.flush()
        time.sleep(0.2)


# --- feeds -------------------------------------------------------------------------------------------


def test_google_news_feed_source_names_and_summary_fallback(site: Site, serve, tmp_path: Path):
    base = serve({})  # every linked page is gone (404)
    feed = tmp_path / "news.xml"
    feed.write_text((REAL / "google-news.rss.xml").read_text(encoding="utf-8").replace("{BASE}", base), "utf-8")
    result = run(site, "--feed", str(feed), "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("text: from the feed's summary (cannot fetch: HTTP 404 File not found)") == 2
    namur, _ = read(site.root / "content/fr/2020/namur-le-plan-de-mobilite-adopte-malgre-l-opposition.md")
    assert namur["title"] == "Namur : le plan de mobilité adopté malgré l'opposition"  # no " - RTBF"
    assert namur["source"] == {"name": "RTBF", "url": f"{base}/gone/namur-plan-mobilite"}  # not "Google Actualités"
    att, body = read(site.root / "content/fr/2020/at-t-et-orange-signent-un-accord-sur-la-5g.md")
    assert att["title"] == "AT&T et Orange signent un accord sur la 5G" and att["source"]["name"] == "L'Echo"
    assert body.strip() == ("L'opérateur américain AT&T et Orange ont signé lundi un accord de partenariat pour le "
                            "déploiement de la 5G en Europe.")
    text, _ = body_of(site, "fr/2020/01/at-t-et-orange-signent-un-accord-sur-la-5g/")
    assert "AT&T et Orange" in text and "&amp;" not in text


RSS = """<?xml version="1.0" encoding="UTF-8"?>{doctype}
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Le Courrier du Port</title><link>{base}/</link><description>Actualités</description><language>fr</language>
<item><title>Le port de Sète agrandit son terminal</title><link>{base}/gone/sete</link>
<pubDate>Tue, 07 Jan 2020 08:00:00 +0000</pubDate>
<description>Le port de Sète a lancé mardi les travaux d'extension de son terminal {entity}roulier, pour
accueillir des ferries plus longs.</description>
<content:encoded><![CDATA[]]></content:encoded></item>
</channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Le Courrier du Port</title><id>urn:courrier</id>
<updated>2020-01-07T08:00:00Z</updated>
<entry><title>Le port de Sète agrandit son terminal</title><link href="{base}/gone/sete"/><id>urn:sete</id>
<updated>2020-01-07T08:00:00Z</updated>
<summary>Le port de Sète a lancé mardi les travaux d'extension de son terminal roulier.</summary>
<content type="html"></content></entry></feed>
"""


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_entry_with_empty_content_falls_back_to_its_summary(site: Site, serve, tmp_path: Path, kind: str):
    base = serve({})
    feed = tmp_path / "feed.xml"
    feed.write_text((RSS if kind == "rss" else ATOM).format(base=base, doctype="", entity=""), "utf-8")
    result = run(site, "--feed", str(feed), "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert ("text: from the feed's summary (the entry's content is empty; cannot fetch: HTTP 404 File not found)"
            in result.stdout)
    _, body = read(site.root / "content/fr/2020/le-port-de-sete-agrandit-son-terminal.md")
    assert body.strip().startswith("Le port de Sète a lancé mardi les travaux d'extension de son terminal roulier")


def test_feed_undefined_entity_dropped_and_declared_entities_refused(site: Site, serve, tmp_path: Path):
    base = serve({})
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS.format(base=base, doctype="", entity="&lol9;"), "utf-8")
    result = run(site, "--feed", str(feed), "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert "dropped undefined entities from the feed: &lol9;" in result.stdout
    _, body = read(site.root / "content/fr/2020/le-port-de-sete-agrandit-son-terminal.md")
    assert "lol9" not in body and "son terminal roulier" in body
    for doctype in ('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                    '<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;">]>'):
        feed.write_text(RSS.format(base=base, doctype=doctype, entity="&xxe;&lol9;"), "utf-8")
        before = sorted((site.root / "content").rglob("*"))
        result = run(site, "--feed", str(feed), "--lang", "fr", "--force")
        assert result.exit_code == 1
        assert result.stderr.startswith(f"{feed}: the feed declares its own XML entities (<!ENTITY ...>): refused")
        assert "Traceback" not in result.output and sorted((site.root / "content").rglob("*")) == before


# --- bounded fetches ---------------------------------------------------------------------------------


def test_every_fetch_has_a_total_deadline(site: Site, serve, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(page_module, "FETCH_DEADLINE", 1.0)
    base = serve({"/drip/a": drip, "/drip/feed": drip})
    start = time.monotonic()
    result = run(site, f"{base}/drip/a", "--lang", "fr")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{base}/drip/a: cannot fetch: not received in full within 1 s (the limit for "
                                    "a whole download;")
    result = run(site, "--feed", f"{base}/drip/feed", "--lang", "fr")
    assert result.exit_code == 1 and "cannot fetch: not received in full within 1 s" in result.stderr
    assert time.monotonic() - start < 10


def test_gzip_bomb_is_refused_saying_so(site: Site, serve):
    bomb = gzip.compress(b"<p>" + b" " * 25_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    base = serve({"/bomb.html": send(bomb, Content_Encoding="gzip"),
                  "/bomb.html.gz": send(bomb, "application/gzip")})
    for path in ("/bomb.html", "/bomb.html.gz"):
        result = run(site, f"{base}{path}", "--lang", "fr")
        assert result.exit_code == 1
        assert result.stderr.strip() == (f"{base}{path}: cannot read: gzip data that unpacks to more than 20 MB "
                                         "(a compression bomb?)")


# --- --download-images ----------------------------------------------------------------------------------


def photo_with_exif() -> bytes:
    image = Image.new("RGB", (1200, 675), (40, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x0131] = "Secret Editor 1.0"  # Software
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at 43.29N 5.37E")
    return out.getvalue()


def test_download_images_stores_the_lead_photo_without_metadata(site: Site, serve):
    page = (REAL / "wordpress.fr.html").read_text(encoding="utf-8")
    routes: dict[str, Route] = {"/photo.jpg": send(photo_with_exif(), "image/jpeg"),
                                "/not-a-photo.jpg": send(b"<html>login</html>")}
    base = serve(routes)
    routes["/a.html"] = send(page.replace("https://www.lefilmarin.example/wp-content/uploads/2019/09/"
                                          "port-marseille-quai.jpg", f"{base}/photo.jpg").encode())
    routes["/b.html"] = send(page.replace("https://www.lefilmarin.example/wp-content/uploads/2019/09/"
                                          "port-marseille-quai.jpg", f"{base}/not-a-photo.jpg").encode())
    result = run(site, f"{base}/a.html", "--lang", "fr", "--download-images")
    assert result.exit_code == 0, result.output
    meta, _ = read(site.root / f"content/fr/2019/{WP_SLUG}.md")
    assert meta["image"] == {"src": f"{WP_SLUG}.jpg"}
    photo = site.root / f"content/fr/2019/{WP_SLUG}.jpg"
    with Image.open(photo) as stored:
        assert stored.size == (1200, 675) and not stored.getexif() and "comment" not in stored.info
    assert f"downloaded from {base}/photo.jpg (metadata stripped)" in result.stdout
    site.build_ok()
    built = site.page(f"fr/2019/09/{WP_SLUG}/")
    assert all(not src.startswith("http") for src in built.xpath("//article//figure//img/@src"))
    assert built.xpath("//article//figure//img/@srcset")  # the site's own responsive sizes
    # the config default, and a "photo" that is a web page: not downloaded, linked, reported
    photo.unlink()
    (site.root / f"content/fr/2019/{WP_SLUG}.md").unlink()
    site.write("config.yaml", (site.root / "config.yaml").read_text() + "import: {download_images: true}\n")
    result = run(site, f"{base}/b.html", "--lang", "fr")
    assert result.exit_code == 0, result.output
    meta, _ = read(site.root / f"content/fr/2019/{WP_SLUG}.md")
    assert meta["image"] == {"src": f"{base}/not-a-photo.jpg"}
    assert f"photo: not downloaded (cannot fetch: text/html, not image/); linked to {base}/not-a-photo.jpg" \
        in result.stdout
    assert not list((site.root / "content/fr/2019").glob(f"{WP_SLUG}.*g"))


def test_import_config_key_is_checked(site: Site):
    site.write("config.yaml", (site.root / "config.yaml").read_text() + "import: {download_image: true}\n")
    result = run(site, str(REAL / "drupal.fr.html"), "--lang", "fr")
    assert result.exit_code == 1
    assert "download_image" in result.output and "download_images" in result.output


def test_running_text_in_a_div_keeps_its_words_before_a_link():
    """CNN-style `<div class="zn-body__paragraph">` paragraphs reach trafilatura's XML as divs of mixed text."""
    body = etree.fromstring('<body><div>Japan\'s Nikkei 225 (<ref target="https://money.example/n225">N225</ref>) '
                            'declined 0.3%, while the Kospi<lb/>- fell</div><div><p>A paragraph.</p></div></body>')
    assert [block.markdown for block in to_markdown(body, None)] == [
        "Japan's Nikkei 225 ([N225](https://money.example/n225)) declined 0.3%, while the Kospi  \n\\- fell",
        "A paragraph."]
