"""Helpers for tests: small sites in temporary folders, and parsing what they produce."""

from __future__ import annotations

import hashlib
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result
from lxml import html as lxml_html

from digest.cli import main

REPO = Path(__file__).resolve().parent.parent

BASE_CONFIG = """\
title: Test Digest
base_url: https://example.org/sub/
default_language: fr
languages:
  fr: {title: Revue de test, locale: fr_FR}
  en: {title: Test Digest, locale: en_GB}
  ar: {title: موجز الاختبار, locale: ar}
per_page: 3
timezone: Europe/Paris
search: false
"""


def article(title: str, date: str = "2024-07-16T14:30:00+03:00", body: str = "Body paragraph.", **fields: str) -> str:
    """Markdown source of an article; extra fields are YAML snippets written as given."""
    lines = ["---", f"title: {title!r}" if "'" not in title else f'title: "{title}"', f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    lines += ["---", textwrap.dedent(body).strip(), ""]
    return "\n".join(lines)


@dataclass
class Site:
    root: Path

    @property
    def output(self) -> Path:
        return self.root / "output"

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def build(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["build", "--config", str(self.root / "config.yaml"), *args])

    def build_ok(self, *args: str) -> Result:
        result = self.build(*args)
        assert result.exit_code == 0, result.output
        return result

    def page(self, url_path: str) -> lxml_html.HtmlElement:
        """Parse the page served at a site path such as 'fr/2024/07/x/'."""
        file = self.output / (url_path + "index.html" if url_path.endswith("/") or not url_path else url_path)
        assert file.is_file(), f"{url_path} was not generated"
        return lxml_html.fromstring(file.read_bytes())

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.output).as_posix(): p.read_bytes()
                for p in sorted(self.output.rglob("*")) if p.is_file()}



def texts(page: lxml_html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in page.xpath(xpath)]


def hrefs(page: lxml_html.HtmlElement, xpath: str) -> list[str]:
    return [node.get("href") for node in page.xpath(xpath)]


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file, the target of every symlink and every folder below `folder`, by relative path."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            hashes[name] = "symlink:" + os.readlink(path)
        elif path.is_file():
            hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            hashes[name + "/"] = "folder"
    return hashes
