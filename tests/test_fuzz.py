"""Property-based tests: whatever an editor pastes, `digest build` builds or exits 1 with `path:line: message` lines.

Hypothesis generates config files, article files (front matter with random keys and value types, odd dates,
odd encodings) and Markdown bodies (Markdown syntax, raw HTML, links with odd schemes). Every example is a
tiny site in a fresh temporary folder, built in-process with click's CliRunner, and must:

- exit 0 or 1, never with a traceback, an "internal error" or a hang (each example has a time limit);
- on exit 1: print only `path:line: message` / `path: message` lines and leave output/ exactly as it was;
- on exit 0: replace output/ by a complete site (fr/index.html, no stale file), with well-formed feeds, parsable
  JSON-LD, no <script> but the JSON-LD block and the theme's search.js, and no javascript:/vbscript: URL.

Environment:
  DIGEST_FUZZ_EXAMPLES  examples per test (default 60: the whole file runs in well under a minute)
  DIGEST_FUZZ_TIMEOUT   seconds one example may take (default 20)
  DIGEST_FUZZ_STRICT=1  fail on the known bugs below instead of tolerating them
  DIGEST_FUZZ_LOG       a file to which each example's outcome is appended (used by bench/fuzz/run.py)

Known bugs: each has a strict xfail test in test_hardening.py. While it is open, an example whose only problem is
that bug's exact symptom is counted (DIGEST_FUZZ_LOG) but not failed, so that the rest of the input space is still
explored. When a bug is fixed, its xfail test starts passing (XPASS fails the suite): then delete its entry here.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import re
import shutil
import signal
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from digest.cli import main

from helpers import PROBLEM_LINE

EXAMPLES = int(os.environ.get("DIGEST_FUZZ_EXAMPLES", "60"))
TIMEOUT = float(os.environ.get("DIGEST_FUZZ_TIMEOUT", "20"))
STRICT = os.environ.get("DIGEST_FUZZ_STRICT") == "1"
LOG = os.environ.get("DIGEST_FUZZ_LOG")

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree; failures print a reproduce blob instead
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# `path:line: message` or `path: message`, as DESIGN.md fixes for every problem.

# Open bugs (see the module docstring): name -> the exact symptom, and the xfail test that pins it.
KNOWN_BUGS: dict[str, re.Pattern[str]] = {}
# Found by this file and fixed since (regression tests in test_hardening.py): dates overflowing datetime near years
# 1 and 9999, blank titles, control characters reaching the feeds, PyYAML's two-line ReaderError message, ReaderError
# in the alias check, Pillow's DecompressionBombError, `timezone: ''`, NUL in a file reference, an empty
# default_language, file references longer than the file system allows, ReaderError lines after non-ASCII text,
# an empty or malformed UI string (`feed_title: ''`, `'{'`), U+0085 in a file reference splitting its message.

UNSAFE_URL = re.compile(r"^(?:javascript|vbscript):", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


# --------------------------------------------------------------------------------------------------------------
# Running one example


class ExampleTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in digest can swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise ExampleTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    # A hang inside C code that never returns to the interpreter ignores the alarm: dump and exit instead.
    faulthandler.dump_traceback_later(seconds * 3, exit=True)
    try:
        yield
    except ExampleTimeout:
        raise AssertionError(f"digest build took more than {seconds} s (a hang?)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


def log(test: str, outcome: str, reason: str) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as file:
            file.write(f"{test}\t{outcome}\t{reason}\n")


def remove_tree(path: Path) -> None:
    # A successful build removes the previous site with a background `rm -rf`: retry while it runs.
    for _ in range(50):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.02)


def run_build(test: str, config: bytes, files: dict[str, bytes],
              check_site: Callable[[Path], None] | None = None) -> str:
    """Build a site made of `config` and content `files` in a fresh folder; check the outcome; return it."""
    parent = Path(tempfile.mkdtemp(prefix="digest-fuzz-"))
    try:
        root = parent / "site"
        (root / "content").mkdir(parents=True)
        (root / "config.yaml").write_bytes(config)
        for relative, data in files.items():
            path = root / "content" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        output = root / "output"
        output.mkdir()
        (output / "stale.txt").write_bytes(b"previous site")
        with time_limit(TIMEOUT):
            result = CliRunner().invoke(main, ["build", "--config", str(root / "config.yaml")])
        outcome = check_outcome(result, root)
        if outcome == "built" and check_site is not None:
            check_site(output)
        reason = result.output.splitlines()[0].split(": ", 1)[-1] if outcome == "refused" else ""
        log(test, outcome, re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", reason)[:70])
        return outcome
    finally:
        remove_tree(parent)


def check_outcome(result: Result, root: Path) -> str:
    text = result.output
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), (result.exit_code, text)
    output = root / "output"
    if result.exit_code == 0:
        assert (output / "fr" / "index.html").is_file(), text
        assert not (output / "stale.txt").exists(), "the build left a stale file"
        return "built"
    assert [p.name for p in output.iterdir()] == ["stale.txt"], "a failed build changed output/"
    assert (output / "stale.txt").read_bytes() == b"previous site", "a failed build changed output/"
    leftovers = sorted(p.name for p in root.iterdir())
    assert [name for name in leftovers if name.startswith(".output")] == [], leftovers
    if not STRICT:
        for name, symptom in KNOWN_BUGS.items():
            if symptom.search(text):
                return f"known bug: {name}"
    assert "internal error" not in text, text
    lines = text.splitlines()
    assert lines, "exit 1 without a message"
    bad = [line for line in lines if not PROBLEM_LINE.match(line)]
    assert not bad, f"lines not in the `path:line: message` form: {bad!r}\n{text}"
    return "refused"


class _UrlCollector(HTMLParser):
    """URL attributes as a browser's tokenizer sees them (entities decoded, `<a/href=...>` understood)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append((tag, name, value))


