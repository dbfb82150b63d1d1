"""Pagefind's index files, read and written by digest: an edit re-indexes its articles, not their quarter.

Pagefind cannot replace a record in an index it built, but its index of a shard is the union of what
each page contributes alone: it indexes every page on its own, then merges the pages' words
(pagefind/src/index/mod.rs, 1.5). So an edit asks Pagefind for the edited articles alone, old and new
versions (a few hundredths of a second), reads the shard's index as the last build left it, takes
the old pages' words out and the new ones in, and writes what Pagefind writes for the whole quarter:
the same CBOR in every file, under the same names. Each page's fragment stays Pagefind's own file.

What digest owns is the compression: Pagefind's deflate (miniz at level 9) is not Python's zlib, so the
meta and word-index files of every shard, a clean build's included, are compressed by digest (`pack`,
`repack`): a clean build and an edit write the same bytes.

Anything else (another Pagefind version's layout, filters, sorts, a page that would be dropped or
added) is None: the caller indexes the shard with Pagefind instead.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from bisect import insort
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import accumulate, pairwise, repeat
from pathlib import Path
from typing import Any

import cbor2

PREFIX = b"pagefind_dcd"  # what every compressed file of Pagefind's starts with, once decompressed
ENTRY = "pagefind-entry.json"
VERSIONS = ("1.5.",)  # the Pagefind versions whose index layout this module knows
CHUNK_SIZE = 20000  # Pagefind's default index_chunk_size: locations per word-index file
_LEVEL = 1  # (level 6 takes three times as long for files 6 % smaller; level 9, eight times, for 7 %)

Entry = list[Any]  # a page's locations of one word: [page number, locations, meta locations]
Word = list[Any]  # [word, [Entry...], [[variant form, [Entry...]]...]]; each page number after the first
# is the difference from the one before, as in the files (made absolute only for the words an edit touches)


def pack(raw: bytes) -> bytes:
    """A file's content compressed as Pagefind's are (gzip of PREFIX + raw), the same bytes for the same input."""
    return gzip.compress(PREFIX + raw, compresslevel=_LEVEL, mtime=0)


def unpack(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(PREFIX):
        raise ValueError("not a Pagefind file")
    return raw[len(PREFIX):]


def repack(path: str, data: bytes) -> bytes:
    """A file of a bundle Pagefind wrote, as digest writes it: meta and word indexes compressed by digest."""
    return pack(unpack(data)) if path.endswith((".pf_meta", ".pf_index")) else data


def full_hash(data: bytes) -> str:
    """Pagefind's hash of a file's content: SHA-1, each byte in hex without its leading zero (as it does)."""
    return "".join(format(byte, "x") for byte in hashlib.sha1(data).digest())


@dataclass
class Bundle:
    """One language's index in a Pagefind bundle, decoded: its pages ([fragment name, word count], in
    page-number order) and its words, sorted (see Word); and, to write it again, its entry file
    (pagefind-entry.json)."""

    lang: str
    version: str
    pages: list[list[Any]]
    words: list[Word]
    meta_fields: list[Any]
    entry: dict[str, Any]
    encoded: list[bytes] | None = None  # each word's CBOR as read (written again as is unless edited)


def read_bundle(files: Mapping[str, bytes], lang: str) -> Bundle | None:
    """The index of `lang` in a bundle (path -> file as written), or None if its layout is not one this
    module knows."""
    try:
        entry = json.loads(files[ENTRY])
        if not entry["version"].startswith(VERSIONS):
            return None
        meta = cbor2.loads(unpack(files[f"pagefind.{entry['languages'][lang]['hash']}.pf_meta"]))
        if not (isinstance(meta, list) and len(meta) == 6 and meta[0] == entry["version"]
                and meta[3] == [] and meta[4] == []):
            return None
        words: list[Word] = []
        encoded: list[bytes] = []
        for chunk in meta[2]:
            _read_words(unpack(files[f"index/{chunk[2]}.pf_index"]), words, encoded)
    except (KeyError, IndexError, TypeError, ValueError, OSError, EOFError, cbor2.CBORDecodeError):
        return None
    return Bundle(lang, meta[0], meta[1], words, meta[5], entry, encoded)


def _read_words(raw: bytes, words: list[Word], encoded: list[bytes]) -> None:
    """A word-index file's words (`[[word...]]`) appended to `words`, and the bytes that encode each one
    to `encoded`: an edit encodes again only the words it changes (CBOR has no shared state: a list's
    encoding is its header and its items' encodings, one after the other)."""
    if raw[:1] != _array_header(1):
        raise ValueError("not a word index")
    count, start = _array_length(raw, 1)
    stream = io.BytesIO(raw)
    stream.seek(start)
    decoder = cbor2.CBORDecoder(stream)
    for _ in range(count):
        words.append(decoder.decode())
        end = stream.tell()
        encoded.append(raw[start:end])
        start = end
    if start != len(raw):
        raise ValueError("trailing bytes in a word index")


def _array_header(length: int) -> bytes:
    """CBOR's head of an array of `length` items (major type 4, in the fewest bytes)."""
    if length < 24:
        return bytes([0x80 + length])
    for marker, size in ((0x98, 1), (0x99, 2), (0x9A, 4), (0x9B, 8)):
        if length < 1 << (8 * size):
            return bytes([marker]) + length.to_bytes(size, "big")
    raise ValueError("array too long")


def _array_length(raw: bytes, at: int) -> tuple[int, int]:
    """The length of the CBOR array whose head starts at `at`, and where its first item starts."""
    marker = raw[at]
    if 0x80 <= marker < 0x98:
        return marker - 0x80, at + 1
    size = {0x98: 1, 0x99: 2, 0x9A: 4, 0x9B: 8}.get(marker)
    if size is None:
        raise ValueError("not a definite-length array")
    return int.from_bytes(raw[at + 1:at + 1 + size], "big"), at + 1 + size


class FolderFiles(Mapping[str, bytes]):
    """A bundle's folder as read_bundle reads it: each file read when asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __getitem__(self, path: str) -> bytes:
        try:
            return (self.folder / path).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None

    def __iter__(self) -> Iterator[str]:
        for folder, _, names in os.walk(self.folder):
            relative = Path(folder).relative_to(self.folder).as_posix()
            yield from (name if relative == "." else f"{relative}/{name}" for name in names)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def fragment_hash(lang: str, fragment: bytes) -> str:
    """The full hash Pagefind names a fragment by (its short name is a prefix), from the file as written."""
    return f"{lang}_{full_hash(unpack(fragment))}"


def _absolute(entries: Sequence[Entry], pages: Mapping[int, int] | None = None) -> list[Entry]:
    """Entries with absolute page numbers (renumbered by `pages`, if given)."""
    numbers = accumulate(entry[0] for entry in entries)
    if pages is not None:
        numbers = (pages[number] for number in numbers)
    return [[number, entry[1], entry[2]] for entry, number in zip(entries, numbers, strict=True)]


def _deltas(entries: Sequence[Entry]) -> list[Entry]:
    last = 0
    encoded = []
    for number, locations, meta_locations in entries:
        encoded.append([number - last, locations, meta_locations])
        last = number
    return encoded


@dataclass(frozen=True)
class NewPage:
    """A new version of a page of a shard: its page number there, and Pagefind's fragment file for it."""

    number: int
    fragment: bytes
    full: str  # the fragment's full hash (fragment_hash)
    word_count: int


@dataclass(frozen=True)
class Written:
    """A bundle to write: its files (path -> content) but the fragments, and the fragment name of each
    page, in page-number order (a page kept has the content of its old fragment; a new page, its own)."""

    files: dict[str, bytes]
    fragment_names: list[str]


def replace_pages(old: Bundle, before: Bundle, after: Bundle, before_pages: Mapping[int, int],
                  new_pages: Mapping[int, NewPage], old_hash: Callable[[str], str]) -> Written | None:
    """The index of `old` with some pages replaced by new versions. `before` and `after` are Pagefind's
    indexes of those pages alone, old and new versions; `before_pages` and `new_pages` map a page
    number in them to the page (or the new page) in `old`. `old_hash(name)` is the full hash of a
    fragment of `old` (read only where short names collide). None where a layout differs."""
    if not (before.version == after.version == old.version
            and before.meta_fields == after.meta_fields == old.meta_fields):
        return None
    replaced = set(before_pages.values())
    if replaced != {page.number for page in new_pages.values()}:
        return None
    after_pages = {number: page.number for number, page in new_pages.items()}
    touched: dict[str, list[Word]] = {word[0]: [] for word in before.words}
    for word in after.words:
        touched.setdefault(word[0], []).append(_renumbered(word, after_pages))
    # A word the new versions hold exactly where the old ones did (same pages, locations, variants) is left
    # as it is, bytes and all: a paragraph added at the end changes a few of an article's words, not all.
    for word in before.words:
        if touched[word[0]] == [_renumbered(word, before_pages)]:
            del touched[word[0]]
    # Each word with its encoding as read (None: to be encoded), or None once gone.
    known: Sequence[bytes | None] = old.encoded or [None] * len(old.words)
    words: list[tuple[Word, bytes | None] | None] = list(zip(old.words, known, strict=True))
    at = {word[0]: position for position, word in enumerate(old.words) if word[0] in touched}
    fresh = []
    for text, additions in touched.items():
        position = at.get(text)
        merged = _merged(old.words[position] if position is not None else None, replaced, additions, text)
        if position is not None:
            words[position] = None if merged is None else (merged, None)
        elif merged is not None:
            fresh.append((merged, None))
    kept = [word for word in words if word is not None]
    for word in fresh:
        insort(kept, word, key=lambda item: item[0][0])
    pages = [list(page) for page in old.pages]
    fulls: list[str | None] = [None] * len(pages)
    for page in new_pages.values():
        pages[page.number] = [None, page.word_count]
        fulls[page.number] = page.full
    names = _fragment_names(old.lang, [page[0] for page in pages], fulls, old_hash)
    if names is None:
        return None
    for page, name in zip(pages, names, strict=True):
        page[0] = name
    return Written(encode(old, pages, [word for word, _ in kept], [encoded for _, encoded in kept]), names)


def _renumbered(word: Word, pages: Mapping[int, int]) -> Word:
    """A word of a bundle with absolute page numbers, renumbered by `pages`."""
    return [word[0], _absolute(word[1], pages), [[form, _absolute(entries, pages)] for form, entries in word[2]]]


def _merged(old: Word | None, replaced: set[int], additions: Sequence[Word], text: str) -> Word | None:
    """A word's entries with those of the replaced pages taken out and the new versions' put in (given
    with absolute page numbers: see _renumbered); its variants (forms with other diacritics) in
    Pagefind's order: by the first page each is on, on that page those in the text before those only
    in meta fields, then by form. None if nothing is left."""
    entries = [entry for entry in _absolute(old[1]) if entry[0] not in replaced] if old is not None else []
    variants: dict[str, list[Entry]] = {}
    if old is not None:
        for form, items in old[2]:
            variants[form] = [entry for entry in _absolute(items) if entry[0] not in replaced]
    for word in additions:
        entries.extend(word[1])
        for form, items in word[2]:
            variants.setdefault(form, []).extend(items)
    entries.sort(key=lambda entry: entry[0])
    ordered = []
    for form, items in variants.items():
        if items:
            items.sort(key=lambda entry: entry[0])
            ordered.append((items[0][0], 0 if items[0][1] else 1, form, items))
    ordered.sort(key=lambda item: item[:3])
    if not entries and not ordered:
        return None
    return [text, _deltas(entries), [[form, _deltas(items)] for _, _, form, items in ordered]]


def _fragment_names(lang: str, old_names: Sequence[str | None], fulls: list[str | None],
                    old_hash: Callable[[str], str]) -> list[str] | None:
    """Each page's fragment name as Pagefind gives it: the first characters of its full hash, one more
    while an earlier page has that name. A page kept whose old name has no extra character keeps it
    unless an earlier page now takes it (its full hash is read only then)."""
    base = len(lang) + 8

    def full(number: int) -> str:
        if fulls[number] is None:
            name = old_names[number]
            assert name is not None
            fulls[number] = old_hash(name)
        found = fulls[number]
        assert found is not None
        return found

    taken: dict[str, int] = {}
    names = []
    for number, old_name in enumerate(old_names):
        name = old_name if old_name is not None and len(old_name) == base else full(number)[:base]
        while name in taken:
            if full(taken[name]) == full(number):
                return None  # (two identical pages: Pagefind's own handling of these loops forever)
            name = full(number)[:len(name) + 1]
        taken[name] = number
        names.append(name)
    return names


def encode(old: Bundle, pages: Sequence[Sequence[Any]], words: Sequence[Word],
           encoded: Sequence[bytes | None] | None = None) -> dict[str, bytes]:
    """The meta file, word indexes and entry file of a bundle with these pages and words (the rest as in
    `old`), as Pagefind writes them: path -> content, compressed. `encoded`: each word's CBOR where known
    (as read_bundle read it), else None."""
    lang = old.lang
    base = len(lang) + 8
    chunks = _chunks(words)
    ranges = _ranges([words[start:end] for start, end in chunks])
    raws: dict[str, bytes] = {}  # path -> content, to compress
    names: set[str] = set()
    for (start, end), bounds in zip(chunks, ranges, strict=True):
        known = encoded[start:end] if encoded is not None else repeat(None, end - start)
        raw = b"".join([_array_header(1), _array_header(end - start),
                        *(data if data is not None else cbor2.dumps(word)
                          for word, data in zip(words[start:end], known, strict=True))])
        hashed = f"{lang}_{full_hash(raw)}"
        name = hashed[:base]
        while name in names:
            name = hashed[:len(name) + 2]  # (as Pagefind extends a word index's name: two characters)
            if len(name) >= len(hashed):
                break
        names.add(name)
        bounds.append(name)
        raws[f"index/{name}.pf_index"] = raw
    meta = cbor2.dumps([old.version, [list(page) for page in pages], ranges, [], [], old.meta_fields])
    meta_name = f"{lang}_{full_hash(meta)[:base]}"
    raws[f"pagefind.{meta_name}.pf_meta"] = meta
    # Compressed on every core: zlib lets go of the interpreter while it works.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="digest-pack") as pool:
        files = dict(zip(raws, pool.map(pack, raws.values()), strict=True))
    entry = json.loads(json.dumps(old.entry))
    entry["languages"][lang].update(hash=meta_name, page_count=len(pages))
    files[ENTRY] = entry_json(entry)
    return files


def entry_json(entry: Mapping[str, Any]) -> bytes:
    """pagefind-entry.json, its keys sorted (Pagefind writes its languages in hash-map order)."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _chunks(words: Sequence[Word]) -> list[tuple[int, int]]:
    """Words cut into word-index files as Pagefind cuts them (each file's start and end in `words`): a
    file ends once its words' page entries and locations (variants not counted) reach CHUNK_SIZE."""
    chunks: list[tuple[int, int]] = []
    start = size = 0
    for position, word in enumerate(words):
        size += sum(len(entry[1]) + len(entry[2]) + 1 for entry in word[1])
        if size >= CHUNK_SIZE:
            chunks.append((start, position + 1))
            start, size = position + 1, 0
    if start < len(words):
        chunks.append((start, len(words)))
    return chunks


def _ranges(chunks: Sequence[Sequence[Word]]) -> list[list[str]]:
    """The words each file of the meta file spans: its first and last word, each cut to the shortest
    prefix that tells it from its neighbour's."""
    ranges = [[chunk[0][0], chunk[-1][0]] for chunk in chunks]
    for current, following in pairwise(ranges):
        last, first = current[1], following[0]
        common = len(os.path.commonprefix([first, last]))  # noqa: RUF071 (characters, as wanted)
        if last[:common + 1] >= current[0]:
            current[1] = last[:common + 1]
        following[0] = first[:common + 1]
    return ranges
