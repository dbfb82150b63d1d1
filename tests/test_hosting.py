"""Static hosting: a real HTTP crawl under a sub-path and at the root, and `digest check`."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree, html

from digest.cli import main

from helpers import REPO, article


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder under a URL prefix only, like a GitHub Pages project site."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not urlsplit(path).path.startswith(self.prefix):
            return str(Path(self.directory) / "\0missing")
        return super().translate_path("/" + urlsplit(path).path[len(self.prefix):])

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path, prefix: str) -> Iterator[str]:
    handler = type("Handler", (_PrefixHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def links_in(url: str, body: bytes, content_type: str) -> Iterator[str]:
    if "html" in content_type:
        page = html.fromstring(body)
        for element, attribute, link, _ in page.iterlinks():
            if element.tag == "a" or attribute in ("src", "href") or element.tag == "meta":
                yield urljoin(url, link)
    elif "xml" in content_type or url.endswith(".xml"):
        tree = etree.fromstring(body)
        yield from (urljoin(url, href) for href in tree.xpath("//@href"))
        yield from (loc.strip() for loc in tree.xpath("//*[local-name()='loc']/text()"))
    elif url.endswith("/robots.txt"):
        yield from (line.split(":", 1)[1].strip() for line in body.decode().splitlines()
                    if line.lower().startswith("sitemap:"))


def crawl(start: str) -> tuple[set[str], dict[str, str]]:
    """Follow every link under `start` (and from robots.txt and 404.html, which a host serves by name).

    Returns the URLs fetched and the broken ones (url -> referrer).
    """
    entry_points = [start, start + "robots.txt", start + "404.html"]
    seen, broken, queue = set(entry_points), {}, [(url, "") for url in entry_points]
    while queue:
        url, referrer = queue.pop()
        try:
            with urlopen(url, timeout=10) as response:
                body, content_type = response.read(), response.headers.get("Content-Type", "")
        except HTTPError as error:
            broken[url] = referrer
            error.close()
            continue
        for link in links_in(url, body, content_type):
            link = urldefrag(link).url
            if link.startswith(start) and link not in seen:
                seen.add(link)
                queue.append((link, url))
    return seen, broken


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("example")
    for name in ("config.yaml", "content", "templates", "images"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, site / name)
    return site


@pytest.mark.parametrize("prefix", ["/news/digest/", "/"])
def test_every_link_resolves_when_served_under_the_base_url(example_site: Path, tmp_path: Path, prefix: str):
    output = tmp_path / "out"
    with serve(output, prefix) as served:
        # the build is told the address it is served from, as on GitHub Pages
        result = CliRunner().invoke(main, ["build", "--config", str(example_site / "config.yaml"),
                                           "--output", str(output), "--base-url", served])
        assert result.exit_code == 0, result.output
        seen, broken = crawl(served)
    assert broken == {}
    # everything reachable from the root: pages in every language, articles, tags, feeds, assets
    paths = {urlsplit(url).path[len(prefix) - 1:] for url in seen}
    for expected in ("/fr/", "/en/page/2/", "/ar/tags/", "/fr/feed.xml", "/sitemap.xml", "/assets/style.css",
                     "/fr/2024/07/observatoire-solaire-pic/observatoire-solaire.jpg"):
        assert expected in paths
    generated_pages = {p for p in output.rglob("index.html")}
    assert len([p for p in paths if p.endswith("/")]) == len(generated_pages)


def test_github_pages_workflow_is_valid():
    workflow = yaml.safe_load((REPO / ".github/workflows/pages.yml").read_text())
    steps = [step.get("uses", "") for job in workflow["jobs"].values() for step in job["steps"]]
    for action in ("actions/checkout", "actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages"):
        assert any(step.startswith(action + "@") for step in steps), action
    runs = " ".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])
    assert "make build" in runs
    assert workflow["jobs"]["deploy"]["permissions"]["pages"] == "write"  # on the job that deploys, not the workflow


def check(site, *args: str):
    return CliRunner().invoke(main, ["check", "--config", str(site.root / "config.yaml"), *args])


def test_check_passes_on_the_example_site(example_site: Path):
    result = CliRunner().invoke(main, ["check", "--config", str(example_site / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert "no broken links" in result.output
    assert not (example_site / "output").exists()  # check writes nothing


def test_check_reports_each_broken_link_with_its_page(make_site):
    site = make_site({
        "fr/2024/a.md": article("A", body="[perdu](/sub/fr/nulle-part/) et [ok](/sub/fr/) et [dehors](/ailleurs/)"),
    })
    site.build_ok()
    before = site.files()
    result = check(site)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert "https://example.org/sub/fr/2024/07/a/: broken link -> /sub/fr/nulle-part/" in lines
    assert "https://example.org/sub/fr/2024/07/a/: broken link -> /ailleurs/" in lines
    assert not [line for line in lines if "-> /sub/fr/\n" in line]
    assert site.files() == before  # output untouched


def test_check_reports_content_errors_like_build(make_site):
    site = make_site({"fr/2024/a.md": "---\ntitle: A\n---\nno date\n"})
    result = check(site)
    assert result.exit_code == 1
    assert "content/fr/2024/a.md:1: missing required field 'date'" in result.output


def test_check_finds_broken_links_in_site_templates(make_site):
    site = make_site({"en/2024/a.md": article("A")})
    site.write("templates/404.html", '<!DOCTYPE html><html><body><a href="{{ href("en/nope/") }}">x</a></body></html>')
    result = check(site)
    assert result.exit_code == 1
    assert "https://example.org/sub/404.html: broken link -> /sub/en/nope/" in result.output
