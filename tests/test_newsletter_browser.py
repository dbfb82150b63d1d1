"""The e-mail edition's HTML part in real headless Chromium, at 600 px and at 375 px (a phone)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from PIL import Image as PILImage

from digest.cli import main

from browser import chromium
from helpers import BASE_CONFIG, REPO, Site, article

ARTIFACTS = REPO / "test-artifacts"
BASE = "https://example.org/sub/"


def photo(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    buffer = BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def articles() -> dict[str, str | bytes]:
    long_word = "Intercommunalité-" * 6 + "transfrontalière"
    files: dict[str, str | bytes] = {}
    for lang, words in (("fr", ("Un titre d'article assez long pour passer sur plusieurs lignes", long_word)),
                        ("ar", ("عنوان مقال طويل بما يكفي ليمتد على عدة أسطر في الرسالة", "كلمة" * 30))):
        for n in range(6):
            day = 15 + n % 3
            fields = {"section": f"Rubrique {n % 2}" if lang == "fr" else f"قسم {n % 2}",
                      "source": "{name: La Gazette, url: 'https://example.com/gazette/%s'}" % ("x" * 80),
                      "summary": repr(f"{words[1]} {words[0]}. " * 2)}
            if n % 3 != 2:
                fields["image"] = f"{{src: photo{n}.jpg, caption: Une photo, credit: Agence {n}}}"
                files[f"{lang}/photo{n}.jpg"] = photo(1200 if n % 2 else 500, 800 if n % 2 else 700,
                                                      (30 * n, 90, 160))
            files[f"{lang}/a{n}.md"] = article(f"{words[0]} {n}", f"2024-07-{day}T{9 + n}:00:00+02:00", **fields)
    return files


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def render_message(site: Site, lang: str) -> str:
    result = CliRunner().invoke(main, ["newsletter", "--config", str(site.root / "config.yaml"), "--lang", lang,
                                       "--week", "2024-W29"])
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes((site.root / f"newsletters/{lang}/2024-W29.eml").read_bytes(),
                                       policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert part is not None
    return part.get_content()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_html_part_fits_600_and_375_px(browser, make_site: Callable[..., Site], lang: str) -> None:
    site = make_site(articles(), config=BASE_CONFIG)
    site.build_ok()
    html = render_message(site, lang)
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (600, 375):
        page = browser.new_page(viewport={"width": width, "height": 800})
        requested: list[str] = []

        def serve(route, request, output: Path = site.output, requested: list[str] = requested) -> None:
            """The site's absolute URLs answered from its output folder (nothing leaves the machine)."""
            requested.append(request.url)
            path = unquote(urlsplit(request.url).path).removeprefix(urlsplit(BASE).path)
            file = output / path
            if request.url.startswith(BASE) and file.is_file():
                route.fulfill(status=200, body=file.read_bytes())
            else:
                route.fulfill(status=404, body=b"")

        page.route("**/*", serve)
        page.set_content(html, wait_until="load")
        # Nothing overflows sideways: the page is no wider than the window, nor is any element.
        overflow = page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')].filter(element => {
                const box = element.getBoundingClientRect();
                return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
            }).map(element => element.outerHTML.slice(0, 80));
            return {scroll: document.documentElement.scrollWidth, width, wide};
        }""")
        assert overflow["scroll"] <= width and overflow["wide"] == [], overflow
        # Every image loaded, is shown, and keeps its proportions (width and height attributes).
        images = page.evaluate("""() => [...document.images].map(image => ({
            src: image.src, loaded: image.complete && image.naturalWidth > 0,
            width: image.getBoundingClientRect().width, height: image.getBoundingClientRect().height,
            attrWidth: +image.getAttribute('width'), attrHeight: +image.getAttribute('height')}))""")
        assert len(images) == 6  # 4 photos, and the social cards of the 2 articles without one
        for image in images:
            assert image["loaded"], image
            assert image["attrWidth"] and image["attrHeight"], image
            assert image["width"] == (120 if width == 600 else 88), image
            assert abs(image["height"] - image["width"] * image["attrHeight"] / image["attrWidth"]) <= 1, image
        assert all(url.startswith(BASE) for url in requested)  # no other host, nothing relative
        container = page.evaluate("() => document.querySelector('table[width=\"600\"]').getBoundingClientRect().width")
        assert container <= min(600, width)
        direction = page.evaluate("() => getComputedStyle(document.body).direction")
        assert direction == ("rtl" if lang == "ar" else "ltr")
        page.screenshot(path=str(ARTIFACTS / f"newsletter-{lang}-{width}.png"), full_page=True)
        page.close()
