"""Hostile input: paths that try to leave the site, symlinks, script injection, YAML bombs, huge and oddly encoded
files. Each is refused with a clear `path:line: message` (exit 1, output/ untouched, nothing read from or written
outside the site) or built correctly and safely.

Single bad inputs already covered by test_errors.py and test_config.py are not repeated here.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
import zlib
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from click.testing import Result
from lxml import etree
from lxml import html as lxml_html

from helpers import BASE_CONFIG, Site, article, problems, tree

MakeSite = Callable[..., Site]

SECRET = "SECRET-OUTSIDE-THE-SITE-7f3a"
UNSAFE_URL = re.compile(r"^(?:javascript|vbscript):", re.IGNORECASE)
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")
HOSTILE = "</script><script>alert(\"x\")</script>'\"&<b>javascript:alert(1)"

GOOD = {
    "fr/2024/ain-al-asad.md": article("Drones sur Ain al-Asad", tags="[Irak]", image="photo.png"),
    "fr/2024/photo.png": b"",  # replaced by a real PNG in `built`
    "en/ain-al-asad.md": article("Drones over Ain al-Asad", tags="[Iraq]"),
}


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80\x40\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size without holding its pixels (a "decompression bomb" header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def assert_refused(result: Result, path: str, line: int | None, pattern: str) -> str:
    """Exit 1, only `path:line: message` lines, one of them at `path`:`line` matching `pattern`."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    found = problems(result, every_line=True)
    for found_path, found_line, message in found:
        if found_path.endswith(path) and found_line == line and re.search(pattern, message, re.IGNORECASE):
            return message
    raise AssertionError(f"no '{path}:{line}: /{pattern}/' line in:\n{result.output}")