def unsafe_urls(page: str) -> list[tuple[str, str, str]]:
    collector = _UrlCollector()
    collector.feed(page)
    collector.close()
    return [(tag, name, value) for tag, name, value in collector.urls
            if UNSAFE_URL.match(INVISIBLE.sub("", unescape(value)))]


def check_pages(output: Path, allow_raw_scripts: bool = False) -> None:
    """What must hold of every built site, whatever its input."""
    for file in sorted(output.rglob("*.xml")):
        etree.fromstring(file.read_bytes())  # well-formed XML (feeds, sitemap), or this raises
    for file in sorted(output.rglob("*.html")):
        source = file.read_text(encoding="utf-8")
        assert not unsafe_urls(source), (file, unsafe_urls(source))
        page = lxml_html.fromstring(source.encode("utf-8"))
        for script in page.xpath("//script"):
            if script.get("type") == "application/ld+json":
                data = json.loads(script.text or "")  # a `</script>` in a title would cut it short
                assert isinstance(data, dict) and data.get("@type") == "NewsArticle", data
            elif not allow_raw_scripts:
                assert (script.get("src") or "").endswith("assets/search.js"), (file, lxml_html.tostring(script))


# --------------------------------------------------------------------------------------------------------------
# Building blocks


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80\x40\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = tiny_png()

HOSTILE_TEXT = [
    "<script>alert(1)</script>", "</script><script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>",
    "javascript:alert(1)", "' onmouseover='alert(1)", "]]><!--", "&amp; &lt; &#0; &#x110000;", "{{ config }}",
    "{% raw %}", "${x}", "%s%n", "\u202eevil\u202c", "\u200f\u200e", "\u2066x\u2069", "\ufeff", "\u00a0",
    "\u0000", "\x07", "\x1b[31m", "\u2028\u2029", "\ufffe", "𝕏🏳️‍🌈", "العراق", "שלום", "Ελλάδα", "",
    " ", "\t", "a" * 300, "null", "~", "yes", "no", "0x1F", "1e400", ".nan", "-.inf", "@x", "`x`", "| x", "> x",
    "- x", "? x", "! x", "% x", "# x", "&a x", "*a",
]

# Mostly printable text; control characters and noncharacters now and then (they find the XML bug above).
printable = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=30)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
texts = st.one_of(printable, printable, printable, printable, st.sampled_from(HOSTILE_TEXT), any_text)
short_keys = st.text(st.characters(categories=("L", "N"), include_characters="_-"), min_size=1, max_size=8)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), texts)
values = st.recursive(scalars, lambda children: st.lists(children, max_size=3)
                      | st.dictionaries(short_keys, children, max_size=3), max_leaves=6)


