"""What the last build saw and wrote: the one owner of digest's incremental state in .digest-cache/.

Beside the parsed-article cache (content.ArticleCache, shared by every output folder), each output
folder has its own records, named after the folder, so that `--output elsewhere` spoils nothing:

- `manifest`: what the output folder holds (file -> fingerprint) and when it was written;
- `spare` (a record and a folder): the site the last build replaced, kept to be updated into the next;
- `search`: the search shards the output folder's index holds (see digest.search);
- `sources`: a stamp of every input the last build read (file names, times and sizes, the config,
  the options) and until when its output stays right with no input changed (the next scheduled
  article, the next change of the news sitemap's two days). A build that finds the same stamp, in
  time, over an output folder nobody touched, has nothing to do.

A record is removed (or narrowed to what stays true) before the folder it describes is changed, and
saved again after: a build that fails or is killed halfway leaves no record that claims more than is
true. The output folder's records stay in place through a build: just before the swap, a `swap` record
says what the output folder holds if the staged folder is found in its place (a build killed right
after the swap is recognized so by the next one, which keeps its records). Every record is saved
sealed (digest.records: digest's version and a checksum): one that does not check out, or holds
values of the wrong types, is no record, and the part it described is built again.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import os
import pickle
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from digest import __version__, blobs
from digest.config import Config
from digest.heap import unscanned
from digest.output import Tree
from digest.records import UNPICKLING_ERRORS, fingerprint, load_record, load_record_view, save_record
from digest.theme import template_dirs

ARTICLES = "articles"  # folder of the parsed-article cache


@cache
def graph_kind() -> str:
    """The kind of a page graph's record (see digest.blobs): it pickles articles, so the layout of their
    classes is part of it (a record of another layout is no record). (Imported here only by the builds
    that read or save a graph: a build with nothing to do never loads the parser.)"""
    from digest.content import CACHE_FORMAT

    return f"graph {fingerprint(CACHE_FORMAT)[:12]}"


@dataclass(frozen=True)
class Unchanged:
    """What the last build reported, to be reported again by a build that finds nothing to do."""

    pages: int
    files: int
    scheduled: int
    next_due: datetime | None
    drafts: int = 0  # left out (not --drafts)


class BuildState:
    """The records of one output folder."""

    def __init__(self, config: Config, trees: TreeMemo | None = None) -> None:
        self.config = config
        self.tag = fingerprint(str(config.output_dir))[:12]
        self.trees = trees  # tree records this process saved or read (a long-lived Builder's: serve's)
        # Each file list pickled (see _files_data), by the mapping's identity: an edit build saves the same
        # 65,000 entries (10,000 articles x 2) as the swap's, then the manifest's, and reads the spare's.
        # (A build never changes a file list once read or saved: a tree's lists are its records' values.)
        self.pickled: dict[int, tuple[Mapping[str, str], bytes]] = {}

    @property
    def articles_dir(self) -> Path:
        return self.config.cache_dir / ARTICLES

    @property
    def search_records(self) -> Path:
        """The records each search shard was last indexed from (see digest.search.RecordStore)."""
        return self.config.cache_dir / "search-records"

    def record(self, name: str) -> Path:
        return self.config.cache_dir / f"{name}-{self.tag}.record"

    def records_of_every_folder(self, name: str) -> list[Path]:
        """The record `name` of every output folder that shares this cache (output/, serve's folder)."""
        return sorted(self.config.cache_dir.glob(f"{glob.escape(name)}-{'[0-9a-f]' * len(self.tag)}.record"))

    def forget(self, *names: str) -> None:
        for name in names:
            self.record(name).unlink(missing_ok=True)

    # --- the page graph (see digest.delta), pickled: it holds the site's articles

    def graph_base(self) -> Path:
        return self.config.cache_dir / f"graph-{self.tag}.pickle"

    def graph_edits(self) -> Path:
        return self.config.cache_dir / f"graph-{self.tag}-edits.pickle"

    def graph_edits_pending(self) -> Path:
        """The graph's edits saved by an edit build before its swap: the graph's own once the swap has
        happened (commit_graph_edits, or build.recover after a kill), else dropped: the graph then
        always describes the site output/ holds."""
        return self.config.cache_dir / f"graph-{self.tag}-edits.pending"

    def commit_graph_edits(self, swapped: bool) -> None:
        """The pending graph edits made the graph's (the site they describe is in place), or dropped."""
        pending = self.graph_edits_pending()
        with contextlib.suppress(FileNotFoundError):
            if swapped:
                os.replace(pending, self.graph_edits())
            else:
                pending.unlink()

    def graph_stamps(self) -> tuple[Stamp, Stamp]:
        """The stamps of the graph's two files: equal stamps, the same graph as when they were taken."""
        return stamp_of(self.graph_base()), stamp_of(self.graph_edits())

    def keep_folder(self) -> Path:
        """A new folder in the cache for what a full build keeps (the parsed articles' shards, under
        `articles/`; the page graph's record, `graph`), written while its pages are and put in place by
        `put_kept` once the site is written. Those a killed build left are removed first (under the
        build lock: no other build owns them)."""
        for leftover in self.config.cache_dir.glob(".keep-*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        folder = self.config.cache_dir / f".keep-{os.getpid()}.tmp"
        folder.mkdir(parents=True)
        return folder

    def put_kept(self, folder: Path) -> None:
        """Move what keep_folder holds into place: each file replaced at once (a reader sees the old
        record or the new one)."""
        shards = folder / "articles"
        if shards.is_dir():
            self.articles_dir.mkdir(parents=True, exist_ok=True)
            for shard in sorted(shards.iterdir()):
                os.replace(shard, self.articles_dir / shard.name)
        if (folder / "graph").is_file():
            self.forget_graph()  # (its edits too)
            os.replace(folder / "graph", self.graph_base())

    def forget_graph(self) -> None:
        self.graph_edits().unlink(missing_ok=True)
        self.graph_base().unlink(missing_ok=True)

    def adopt_graph(self, other: BuildState) -> bool:
        """Take over the page graph of another output folder of the same site (serve's folder, starting
        from output/'s): its records copied as they are, with this folder's name in their header."""
        theirs = other.graph_edits()
        edits = load_record(theirs, "pickle") if theirs.is_file() else b""
        if edits is None or (edits and not edits.startswith(other._pickle_header)):
            return False
        self.forget_graph()
        if not blobs.copy(other.graph_base(), self.graph_base(), graph_kind(), other._pickle_header,
                          self._pickle_header):
            return False  # (no graph there)
        if edits:
            save_record(self.graph_edits(), "pickle", self._pickle_header + edits[len(other._pickle_header):])
        return True

    def adopt_sources(self, other: BuildState) -> bool:
        """Take over another output folder's record of the inputs it was built from (see adopt_graph)."""
        data = other._load("sources")
        if data is None:
            return False
        self._save("sources", {key: value for key, value in data.items() if key not in ("version", "output_dir")})
        return True

    def write_pickle(self, path: Path, dump: Callable[[BinaryIO], None]) -> None:
        """Save a pickle as a sealed record (digest's version, a checksum), after a header naming the
        output folder."""
        buffer = io.BytesIO()
        buffer.write(self._pickle_header)
        dump(buffer)
        save_record(path, "pickle", buffer.getbuffer())

    def write_graph(self, path: Path, dump: Callable[[BinaryIO, Callable[[blobs.Apart], Any]], None]) -> None:
        """Save a page graph's record (see digest.blobs: `dump` pickles its structure, with the given
        reducer for the values it keeps apart), after a header naming the output folder."""
        blobs.write(path, graph_kind(), self._pickle_header, dump)

    def read_graph(self, path: Path) -> Any:
        """What write_graph saved (its blobs read when asked for), or None (missing, damaged, or of
        another version or folder)."""
        with unscanned():  # tens of thousands of objects
            return blobs.read(path, graph_kind(), self._pickle_header)

    @property
    def _pickle_header(self) -> bytes:
        """What a pickled record starts with: the name of the output folder it describes."""
        return pickle.dumps(str(self.config.output_dir), protocol=pickle.HIGHEST_PROTOCOL)

    def read_pickle(self, path: Path) -> Any:
        """What write_pickle wrote, or None (missing, unreadable, damaged, or of another version or folder)."""
        data = load_record_view(path, "pickle")
        if data is None:
            return None
        header = self._pickle_header
        if data[:len(header)] != header:
            return None
        try:
            with unscanned():  # tens of thousands of objects
                return pickle.loads(data[len(header):])  # (from the view: no copy)
        except UNPICKLING_ERRORS:
            return None

    # --- the output folder and the spare tree

    def spare_dir(self) -> Path | None:
        """Where the site replaced by a build is kept: in the cache, if that is on the output folder's
        file system (swapping them is then a rename)."""
        try:
            if os.stat(self.config.cache_dir).st_dev != os.stat(self.config.output_dir.parent).st_dev:
                return None
        except OSError:
            return None
        return self.config.cache_dir / f"spare-{self.tag}"

    def load_tree(self, name: str, folder: Path) -> Tree | None:
        """What the last build wrote into `folder` (the output folder or the spare one), if still known:
        only if `folder` is the very folder the record was saved for (see _where), not another one
        moved to its name since (by a build killed between the move and its record)."""
        path = self.record(name)
        where = self._where(name, folder)
        if where is None or not folder.is_dir():
            return None
        known = self.trees.get(path) if self.trees is not None else None
        if known is not None and known[0] == stamp_of(path):
            _, files, written_ns, saved_where, verified = known
        else:
            data = self._load(name)
            if data is None:
                return None
            files, written_ns, saved_for = self._files(data.get("files")), data.get("saved_ns"), data.get("folder")
            if files is None or type(written_ns) is not int:
                return None
            saved_where = tuple(saved_for) if isinstance(saved_for, list) else None
            verified = data.get("verified") is True
            self._remember_tree(path, files, written_ns, saved_where, verified)
        if saved_where != where:
            return None
        return Tree(folder=folder, files=files, written_ns=written_ns, verified=verified)

    def tree_verified(self, name: str) -> bool:
        """Whether the tree record `name` says its folder was verified (see Tree), read without its list
        of files (which load_tree unpickles)."""
        data = self._load(name)
        return data is not None and data.get("verified") is True

    def save_tree(self, name: str, files: Mapping[str, str], written_ns: int, folder: Path,
                  verified: bool = False) -> None:
        """Record what `folder` holds (see load_tree; `verified`: see Tree)."""
        where = self._where(name, folder)
        data = self._files_data(files)
        self._save(name, {"saved_ns": written_ns, "files": data, "folder": list(where) if where else None,
                          "verified": verified})
        if self.trees is not None:
            self._remember_tree(self.record(name), dict(files), written_ns, where, verified)

    def _files_data(self, files: Mapping[str, str]) -> bytes:
        """A tree's files as a record holds them, made once per mapping (see `pickled`): the paths and
        their fingerprints as two NUL-separated strings (no path holds a NUL), pickled as two objects,
        not 2 x 180,000 (a third of the time at 50,000 articles per language)."""
        known = self.pickled.get(id(files))
        if known is not None and known[0] is files:
            return known[1]
        data = pickle.dumps(("\0".join(files), "\0".join(files.values())), protocol=pickle.HIGHEST_PROTOCOL)
        self.pickled[id(files)] = (files, data)
        return data

    def _files(self, data: object) -> dict[str, str] | None:
        """The files a record's `data` lists, or None if it is not such a list (damaged, or written by
        hand: a record of the right shape but wrong types is no record)."""
        if not isinstance(data, bytes):
            return None
        try:
            with unscanned():
                listed = pickle.loads(data)
        except UNPICKLING_ERRORS:
            return None
        if type(listed) is not tuple or len(listed) != 2 or not all(type(part) is str for part in listed):
            return None
        names, marks = listed
        paths, fingerprints = (names.split("\0"), marks.split("\0")) if names else ([], [])
        if len(paths) != len(fingerprints):
            return None
        files = dict(zip(paths, fingerprints, strict=True))
        self.pickled[id(files)] = (files, data)
        return files

    @staticmethod
    def _where(name: str, folder: Path) -> tuple[int, ...] | None:
        """What ties a tree record to its folder: the spare tree (which builds move into place and update
        in place) by its folder_stamp; output/ (moved only by a swap, whose record `recover` follows,
        and checked entry by entry: see Tree.intact) by its device and inode."""
        return folder_stamp(folder) if name == "spare" else identity(folder)

    def _remember_tree(self, path: Path, files: dict[str, str], written_ns: int, where: tuple[int, ...] | None,
                       verified: bool) -> None:
        if self.trees is not None:
            self.trees[path] = (stamp_of(path), MappingProxyType(files), written_ns, where, verified)

    def save_swap(self, swap: Swap) -> None:
        """Saved just before a staged tree is swapped in: what output/ holds if that folder is in place."""
        self._save(SWAP, {"staged": list(swap.staged), "replaced": list(swap.replaced) if swap.replaced else None,
                          "keep": swap.keep, "saved_ns": swap.written_ns, "files": self._files_data(swap.files),
                          "index": dict(swap.index)})

    def load_swap(self) -> Swap | None:
        data = self._load(SWAP)
        try:
            if data is None:
                return None
            staged, replaced, files, index = data["staged"], data["replaced"], self._files(data["files"]), data["index"]
            if files is None:
                return None
            swap = Swap(staged=(int(staged[0]), int(staged[1])),
                        replaced=(int(replaced[0]), int(replaced[1])) if replaced else None, keep=bool(data["keep"]),
                        written_ns=int(data["saved_ns"]), files=files,
                        index={str(name): str(key) for name, key in index.items()})
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None
        return swap

    # --- the inputs

    def unchanged(self, stamp: str, now: datetime, output: Tree | None) -> Unchanged | None:
        """What the last build reported, if it read exactly these inputs, its output is still right at
        `now`, and the output folder is still exactly what it wrote; else None."""
        data = self._load("sources")
        try:
            if data is None or output is None or data["stamp"] != stamp:
                return None
            valid_until = data["valid_until"]
            if valid_until is not None and now >= datetime.fromisoformat(valid_until):
                return None
            if not output.intact():
                return None
            due = data["next_due"]
            if not all(type(data[key]) is int for key in ("pages", "files", "scheduled")):
                return None
            return Unchanged(pages=data["pages"], files=data["files"], scheduled=data["scheduled"],
                             next_due=datetime.fromisoformat(due) if due else None, drafts=data.get("drafts", 0))
        except (KeyError, TypeError, ValueError):
            return None

    def save_sources(self, stamp: str, valid_until: datetime | None, report: Unchanged) -> None:
        self._save("sources", {"stamp": stamp, "valid_until": valid_until.isoformat() if valid_until else None,
                               "pages": report.pages, "files": report.files, "scheduled": report.scheduled,
                               "next_due": report.next_due.isoformat() if report.next_due else None,
                               "drafts": report.drafts})

    def _load(self, name: str) -> dict[str, Any] | None:
        raw = load_record(self.record(name), "state")
        try:
            data = pickle.loads(raw) if raw is not None else None
        except UNPICKLING_ERRORS:
            return None
        if not isinstance(data, dict) or data.get("version") != __version__ or \
                data.get("output_dir") != str(self.config.output_dir):
            return None
        return data

    def _save(self, name: str, data: dict[str, Any]) -> None:
        """Pickled (plain values only: loads checks their types): a tree record holds a line per file, which
        JSON would take ten times as long to write and read on a large site."""
        record = {"version": __version__, "output_dir": str(self.config.output_dir), **data}
        save_record(self.record(name), "state", pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))


SWAP = "swap"  # the record of a swap in progress


@dataclass(frozen=True)
class Swap:
    """A staged tree about to be swapped in for the output folder: if the output folder turns out to be
    the `staged` folder (its device and inode), it holds `files` (written by `written_ns`) and the search
    shards `index`, and the site it replaced (the folder `replaced`) is kept as the spare if `keep`."""

    staged: tuple[int, int]
    replaced: tuple[int, int] | None
    keep: bool
    written_ns: int
    files: Mapping[str, str]
    index: Mapping[str, str]


def identity(folder: Path) -> tuple[int, int] | None:
    """A folder's device and inode (a rename keeps them), or None if it is missing."""
    stamp = folder_stamp(folder)
    return None if stamp is None else (stamp[0], stamp[1])


def folder_stamp(folder: Path) -> tuple[int, ...] | None:
    """A folder's device, inode and change time: another folder moved to its name (even one given a
    freed inode again), or an entry of its own added, removed or renamed since, changes it."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return status.st_dev, status.st_ino, status.st_ctime_ns


Stamp = tuple[int, int, int, bool]  # a file's (modification time, size, inode, is a folder)
# Per record file: its stamp, and the files, time and folder it records (see BuildState.load_tree). A record
# whose stamp moved (another process saved it, or it was forgotten) is read again.
TreeMemo = dict[Path, tuple[Stamp, Mapping[str, str], int, tuple[int, ...] | None, bool]]


@dataclass(frozen=True)
class Frame:
    """What every output of a build depends on, made once per build and passed down: digest's version,
    the config (as read), the options (drafts, --future), SOURCE_DATE_EPOCH, the templates (the site's and
    the built-in theme's) and the shipped UI strings. Each record keyed on it takes the part it needs:

    - `inputs`, for the stamp of what a build reads (Sources): one stat per template, UI strings file
      and site image, no file read, so that a build with nothing to do or an edit stays cheap;
    - `salt`, for the fingerprint of every page (digest.graph): the templates' and UI strings' bytes,
      read only when pages are planned from scratch (an edit build reuses the salt its page graph saved,
      valid while `inputs` is the same);
    - `version`, for records keyed on less than the whole frame: a social card depends only on what it
      shows and the code that draws it, a search shard only on its articles' records. (The parsed-article
      cache, shared with commands that make no frame, keys on the config and its own format.)"""

    config: Config
    include_drafts: bool = False
    include_future: bool = False
    version: str = __version__
    source_date_epoch: str | None = field(default_factory=lambda: os.environ.get("SOURCE_DATE_EPOCH"))

    @cached_property
    def inputs(self) -> str:
        stamps: list[tuple[str, Stamp]] = []
        for number, folder in enumerate(self._template_dirs()):
            stamps.extend((f"{number}:{path}", stamp) for path, stamp in scan_folder(folder).items())
        for image in (self.config.logo, self.config.default_image):
            if image is not None:
                stamps.append((image.path, stamp_of(self.config.root / image.path)))
        return fingerprint(self.version, repr(self.config), (self.include_drafts, self.include_future),
                           self.source_date_epoch, sorted(stamps))

    @cached_property
    def salt(self) -> str:
        return fingerprint(self.version, repr(self.config), self.include_drafts, self._templates())

    def _template_dirs(self) -> list[Path]:
        return [*template_dirs(self.config), Path(str(files("digest") / "locales"))]

    def _templates(self) -> str:
        """Changes when any template or shipped UI string changes (the theme's assets are files of the
        site of their own, fingerprinted apart)."""
        stamps = []
        for directory in self._template_dirs():
            for file in sorted(directory.rglob("*")):
                if file.is_file() and "assets" not in file.relative_to(directory).parts:
                    stamps.append((file.relative_to(directory).as_posix(), file.read_bytes()))
        return fingerprint(stamps)


@dataclass(frozen=True)
class Sources:
    """What a build reads, as one stat per file (no file is read): `frame` is the build's Frame.inputs
    (the config, the options, the templates, the UI strings and the site images the config names);
    `content` the stamp of every file and folder under content/. (Like make, a change that keeps a
    file's time, size and inode is not seen.)"""

    frame: str
    content: Mapping[str, Stamp]

    @cached_property
    def stamp(self) -> str:
        # (Pickled, not fingerprint's repr: a third of the time for 20,000 stamps. Compared only with
        # the stamp this same digest saved: see BuildState.unchanged. Sorted: serve's stamps, updated
        # file by file, list them in another order than a scan, for the same inputs.)
        content = pickle.dumps(sorted(self.content.items()), protocol=4)
        return hashlib.blake2b(self.frame.encode() + b"\0" + content, digest_size=16).hexdigest()

    @classmethod
    def scan(cls, frame: Frame, previous: Sources | None = None, changed: Iterable[str] | None = None) -> Sources:
        """Stamp every input; or, given the `previous` stamps and the paths `changed` since (as the file
        system's notifications tell serve), stamp again only those under content/."""
        config = frame.config
        inputs = frame.inputs
        if previous is None or changed is None:
            return cls(inputs, scan_folder(config.content_dir))
        content = dict(previous.content)
        root = str(config.content_dir)
        for path in changed:
            path = os.path.normpath(path)
            if path == root or root.startswith(path + os.sep):
                return cls(inputs, scan_folder(config.content_dir))  # content/ itself came or went
            if not path.startswith(root + os.sep) or any(part.startswith(".") for part in
                                                        path[len(root) + 1:].split(os.sep)):
                continue
            for gone in [key for key in content if key == path or key.startswith(path + os.sep)]:
                del content[gone]  # (a folder's files are stamped again below, if it still exists)
            stamp = stamp_of(Path(path))
            if stamp != MISSING:
                content[path] = stamp
                if stamp[3] and not os.path.islink(path):
                    content.update(scan_folder(Path(path)))
            folder = os.path.dirname(path)
            while len(folder) > len(root):  # its folders changed too (an entry came or went)
                if (stamp := stamp_of(Path(folder))) == MISSING:
                    content.pop(folder, None)
                else:
                    content[folder] = stamp
                folder = os.path.dirname(folder)
        return cls(inputs, content)


MISSING: Stamp = (-1, -1, -1, False)  # missing or unreadable: a state of its own


def scan_folder(folder: Path) -> dict[str, Stamp]:
    """The stamp of every file and folder below `folder`, not following folder links (a file link's
    target counts). Hidden ones are left out, as digest reads none (an editor's swap file comes and goes)."""
    found: dict[str, Stamp] = {}
    pending = [str(folder)]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as scan:
                entries = list(scan)
        except OSError:
            found[current] = MISSING
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            found[entry.path] = stamp = stamp_of(entry)
            if stamp[3] and not entry.is_symlink():
                pending.append(entry.path)
    return found


FOLDER: Stamp = (0, 0, 0, True)  # a folder's own times tell nothing its entries do not (and change as an
# editor's swap files come and go)


def stamp_of(entry: os.DirEntry[str] | Path) -> Stamp:
    """A file's stamp (a link followed: its target's time counts), or FOLDER, or MISSING."""
    try:
        status = entry.stat()
    except OSError:
        return MISSING
    return FOLDER if stat.S_ISDIR(status.st_mode) else (status.st_mtime_ns, status.st_size, status.st_ino, False)