class Built:
    """A site built once successfully, then broken: a refused build must leave everything as it was."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.outside = site.root.parent / "outside"
        self.outside.mkdir(exist_ok=True)
        (self.outside / "secret.md").write_text(article(SECRET, body=SECRET), encoding="utf-8")
        (self.outside / "secret.png").write_bytes(png(600, 400) + SECRET.encode())
        (self.outside / "secret.html").write_text(f"{SECRET} {{{{ article.title }}}}", encoding="utf-8")
        (self.outside / "fr").mkdir(exist_ok=True)
        (self.outside / "fr" / "secret.md").write_text(article(SECRET), encoding="utf-8")
        site.write("content/fr/2024/photo.png", png())
        site.build_ok()
        self.output = site.files()
        self.before = self.everything()

    def everything(self) -> dict[str, bytes]:
        """Every file of the test's folder but the output folder, the image cache and previous sites being deleted
        in the background (.output.*)."""
        return tree(self.site.root.parent, skip=(self.site.output, self.site.root / ".digest-cache"),
                    exclude=(".output.*",))

    def write(self, relative: str, text: str | bytes) -> Path:
        return self.site.write(relative, text)

    def link(self, relative: str, target: Path | str) -> Path:
        path = self.site.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
        return path

    def refused(self, path: str, line: int | None, pattern: str, *args: str) -> Result:
        changed = self.everything()
        result = self.site.build(*args)
        assert_refused(result, path, line, pattern)
        assert self.site.files() == self.output, "a refused build changed output/"
        assert self.everything() == changed, "a refused build wrote outside the output folder"
        assert not [p for p in self.site.root.iterdir() if p.name.startswith(".output")], "staging folder left"
        return result

    def assert_nothing_from_outside(self) -> None:
        for name, data in self.site.files().items():
            assert SECRET.encode() not in data, f"{name} holds data read from outside the site"


@pytest.fixture
def built(make_site: MakeSite) -> Built:
    return Built(make_site(GOOD))


# --------------------------------------------------------------------------------------------------------------
# Paths that try to leave the site


@pytest.mark.parametrize("slug", ["../../x", "..\\..\\x", "x/../../../../y", "/tmp/x"])
def test_slug_that_climbs_out_writes_nothing_anywhere(built: Built, slug: str) -> None:
    built.write("content/fr/slug.md", article("Évasion", slug=json.dumps(slug)))
    built.refused("content/fr/slug.md", 4, r"slug")
    assert not (built.site.root.parent / "x").exists() and not Path("/tmp/x/index.html").exists()


def test_path_like_keys_tags_and_sections_stay_inside_the_output_folder(built: Built) -> None:
    built.write("content/fr/odd.md", article("Chemins", translation_key="'../../../../x'",
                                             tags="['../../y', 'x/../../z', '..\\\\..\\\\w']", section="'../../z'"))
    built.site.build_ok()
    output = built.site.output.resolve()
    for path in built.site.output.rglob("*"):
        assert path.resolve().is_relative_to(output), path
    assert {"fr/tags/y/index.html", "fr/tags/x-z/index.html", "fr/tags/w/index.html"} <= set(built.site.files())
    written = built.everything()
    del written["site/content/fr/odd.md"]
    assert written == built.before


def test_absolute_image_path_to_a_file_inside_the_site_is_still_refused(built: Built) -> None:
    photo = built.site.root / "content" / "fr" / "2024" / "photo.png"
    built.write("content/fr/abs.md", article("Absolu", image=json.dumps(str(photo))))
    built.refused("content/fr/abs.md", 4, r"absolute|not allowed")


def test_image_whose_dotdot_leads_outside_content_is_refused_and_not_read(built: Built) -> None:
    # content/fr/2024/ -> ../../../../outside/secret.png exists: refused as outside, not as missing,
    # and never opened (no resized copy in the cache, nothing in the output).
    cache = built.site.root / ".digest-cache"
    cached = sorted(cache.rglob("*")) if cache.exists() else []
    built.write("content/fr/2024/esc.md", article("Évasion", image="../../../../outside/secret.png"))
    built.refused("content/fr/2024/esc.md", 4, r"outside")
    assert (sorted(cache.rglob("*")) if cache.exists() else []) == cached
    built.assert_nothing_from_outside()


def test_image_whose_dotdot_stays_inside_content_is_copied(built: Built) -> None:
    built.write("content/en/2024/shared.md", article("Shared", image="../../fr/2024/photo.png"))
    built.site.build_ok()
    assert "en/2024/07/shared/photo.png" in built.site.files()


@pytest.mark.parametrize("reference", ["../../../outside/secret.png", "%2e%2e/%2e%2e/%2e%2e/outside/secret.png"])
def test_body_image_outside_content_is_refused(built: Built, reference: str) -> None:
    built.write("content/fr/body.md", article("Corps", body=f"Texte.\n\n![x]({reference})"))
    built.refused("content/fr/body.md", 7, r"outside")


# --------------------------------------------------------------------------------------------------------------
# Symlinks


def test_symlinked_article_outside_the_site_is_refused(built: Built) -> None:
    built.link("content/fr/evil.md", built.outside / "secret.md")
    built.refused("content/fr/evil.md", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


def test_symlinked_folder_inside_a_language_folder_is_refused(built: Built) -> None:
    built.link("content/fr/2024/linked", built.outside / "fr")
    built.refused("content/fr/2024/linked", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


def test_symlinked_language_folder_is_refused(built: Built) -> None:
    built.link("content/ar", built.outside / "fr")
    built.refused("content/ar", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


def test_symlinked_template_outside_the_site_is_refused(built: Built) -> None:
    built.link("templates/article.html", built.outside / "secret.html")
    built.refused("templates/article.html", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


def test_symlinked_theme_asset_outside_the_site_is_refused(built: Built) -> None:
    built.link("templates/assets/evil.css", built.outside / "secret.md")
    built.refused("templates/assets/evil.css", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


@pytest.mark.parametrize("field", ["image", "body"])
def test_image_through_a_symlink_leading_outside_is_refused(built: Built, field: str) -> None:
    built.link("content/fr/2024/innocent.png", built.outside / "secret.png")
    if field == "image":
        built.write("content/fr/2024/ln.md", article("Lien", image="innocent.png"))
    else:
        built.write("content/fr/2024/ln.md", article("Lien", body="![x](innocent.png)"))
    result = built.refused("content/fr/2024/innocent.png", None, r"symlink.*outside")
    assert "content/fr/2024/ln.md" in result.output  # and the article that uses it
    built.assert_nothing_from_outside()


def test_symlink_that_stays_inside_content_is_followed(built: Built) -> None:
    built.link("content/en/2024/photo.png", Path("../../fr/2024/photo.png"))
    built.write("content/en/2024/real.md", article("Real", date="2024-07-10"))
    built.link("content/en/linked.md", Path("2024/real.md"))
    built.write("content/en/2024/pic.md", article("Picture", image="photo.png"))
    built.site.build_ok()
    files = built.site.files()
    assert files["en/2024/07/pic/photo.png"] == (built.site.root / "content/fr/2024/photo.png").read_bytes()
    assert "en/2024/07/linked/index.html" in files


def test_dangling_symlink_is_reported(built: Built) -> None:
    built.link("content/fr/dangling.md", Path("nowhere.md"))
    built.refused("content/fr/dangling.md", None, r"cannot read|not found|no such")


def test_symlink_loop_is_reported(built: Built) -> None:
    built.link("content/fr/loop.md", Path("loop.md"))
    built.refused("content/fr/loop.md", None, r"symlink|loop|cannot read")


def test_content_folder_symlinked_outside_the_site_is_refused(built: Built) -> None:
    (built.outside / "tree" / "fr").mkdir(parents=True)
    (built.outside / "tree" / "fr" / "secret.md").write_text(article(SECRET), encoding="utf-8")
    content = built.site.root / "content"
    content.rename(built.site.root / "content.real")
    built.link("content", built.outside / "tree")
    built.refused("content", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


def test_templates_folder_symlinked_outside_the_site_is_refused(built: Built) -> None:
    (built.outside / "theme").mkdir()
    (built.outside / "theme" / "article.html").write_text(f"{SECRET} {{{{ article.title }}}}", encoding="utf-8")
    built.link("templates", built.outside / "theme")
    built.refused("templates", None, r"symlink.*outside")
    built.assert_nothing_from_outside()


# --------------------------------------------------------------------------------------------------------------
# Script injection through every field that reaches a page, a feed, JSON-LD or Open Graph


class _Attributes(HTMLParser):
    """Start tags with their attributes as a browser's tokenizer reads them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def start_tags(source: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Attributes()
    parser.feed(source)
    parser.close()
    return parser.tags