def inline(value: object) -> str:
    """A value as an inline YAML flow node (JSON is valid YAML flow syntax)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


ODD_DATES = [
    "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-07-16T24:00:00", "'2024-07-16T24:00'", "24:00",
    "'24:00'", "-0001-01-01", "'-0001-01-01'", "0000-01-01", "99999-01-01", "'99999-01-01'", "'+99999-01-01'",
    "9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
    "'9999-12-31T23:00:00-05:00'", "2024-07-16T14:30:00+25:00", "2024-07-16 14:30:00.123456789 -5",
    "2024-07-16t14:30:00z", "2024-07-16T14:30:00Z", "2024-W29-2", "2024-198", "20240716", "1721131800",
    "'2024-07-16T14:30:00.1234567+03:00'", "!!timestamp 2024-07-16", "!!str 2024-07-16", "2024-07-16T14:30",
    "'2024-07-16 14:30'", "~", "''", "[]", "{}", "[2024, 7, 16]", "2024-07-16T14:30:00+03:00", "2024-07-16",
    "'16/07/2024'", "'July 16, 2024'", "'2024-07-16T14:30:00+03:00[Asia/Baghdad]'", "'٢٠٢٤-٠٧-١٦'",
    "!!float 2024", "1e999", "-.inf", "2024-07-16T14:30:00.000000000000001+03:00", "'2024-07-16\u00a0'",
]
date_values = st.one_of(
    st.sampled_from(ODD_DATES),
    st.dates().map(str),
    st.dates().map(lambda d: f"'{d}'"),
    st.builds(lambda moment, offset: moment.isoformat() + offset, st.datetimes(),
              st.sampled_from(["", "Z", "+14:00", "-12:00", "+05:45", "+00:00", "-23:59"])),
    values.map(inline),
)

IMAGE_SRCS = [
    "photo.png", "./photo.png", "../fr/photo.png", "sub/../photo.png", "photo.png#frag", "photo.png?x=1",
    "/etc/hostname", "../../config.yaml", "../../../../../../etc/passwd", "%2e%2e/%2e%2e/config.yaml",
    "C:\\Windows\\win.ini", "\\\\server\\share\\x.png", "~/x.png", "missing.jpg", "", " ", ".", "..", "sub",
    "http://example.com/x.png", "https://example.com/x.png?a=<b>&c='d'", "https:///x.png", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd", "//example.com/x.png",
    "notimage.jpg", "photo.png\u0000.jpg",
]
URLS = [
    "https://example.com/a?b=c&d=<e>", "http://example.com", "javascript:alert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)", "JAVASCRIPT:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd", "ftp://example.com/x", "mailto:a@example.com", "//example.com/x", "https://",
    "https://exa mple.com/", "https://例え.jp/パス?q=\"x\"", "https://example.com/\"><script>alert(1)</script>",
    "other.md", "../fr/other.md", "photo.png", "#frag", "?q=1", "/absolute/path", "", "x-unknown:stuff",
    "&#x6a;avascript:alert(1)", "jav&#x61;script:alert(1)", "javascript&colon;alert(1)",
]


def plausible_value(key: str) -> st.SearchStrategy[str]:
    """The YAML text of a value for front matter `key` that an editor could well have meant."""
    return {
        "title": st.one_of(printable.filter(str.strip), st.sampled_from(HOSTILE_TEXT).filter(str.strip)).map(inline),
        "date": st.one_of(
            st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(str),
            st.builds(lambda moment, offset: moment.isoformat() + offset,
                      st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
                      st.sampled_from(["", "Z", "+14:00", "-12:00", "+05:45", "+00:00"])),
            st.sampled_from(ODD_DATES)),
        "source": st.one_of(texts.map(inline), st.fixed_dictionaries(
            {"name": texts}, optional={"url": st.sampled_from(URLS)}).map(inline)),
        "image": st.one_of(st.sampled_from(IMAGE_SRCS).map(inline), st.fixed_dictionaries(
            {}, optional={"src": st.sampled_from(IMAGE_SRCS), "caption": texts, "credit": texts,
                          "alt": texts}).map(inline)),
        "tags": st.one_of(texts.map(inline), st.lists(texts, max_size=4).map(inline)),
        "related": st.lists(st.sampled_from(["other", "other", "missing", "../x", ""]), max_size=2).map(inline),
        "slug": st.sampled_from(["ok-slug", "../../x", "a/b", "..", ".", "x", "12", "2024", "index", "page", "tags",
                                 "feed.xml", "%2e%2e", "a\\b", " ", "ÉTÉ", "العراق", "'!!!'", "a b", "assets",
                                 "pagefind", "CON", "x" * 300]).map(inline),
        "draft": st.one_of(st.booleans().map(inline), st.sampled_from(["yes", "no", "on", "'false'", "0", "1"])),
        "translation_key": texts.map(inline),
    }.get(key, values.map(inline))


def wild_value() -> st.SearchStrategy[str]:
    """The YAML text of any value: random types, odd dates, YAML features digest does not expect."""
    return st.one_of(values.map(inline), date_values, st.sampled_from([
        "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}]", "!!python/object/apply:os.system [echo]",
        "!!python/name:os.system", "&anchor [1, 2]", "*anchor", "|\n  line one\n  line two", ">-\n  folded\n  text",
        "'unterminated", "[1, 2", "{a: }", "{a: 1, a: 2}", "@reserved", "`backtick`", "\"\\x00\"", "\"\\e\\a\"",
        "\"\\uD800\"", "\"\\U0010FFFF\"", "\"\\N\\_\\L\\P\"", "!<tag:example.com,2024:x> 1", "!local 1",
        "? complex", "\t tab", "---", "...", "# only a comment", "0o17", "0x_1F", "1_000", "+.INF", "=",
        "<<: {title: merged}",
    ]))


FRONT_MATTER_KEYS = ["title", "date", "source", "image", "tags", "section", "summary", "translation_key", "related",
                     "slug", "draft", "updated"]
odd_keys = st.one_of(short_keys, st.sampled_from(
    ["extra", "Title", "title ", "TITLE", "date_", "tags[]", "<script>", "1", "null", "true", "2024-07-16", "'a:b'",
     "\"quoted\"", "é", "ключ", "x" * 80, "__class__", "items", "keys"]))


@st.composite
def front_matter(draw: st.DrawFn) -> list[str]:
    """Front matter lines: usually title and date, then random known and unknown keys, mostly plausible values."""
    keys: list[str] = []
    if draw(st.integers(0, 19)) < 19:
        keys.append("title")
    if draw(st.integers(0, 19)) < 19:
        keys.append("date")
    keys += draw(st.lists(st.sampled_from(FRONT_MATTER_KEYS), max_size=4))
    keys += draw(st.lists(odd_keys, max_size=2))
    keys = draw(st.permutations(keys))
    lines = []
    for key in keys:
        value = draw(wild_value() if draw(st.integers(0, 7)) == 7 else plausible_value(key))
        value = value.replace("\n", "\n  ")  # block scalars and multi-line values stay inside the key
        lines.append(f"{key}: {value}")
    return lines


BODY_FRAGMENTS = [
    "# Titre", "## Sous-titre {#id}", "Paragraphe simple.", "*emphase* **fort** ~~barré~~ `code`",
    "> citation\n> suite",
    "- un\n- deux\n  - trois", "1. un\n2. deux", "```python\nprint('<script>')\n```", "    code indenté",
    "| a | b |\n|---|---|\n| 1 | 2 |", "Note[^1].\n\n[^1]: La note.", "[^missing]", "---", "***", "Ligne  \nsuite",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"jav&#x61;script:alert(1)\">x</a>", "<a href=\" javascript:alert(1)\">x</a>",
    "<a href='javascript:alert(1)'>x</a>", "<a href=javascript:alert(1)>x</a>", "<a\nhref=javascript:alert(1)>x</a>",
    "<a HREF=\"JAVASCRIPT:alert(1)\">x</a>", "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>", "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>", "<svg><a xlink:href=\"javascript:alert(1)\">x</a></svg>",
    "<video poster=\"javascript:alert(1)\"></video>", "<img srcset=\"javascript:alert(1) 1x\">",
    "<a/href=\"javascript:alert(1)\">x</a>", "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<div\n\n<script>alert(1)</script>", "<!-- commentaire -->", "<!-- non fermé", "<![CDATA[ x ]]>",
    "<?php echo 1; ?>", "<style>body{display:none}</style>", "<p onclick=alert(1)>x</p>", "</div></div></article>",
    "&lt;script&gt;", "&#0; &#x110000; &#xD800; &bogus;", "<javascript:alert(1)>", "<https://example.com/a>",
    "<mailto:a@example.com>", "[ref]: javascript:alert(1)\n\n[ref]", "![](javascript:alert(1))",
    "![x](data:image/png;base64,AAAA)", "![x](photo.png)", "![x](../../config.yaml)", "![x](/etc/hostname)",
    "[autre](other.md)", "[autre](other.md#section)", "[manquant](missing.md)", "[loin](../../../x.md)",
    "[x](photo.png \"titre\")", "[x](<photo.png>)", "[x](%2e%2e/%2e%2e/config.yaml)", "\\", "\\\\", "[", "]", "(",
    "*", "_", "`", "<", ">", "|", "~", "[" * 200, "*a **" * 50, "> " * 200, "- " * 100, "\u202e", "\u0000",
]


def link(url: str, kind: int) -> str:
    return [f"[lien]({url})", f"![image]({url})", f"<a href=\"{url}\">x</a>", f"<img src='{url}'>",
            f"[ref]\n\n[ref]: {url}", f"<{url}>"][kind]


markdown_bodies = st.lists(
    st.one_of(st.sampled_from(BODY_FRAGMENTS), st.sampled_from(BODY_FRAGMENTS), printable, printable,
              st.builds(link, st.one_of(st.sampled_from(URLS), st.sampled_from(URLS), texts), st.integers(0, 5)),
              any_text),
    max_size=12,
).flatmap(lambda parts: st.lists(st.sampled_from(["\n", "\n\n", " ", ""]), min_size=len(parts),
                                 max_size=len(parts)).map(lambda seps: "".join(p + s for p, s in zip(parts, seps,
                                                                                                      strict=True))))

LAYOUTS = ["normal"] * 12 + ["no front matter", "unclosed", "dots end", "empty", "only fences", "blank first line",
                            "spaces after fence", "two documents", "no body"]
ENCODINGS = ["utf-8"] * 10 + ["utf-8-sig", "crlf", "crlf+bom", "cr", "latin-1", "utf-16", "nul", "truncated",
                             "mixed endings"]


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """`text` as bytes in a random encoding or with random damage."""
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig", "surrogatepass")
    if encoding in ("crlf", "crlf+bom"):
        data = text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
        return (b"\xef\xbb\xbf" if encoding == "crlf+bom" else b"") + data
    if encoding == "cr":
        return text.replace("\n", "\r").encode("utf-8", "surrogatepass")
    if encoding == "mixed endings":
        return "".join(c + ("\r" if c == "\n" and i % 2 else "") for i, c in enumerate(text)).encode("utf-8")
    if encoding == "latin-1":
        return text.encode("latin-1", "replace")
    if encoding == "utf-16":
        return text.encode("utf-16")
    data = text.encode("utf-8", "surrogatepass")
    if encoding == "nul" and data:
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\0" + data[at:]
    if encoding == "truncated" and data:
        return data[: draw(st.integers(0, len(data)))]
    return data


def document(layout: str, lines: list[str], body: str) -> str:
    fm = "\n".join(lines)
    return {
        "normal": f"---\n{fm}\n---\n{body}\n",
        "no front matter": f"{fm}\n\n{body}\n",
        "unclosed": f"---\n{fm}\n{body}\n",
        "dots end": f"---\n{fm}\n...\n{body}\n",
        "empty": "",
        "only fences": "---\n---\n",
        "blank first line": f"\n---\n{fm}\n---\n{body}\n",
        "spaces after fence": f"---   \n{fm}\n---\t\n{body}\n",
        "two documents": f"---\n{fm}\n---\n---\n{fm}\n---\n{body}\n",
        "no body": f"---\n{fm}\n---",
    }[layout]


ARTICLE_PATHS = ["fr/a.md", "fr/2024/b.md", "fr/sub/dir/c.md", "en/a.md"] * 4 + [
    "ar/مقال.md", "fr/Ünïcode é.md", "fr/!!!.md", "fr/..md", "fr/a b.md", "fr/.hidden.md", "de/x.md", "x.md", "fr/A.MD",
    "fr/2024/07/16.md", "fr/tags.md", "fr/page.md", "fr/" + "long" * 40 + ".md", "fr/\u202eevil.md"]


@st.composite
def article_files(draw: st.DrawFn) -> dict[str, bytes]:
    files: dict[str, bytes] = {"fr/photo.png": PNG, "fr/notimage.jpg": b"\xff\xd8 not a jpeg",
                               "fr/other.md": b"---\ntitle: Autre\ndate: 2024-07-01\ntranslation_key: other\n---\nx\n"}
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ARTICLE_PATHS))
        layout = draw(st.sampled_from(LAYOUTS))
        text = document(layout, draw(front_matter()), draw(markdown_bodies))
        files[path] = draw(encoded(text))
    return files


# --------------------------------------------------------------------------------------------------------------
# Config files

BASE_CONFIG: dict[str, object] = {
    "title": "Fuzz Digest",
    "base_url": "https://example.org/sub/",
    "default_language": "fr",
    "languages": {"fr": {"title": "Revue", "locale": "fr_FR"}, "en": {"title": "Digest", "locale": "en_GB"}},
    "per_page": 3,
    "timezone": "Europe/Paris",
    "search": False,
}
CODES = ["fr", "en", "ar", "de", "pt-BR", "zh-Hant-TW", "FR", "f", "fra", "x-klingon", "en_US", "1", "", "fr ", "../x",
         "<script>"]
LOCALES = ["fr_FR", "en_GB", "ar", "he", "fa_IR", "ja", "xx", "en-US", "zh_Hant_TW", "", "C", "POSIX", "root", "und",
           "../../etc/passwd", "fr_FR.UTF-8", "sr_Latn", "<script>"]
ZONES = ["UTC", "Europe/Paris", "Asia/Kathmandu", "Pacific/Kiritimati", "Etc/GMT+12", "Mars/Olympus",
         "../../etc/passwd", "/etc/localtime", "", "utc", "Europe/Paris\0", "EST5EDT", "localtime", "Factory"]
BASE_URLS = ["https://example.org/", "http://localhost:8000/a/b", "https://例え.jp/パス/", "https://example.org/sub?x=1#f",
             "https://example.org/sub", "ftp://example.org/", "javascript:alert(1)//", "//example.org/", "https://",
             "https://exa mple.org/", "https://example.org/<script>/", "https://example.org/\"'/", "http://[::1]:8000/",
             "https://user:pass@example.org/", "https://example.org/%2e%2e/", "https://example.org:99999/"]
STRING_KEYS = ["read_also", "tags", "source", "credit", "page_n", "feed_title", "tag_feed_title", "share", "home",
               "nonexistent", "edition_title", "updated"]

language_settings = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"title": texts, "locale": st.sampled_from(LOCALES),
                                        "direction": st.sampled_from(["ltr", "rtl", "up", "RTL", ""]),
                                        "extra": values}),
    values,
)
config_values: dict[str, st.SearchStrategy[object]] = {
    "title": st.one_of(texts, values),
    "base_url": st.one_of(st.sampled_from(BASE_URLS), values),
    "default_language": st.one_of(st.sampled_from(CODES), values),
    "languages": st.one_of(
        st.dictionaries(st.sampled_from(CODES), language_settings, max_size=3).map(
            lambda extra: {"fr": {"locale": "fr_FR"}, **extra}),
        st.dictionaries(st.sampled_from(CODES), language_settings, max_size=3),
        values),
    "per_page": st.one_of(st.integers(-3, 5), st.integers(), values),
    "timezone": st.one_of(st.sampled_from(ZONES), texts),
    "strings": st.one_of(
        st.dictionaries(st.sampled_from(CODES), st.dictionaries(
            st.sampled_from(STRING_KEYS),
            st.one_of(texts, st.sampled_from(["{", "}", "{0}", "{page} {pages} {x}", "%(x)s", "{{ 1 }}", "{site!r}",
                                              "{site.__class__}", "{credit:>99999999}"]),
                      st.dictionaries(st.sampled_from(["one", "other", "zero", "many", "x"]), texts), values),
            max_size=3), max_size=2),
        values),
    "markdown": st.one_of(st.fixed_dictionaries({}, optional={"html": st.one_of(st.booleans(), values),
                                                              "other": values}), values),
    "cname": st.one_of(st.sampled_from(["example.org", "a/b", "../x", "<script>", "", "x\ny"]), texts),
    "search": st.one_of(st.booleans(), values),
}
config_keys = st.sampled_from([*config_values, "titel", "language", "baseurl", "theme", "output", "1", "null"])

CONFIG_SNIPPETS = [
    "title: &a [*a]", "languages: !!python/object/apply:os.system [echo]", "base_url: *missing", "<<: *x",
    "? [complex, key]\n: value", "%YAML 1.1\n---", "--- !!map", "\ttitle: tab", "{", "}", "- a\n- b", "title: |\n  x",
    "a: &x 1\nb: *x", "!!binary aGk=", "title: \"\\x00\"", "per_page: !!float 3", "languages: {fr: *fr}", "...",
    "---\n---", "%TAG ! tag:example.com,2024:\n---", "title: !custom x", "'unterminated", "search: yes", "search: on",
]


@st.composite
def config_texts(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated"] * 5 + ["scalar", "garbage", "snippets", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "mutated":
        data: dict[object, object] = dict(BASE_CONFIG)
        for key in draw(st.lists(config_keys, max_size=4)):
            data[key] = draw(config_values.get(key, values))
        for key in draw(st.lists(st.sampled_from(list(BASE_CONFIG)), max_size=2)):
            data.pop(key, None)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=draw(st.booleans()),
                              default_flow_style=draw(st.sampled_from([False, True, None])))
    elif kind == "scalar":
        text = yaml.safe_dump(draw(values), allow_unicode=True)
    elif kind == "garbage":
        text = draw(st.text(max_size=200))
    else:
        base = yaml.safe_dump(BASE_CONFIG, allow_unicode=True, sort_keys=False)
        text = "\n".join([base, *draw(st.lists(st.sampled_from(CONFIG_SNIPPETS), min_size=1, max_size=3))])
    return draw(encoded(text))


VALID_ARTICLES = {
    "fr/a.md": b"---\ntitle: Un article\ndate: 2024-07-16T14:30:00+03:00\ntags: [Irak]\n---\nCorps.\n",
    "en/a.md": b"---\ntitle: An article\ndate: 2024-07-16\n---\nBody.\n",
}
SIMPLE_CONFIG = yaml.safe_dump(BASE_CONFIG, allow_unicode=True, sort_keys=False)


# --------------------------------------------------------------------------------------------------------------
# The properties


@FUZZ_SETTINGS
@given(config=config_texts())
def test_any_config_file_builds_or_is_reported(config: bytes) -> None:
    run_build("config", config, VALID_ARTICLES, check_pages)


@FUZZ_SETTINGS
@given(files=article_files())
def test_any_article_file_builds_or_is_reported(files: dict[str, bytes]) -> None:
    run_build("articles", SIMPLE_CONFIG.encode(), files, check_pages)


@FUZZ_SETTINGS
@given(body=markdown_bodies, encoding=st.sampled_from(["utf-8", "crlf"]), html=st.booleans())
def test_any_markdown_body_builds_safely(body: str, encoding: str, html: bool) -> None:
    config = {**BASE_CONFIG, "markdown": {"html": html}}
    text = f"---\ntitle: Fuzz\ndate: 2024-07-16T10:00:00\n---\n{body}\n"
    data = text.replace("\n", "\r\n") if encoding == "crlf" else text
    files = {**VALID_ARTICLES, "fr/other.md": VALID_ARTICLES["fr/a.md"].replace(b"Un article", b"Autre"),
             "fr/photo.png": PNG, "fr/fuzz.md": data.encode("utf-8", "surrogatepass")}

    def check_site(output: Path) -> None:
        # With markdown.html an editor may write raw HTML (scripts included), but never a javascript: URL.
        check_pages(output, allow_raw_scripts=html)
        page = output / "fr" / "2024" / "07" / "fuzz" / "index.html"
        assert page.is_file()
        if not html:
            body_element = lxml_html.fromstring(page.read_bytes()).xpath("//*[contains(@class,'article-body')]")[0]
            assert not body_element.xpath(".//script | .//iframe | .//object | .//embed | .//style | .//form")
            handlers = [name for element in body_element.iter() if isinstance(element.tag, str)
                        for name in element.attrib if name.lower().startswith("on")]
            assert not handlers, handlers

    run_build("markdown", yaml.safe_dump(config, allow_unicode=True).encode(), files, check_site)


@FUZZ_SETTINGS
@given(config=config_texts(), files=article_files())
def test_any_config_and_articles_together(config: bytes, files: dict[str, bytes]) -> None:
    run_build("both", config, files, check_pages)
