"""Pagefind as digest runs it: `pagefind --service` for a shard's records (its files, in memory), and a
shard rewritten after an edit from Pagefind's index of the edited records alone (see
digest.pagefind_format)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from digest import pagefind_format
from digest.errors import Problem, SiteError

# Pagefind writes UI kits that digest's own search box does not use: left out of every shard.
UNUSED = re.compile(r"^pagefind-(component-ui|modular-ui|ui|highlight)\.")


def pagefind_executable() -> Path:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise error("search is on but the pagefind binary is missing: pip install pagefind-bin, "
                     "or set 'search: false' in config.yaml") from None
    try:
        return Path(get_executable())
    except FileNotFoundError:
        raise error("search is on but the pagefind binary is missing from the pagefind-bin package: "
                     "reinstall it, or set 'search: false' in config.yaml") from None


class PagefindService:
    """`pagefind --service`: requests and responses are base64 JSON, each followed by a comma.

    Talked to directly rather than through the `pagefind` Python package, whose reader sleeps 0.1 s
    before each response: 2,500 records took 260 s through it, 7 s this way.
    """

    def __init__(self, executable: Path) -> None:
        try:
            self.process = subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as error:
            raise error(f"cannot run pagefind ({executable}): {error.strerror}") from None
        self.next_id = 0
        self.pending = bytearray()

    def __enter__(self) -> PagefindService:
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        # Every file is read already: stopped rather than waited for (worker processes forked while it ran
        # hold its stdin open too, so it would not see the end of its input before they exit).
        self.process.kill()
        self.process.wait()

    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.call_many([payload])

    def index(self, records: Sequence[dict[str, Any]]) -> dict[str, bytes]:
        """A new index of these records: its files (path -> content as Pagefind writes it), but the UI kits
        digest does not use; pagefind-entry.json with its keys sorted."""
        index = self.call({"type": "NewIndex", "config": {}})["index_id"]
        self.call_many([{"type": "AddRecord", "index_id": index, **item} for item in records])
        files: dict[str, bytes] = {}
        for file in self.call({"type": "GetFiles", "index_id": index})["files"]:
            path = str(file["path"])
            if UNUSED.match(path):
                continue
            data = base64.b64decode(file["content"])
            if path == pagefind_format.ENTRY:  # languages in hash-map order: sorted, for reproducible builds
                data = pagefind_format.entry_json(json.loads(data))
            files[path] = data
        return files

    def call_many(self, payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Send the requests (from a thread, so that neither pipe fills up while the other waits) and
        read one response to each; the last one is returned."""
        messages = [self._encode(payload) for payload in payloads]
        failure: list[OSError] = []

        def send() -> None:
            stdin = self.process.stdin
            assert stdin is not None
            try:
                for message in messages:
                    stdin.write(message)
                stdin.flush()
            except OSError as error:  # pagefind stopped: the reader says so
                failure.append(error)
            except ValueError:  # closed by __exit__ after the reader raised (pagefind refused a record)
                pass

        writer = threading.Thread(target=send, daemon=True, name="digest-pagefind-send")
        writer.start()
        last_id = self.next_id - 1
        while True:  # responses may come out of order, and others in between: wait for the last one's
            response = self._read()
            payload = response.get("payload") or {}
            if payload.get("type") == "Error":
                raise error(f"pagefind failed: {payload.get('message', 'unknown error')}")
            if response.get("message_id") == last_id:
                break
        writer.join()
        if failure:
            raise error(f"pagefind stopped: {failure[0].strerror}")
        return payload

    def _encode(self, payload: dict[str, Any]) -> bytes:
        message = {"message_id": self.next_id, "payload": payload}
        self.next_id += 1
        return base64.b64encode(json.dumps(message).encode("utf-8")) + b","

    def _read(self) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        scanned = 0  # (a large response comes in many chunks: each is searched once, not the whole buffer again)
        while (end := self.pending.find(b",", scanned)) < 0:
            scanned = len(self.pending)
            chunk = stdout.read1(1 << 16)
            if not chunk:
                raise error(f"pagefind stopped unexpectedly (exit code {self.process.poll()})")
            self.pending += chunk
        message = bytes(self.pending[:end])
        del self.pending[: end + 1]
        return json.loads(base64.b64decode(message))


def fragment_ids(files: Mapping[str, bytes]) -> dict[str, str]:
    """Each page's URL -> its fragment's name, in a bundle's files."""
    ids: dict[str, str] = {}
    for path, data in files.items():
        if path.startswith("fragment/") and path.endswith(".pf_fragment"):
            ids[json.loads(pagefind_format.unpack(data))["url"]] = path[len("fragment/"):-len(".pf_fragment")]
    return ids


