"""`digest import` of saved web pages, http(s) URLs (served from 127.0.0.1) and RSS/Atom feeds."""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from digest.importer import page as page_module
from digest.importer import to_markdown

from helpers import Site, article, hrefs, texts
from test_import import read, run

DATA = Path(__file__).parent / "data" / "import"
FR_SLUG = "irak-la-base-americaine-d-ain-al-asad-visee-par-des-drones"
FR_URL = "https://www.quotidien-levant.example/international/2024/07/16/irak-ain-al-asad-drones"
BOILERPLATE_FR = ("cookies", "Tout accepter", "Commentaires", "Karim75", "Les plus lus", "Partager sur Facebook",
                  "Retrait des forces américaines", "lettre d'information", "Je m'inscris", "Mentions légales",
                  "Tous droits réservés", "Économie", "S'abonner", "Mots-clés")

SITE = {
    "fr/2024/retrait.md": article("Retrait des forces américaines : les négociations reprennent",
                                  date="2024-07-01", tags="[Irak, Diplomatie]"),
    "fr/2024/drones.md": article("Les drones, nouvelle arme des milices", date="2024-06-01", tags="[Drones, Liban]"),
    "en/2024/iraq.md": article("Iraq talks resume", date="2024-07-01", tags="[Iraq, Diplomacy]"),
    "ar/2024/iraq.md": article("استئناف المفاوضات", date="2024-07-01", tags="[العراق]"),
}



def articles(site: Site) -> dict[str, bytes]:
    return {p.relative_to(site.root).as_posix(): p.read_bytes() for p in sorted((site.root / "content").rglob("*.md"))}


@pytest.fixture
def site(make_site) -> Site:
    return make_site(SITE)


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/slow/"):  # answers after the importer gave up waiting
            time.sleep(2)
            self.path = self.path.removeprefix("/slow")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A local web server for the saved pages and feeds (the feeds' links point back to it)."""
    root = tmp_path / "web"
    shutil.copytree(DATA, root)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Handler(*a, directory=str(root)))
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    for feed in root.glob("feed.*.xml"):
        feed.write_text(feed.read_text(encoding="utf-8").replace("{BASE}", base), encoding="utf-8")
    (root / "international/2024/07").mkdir(parents=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- saved pages ---------------------------------------------------------------------------------


def test_saved_french_page_front_matter_and_body(site: Site):
    result = run(site, str(DATA / "page.fr.html"), "--lang", "fr")
    assert result.exit_code == 0, result.output
    written = site.root / f"content/fr/2024/{FR_SLUG}.md"
    assert result.stdout.splitlines()[0] == f"content/fr/2024/{FR_SLUG}.md"
    meta, body = read(written)
    assert meta["title"] == "Irak : la base américaine d'Ain al-Asad visée par des drones"
    assert meta["date"] == datetime(2024, 7, 16, 14, 30, tzinfo=timezone(timedelta(hours=3)))
    assert meta["updated"] == datetime(2024, 7, 17, 9, 5, tzinfo=timezone(timedelta(hours=3)))
    assert meta["author"] == "Jeanne Dupont"
    assert meta["section"] == "International"
    assert meta["source"] == {"name": "Le Quotidien du Levant", "url": FR_URL}  # canonical, not og:url
    assert meta["image"] == {"src": "https://www.quotidien-levant.example/media/2024/07/ain-al-asad.jpg",
                             "caption": "Vue générale de la base aérienne d'Ain al-Asad, dans la province d'al-Anbar.",
                             "credit": "AFP"}
    assert meta["tags"] == ["Irak", "Drones"]  # the page's tags the site has; not Moyen-Orient
    blocks = body.strip().split("\n\n")
    assert blocks[0].startswith("Une source sécuritaire irakienne a fait état mardi")
    assert "## Une série d'attaques depuis le printemps" in blocks
    assert ("[Résistance islamique en Irak](https://www.quotidien-levant.example/international/2024/04/"
            "resistance-islamique-irak)") in body
    assert "> « Nous continuerons à viser les forces d'occupation" in body
    assert "- former les unités antiterroristes ;" in body
    assert blocks[-1].startswith("Le gouvernement irakien a condamné l'attaque")
    for gone in BOILERPLATE_FR:
        assert gone not in body, gone
    report = result.stdout
    assert "date: 2024-07-16T14:30:00+03:00 from the page's metadata" in report
    assert "tags: Irak, Drones (the page's own tags that the site has; not on the site: Moyen-Orient)" in report
    assert "photo: https://www.quotidien-levant.example/media/2024/07/ain-al-asad.jpg with its caption" in report
    assert "dropped the page's navigation" in report


def test_saved_french_page_builds(site: Site):
    assert run(site, str(DATA / "page.fr.html"), "--lang", "fr").exit_code == 0
    site.build_ok()
    page = site.page(f"fr/2024/07/{FR_SLUG}/")
    assert texts(page, "//h1") == ["Irak : la base américaine d'Ain al-Asad visée par des drones"]
    assert page.xpath("//time/@datetime")[0].startswith("2024-07-16T")
    assert FR_URL in hrefs(page, "//*[@class='source']//a")
    assert "Le Quotidien du Levant" in texts(page, "//*[@class='source']")[0]
    assert page.xpath("//figure//img/@src") == ["https://www.quotidien-levant.example/media/2024/07/ain-al-asad.jpg"]
    assert "AFP" in texts(page, "//figure//*[@class='credit']")[0]
    body = texts(page, "//*[contains(@class,'article-body')]/p")
    assert body[0].startswith("Une source sécuritaire irakienne a fait état mardi")
    assert len(body) == 5
    assert texts(page, "//*[contains(@class,'article-body')]/h2") == ["Une série d'attaques depuis le printemps"]
    assert len(page.xpath("//*[contains(@class,'article-body')]/ul/li")) == 3
    article_text = " ".join(texts(page, "//*[contains(@class,'article-body')]"))
    for gone in BOILERPLATE_FR:
        assert gone not in article_text, gone
    assert page.xpath("//meta[@name='description']/@content")[0].startswith("Une source sécuritaire irakienne")


def test_saved_english_page_og_url_json_ld_dates_and_credit(site: Site):
    result = run(site, str(DATA / "page.en.html"), "--lang", "en")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / "content/en/2024/drone-attack-targets-us-base-in-western-iraq.md")
    assert meta["date"] == datetime(2024, 7, 16, 11, 30, tzinfo=UTC)
    assert meta["updated"] == datetime(2024, 7, 16, 15, 45, tzinfo=UTC)
    assert meta["source"] == {"name": "The Northern Ledger",
                              "url": "https://ledger.example.com/world/middle-east/drone-attack-us-base-iraq"}
    assert meta["author"] == "Sam Carter"
    assert meta["section"] == "World"
    assert meta["image"]["caption"] == "An aerial view of Ain al-Asad air base in Anbar province."
    assert meta["image"]["credit"] == "Jane Doe/Reuters"
    assert meta["tags"] == ["Iraq"]
    blocks = body.strip().split("\n\n")
    assert blocks[0].startswith("Two drones were shot down on Tuesday as they approached Ain al-Asad air base")
    assert "*foreign forces*" in body
    for gone in ("World\n", "Drone attack targets", "Share on", "Copy link", "Sign up", "More on this story",
                 "Most read", "Privacy", "Skip to content"):
        assert gone not in body, gone