def unsafe_urls(source: str) -> list[str]:
    return [f"<{tag} {name}={value!r}>" for tag, attrs in start_tags(source) for name, value in attrs
            if name in ("href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset")
            and value is not None and UNSAFE_URL.match(INVISIBLE.sub("", unescape(value)))]


def assert_safe_page(source: str, allowed_scripts: int = 1) -> None:
    """No script but the JSON-LD block, no event handler attribute, no javascript: URL."""
    scripts = [attrs for tag, attrs in start_tags(source) if tag == "script"]
    assert all(dict(attrs).get("type") == "application/ld+json" for attrs in scripts), scripts
    assert len(scripts) <= allowed_scripts, scripts
    handlers = [(tag, name) for tag, attrs in start_tags(source) for name, _ in attrs if name.startswith("on")]
    assert not handlers, handlers
    assert not unsafe_urls(source), unsafe_urls(source)


HOSTILE_CONFIG = BASE_CONFIG.replace("fr: {title: Revue de test,", f"fr: {{title: {json.dumps(HOSTILE)},")


@pytest.fixture
def hostile_site(make_site: MakeSite) -> Site:
    fields = {
        "summary": json.dumps("Résumé " + HOSTILE),
        "section": json.dumps("Rubrique " + HOSTILE),
        "source": json.dumps({"name": "Source " + HOSTILE,
                              "url": "https://example.com/a?b=\"c\"&d=<script>alert(1)</script>"}),
        "image": json.dumps({"src": "https://example.com/i.png?x=\"><script>alert(1)</script>",
                             "caption": "Légende " + HOSTILE, "credit": "Crédit " + HOSTILE, "alt": "Alt " + HOSTILE}),
        "tags": json.dumps(["Tag " + HOSTILE, "<script>alert(1)</script>"]),
    }
    lines = ["---", f"title: {json.dumps('Titre ' + HOSTILE)}", "date: 2024-07-16T14:30:00+03:00",
             *(f"{key}: {value}" for key, value in fields.items()), "---", "Corps <script>alert(1)</script>.", ""]
    site = make_site({"fr/2024/hostile.md": "\n".join(lines)}, config=HOSTILE_CONFIG)
    site.build_ok()
    return site


def test_hostile_text_is_escaped_in_every_page(hostile_site: Site) -> None:
    pages = {name: data.decode("utf-8") for name, data in hostile_site.files().items() if name.endswith(".html")}
    assert "fr/2024/07/hostile/index.html" in pages
    for name, source in pages.items():
        assert_safe_page(source), name
    page = hostile_site.page("fr/2024/07/hostile/")
    assert page.xpath("//h1")[0].text_content() == "Titre " + HOSTILE
    assert " ".join(page.xpath("//figcaption//span[@class='caption']")[0].text_content().split()) \
        == " ".join(("Légende " + HOSTILE).split())
    assert page.xpath("//figure//img/@alt") == ["Alt " + HOSTILE]
    assert page.xpath("//figure//img/@src") == ["https://example.com/i.png?x=\"><script>alert(1)</script>"]
    assert page.xpath("//*[@class='source']//a/@href") == ["https://example.com/a?b=\"c\"&d=<script>alert(1)</script>"]
    assert page.xpath("//a[@rel='tag']/text()") == ["Tag " + HOSTILE, "<script>alert(1)</script>"]
    assert page.xpath("//title")[0].text_content().startswith("Titre " + HOSTILE)
    tag_pages = [name for name in pages if name.startswith("fr/tags/") and name != "fr/tags/index.html"]
    assert len(tag_pages) == 2, tag_pages