def edit_shard(previous: Path, lang: str, old: Sequence[dict[str, Any]], old_ids: Mapping[str, str],
                replaced: Mapping[int, dict[str, Any]], folder: Path) -> dict[str, str] | None:
    """Index a shard again after an edit, into `folder`, without indexing the quarter again: Pagefind
    indexes the replaced records alone, old and new versions, and the shard's index in `previous` (as
    the last build wrote it from `old`) is written again with the old pages' words out and the new
    ones in (digest.pagefind_format). Each URL's fragment id, or None where that cannot be done (an
    article whose record Pagefind would drop or take in anew, a layout this digest does not know):
    then the shard is indexed from its records."""
    if not replaced:
        return None
    positions = sorted(replaced)

    def index_alone() -> tuple[dict[str, bytes], dict[str, bytes]]:
        with PagefindService(pagefind_executable()) as service:
            return (service.index([old[position] for position in positions]),
                    service.index([replaced[position] for position in positions]))

    # Pagefind indexes the old and new versions while the shard's index is read.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-pagefind") as pool:
        alone = pool.submit(index_alone)
        current = pagefind_format.FolderFiles(previous)
        bundle = pagefind_format.read_bundle(current, lang)
        before_files, after_files = alone.result()
    if bundle is None:
        return None
    before = pagefind_format.read_bundle(before_files, lang)
    after = pagefind_format.read_bundle(after_files, lang)
    if before is None or after is None:
        return None
    before_urls = _page_urls(before_files, before)
    after_urls = _page_urls(after_files, after)
    page_of = {name: number for number, (name, _) in enumerate(bundle.pages)}
    old_pages = {url: page_of.get(name) for url, name in old_ids.items()}
    urls_wanted = [replaced[position]["url"] for position in positions]
    if (before_urls is None or after_urls is None or sorted(before_urls) != sorted(urls_wanted)
            or sorted(after_urls) != sorted(urls_wanted) or any(old_pages.get(url) is None for url in urls_wanted)):
        return None  # (a record with no words, or records not those of the index: indexed as a whole)
    before_pages = {number: old_pages[url] for number, url in enumerate(before_urls)}
    for number, page in before_pages.items():
        # The old versions Pagefind indexed now must be the pages the index holds: the same fragment (both
        # names are prefixes of its hash) and word count. Else the records kept are not the index's.
        mini, held = before.pages[number], bundle.pages[page]
        if not (held[0].startswith(mini[0]) or mini[0].startswith(held[0])) or mini[1] != held[1]:
            return None
    new_pages = {}
    for number, url in enumerate(after_urls):
        fragment = after_files[f"fragment/{after.pages[number][0]}.pf_fragment"]
        new_pages[number] = pagefind_format.NewPage(old_pages[url], fragment,
                                                    pagefind_format.fragment_hash(lang, fragment),
                                                    after.pages[number][1])

    def old_hash(name: str) -> str:
        return pagefind_format.fragment_hash(lang, current[f"fragment/{name}.pf_fragment"])

    written = pagefind_format.replace_pages(bundle, before, after, before_pages, new_pages, old_hash)
    if written is None:
        return None
    url_of = {old_pages[url]: url for url in old_ids if old_pages.get(url) is not None}
    new_content = {page.number: page.fragment for page in new_pages.values()}
    folder.mkdir(parents=True)
    (folder / "fragment").mkdir()
    (folder / "index").mkdir()
    with os.scandir(previous) as entries:  # Pagefind's scripts and WebAssembly, as they were
        for entry in entries:
            if entry.is_file() and not entry.name.endswith(".pf_meta") and entry.name != pagefind_format.ENTRY:
                _link(entry.path, str(folder / entry.name))
    for number, name in enumerate(written.fragment_names):
        target = folder / "fragment" / f"{name}.pf_fragment"
        if number in new_content:
            target.write_bytes(new_content[number])
        else:
            _link(str(previous / "fragment" / f"{bundle.pages[number][0]}.pf_fragment"), str(target))
    for path, data in written.files.items():
        (folder / path).write_bytes(data)
    return {url_of[number]: name for number, name in enumerate(written.fragment_names)}


def _page_urls(files: Mapping[str, bytes], bundle: pagefind_format.Bundle) -> list[str] | None:
    """The URL of each page of a bundle, in page-number order (None if a page has no fragment)."""
    url_of = {name: url for url, name in fragment_ids(files).items()}
    names = [name for name, _ in bundle.pages]
    return [url_of[name] for name in names] if url_of.keys() >= set(names) else None


def _link(source: str, target: str) -> None:
    """A file hard-linked, or copied where it cannot be (another file system)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def error(message: str) -> SiteError:
    return SiteError([Problem("search", None, message)])