def test_saved_arabic_page_builds_right_to_left(site: Site):
    result = run(site, str(DATA / "page.ar.html"), "--lang", "ar")
    assert result.exit_code == 0, result.output
    path = site.root / result.stdout.splitlines()[0]
    meta, body = read(path)
    assert meta["title"] == "هجوم بطائرات مسيرة على قاعدة عين الأسد غربي العراق"
    assert meta["source"] == {"name": "صحيفة الرافدين", "url": "https://alrafidain.example/news/2024/07/16/ain-al-asad"}
    assert meta["image"] == {"src": "https://alrafidain.example/uploads/2024/07/ain-al-asad.jpg",
                             "caption": "منظر عام لقاعدة عين الأسد الجوية في محافظة الأنبار", "credit": "رويترز"}
    assert meta["tags"] == ["العراق"]
    assert meta["author"] == "أحمد الكربولي"
    assert len(body.strip().split("\n\n")) == 3
    assert "شارك" not in body and "اقرأ أيضاً" not in body and "الرئيسية" not in body
    site.build_ok()
    built = site.page(f"ar/2024/07/{path.stem}/")
    assert built.get("dir") == "rtl"
    assert texts(built, "//h1") == [meta["title"]]
    assert len(texts(built, "//*[contains(@class,'article-body')]/p")) == 3


def test_page_in_the_encoding_it_declares(site: Site):
    result = run(site, str(DATA / "page.de.latin1.html"), "--lang", "fr", "--force")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / "content/fr/2024/drohnenangriff-auf-us-stutzpunkt-im-irak.md")
    assert meta["title"] == "Drohnenangriff auf US-Stützpunkt im Irak"
    assert meta["source"]["name"] == "Süddeutsche Beispielzeitung"
    assert "stürzte demnach" in body and "Cookies" not in body and "Startseite" not in body
    assert "language: the page is in German (de), imported as 'fr' (--force)" in result.stdout