def test_hostile_text_is_escaped_in_open_graph(hostile_site: Site) -> None:
    page = hostile_site.page("fr/2024/07/hostile/")

    def meta(name: str) -> list[str]:
        return page.xpath(f"//meta[@property='{name}']/@content")

    assert meta("og:title") == ["Titre " + HOSTILE]
    assert meta("og:description") == ["Résumé " + HOSTILE]
    assert meta("og:site_name") == [HOSTILE]
    assert meta("og:image") == ["https://example.com/i.png?x=\"><script>alert(1)</script>"]
    assert meta("og:image:alt") == ["Alt " + HOSTILE]
    assert meta("article:section") == ["Rubrique " + HOSTILE]
    assert meta("article:tag") == ["Tag " + HOSTILE, "<script>alert(1)</script>"]
    assert page.xpath("//meta[@name='description']/@content") == ["Résumé " + HOSTILE]


def test_hostile_text_cannot_break_out_of_json_ld(hostile_site: Site) -> None:
    source = (hostile_site.output / "fr/2024/07/hostile/index.html").read_text(encoding="utf-8")
    opening = '<script type="application/ld+json">'
    assert source.count(opening) == 1
    block = source.split(opening, 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block, "JSON-LD holds a raw < or >: `</script>` could close it"
    data = json.loads(block)
    assert data["headline"] == "Titre " + HOSTILE
    assert data["description"] == "Résumé " + HOSTILE
    assert data["articleSection"] == "Rubrique " + HOSTILE
    assert data["keywords"] == ["Tag " + HOSTILE, "<script>alert(1)</script>"]
    assert data["author"]["name"] == "Source " + HOSTILE
    assert data["isBasedOn"] == "https://example.com/a?b=\"c\"&d=<script>alert(1)</script>"
    assert data["publisher"]["name"] == HOSTILE


def test_hostile_text_is_escaped_in_feeds(hostile_site: Site) -> None:
    feeds = [name for name in hostile_site.files() if name.endswith(".xml") and name.startswith("fr/")]
    assert "fr/feed.xml" in feeds and "fr/editions.xml" in feeds and len(feeds) == 4, feeds
    atom = "{http://www.w3.org/2005/Atom}"
    for name in feeds:
        data = (hostile_site.output / name).read_bytes()
        root = etree.fromstring(data)  # well-formed
        assert HOSTILE in root.findtext(f"{atom}title"), name
        for content in root.iter(f"{atom}content", f"{atom}summary", f"{atom}title"):
            if content.get("type") == "html":  # HTML escaped once in the XML: as HTML it must be harmless
                assert_safe_page(content.text or "", allowed_scripts=0)
            else:  # text: shown as it is, so it must be exactly the text of the article
                assert "<script>" not in (content.text or "") or HOSTILE in (content.text or ""), content.text
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (name, parsed.bozo_exception)
    root = etree.fromstring((hostile_site.output / "fr/feed.xml").read_bytes())
    entry = root.find(f"{atom}entry")
    assert entry.findtext(f"{atom}title") == "Titre " + HOSTILE
    assert entry.findtext(f"{atom}summary") == "Résumé " + HOSTILE
    assert entry.findtext(f"{atom}author/{atom}name") == "Source " + HOSTILE
    assert [c.get("label") for c in entry.iter(f"{atom}category")] == ["Tag " + HOSTILE, "<script>alert(1)</script>"]
    content = lxml_html.fragment_fromstring(entry.findtext(f"{atom}content"), create_parent="div")
    assert "<script>alert(1)</script>" in content.text_content() and not content.xpath(".//script")
    editions = etree.fromstring((hostile_site.output / "fr/editions.xml").read_bytes())
    listing = lxml_html.fragment_fromstring(editions.find(f"{atom}entry").findtext(f"{atom}content"),
                                            create_parent="div")
    assert listing.xpath(".//a/text()") == ["Titre " + HOSTILE]


@pytest.mark.parametrize(("field", "value", "line"), [
    ("source", '{name: Source, url: "javascript:alert(1)"}', 4),
    ("source", '{name: Source, url: " javascript:alert(1)"}', 4),
    ("source", '{name: Source, url: "data:text/html,<script>alert(1)</script>"}', 4),
    ("image", '"javascript:alert(1)"', 4),
    ("image", '{src: "JaVaScRiPt:alert(1)", caption: x}', 4),
    ("image", '"vbscript:msgbox(1)"', 4),
])
def test_script_urls_in_front_matter_are_refused(built: Built, field: str, value: str, line: int) -> None:
    built.write("content/fr/js.md", article("Script", **{field: value}))
    built.refused("content/fr/js.md", line, field)


@pytest.mark.parametrize("body", [
    "[x](JAVASCRIPT:alert(1))", "[x](&#x6a;avascript:alert(1))", "[x](javascript&#58;alert(1))",
    "<javascript:alert(1)>", "[x][r]\n\n[r]: javascript:alert(1)", "![x](javascript:alert(1))",
    "[x](vbscript:msgbox(1))", "[x](<javascript:alert(1)>)",
])
def test_script_links_in_markdown_are_not_links(make_site: MakeSite, body: str) -> None:
    site = make_site({"fr/2024/a.md": article("Lien", body=body)})
    site.build_ok()
    source = (site.output / "fr/2024/07/a/index.html").read_text(encoding="utf-8")
    assert_safe_page(source)
    feed = etree.fromstring((site.output / "fr/feed.xml").read_bytes())
    assert not unsafe_urls(feed.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content"))


@pytest.mark.parametrize("raw", [
    '<a href="jav&#x61;script:alert(1)">a</a>',
    "<img src=javascript:alert(1)>",
    '<a href=" javascript:alert(1)">a</a>',
    '<a href="&#x20;javascript:alert(1)">a</a>',
    '<a href="java&#x09;script:alert(1)">a</a>',
    '<a href="java\tscript:alert(1)">a</a>',
    '<a href="javascript&colon;alert(1)">a</a>',
    "<a href='JaVaScRiPt:alert(1)'>a</a>",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">a</a>',
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">a</a>',
    "<a\nhref=javascript:alert(1)>a</a>",
    '<a HREF = "javascript:alert(1)">a</a>',
    '<form action="javascript:alert(1)"><button formaction="vbscript:x">b</button></form>',
    '<svg><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>',
    '<img srcset="javascript:alert(1) 1x">',
    '<iframe src="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '</div></div><a href="javascript:alert(1)">after the body closes</a>',
    # found by the fuzz run (seed 27): "<a/" starts no HTML block, but goes on one that another tag started
    '<img src=x>\n<a/href="javascript:alert(1)">x</a>',
    '<img src=x>\n<a title="t"href="javascript:alert(1)">a</a>',
    "<img src=x>\n<img/src='javascript:alert(1)'>",
])
def test_raw_html_script_urls_are_neutralized(make_site: MakeSite, raw: str) -> None:
    site = make_site({"fr/2024/a.md": article("Brut", body=f"Avant.\n\n{raw}\n\nAprès.")},
                     config=BASE_CONFIG + "markdown: {html: true}\n")
    site.build_ok()
    source = (site.output / "fr/2024/07/a/index.html").read_text(encoding="utf-8")
    # The whole page, not a cut of it: raw HTML may close the body's <div> and go on after it.
    assert_safe_page(source)
    assert not re.search(r"data:text/html", unescape(source)), source
    paragraphs = [" ".join(p.text_content().split()) for p in lxml_html.fromstring(source).xpath("//p")]
    assert "Avant." in paragraphs and "Après." in paragraphs
    feed = etree.fromstring((site.output / "fr/feed.xml").read_bytes())
    content = feed.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content")
    assert not unsafe_urls(content), unsafe_urls(content)


# --------------------------------------------------------------------------------------------------------------
# YAML bombs and very large files: refused fast


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def timed_build(site: Site) -> tuple[Result, float]:
    started = time.perf_counter()
    result = site.build()
    return result, time.perf_counter() - started


def test_billion_laughs_in_front_matter_is_refused_fast(built: Built) -> None:
    built.write("content/fr/bomb.md", "---\ntitle: Bombe\ndate: 2024-07-16\n" + BILLION_LAUGHS + "---\nCorps.\n")
    started = time.perf_counter()
    built.refused("content/fr/bomb.md", 5, r"alias")
    assert time.perf_counter() - started < 2


def test_billion_laughs_in_config_is_refused_fast(built: Built) -> None:
    built.write("config.yaml", BASE_CONFIG + BILLION_LAUGHS)
    started = time.perf_counter()
    built.refused("config.yaml", BASE_CONFIG.count("\n") + 2, r"alias")
    assert time.perf_counter() - started < 2


def test_merge_key_alias_bomb_is_refused_fast(built: Built) -> None:
    bomb = "a: &a {x: 1}\nb: &b {<<: [*a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b]}\n"
    built.write("content/fr/bomb.md", "---\ntitle: Bombe\ndate: 2024-07-16\n" + bomb + "---\nCorps.\n")
    started = time.perf_counter()
    built.refused("content/fr/bomb.md", 5, r"alias")
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("where", ["front matter", "config"])
def test_deeply_nested_yaml_is_refused_fast(built: Built, where: str) -> None:
    nested = "x: " + "[" * 100_000 + "]" * 100_000 + "\n"
    if where == "config":
        built.write("config.yaml", BASE_CONFIG + nested)
        path, line = "config.yaml", BASE_CONFIG.count("\n") + 1
    else:
        built.write("content/fr/deep.md", "---\ntitle: Profond\ndate: 2024-07-16\n" + nested + "---\nCorps.\n")
        path, line = "content/fr/deep.md", 4
    started = time.perf_counter()
    built.refused(path, line, r"YAML|nest|deep")
    assert time.perf_counter() - started < 2


def test_article_over_the_size_limit_is_refused_fast(built: Built) -> None:
    paragraph = "Un paragraphe de texte ordinaire, comme en collent les rédacteurs. " * 20 + "\n\n"
    built.write("content/fr/huge.md", article("Énorme", body=paragraph * (2_500_000 // len(paragraph))))
    started = time.perf_counter()
    built.refused("content/fr/huge.md", None, r"too large")
    assert time.perf_counter() - started < 2


def test_config_over_the_size_limit_is_refused_fast(built: Built) -> None:
    built.write("config.yaml", BASE_CONFIG + "".join(f"# comment line {n:08d} padding padding padding\n"
                                                     for n in range(25_000)))
    assert (built.site.root / "config.yaml").stat().st_size > 1_000_000
    started = time.perf_counter()
    built.refused("config.yaml", None, r"too large")
    assert time.perf_counter() - started < 2


def test_large_ordinary_article_under_the_limit_builds(make_site: MakeSite) -> None:
    paragraph = "Un paragraphe de texte ordinaire avec un [lien](https://example.com/) et *un peu* de **gras**. " * 8
    body = "\n\n".join(f"## Partie {n}\n\n{paragraph}" for n in range(1_500))
    site = make_site({"fr/2024/long.md": article("Long", body=body)})
    assert 1_000_000 < (site.root / "content/fr/2024/long.md").stat().st_size < 2_000_000
    result, seconds = timed_build(site)
    assert result.exit_code == 0, result.output
    assert seconds < 30
    assert len(site.page("fr/2024/07/long/").xpath("//h2[starts-with(text(), 'Partie')]")) == 1_500


# --------------------------------------------------------------------------------------------------------------
# Encodings and odd files


def test_utf8_bom_and_crlf_article_builds_correctly(built: Built) -> None:
    text = article("Fin de ligne Windows", tags="[Été, Hiver]", summary="Résumé.",
                   body="Premier paragraphe.\n\nSecond paragraphe\nsur deux lignes.")
    built.write("content/fr/crlf.md", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    built.site.build_ok()
    page = built.site.page("fr/2024/07/crlf/")
    assert page.xpath("//h1/text()") == ["Fin de ligne Windows"]
    assert page.xpath("//a[@rel='tag']/text()") == ["Été", "Hiver"]
    paragraphs = page.xpath("//*[contains(@class,'article-body')]/p")
    assert [" ".join(p.text_content().split()) for p in paragraphs] == [
        "Premier paragraphe.", "Second paragraphe sur deux lignes."]
    source = (built.site.output / "fr/2024/07/crlf/index.html").read_bytes()
    assert b"\r" not in source and "\ufeff".encode() not in source


def test_utf8_bom_and_crlf_config_builds(built: Built) -> None:
    built.write("config.yaml", b"\xef\xbb\xbf" + BASE_CONFIG.replace("\n", "\r\n").encode("utf-8"))
    built.site.build_ok()
    assert built.site.page("fr/").xpath("//meta[@property='og:site_name']/@content") == ["Revue de test"]


@pytest.mark.parametrize(("data", "line"), [
    (b"", 1), (b"\xef\xbb\xbf", 1), (b"\n\n\n", 1), (b"---\n", 1), (b"---\r\n---\r\n", 1), (b"\x00\x00", 1),
])
def test_empty_or_nearly_empty_file_is_reported(built: Built, data: bytes, line: int) -> None:
    built.write("content/fr/empty.md", data)
    built.refused("content/fr/empty.md", line, r"front matter|missing|required|UTF-8|title")


def test_utf16_article_is_reported_as_not_utf8(built: Built) -> None:
    built.write("content/fr/utf16.md", article("Titre").encode("utf-16"))
    built.refused("content/fr/utf16.md", 1, r"UTF-8")


def test_latin1_front_matter_is_reported_at_its_line(built: Built) -> None:
    built.write("content/fr/latin.md", article("Café", tags="[Été]").encode("latin-1"))
    built.refused("content/fr/latin.md", 2, r"UTF-8")


def test_old_mac_line_endings_are_line_endings(built: Built) -> None:
    built.write("content/fr/cr.md", "---\rtitle: Retour\rdate: 2024-07-16\rsection: a: b\r---\rCorps.\r")
    built.refused("content/fr/cr.md", 4, r"YAML")  # lines are counted as the editor sees them
    built.write("content/fr/cr.md", article("Retour chariot", tags="[Mac]", body="Un.\n\nDeux\nlignes.")
                .replace("\n", "\r"))
    built.site.build_ok()
    page = built.site.page("fr/2024/07/cr/")
    assert page.xpath("//h1/text()") == ["Retour chariot"]
    assert page.xpath("//a[@rel='tag']/text()") == ["Mac"]
    assert [" ".join(p.text_content().split()) for p in page.xpath("//*[contains(@class,'article-body')]/p")] == [
        "Un.", "Deux lignes."]


def test_nul_bytes_in_the_body_are_built_harmlessly(built: Built) -> None:
    built.write("content/fr/nul.md", article("Nul", body="Avant\x00après."))
    built.site.build_ok()
    source = (built.site.output / "fr/2024/07/nul/index.html").read_bytes()
    assert b"\x00" not in source
    etree.fromstring((built.site.output / "fr/feed.xml").read_bytes())


# --------------------------------------------------------------------------------------------------------------
# Bugs found by the fuzz tests: regression tests for those fixed, strict xfails for those still open (each open one
# is listed in test_fuzz.py KNOWN_BUGS)


@pytest.mark.parametrize(("key", "value"), [("date", "9999-12-31T23:59:59-12:00"),
                                            ("date", "0001-01-01T00:00:00+14:00"),
                                            ("updated", "'9999-12-31T23:00:00-10:00'")])
def test_extreme_dates_near_the_limits_of_datetime_are_reported(built: Built, key: str, value: str) -> None:
    fields = {"date": value} if key == "date" else {"updated": value}
    built.write("content/fr/far.md", article("Lointain", **fields))
    built.refused("content/fr/far.md", 3 if key == "date" else 4, key)


@pytest.mark.parametrize("title", ['"   "', '"\\t"', '"\u00a0"'])
def test_blank_title_is_reported_as_missing(built: Built, title: str) -> None:
    built.write("content/fr/blank.md", f"---\ntitle: {title}\ndate: 2024-07-16\n---\nCorps.\n")
    built.refused("content/fr/blank.md", 2, r"title")


@pytest.mark.parametrize(("where", "title", "paragraph", "site_title"), [
    ("title", "Titre", "Corps.", "Revue de test"),
    ("body", "Contrôle", "Collé depuis Word: ligne page.", "Revue de test"),
    ("site title", "Contrôle", "Body paragraph.", "Revue"),
])
def test_control_characters_are_dropped(built: Built, where: str, title: str, paragraph: str,
                                        site_title: str) -> None:
    if where == "title":
        built.write("content/fr/ctrl.md", '---\ntitle: "Titre\\x01\\x0c"\ndate: 2024-07-16\n---\nCorps.\n')
    elif where == "body":
        built.write("content/fr/ctrl.md", article("Contrôle", body="Collé depuis Word:\x0b ligne\x0c page."))
    else:
        built.write("content/fr/ctrl.md", article("Contrôle"))
        built.write("config.yaml", BASE_CONFIG.replace("fr: {title: Revue de test,", 'fr: {title: "Revue\\x1b",'))
    built.site.build_ok()
    page = built.site.page("fr/2024/07/ctrl/")
    assert page.xpath("//h1")[0].text_content() == title
    assert [p.text_content() for p in page.xpath("//*[contains(@class,'article-body')]/p")] == [paragraph]
    assert page.xpath("//meta[@property='og:site_name']/@content") == [site_title]
    for name, feed_title in (("fr/feed.xml", site_title), ("fr/editions.xml", f"{site_title} : éditions quotidiennes")):
        feed = etree.fromstring((built.site.output / name).read_bytes())
        assert feed.findtext("{http://www.w3.org/2005/Atom}title") == feed_title


@pytest.mark.parametrize("where", ["front matter", "front matter after accents", "config"])
def test_yaml_reader_error_is_one_line_at_its_line(built: Built, where: str) -> None:
    if where == "config":
        built.write("config.yaml", BASE_CONFIG + "title: Bell\x07\n")
        built.refused("config.yaml", BASE_CONFIG.count("\n") + 1, r"YAML|character")
    elif where == "front matter":
        built.write("content/fr/bell.md", "---\ntitle: Bell\x07\ndate: 2024-07-16\n---\nCorps.\n")
        built.refused("content/fr/bell.md", 2, r"YAML|character")
    else:
        built.write("content/fr/bell.md", "---\nsummary: " + "é" * 40 + "\ntitle: Bell\x07\ndate: 2024-07-16\n---\nx\n")
        built.refused("content/fr/bell.md", 3, r"YAML|character")


def test_alias_check_survives_unreadable_characters(built: Built) -> None:
    built.write("content/fr/star.md", "---\ntitle: Note *importante*\ndate: 2024-07-16\nx: \x7f\n---\nCorps.\n")
    built.refused("content/fr/star.md", 4, r"YAML|character")


@pytest.mark.parametrize("field", ["image", "body"])
def test_image_with_huge_dimensions_is_reported(built: Built, field: str) -> None:
    built.write("content/fr/2024/bomb.png", png_header(100_000, 100_000))
    if field == "image":
        built.write("content/fr/2024/big.md", article("Bombe", image="bomb.png"))
        built.refused("content/fr/2024/big.md", 4, r"image|bomb.png|pixels|large")
    else:
        built.write("content/fr/2024/big.md", article("Bombe", body="![x](bomb.png)"))
        built.refused("content/fr/2024/big.md", 5, r"image|bomb.png|pixels|large")


def test_empty_timezone_is_reported(built: Built) -> None:
    built.write("config.yaml", BASE_CONFIG.replace("timezone: Europe/Paris", "timezone: ''"))
    built.refused("config.yaml", BASE_CONFIG.split("\n").index("timezone: Europe/Paris") + 1, r"time ?zone")


def test_file_name_that_is_not_utf8_is_reported_or_built(built: Built) -> None:
    folder = os.fsencode(built.site.root / "content" / "fr")
    with open(os.path.join(folder, b"caf\xe9.md"), "wb") as file:
        file.write(article("Café").encode("utf-8"))
    result = built.site.build()
    assert "internal error" not in result.output, result.output
    if result.exit_code != 0:
        assert any("content/fr/caf" in path and re.search("name|UTF-8", message)
                   for path, _, message in problems(result)), result.output
    else:
        assert any(name.endswith("index.html") and "Café".encode() in data
                   for name, data in built.site.files().items())


def test_empty_default_language_is_reported(built: Built) -> None:
    built.write("config.yaml", BASE_CONFIG.replace("default_language: fr", "default_language: ''"))
    built.refused("config.yaml", BASE_CONFIG.split("\n").index("default_language: fr") + 1, r"default_language")


@pytest.mark.parametrize("field", ["image", "body"])
def test_too_long_file_reference_is_reported(built: Built, field: str) -> None:
    name = "a" * 300 + ".png"
    if field == "image":
        built.write("content/fr/long.md", article("Long", image=name))
        built.refused("content/fr/long.md", 4, r"not found|too long|name")
    else:
        built.write("content/fr/long.md", article("Long", body=f"[lien]({name})"))
        built.refused("content/fr/long.md", 5, r"not found|too long|name")


@pytest.mark.parametrize("field", ["image", "body"])
def test_nul_in_a_file_reference_is_reported(built: Built, field: str) -> None:
    if field == "image":
        built.write("content/fr/nul.md", article("Nul", image='"photo.png\\0.jpg"'))
        built.refused("content/fr/nul.md", 4, r"not found|invalid|NUL|null")
    else:
        built.write("content/fr/nul.md", article("Nul", body="[lien](a%00b.png)"))
        built.refused("content/fr/nul.md", 5, r"not found|invalid|NUL|null|cannot")
