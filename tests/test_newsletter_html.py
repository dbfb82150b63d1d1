"""The newsletter's HTML part as validators see it: <meta charset> in the first 1,024 bytes, and no error
from the Nu HTML Checker (vnu.jar, npm package `vnu-jar`, on Java).

.ci/run installs vnu-jar into .venv/vnu; DIGEST_VNU_JAR names another vnu.jar. Locally, a missing checker or
Java skips the Nu test with a message; in CI (CI=true) it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html
from test_newsletter import ARTICLES, NEWSLETTER_CONFIG, newsletter_ok

from helpers import BASE_CONFIG, Site

REPO = Path(__file__).resolve().parents[1]
VNU_JAR = REPO / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
EDITIONS = [("fr", "--edition", "2024-07-16"), ("ar", "--edition", "2024-07-17"), ("fr", "--week", "2024-W29")]


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The HTML parts of a French day, an Arabic day and a French week."""
    site = Site(tmp_path_factory.mktemp("newsletter"))  # one site for the module: Java starts once
    site.write("config.yaml", BASE_CONFIG + NEWSLETTER_CONFIG)
    for relative, content in ARTICLES.items():
        site.write(f"content/{relative}", content)
    files = []
    for lang, option, value in EDITIONS:
        eml = site.root / "out" / f"{lang}-{value}.eml"
        newsletter_ok(site, "--lang", lang, option, value, "--output", str(eml))
        files.append(eml.with_suffix(".html"))
    return files


def test_charset_comes_first_and_the_kept_style_after_it(messages: list[Path]) -> None:
    for path in messages:
        data = path.read_bytes()
        assert 0 <= data.find(b'<meta charset="utf-8">') < 1024 - len(b'<meta charset="utf-8">'), path.name
        head = lxml_html.fromstring(data).find("head")
        tags = [child.tag for child in head if isinstance(child.tag, str)]
        assert tags[0] == "meta" and head[0].get("charset") == "utf-8"
        styles = head.findall("style")
        assert len(styles) == 1 and "@media" in styles[0].text  # the @media rules css-inline keeps
        assert tags.index("style") > tags.index("title")
        apple = head.xpath("meta[@name='x-apple-disable-message-reformatting']")
        assert len(apple) == 1 and apple[0].get("content") is not None
        # Outlook's mso-hide (not CSS: Nu reports it) only where Outlook alone reads it, a conditional comment.
        assert b"mso-hide" not in data.replace(b"<!--[if mso]><style>.preheader { display: none !important; "
                                               b"mso-hide: all; }</style><![endif]-->", b"")
        assert b"<!--[if mso]>" in data


def vnu_command() -> list[str]:
    jar = Path(os.environ.get("DIGEST_VNU_JAR") or VNU_JAR)
    java = shutil.which("java")
    missing = None
    if java is None:
        missing = "java is not installed"
    elif not jar.is_file():
        missing = f"{jar} is missing (npm install --prefix .venv/vnu vnu-jar, as .ci/run does)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Nu HTML checker cannot run in CI: {missing}")
        pytest.skip(f"Nu HTML checker skipped: {missing}")
    return [java, "-jar", str(jar)]


def test_the_nu_html_checker_finds_no_error(messages: list[Path]) -> None:
    result = subprocess.run([*vnu_command(), "--errors-only", "--format", "json", *map(str, messages)],
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in report["messages"]
              if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors == [], "\n".join(errors)
    assert result.returncode == 0, result.stderr