def test_hostile_html_leaves_nothing_active(site: Site):
    result = run(site, str(DATA / "hostile.en.html"), "--lang", "en")
    assert result.exit_code == 0, result.output
    text = (site.root / "content/en/2024/council-approves-new-tram-line-after-long-debate.md").read_text()
    for bad in ("javascript", "JaVaScRiPt", "data:", "onclick", "onerror", "onload", "onmouseover", "alert(1)",
                "<iframe", "<img", "<object", "<embed", "evil.example", "<style"):
        assert bad not in text, bad
    assert not re.search(r"(?<!\\)<", text)  # every < of the text is escaped
    assert "called the project too expensive" in text  # the text of a neutralized link stays
    assert "[a new public consultation](https://city-news.example.org/2024/06/tram-consultation)" in text
    site.build_ok()
    page = site.page("en/2024/07/council-approves-new-tram-line-after-long-debate/")
    body = page.xpath("//*[contains(@class,'article-body')]")[0]
    assert body.xpath(".//script | .//iframe | .//object | .//embed | .//style | .//img") == []
    assert not [a for a in body.iter() if any(name.startswith("on") for name in a.attrib)]
    assert all(href.startswith("https://") for href in body.xpath(".//a/@href"))
    assert '<script>alert("text")</script>' in body.text_content()  # escaped text shows as text
    assert not [s for s in page.xpath("//script") if "alert" in (s.text or "")]


def test_markdown_of_the_text_escapes_what_markdown_would_read():
    body = etree.fromstring(
        "<main><p>1. not a list</p><p># not a heading</p><p>- not an item</p><p>*not em* and [x](y) &amp;amp;</p>"
        "<p>a <ref target='/rel'>relative</ref> and <ref target='vbscript:x'>bad</ref> link</p>"
        "<list rend='ol'><item>first</item><item>second</item></list></main>")
    blocks = [block.markdown for block in to_markdown(body, "https://example.org/a/b")]
    assert blocks == ["1\\. not a list", "\\# not a heading", "\\- not an item",
                      "\\*not em\\* and \\[x\\](y) \\&amp;", "a [relative](https://example.org/rel) and bad link",
                      "1. first\n2. second"]


def test_same_page_twice_is_refused_unless_forced(site: Site):
    assert run(site, str(DATA / "page.fr.html"), "--lang", "fr").exit_code == 0
    before = articles(site)
    again = run(site, str(DATA / "page.fr.html"), "--lang", "fr")
    assert again.exit_code == 1
    assert again.stderr == (f"{DATA / 'page.fr.html'}: already on the site: content/fr/2024/{FR_SLUG}.md has the "
                            f"same source URL {FR_URL} (digest import never overwrites an article; --force "
                            "replaces it)\n")
    assert articles(site) == before
    forced = run(site, str(DATA / "page.fr.html"), "--lang", "fr", "--force")
    assert forced.exit_code == 0, forced.output
    assert articles(site).keys() == before.keys()


def test_dry_run_writes_nothing(site: Site):
    before = articles(site)
    result = run(site, str(DATA / "page.fr.html"), "--lang", "fr", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"would write content/fr/2024/{FR_SLUG}.md:\n---\n")
    assert articles(site) == before


def test_bad_inputs_each_refused_and_the_others_imported(site: Site, tmp_path: Path):
    missing = tmp_path / "missing.html"
    before = articles(site)
    result = run(site, str(missing), str(DATA / "empty.html"), str(DATA / "index.fr.html"),
                 str(DATA / "page.en.html"), str(DATA / "page.fr.html"), "--lang", "fr")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{missing}: file not found",
        f"{DATA / 'empty.html'}: empty page: nothing to import",
        f"{DATA / 'index.fr.html'}: no article text found",
        f"{DATA / 'page.en.html'}: the page is in English (en), not 'fr': import it with --lang en "
        "(or --force to import it anyway)",
    ]
    assert "Traceback" not in result.output
    assert set(articles(site)) - set(before) == {f"content/fr/2024/{FR_SLUG}.md"}


# --- URLs ----------------------------------------------------------------------------------------


