"""`digest serve` as an editor runs it: a subprocess on a free port, files edited on disk, pages fetched over HTTP.

Every server is stopped with SIGINT (Ctrl-C) at the end of its test, which must end it cleanly:
exit code 0 and no traceback.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from digest.cli import main
from digest.config import load_config

from browser import chromium
from helpers import BASE_CONFIG, REPO, Site, article, site_tree, texts, tree

MakeSite = Callable[..., Site]

ARTICLES = {
    "fr/2024/one.md": article("Premier titre", tags="[Irak]", translation_key="one", body="Texte de départ."),
    "fr/2024/two.md": article("Deuxième article", date="2024-07-15T10:00:00+02:00", related="[one]"),
    "en/one.md": article("First title", translation_key="one"),
}
ONE = "/fr/2024/07/one/"
TWO = "/fr/2024/07/two/"
ONE_FILE = "content/fr/2024/one.md"
POLL = 0.1
# `<path> changed: <n> files written, <m> unchanged, <ms> ms`
REBUILT = re.compile(r"^(?P<path>\S+) changed: (?P<written>\d+) files written, (?P<unchanged>\d+) unchanged, "
                     r"(?P<ms>\d+) ms$", re.MULTILINE)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def page(self) -> lxml_html.HtmlElement:
        return lxml_html.fromstring(self.body)

    def h1(self) -> list[str]:
        return texts(self.page(), "//h1")

    def overlay(self) -> str | None:
        """The text of the build error overlay, None when the page has none."""
        found = texts(self.page(), '//*[@id="digest-build-error"]')
        return found[0] if found else None


class Server:
    """A `digest serve` subprocess; its stdout and stderr go to one log file so no pipe can fill up."""

    def __init__(self, site: Site, log: Path, *args: str) -> None:
        self.site = site
        self.port = free_port()
        # Served at base_url's path, as deployed (BASE_CONFIG: https://example.org/sub/ -> /sub/).
        self.base = load_config(site.root / "config.yaml").base_path
        self.url = f"http://127.0.0.1:{self.port}{self.base}"
        self.folder = site.root / ".digest-cache" / "serve"  # what it builds and serves
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "digest", "serve", "--config", str(site.root / "config.yaml"),
                 "--port", str(self.port), *args],
                cwd=site.root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        self.wait_until(self.answers, 20, "the server to answer")

    def answers(self) -> bool:
        try:
            return self.get("/").status == 200
        except OSError:
            return False

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, method: str = "GET", raw: bool = False) -> Response:
        """A request for a path of the site ("/fr/" is served at base_url's path: "/sub/fr/"), or with
        `raw` for exactly that path; sent as given (no client-side normalization of '..')."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request(method, path if raw or path.startswith(self.base) else self.base.rstrip("/") + path)
            response = connection.getresponse()
            return Response(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})
        finally:
            connection.close()

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_until(self, check: Callable[[], Any], timeout: float, what: str) -> tuple[Any, float]:
        """Poll `check` every 0.1 s until it returns something true; (that value, seconds it took)."""
        started = time.monotonic()
        last: Any = None
        while True:
            try:
                last = check()
            except (ConnectionError, TimeoutError, http.client.HTTPException) as error:
                last = error
            else:
                if last:
                    return last, time.monotonic() - started
            if not self.running():
                pytest.fail(f"digest serve exited with {self.process.returncode} while waiting for {what}:\n"
                            f"{self.output()}")
            if time.monotonic() - started > timeout:
                pytest.fail(f"timed out after {timeout} s waiting for {what} (last: {last!r}); server output:\n"
                            f"{self.output()}")
            time.sleep(POLL)

    def wait_for_page(self, path: str, check: Callable[[Response], bool], what: str,
                      timeout: float = 10) -> tuple[Response, float]:
        def attempt() -> Response | None:
            response = self.get(path)
            return response if response.status == 200 and check(response) else None

        return self.wait_until(attempt, timeout, f"{what} at {path}")

    def stop(self) -> tuple[int | None, str]:
        """Ctrl-C; (exit code, output). A server that does not end within 10 s is killed (exit code None)."""
        if self.running():
            self.process.send_signal(signal.SIGINT)
        try:
            code: int | None = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        return code, self.output()

    def rebuild_lines(self) -> list[re.Match[str]]:
        return list(REBUILT.finditer(self.output()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(site: Site, *args: str) -> Server:
        server = Server(site, tmp_path / f"serve-{len(servers)}.log", *args)
        servers.append(server)  # stopped at teardown even if it never answers
        server.wait_ready()
        return server

    yield start
    stopped = [server.stop() for server in servers]
    for code, output in stopped:
        assert code == 0, f"digest serve did not end cleanly on Ctrl-C (exit code {code}):\n{output}"
        assert "Traceback" not in output, output


@pytest.fixture
def site(make_site: MakeSite) -> Site:
    return make_site(ARTICLES)


def rewrite(site: Site, relative: str, old: str, new: str) -> None:
    path = site.root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_title_edit_is_served_within_two_seconds(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    assert server.get(ONE).h1() == ["Premier titre"]
    assert server.get("/en/2024/07/one/").status == 200
    # A first edit, untimed: livereload's watcher spends its first round (0.8 s) on its own start-up, so an
    # edit in the very first seconds is seen later. The timed edit then comes right after a watcher round,
    # the worst moment: it waits a full round (0.8 s) before being seen.
    rewrite(site, ONE_FILE, "Texte de départ.", "Texte relu.")
    server.wait_for_page(ONE, lambda r: "Texte relu." in r.text, "the first edit")

    rewrite(site, ONE_FILE, "Premier titre", "Titre modifié")
    _, seconds = server.wait_for_page(ONE, lambda r: r.h1() == ["Titre modifié"], "the new title", timeout=5)
    assert seconds < 2, f"the new title took {seconds:.2f} s to be served"
    # the pages that show the title follow: the home page, the tag page, the translation's switcher
    assert "Titre modifié" in server.get("/fr/").text
    assert "Titre modifié" in server.get("/fr/tags/irak/").text
    assert "Titre modifié" in server.get("/en/2024/07/one/").text
    assert "Titre modifié" in server.get(TWO).text  # "Read also"
    assert server.running()


def test_front_matter_errors_show_error_page_then_fix_reloads(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    assert server.get(ONE).h1() == ["Premier titre"]

    rewrite(site, ONE_FILE, "title: 'Premier titre'", "title: a: b")
    problem = ("content/fr/2024/one.md:2: invalid YAML: mapping values are not allowed in this context "
               "(a colon followed by a space in a value: put the value in quotes)")
    response, _ = server.wait_for_page(ONE, lambda r: r.overlay() is not None, "the error overlay")
    assert problem in (response.overlay() or "")
    assert response.page().xpath("/html/body/*[1]/@id") == ["digest-build-error"]
    assert response.h1() == ["Premier titre"], "the last good page should stay under the overlay"
    assert response.headers.get("cache-control") == "no-store"

    # other pages are still served, with the same error over them; feeds are served as they were
    other = server.get(TWO)
    assert other.status == 200
    assert other.h1() == ["Deuxième article"]
    assert problem in (other.overlay() or "")
    assert problem in (server.get("/fr/").overlay() or "")
    feed = server.get("/fr/feed.xml")
    assert feed.status == 200
    assert b"digest-build-error" not in feed.body
    assert server.running()
    # the terminal shows the same `path:line: message`
    assert problem in server.output().splitlines()

    # another mistake: the title is gone
    site.write(ONE_FILE, ARTICLES["fr/2024/one.md"].replace("title: 'Premier titre'\n", ""))
    missing = "content/fr/2024/one.md:1: missing required field 'title'"
    response, _ = server.wait_for_page(TWO, lambda r: missing in (r.overlay() or ""), "the missing title error")
    assert problem not in (response.overlay() or "")
    assert missing in server.output().splitlines()
    assert server.get(ONE).h1() == ["Premier titre"]

    site.write(ONE_FILE, ARTICLES["fr/2024/one.md"].replace("Premier titre", "Titre réparé"))
    response, _ = server.wait_for_page(ONE, lambda r: r.overlay() is None, "the page without overlay")
    assert response.h1() == ["Titre réparé"]
    assert server.get(TWO).overlay() is None
    assert server.get("/fr/").overlay() is None
    assert server.running()


def themed_site(make_site: MakeSite) -> tuple[Site, str, int]:
    """A site with its own templates/article.html; (site, the template text, the line of its <h1>)."""
    site = make_site(ARTICLES)
    template = (REPO / "templates/article.html").read_text(encoding="utf-8")
    site.write("templates/article.html", template)
    lines = [number for number, line in enumerate(template.splitlines(), 1) if "<h1>{{ article.title }}</h1>" in line]
    assert len(lines) == 1
    return site, template, lines[0]


def test_template_syntax_error_shows_error_then_fix(make_site: MakeSite, serve: Callable[..., Server]) -> None:
    site, template, line = themed_site(make_site)
    server = serve(site)
    assert server.get(ONE).h1() == ["Premier titre"]

    broken = template.replace("<h1>{{ article.title }}</h1>", "<h1>{{ article.title }</h1>")
    site.write("templates/article.html", broken)
    where = f"templates/article.html:{line}: "
    response, _ = server.wait_for_page(ONE, lambda r: r.overlay() is not None, "the error overlay")
    assert where in (response.overlay() or ""), response.overlay()
    assert where in (server.get("/fr/").overlay() or "")
    assert any(output_line.startswith(where) for output_line in server.output().splitlines()), server.output()
    assert response.h1() == ["Premier titre"]
    assert server.running()

    fixed = template.replace("<h1>{{ article.title }}</h1>", '<h1 class="fixed">{{ article.title }}</h1>')
    site.write("templates/article.html", fixed)
    response, _ = server.wait_for_page(ONE, lambda r: r.overlay() is None, "the page without overlay")
    assert response.page().xpath("//h1[@class='fixed']")
    assert server.get("/fr/").overlay() is None
    # (pages are served while a rebuild runs: its line may follow the page by a moment)
    server.wait_until(lambda: any(m["path"] == "templates/article.html" for m in server.rebuild_lines()), 10,
                      "the rebuild line")


def test_unknown_filter_shows_error_with_file_and_line(make_site: MakeSite, serve: Callable[..., Server]) -> None:
    site, template, line = themed_site(make_site)
    server = serve(site)
    site.write("templates/article.html", template.replace("<h1>{{ article.title }}</h1>",
                                                          "<h1>{{ article.title|nosuchfilter }}</h1>"))
    expected = f"templates/article.html:{line}: unknown filter 'nosuchfilter'"
    response, _ = server.wait_for_page(ONE, lambda r: r.overlay() is not None, "the error overlay")
    assert expected in (response.overlay() or ""), response.overlay()
    assert expected in server.output().splitlines(), server.output()
    assert "internal error" not in server.output()
    assert response.h1() == ["Premier titre"]


def test_port_in_use_is_refused_before_building(site: Site) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "digest", "serve", "--port", str(port)], cwd=site.root,
                                capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    match = re.fullmatch(rf"--port: port {port} is in use; try --port (\d+)", lines[0])
    assert match, lines[0]
    suggested = int(match[1])
    assert suggested > port
    with socket.socket() as probe:  # the port suggested is one the server could listen on
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", suggested))
    assert result.stdout == ""
    assert not (site.root / "output").exists(), "the site was built before the port was checked"
    assert not (site.root / ".digest-cache").exists()


def test_templates_folder_created_while_serving(site: Site, serve: Callable[..., Server]) -> None:
    assert not (site.root / "templates").exists()
    server = serve(site)
    template = (REPO / "templates/article.html").read_text(encoding="utf-8")
    site.write("templates/article.html", template.replace("<h1>{{ article.title }}</h1>",
                                                          '<h1 class="override">{{ article.title }}</h1>'))
    server.wait_for_page(ONE, lambda r: bool(r.page().xpath("//h1[@class='override']")), "the override",
                         timeout=2.5)


def test_config_edit_rebuilds(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    rewrite(site, "config.yaml", "fr: {title: Revue de test", "fr: {title: Revue modifiée")
    server.wait_for_page("/fr/", lambda r: "Revue modifiée" in r.text, "the new site title")
    # (pages are served while a rebuild runs: its line may follow the page by a moment)
    server.wait_until(lambda: any(m["path"] == "config.yaml" for m in server.rebuild_lines()), 10, "the rebuild line")

    rewrite(site, "config.yaml", "per_page: 3", "per_page: three")
    response, _ = server.wait_for_page("/fr/", lambda r: r.overlay() is not None, "the config error")
    assert re.search(r"config\.yaml:\d+: ", response.overlay() or ""), response.overlay()
    rewrite(site, "config.yaml", "per_page: three", "per_page: 1")
    server.wait_for_page("/fr/page/2/", lambda r: r.overlay() is None, "page 2 with per_page: 1")


TRAVERSALS = [
    "/../config.yaml",
    "/%2e%2e/config.yaml",
    "/%2E%2E/config.yaml",
    "/..%2fconfig.yaml",
    "/%2e%2e%2fconfig.yaml",
    "/fr/../../config.yaml",
    "/fr/%2e%2e/%2e%2e/config.yaml",
    "/..%5cconfig.yaml",
    "//etc/passwd",
    "/%2fetc/passwd",
    "/../../../../../../etc/passwd",
]


def test_nothing_outside_the_output_folder_is_served(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    secret = (site.root / "config.yaml").read_bytes()
    for path in TRAVERSALS:
        response = server.get(path)
        assert response.status == 404, f"{path} -> {response.status}"
        assert secret not in response.body and b"root:x:" not in response.body, path

    for path in TRAVERSALS:  # outside base_url's path too
        response = server.get(path, raw=True)
        assert response.status in (404, 302), f"{path} -> {response.status}"
        assert secret not in response.body and b"root:x:" not in response.body, path

    # symlinks inside the served folder that lead out of it
    (server.folder / "leak.yaml").symlink_to(site.root / "config.yaml")
    (server.folder / "leakdir").symlink_to(site.root, target_is_directory=True)
    (server.folder / "fr" / "passwd").symlink_to("/etc/passwd")
    for path in ["/leak.yaml", "/leakdir/config.yaml", "/leakdir/content/fr/2024/one.md", "/leakdir/",
                 "/fr/passwd"]:
        response = server.get(path)
        assert response.status == 404, f"{path} -> {response.status}"
        assert secret not in response.body and b"root:x:" not in response.body, path
    assert server.running()


def test_missing_page_gives_the_sites_404_page(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    not_found = (server.folder / "404.html").read_bytes()
    for path in ["/fr/no-such-page/", "/nope.html", "/fr/2024/07/nope/"]:
        response = server.get(path)
        assert response.status == 404, path
        assert without_livereload(response.body) == not_found, path
        assert response.headers["content-type"].startswith("text/html")


def test_missing_page_shows_the_build_error_too(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    rewrite(site, ONE_FILE, "title: 'Premier titre'", "title: a: b")
    server.wait_for_page(TWO, lambda r: r.overlay() is not None, "the error overlay")
    response = server.get("/fr/2024/07/new-article/")
    assert response.status == 404
    assert "content/fr/2024/one.md:2: invalid YAML" in (response.overlay() or "")
    for path in ("/" + "x" * 300 + "/", "/fr/" + "%C3%A9" * 200 + ".html"):  # names too long for a file name
        response = server.get(path)
        assert response.status == 404, path
        assert "content/fr/2024/one.md:2: invalid YAML" in (response.overlay() or "")
    assert "Traceback" not in server.output()


def without_livereload(body: bytes) -> bytes:
    """The page as written in output/: without the script tag livereload adds to every HTML page it serves."""
    return re.sub(rb'<script type="text/javascript">\(function\(\)\{[^<]*livereload\.js[^<]*</script>', b"", body)


def test_serves_the_configured_site_at_its_path_and_never_writes_output(site: Site,
                                                                        serve: Callable[..., Server]) -> None:
    site.build_ok()
    before = tree(site.output, folders=True)
    server = serve(site)
    assert server.url.endswith(f":{server.port}/sub/")
    root = server.get("/", raw=True)
    assert root.status == 302 and root.headers["location"] == "/sub/"
    assert server.get("/sub", raw=True).headers.get("location") == "/sub/"
    assert server.get("/fr/2024/07/one/", raw=True).status == 404  # only under base_url's path
    # What is served is what `digest build` makes (the configured base_url), but the live-reload script.
    article_page = server.get(ONE)
    assert article_page.page().xpath("//link[@rel='canonical']/@href") == ["https://example.org/sub/fr/2024/07/one/"]
    assert without_livereload(article_page.body) == (site.output / "fr/2024/07/one/index.html").read_bytes()
    assert b"livereload.js" in article_page.body and b"livereload.js" not in (server.folder / ONE[1:] /
                                                                              "index.html").read_bytes()
    for path in ["/fr/feed.xml", "/sitemap.xml", "/robots.txt"]:
        response = server.get(path)
        assert response.status == 200, path
        assert response.body == (site.output / path[1:]).read_bytes(), path

    # every internal link and resource of these pages is served
    links: set[str] = set()
    for path in [ONE, "/fr/", "/en/", "/fr/tags/"]:
        page = server.get(path).page()
        for value in page.xpath("//a/@href | //link/@href | //img/@src | //script/@src"):
            absolute = urljoin(server.url + path.lstrip("/"), value)
            if absolute.startswith(server.url):
                links.add(urlsplit(absolute).path)
    assert len(links) > 10
    broken = [link for link in sorted(links) if server.get(link, raw=True).status != 200]
    assert broken == []

    # Edits, an error and its fix, a draft preview: output/ stays byte for byte what `digest build` made.
    rewrite(site, ONE_FILE, "Premier titre", "Titre servi")
    server.wait_for_page(ONE, lambda r: r.h1() == ["Titre servi"], "the edit")
    rewrite(site, ONE_FILE, "title: 'Titre servi'", "title: a: b")
    server.wait_for_page(ONE, lambda r: r.overlay() is not None, "the error overlay")
    rewrite(site, ONE_FILE, "title: a: b", "title: 'Titre corrigé'")
    server.wait_for_page(ONE, lambda r: r.h1() == ["Titre corrigé"], "the fix")
    assert tree(site.output, folders=True) == before
    assert server.stop()[0] == 0
    drafts = serve(site, "--drafts")
    site.write("content/fr/2024/draft.md", article("Brouillon", draft="true"))
    drafts.wait_for_page("/fr/2024/07/draft/", lambda r: r.h1() == ["Brouillon"], "the draft")
    assert tree(site.output, folders=True) == before


def test_one_terminal_line_per_rebuild(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)
    output = server.output()
    assert re.search(r"^Serving http://127\.0\.0\.1:\d+/", output, re.MULTILINE), output

    rewrite(site, ONE_FILE, "Premier titre", "Titre un")
    server.wait_for_page(ONE, lambda r: r.h1() == ["Titre un"], "the first edit")
    server.wait_until(lambda: len(server.rebuild_lines()) == 1, 2, "the rebuild line")
    site.write("content/fr/2024/three.md", article("Troisième", date="2024-07-17T08:00:00+02:00"))
    server.wait_for_page("/fr/2024/07/three/", lambda r: True, "the new article")
    server.wait_until(lambda: len(server.rebuild_lines()) == 2, 2, "the second rebuild line")
    time.sleep(0.9)  # one more watcher round: nothing else changed, so no other line

    lines = server.rebuild_lines()
    assert [m["path"] for m in lines] == [ONE_FILE, "content/fr/2024/three.md"], server.output()
    for match in lines:
        written, unchanged = int(match["written"]), int(match["unchanged"])
        assert 0 < written < written + unchanged, match[0]
    # a title edit rewrites the pages that show the title, not the whole site
    assert int(lines[0]["written"]) * 2 < int(lines[0]["written"]) + int(lines[0]["unchanged"]), lines[0][0]
    assert "Traceback" not in server.output()


def test_served_output_equals_a_clean_build_after_edits(make_site: MakeSite, serve: Callable[..., Server],
                                                        tmp_path: Path) -> None:
    """What `digest serve` builds after edits is what `digest build` makes of the same files,
    search index included."""
    pytest.importorskip("pagefind_bin")
    site = make_site(ARTICLES, config=BASE_CONFIG.replace("search: false", "search: true"))
    server = serve(site)
    folder = server.folder
    assert (folder / "pagefind").is_dir()
    rewrite(site, ONE_FILE, "Premier titre", "Titre indexé")
    (site.root / "content/fr/2024/two.md").unlink()
    rewrite(site, "content/fr/2024/one.md", "tags: [Irak]", "tags: [Liban]")
    server.wait_for_page(ONE, lambda r: r.h1() == ["Titre indexé"] and "Liban" in r.text, "the edits")
    server.wait_until(lambda: server.get(TWO).status == 404, 5, "the deleted article to be gone")
    clean = tmp_path / "clean"
    result = CliRunner().invoke(main, ["build", "--config", str(site.root / "config.yaml"), "--output", str(clean)])
    assert result.exit_code == 0, result.output
    want = site_tree(clean, found=True)

    def same() -> bool:
        return site_tree(folder, found=True) == want

    try:
        server.wait_until(same, 10, "output/ to equal a clean build")
    except pytest.fail.Exception:
        got = site_tree(folder, found=True)
        stale, missing = sorted(set(got) - set(want)), sorted(set(want) - set(got))
        different = sorted(name for name in set(got) & set(want) if got[name] != want[name])
        pytest.fail(f"the served site differs from a clean build: stale {stale}, missing {missing}, "
                    f"different {different}")


def test_drafts_only_with_the_drafts_option(site: Site, serve: Callable[..., Server]) -> None:
    site.write("content/fr/2024/draft.md", article("Brouillon", draft="true"))
    assert serve(site).get("/fr/2024/07/draft/").status == 404
    assert serve(site, "--drafts").get("/fr/2024/07/draft/").h1() == ["Brouillon"]


def test_binds_localhost_by_default(site: Site, serve: Callable[..., Server]) -> None:
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].is_file():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    server = serve(site)
    listening = []
    for table in tables:
        if table.is_file():
            for row in table.read_text().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                address, port = local.split(":")
                if state == "0A" and int(port, 16) == server.port:
                    listening.append(address)
    assert listening == ["0100007F"], f"listening on {listening} (hex), not 127.0.0.1 only"


def test_ctrl_c_ends_the_server_cleanly(site: Site, serve: Callable[..., Server]) -> None:
    server = serve(site)  # (every test's teardown checks the same, some with a failed build showing)
    code, output = server.stop()
    assert code == 0, output
    assert "Traceback" not in output
    with pytest.raises(OSError):
        server.get("/")


def test_browser_reloads_by_itself(site: Site, serve: Callable[..., Server]) -> None:
    with chromium() as browser:
        server = serve(site)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(server.url + ONE.lstrip("/"))
        assert page.locator("h1").inner_text() == "Premier titre"
        # livereload.js has said hello to the server: it will hear about the next change
        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector "
                               "&& window.LiveReload.connector.protocol >= 6", timeout=10_000)
        time.sleep(0.3)  # the 'info' message that registers the tab follows the handshake
        page.evaluate("() => { window.digestMarker = 'before the edit' }")

        rewrite(site, ONE_FILE, "Texte de départ.", "Un texte tout neuf.")
        page.locator(".article-body", has_text="Un texte tout neuf.").wait_for(timeout=10_000)
        assert page.evaluate("() => window.digestMarker") is None, "the page changed without a reload"

        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector "
                               "&& window.LiveReload.connector.protocol >= 6", timeout=10_000)
        time.sleep(0.3)
        rewrite(site, ONE_FILE, "title: 'Premier titre'", "title: a: b")
        overlay = page.locator("#digest-build-error")
        overlay.wait_for(timeout=10_000)
        assert "content/fr/2024/one.md:2: invalid YAML" in overlay.inner_text()
        assert page.locator("h1").inner_text() == "Premier titre"

        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector "
                               "&& window.LiveReload.connector.protocol >= 6", timeout=10_000)
        time.sleep(0.3)
        rewrite(site, ONE_FILE, "title: a: b", "title: Titre du navigateur")
        page.locator("h1", has_text="Titre du navigateur").wait_for(timeout=10_000)
        assert page.locator("#digest-build-error").count() == 0
        assert server.running()


def test_a_tab_left_open_finds_the_edit_with_its_search_box(make_site: MakeSite,
                                                            serve: Callable[..., Server]) -> None:
    """A page keeps the search index it loaded: serve reloads open tabs again once an edit's search
    step is done (the pages show the edit before the index holds it), so that the box finds it."""
    site = make_site(ARTICLES, config=BASE_CONFIG.replace("search: false", "search: true"))
    with chromium() as browser:
        server = serve(site)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(server.url + ONE.lstrip("/"))
        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector "
                               "&& window.LiveReload.connector.protocol >= 6", timeout=10_000)
        time.sleep(0.3)  # the 'info' message that registers the tab follows the handshake
        rewrite(site, ONE_FILE, "Texte de départ.", "Texte de départ. Zanzibarophile.")
        page.locator(".article-body", has_text="Zanzibarophile").wait_for(timeout=10_000)
        found: list[str] = []
        deadline = time.monotonic() + 15
        while not found and time.monotonic() < deadline:  # the tab is never navigated by hand
            try:
                page.fill("#search-input", "Zanzibarophile")
                page.wait_for_timeout(700)
                found = page.locator(".search-results li a").all_text_contents()
            except Exception:  # (reloaded by serve while searching: search again)
                page.wait_for_load_state()
        assert found == ["Premier titre"], "the open tab's search box never found the edited word"
        # Nothing of the preview is taken from the browser's cache unasked: the index changes under the same names.
        shards = page.request.get(server.url + "pagefind/shards.json")
        assert shards.headers.get("cache-control") == "no-cache"


def test_a_build_after_serving_equals_a_clean_build(make_site: MakeSite, serve: Callable[..., Server],
                                                    tmp_path: Path) -> None:
    """serve leaves its records up to date after editing output/ in place; `digest build` then reuses
    what it can of that folder (and the search shards) and must still give exactly a clean build."""
    pytest.importorskip("pagefind_bin")
    site = make_site(ARTICLES, config=BASE_CONFIG.replace("search: false", "search: true"))
    server = serve(site)
    rewrite(site, ONE_FILE, "Premier titre", "Titre servi")
    server.wait_for_page(ONE, lambda r: r.h1() == ["Titre servi"], "the edit")
    time.sleep(2)  # the search shard follows in the background
    assert server.stop()[0] == 0
    config = ["--config", str(site.root / "config.yaml")]
    assert CliRunner().invoke(main, ["build", *config]).exit_code == 0
    copy = tmp_path / "copy"
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", ".*"))
    assert CliRunner().invoke(main, ["build", "--config", str(copy / "config.yaml")]).exit_code == 0
    assert tree(site.output, folders=True) == tree(copy / "output", folders=True)


def test_a_file_replaced_while_it_is_served_is_sent_whole(site: Site, serve: Callable[..., Server]) -> None:
    """An edit renames new versions of pages over the old ones in serve's folder: a request answered
    meanwhile gets one version whole (its length and its bytes), never the size of one and the bytes
    of the other (tornado: "Tried to write N bytes less than Content-Length")."""
    server = serve(site)
    page = server.folder / ONE[1:] / "index.html"
    versions = [page.read_bytes(), page.read_bytes().replace(b"</body>", b"<p>" + b"x" * 5000 + b"</p></body>")]
    stop = threading.Event()

    def flip() -> None:
        number = 0
        while not stop.is_set():
            scratch = page.with_name(f".flip-{number % 2}.tmp")
            scratch.write_bytes(versions[number % 2])
            os.replace(scratch, page)
            number += 1

    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        bodies = [without_livereload(server.get(ONE).body) for _ in range(200)]
    finally:
        stop.set()
        flipper.join()
    assert all(body in versions for body in bodies)
    assert "Traceback" not in server.output()
