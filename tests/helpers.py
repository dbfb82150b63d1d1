"""Helpers for tests: small sites in temporary folders, and parsing what they produce."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
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
        return tree(self.output)



def texts(page: lxml_html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in page.xpath(xpath)]


def hrefs(page: lxml_html.HtmlElement, xpath: str) -> list[str]:
    return [node.get("href") for node in page.xpath(xpath)]


# --- snapshots of folders -------------------------------------------------------------------------------------------


def tree(folder: Path, skip: Iterable[Path] = (), exclude: Iterable[str] = (), folders: bool = False
         ) -> dict[str, bytes]:
    """Every file below `folder` by relative path, sorted: its bytes; a symlink (to a file or a folder, never
    followed): b"symlink:" and its target; with `folders`, every folder too, as "name/": b"".

    The folders in `skip` are left out, and so is anything whose name matches a pattern of `exclude`
    (".output.*": previous sites that a build deletes in the background).
    """
    skipped = {Path(path) for path in skip}
    patterns = tuple(exclude)
    found: dict[str, bytes] = {}
    if not folder.is_dir():
        return found
    for current, subfolders, files in os.walk(folder, followlinks=False):
        base = Path(current)
        subfolders[:] = sorted(name for name in subfolders if base / name not in skipped
                               and not any(fnmatch(name, pattern) for pattern in patterns))
        for name in [*files, *subfolders]:
            path = base / name
            if any(fnmatch(name, pattern) for pattern in patterns):
                continue
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = b"symlink:" + os.readlink(path).encode()
            elif name in files:
                found[key] = path.read_bytes()
            elif folders:
                found[key + "/"] = b""
    return dict(sorted(found.items()))


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file, symlink target and folder below `folder` (see `tree`), by relative path."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in tree(folder, folders=True).items()}


def fragments(bundle: Path) -> dict[str, dict]:
    """Pagefind fragment id -> the record (url, content, meta) of each page a shard holds."""
    found = {}
    folder = bundle / "fragment"
    for fragment in sorted(folder.iterdir()) if folder.is_dir() else ():
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        found[fragment.name.removesuffix(".pf_fragment")] = json.loads(data[len(b"pagefind_dcd"):])
    return found


def search_index(output: Path) -> dict[str, dict[str, dict]]:
    """What the search box finds, as search.js merges the shards that pagefind/shards.json lists: per
    language, URL -> record (title and text) of every record, less those a later shard supersedes.
    A URL found twice (a duplicate result) fails."""
    listed = json.loads((output / "pagefind/shards.json").read_bytes())["languages"]
    found: dict[str, dict[str, dict]] = {}
    for lang, shards in sorted(listed.items()):
        records = found.setdefault(lang, {})
        for shard in shards:
            superseded = shard.get("superseded", {})
            for fragment_id, record in fragments(output / "pagefind" / shard["bundle"]).items():
                if superseded.get(fragment_id) == record["url"]:
                    continue
                assert record["url"] not in records, f"{record['url']} found twice in {lang}"
                records[record["url"]] = {"title": record["meta"]["title"], "content": record["content"]}
    return found


def site_tree(folder: Path, folders: bool = False, found: bool = False) -> dict[str, bytes]:
    """`tree` of a built site. With `found`, its search index is compared by what it finds (see
    search_index) rather than byte for byte: a preview's edit build (`digest serve`) puts the edited
    articles in a recent shard that a clean build's index does not hold, with the same results.
    `digest build` output is compared byte for byte, its index included."""
    if not found:
        return tree(folder, folders=folders)
    result = {name: data for name, data in tree(folder, folders=folders).items() if not name.startswith("pagefind/")}
    if (folder / "pagefind/shards.json").is_file():
        result["pagefind/ (what search finds)"] = json.dumps(search_index(folder), ensure_ascii=False,
                                                             sort_keys=True, indent=1).encode()
    return result


def site_hashes(folder: Path, found: bool = False) -> dict[str, str]:
    """sha256 of each entry of site_tree (folders too)."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in site_tree(folder, True, found).items()}


# --- `path:line: message` lines ---------------------------------------------------------------------------------

# `path:line: message`, or `path: message` (a folder, or a file whose line is unknown).
PROBLEM_LINE = re.compile(r"^(?P<path>[^:\n]+?)(?::(?P<line>\d+))?: (?P<message>.+)$")


def problems(output: str | Result, every_line: bool = False) -> list[tuple[str, int | None, str]]:
    """(path, line, message) of every problem line of a command's output; with `every_line`, every line of
    the output must be one."""
    text = output if isinstance(output, str) else output.output
    found = []
    for line in text.splitlines():
        match = PROBLEM_LINE.match(line)
        if match is None:
            assert not every_line, f"not a `path:line: message` line: {line!r}\n{text}"
            continue
        found.append((match["path"], int(match["line"]) if match["line"] else None, match["message"]))
    return found


def run_in(root: Path, *args: str) -> Result:
    """`digest ARGS` run from inside `root`, as a user in their site's folder would."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(previous)


def process_gone(pid: int, within: float = 5.0) -> bool:
    """Whether process `pid` ends within `within` seconds (a zombie, ended but not yet reaped, counts)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if ") Z " in stat:
            return True
        time.sleep(0.02)
    return False