def test_url_is_fetched_and_imported_like_a_saved_page(site: Site, server: str):
    result = run(site, f"{server}/page.fr.html", "--lang", "fr")
    assert result.exit_code == 0, result.output
    meta, body = read(site.root / f"content/fr/2024/{FR_SLUG}.md")
    assert meta["source"] == {"name": "Le Quotidien du Levant", "url": FR_URL}
    assert meta["image"]["src"] == f"{server}/media/2024/07/ain-al-asad.jpg"  # as the browser would load it
    assert "- former les unités antiterroristes ;" in body
    assert f"  from {server}/page.fr.html" in result.stdout
    # a page without a canonical URL or og:url: the URL it was fetched from is the source
    (site.root / "content/fr/2024" / f"{FR_SLUG}.md").unlink()
    result = run(site, f"{server}/page.de.latin1.html", "--lang", "de", "--force")
    assert result.exit_code == 1  # de is not a language of the site
    assert "unknown language 'de'" in result.stderr


def test_urls_that_cannot_be_fetched(site: Site, server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(page_module, "FETCH_TIMEOUT", 0.5)
    port = closed_port()
    before = articles(site)
    result = run(site, f"http://127.0.0.1:{port}/x", f"{server}/nothing-here.html", f"{server}/slow/page.fr.html",
                 f"{server}/page.ar.html", "--lang", "ar")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"http://127.0.0.1:{port}/x: cannot fetch: Connection refused"
    assert lines[1] == f"{server}/nothing-here.html: cannot fetch: HTTP 404 File not found"
    assert lines[2].startswith(f"{server}/slow/page.fr.html: cannot fetch: timed out")
    assert len(lines) == 3
    assert len(set(articles(site)) - set(before)) == 1  # the Arabic page


# --- feeds ---------------------------------------------------------------------------------------


def test_rss_feed_twice_imports_each_entry_once(site: Site, server: str):
    result = run(site, "--feed", f"{server}/feed.rss.xml", "--lang", "fr")
    assert result.exit_code == 0, result.output
    written = [line for line in result.stdout.splitlines() if line.startswith("content/")]
    assert written == ["content/fr/2024/liban-reprise-des-negociations-sur-la-frontiere-sud.md",
                       f"content/fr/2024/{FR_SLUG}.md",
                       "content/fr/2024/syrie-le-port-de-lattaquie-rouvre-aux-cargos.md"]
    meta, body = read(site.root / written[0])
    assert meta["date"] == datetime(2024, 7, 17, 8, 15, tzinfo=UTC)
    assert meta["author"] == "Jeanne Dupont"
    assert meta["source"] == {"name": "Le Quotidien du Levant – International",
                              "url": f"{server}/international/2024/07/liban-frontiere"}
    assert meta["tags"] == ["Liban", "Diplomatie"]
    assert meta["image"] == {"src": f"{server}/media/2024/07/frontiere.jpg"}
    assert body.strip().startswith("Les émissaires libanais et américains ont repris mercredi")
    assert "javascript" not in body and "alert" not in body and "Voir la carte." in body
    # the entry with a summary only: the linked page, fetched
    meta, body = read(site.root / written[1])
    assert meta["source"]["url"] == FR_URL  # the page's canonical URL
    assert meta["author"] == "Jeanne Dupont" and "## Une série d'attaques depuis le printemps" in body
    # the linked page is gone: the summary, reported
    meta, body = read(site.root / written[2])
    assert body.strip() == ("Le port de Lattaquié a rouvert lundi aux navires de commerce après trois semaines "
                            "de travaux.")
    assert "text: from the feed's summary (cannot fetch: HTTP 404 File not found)" in result.stdout
    assert "text: from the linked page" in result.stdout

    before = articles(site)
    again = run(site, "--feed", f"{server}/feed.rss.xml", "--lang", "fr")
    assert again.exit_code == 0, again.output
    assert articles(site) == before
    assert again.stdout.splitlines() == [
        f"skipped {server}/international/2024/07/liban-frontiere: already on the site: {written[0]}",
        f"skipped {server}/page.fr.html: already on the site: {written[1]} (same canonical URL)",
        f"skipped {server}/missing/syrie-lattaquie: already on the site: {written[2]}",
    ]


def test_feed_entry_linking_to_a_page_already_imported_is_skipped(site: Site, server: str):
    assert run(site, str(DATA / "page.fr.html"), "--lang", "fr").exit_code == 0
    result = run(site, "--feed", f"{server}/feed.rss.xml", "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert (f"skipped {server}/page.fr.html: already on the site: content/fr/2024/{FR_SLUG}.md "
            "(same canonical URL)") in result.stdout.splitlines()
    assert len([line for line in result.stdout.splitlines() if line.startswith("content/")]) == 2


def test_atom_feed_from_a_file_twice_and_limit(site: Site, server: str, tmp_path: Path):
    feed = tmp_path / "web" / "feed.atom.xml"
    first = run(site, "--feed", str(feed), "--lang", "en", "--limit", "1")
    assert first.exit_code == 0, first.output
    assert [line for line in first.stdout.splitlines() if line.startswith("content/")] == [
        "content/en/2024/storm-closes-ports-along-the-north-coast.md"]
    meta, body = read(site.root / "content/en/2024/storm-closes-ports-along-the-north-coast.md")
    assert meta["author"] == "Alex Morgan" and meta["date"] == datetime(2024, 7, 17, 9, 0, tzinfo=UTC)
    assert body.strip().startswith("A storm closed every port along the north coast")
    second = run(site, "--feed", str(feed), "--lang", "en")
    assert second.exit_code == 0, second.output
    assert [line for line in second.stdout.splitlines() if line.startswith("content/")] == [
        "content/en/2024/inflation-falls-for-the-third-month-running.md"]
    assert "skipped" in second.stdout
    before = articles(site)
    third = run(site, "--feed", str(feed), "--lang", "en")
    assert third.exit_code == 0 and articles(site) == before
    assert third.stdout.count("skipped ") == 2
    site.build_ok()
    page = site.page("en/2024/07/inflation-falls-for-the-third-month-running/")
    assert texts(page, "//*[contains(@class,'article-body')]/p")[1] == "It is the third monthly fall in a row."


def test_feed_errors(site: Site, tmp_path: Path):
    before = articles(site)
    not_a_feed = run(site, "--feed", str(DATA / "page.fr.html"), "--lang", "fr")
    assert not_a_feed.exit_code == 1
    assert not_a_feed.stderr == f"{DATA / 'page.fr.html'}: not an RSS or Atom feed\n"
    missing = run(site, "--feed", str(tmp_path / "nope.xml"), "--lang", "fr")
    assert missing.exit_code == 1 and missing.stderr == f"{tmp_path / 'nope.xml'}: file not found\n"
    wrong_lang = run(site, "--feed", str(DATA / "feed.atom.xml"), "--lang", "fr")
    assert wrong_lang.exit_code == 1
    assert "the page is in English (en), not 'fr'" in wrong_lang.stderr
    assert len(wrong_lang.stderr.splitlines()) == 2  # each entry refused on its own
    assert articles(site) == before


@pytest.mark.parametrize("args", [[], ["--limit", "2", "x.html"], ["--feed", "f.xml", "x.html"],
                                  ["--feed", "f.xml", "--limit", "0"]])
def test_import_usage_errors(site: Site, args: list[str]):
    result = run(site, *args, "--lang", "fr")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_dates_of_a_page_without_time_are_days():
    html = (b"<html lang='en'><head><title>Quiet day at the harbour</title>"
            b"<meta property='article:published_time' content='2024-07-10'></head><body><article>"
            b"<h1>Quiet day at the harbour</h1><p>"
            + b"Nothing much happened at the harbour today, the fishermen said. " * 5 + b"</p></article></body></html>")
    draft = page_module.read_page(html, "quiet.html")
    assert draft.date == date(2024, 7, 10)
    assert draft.source_url is None and draft.updated is None


def test_markdown_of_tables_and_emphasis():
    body = etree.fromstring(
        "<main><table><row><cell>Year</cell><cell>Price</cell></row><row><cell>2024</cell><cell>1 | 2</cell></row>"
        "</table><p><hi rend='#b'>Bold</hi> and <hi rend='#i'>italic</hi><lb/>next line</p></main>")
    blocks = [block.markdown for block in to_markdown(body, None)]
    assert blocks == ["| Year | Price |\n| --- | --- |\n| 2024 | 1 \\| 2 |", "**Bold** and *italic*  \nnext line"]


@pytest.mark.parametrize("page", [
    # a login wall
    "<html lang='fr'><head><title>Connexion – Le Quotidien</title></head><body><h1>Cet article est réservé aux "
    "abonnés</h1><p>Connectez-vous pour lire la suite.</p><form><input name='login'><input type='password'>"
    "<button>Se connecter</button></form><a href='/abonnement'>S'abonner</a></body></html>",
    # a maintenance page
    "<html lang='fr'><head><title>Maintenance</title></head><body><h1>Site en maintenance</h1>"
    "<p>Nous revenons très vite.</p></body></html>",
    # not HTML at all
    "%PDF-1.7 \x00\x01 binary",
])
def test_pages_without_an_article_are_refused(site: Site, tmp_path: Path, page: str):
    saved = tmp_path / "saved.html"
    saved.write_bytes(page.encode("utf-8"))
    before = articles(site)
    result = run(site, str(saved), "--lang", "fr")
    assert result.exit_code == 1
    assert result.stderr == f"{saved}: no article text found\n"
    assert articles(site) == before
