"""Site search with Pagefind, built from the articles digest already holds, in shards.

The index is not made by crawling the written pages: each published article becomes one Pagefind
record (its URL, title and text), fed to `pagefind --service`. Records are grouped in shards, one per
language and quarter (`pagefind/<lang>-<yyyy>-q<n>/`, each a complete Pagefind bundle: small enough to
be indexed again in about a second, few enough for the browser to merge); the browser searches
the shards of its page's language, merged with Pagefind's `mergeIndex` (see assets/search.js, which
finds them in `pagefind/shards.json`). Each shard has a fingerprint of its articles, recorded in the
cache: a full build re-indexes only the shards whose articles changed; unchanged shards are reused.

Pagefind cannot remove or replace a record in an index. `digest build`'s edit rewrites the edited
article's quarter from Pagefind's index of the edited records alone (digest.pagefind_run.edit_shard):
the files a clean build writes. `digest serve`'s edit puts the edited articles' new records into a
small shard of their language, `pagefind/<lang>-recent/` (indexed in a few hundredths of a second), and
shards.json lists, for each older shard, the records a later shard supersedes (Pagefind's fragment id
-> URL), which search.js drops when it merges. The next full build compacts: the quarters are indexed
again and the recent shards go away (as does an edit whose recent shard would hold more than
RECENT_LIMIT).
"""

from __future__ import annotations

import contextlib
import glob
import html
import json
import os
import pickle
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import pagefind_format, urls
from digest.output import checked, exchange, remove_in_background
from digest.pagefind_run import PagefindService, edit_shard, error, fragment_ids, pagefind_executable
from digest.parallel import Forked, can_fork
from digest.records import UNPICKLING_ERRORS, fingerprint, load_record, save_record, write_atomically

if TYPE_CHECKING:
    from datetime import date

    from digest.content import Article
    from digest.site import Edition

BUNDLE = "pagefind"  # folder of the index inside the output
INDEX_PREFIX = BUNDLE + "/"  # what the output folder's files of the search index start with
SHARDS = "shards.json"  # the list of shards, per language, that search.js reads
RECENT = "recent"  # the suffix of a language's shard of recently edited articles: "<lang>-recent"
RECENT_LIMIT = 200  # records a recent shard may hold; more and the edit build compacts instead
_FORMAT = 4  # bump when records or files change shape, so that no shard of an older digest is reused


@dataclass(frozen=True)
class Shard:
    """The articles of one language and quarter, indexed together."""

    name: str  # its folder under pagefind/: "<lang>-<yyyy>-q<n>"
    lang: str
    key: str  # fingerprint of everything its records hold
    articles: tuple[Article, ...]


def shards(editions: Mapping[str, Sequence[Edition]], language_codes: Sequence[str], version: str,
           only: Container[str] | None = None) -> tuple[Shard, ...]:
    """The shards of a site (or those named in `only`), from its editions: per language (in config order),
    newest quarter first. A shard's key holds its records' format, digest's `version` (the build's frame:
    digest.state.Frame) and its articles, not the rest of the frame: a template edit indexes nothing again.
    (Only the articles of the shards asked for are read: an edit's site makes them when first read.)"""
    found = []
    for code in language_codes:
        quarters: dict[str, list[Article]] = {}
        for edition in editions.get(code, ()):  # newest first, as the articles of each
            name = quarter_name(code, edition.day)
            if only is None or name in only:
                quarters.setdefault(name, []).extend(edition.articles)
        for name, items in quarters.items():
            if only is None or name in only:
                key = fingerprint(_FORMAT, version, [(a.url, a.digest) for a in items])
                found.append(Shard(name=name, lang=code, key=key, articles=tuple(items)))
    return tuple(found)


def shard_name(article: Article) -> str:
    """The shard an article is indexed in: its language and quarter."""
    return quarter_name(article.lang, article.date)


def quarter_name(lang: str, day: date) -> str:
    return f"{lang}-{day.year}-q{(day.month + 2) // 3}"


def index_is_current(site_dir: Path, wanted: Sequence[Shard], state_file: Path) -> bool:
    """Whether site_dir/pagefind/ already holds exactly these shards (as the last build recorded)."""
    held = load_state(state_file)
    return held == listing(wanted) and state_file.is_file() and _holds(site_dir, held)


def index_present(site_dir: Path, state_file: Path) -> bool:
    """Whether site_dir/pagefind/ holds the shards its record lists (and their list for search.js)."""
    return state_file.is_file() and _holds(site_dir, load_state(state_file))


def _holds(site_dir: Path, held: Mapping[str, str]) -> bool:
    return (site_dir / BUNDLE / SHARDS).is_file() and all((site_dir / BUNDLE / name).is_dir() for name in held)


class Slots:
    """How many shards are indexed at once: `narrow` while the pages are being rendered (the render
    workers keep the cores busy), then, once `widen` is called, `wide` (the shards left are indexed
    on every core instead of one Pagefind process finishing them alone)."""

    def __init__(self, narrow: int, wide: int) -> None:
        self.limit = max(1, narrow)
        self.wide = max(1, wide, narrow)
        self.busy = 0
        self.changed = threading.Condition()

    def widen(self) -> None:
        with self.changed:
            self.limit = self.wide
            self.changed.notify_all()

    @contextlib.contextmanager
    def taken(self) -> Iterator[None]:
        with self.changed:
            self.changed.wait_for(lambda: self.busy < self.limit)
            self.busy += 1
        try:
            yield
        finally:
            with self.changed:
                self.busy -= 1
                self.changed.notify_all()


def write_index(target_dir: Path, wanted: Sequence[Shard], reuse_from: Path | None, old: Mapping[str, str],
                store: RecordStore, slots: Slots | None = None, stop: threading.Event | None = None) -> Reused:
    """Write the search index of a new site tree into target_dir/pagefind/: the shards that `reuse_from`
    (the current output folder) does not hold already, as `old` says (see load_state), indexed, as many
    at a time as `slots` allow (default: one). The others are left to `IndexInBackground.place`: the
    Reused returned names them."""
    bundle = target_dir / BUNDLE
    shutil.rmtree(bundle, ignore_errors=True)
    bundle.mkdir(parents=True)
    todo, reused = [], []
    for shard in wanted:
        previous = reuse_from / BUNDLE / shard.name if reuse_from is not None else None
        if previous is not None and old.get(shard.name) == shard.key and previous.is_dir():
            reused.append(shard.name)
        else:
            todo.append((shard, bundle / shard.name))
    _index_all(todo, store, slots or Slots(1, 1), stop)
    write_atomically(bundle / SHARDS, _manifest(wanted))
    return Reused(reuse_from / BUNDLE if reuse_from is not None else None, tuple(reused))


@dataclass(frozen=True)
class Reused:
    """The entries of an older index (`source`, its pagefind/ folder) a new one holds as they are:
    hard-linked into the staged tree by `IndexInBackground.place`, unless that tree holds them already."""

    source: Path | None
    names: tuple[str, ...]


class IndexInBackground:
    """An index written at once in a thread (`write(folder, stop)`: write_index or write_edited_index),
    into a folder of its own beside `output_dir`: Pagefind then runs while the pages are rendered or
    staged (the records are known before). `wait` for what `write` returned, `place` the index into the
    staged tree, `close` to drop what is left (a build that failed)."""

    def __init__(self, output_dir: Path, write: Callable[[Path, threading.Event], object],
                 forked: bool = False) -> None:
        self.output_dir = output_dir
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        # (named as the staging folders are: one a killed build leaves is removed by the next, see output.locked)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp-search",
                                            dir=output_dir.parent))
        self.result: object = None
        self.error: BaseException | None = None
        self.stop = threading.Event()
        # `forked`: written by a child process (see parallel.Forked) where that is sound, else by a thread.
        self.child = Forked(lambda: write(self.folder, self.stop)) if forked and can_fork() else None
        self.thread = None if self.child is not None else \
            threading.Thread(target=self._run, args=(write,), daemon=True, name="digest-search-index")
        if self.thread is not None:
            self.thread.start()

    def _run(self, write: Callable[[Path, threading.Event], object]) -> None:
        try:
            self.result = write(self.folder, self.stop)
        except BaseException as error:  # raised in the building thread by wait()
            self.error = error

    def wait(self) -> object:
        """What `write` returned, once it has (what it raised, raised here)."""
        if self.child is not None:
            return self.child.result()
        assert self.thread is not None
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result

    def place(self, target_dir: Path, kept: Container[str] = ()) -> None:
        """Wait for the index and move it into target_dir/pagefind/, with the entries it reuses (see
        Reused) hard-linked from their folder, but those of `kept`: target_dir (a spare tree) holds
        them already, as the output folder does. Whatever else target_dir's index held is set aside."""
        result = self.wait()
        reused = result if isinstance(result, Reused) else Reused(None, ())
        keep = set(kept).intersection(reused.names) if reused.source == self.output_dir / BUNDLE else set()
        bundle, fresh = target_dir / BUNDLE, self.folder / BUNDLE
        held: set[str] = set()  # the entries of `keep` target_dir holds
        if bundle.is_dir():
            aside = self.folder.with_name(f"{self.folder.name}-aside")  # (a leftover is removed as staging folders are)
            aside.mkdir(exist_ok=True)
            with os.scandir(bundle) as entries:
                for entry in entries:
                    if entry.name in keep:
                        held.add(entry.name)
                    else:
                        os.rename(entry.path, aside / entry.name)
            remove_in_background(aside)  # (thousands of files: not while the build waits)
        else:
            bundle.mkdir(parents=True)
        with os.scandir(fresh) as entries:
            for entry in entries:
                try:
                    os.rename(entry.path, bundle / entry.name)
                except OSError:  # (another file system: a copy)
                    _copy(Path(entry.path), bundle / entry.name, shutil.copy2)
        for name in reused.names:
            if name not in held:
                assert reused.source is not None
                _copy(reused.source / name, bundle / name, os.link)

    def close(self) -> None:
        self.stop.set()
        if self.child is not None:
            self.child.kill()
        elif self.thread is not None:
            self.thread.join()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class ShardUpdate:
    """A shard to index again after an edit: the records it was indexed from (with fingerprint
    `old_key`), some of them replaced."""

    shard: Shard
    old_key: str
    replaced: Mapping[int, dict[str, Any]]  # position in shard.articles -> the article's new record

    @property
    def name(self) -> str:
        return self.shard.name

    @property
    def key(self) -> str:
        return self.shard.key

    @property
    def lang(self) -> str:
        return self.shard.lang


@dataclass(frozen=True)
class Recent:
    """A language's shard of the articles edited since the last compaction, and what it supersedes."""

    lang: str
    key: str  # fingerprint of its records and of what they supersede
    records: Mapping[str, dict[str, Any]]  # URL -> the article's record as it is now
    superseded: Mapping[str, Mapping[str, str]]  # older shard -> {Pagefind fragment id: URL} it no longer holds

    @property
    def name(self) -> str:
        return recent_name(self.lang)


def recent_name(lang: str) -> str:
    return f"{lang}-{RECENT}"


def recent_key(records: Mapping[str, dict[str, Any]], superseded: Mapping[str, Mapping[str, str]],
               version: str) -> str:
    return fingerprint(_FORMAT, version, "recent", sorted(records.items()),
                       sorted((name, sorted(ids.items())) for name, ids in superseded.items()))


def write_edited_index(target_dir: Path, reuse_from: Path, updates: Sequence[ShardUpdate | Recent],
                       store: RecordStore) -> Reused:
    """Write the search index of a tree staged after an edit into target_dir/pagefind/: the recent
    shards indexed from their records, and the quarters an edit compacts indexed again from their kept
    records with the edited articles' new ones; then shards.json, listing what each shard supersedes.
    The shards the edit does not touch are left to `IndexInBackground.place` (the Reused returned names
    them, in `reuse_from`, the output folder). The older records are kept until `prune` (a build that
    fails or is killed may need them again)."""
    bundle = target_dir / BUNDLE
    shutil.rmtree(bundle, ignore_errors=True)
    bundle.mkdir(parents=True)
    redo = {update.name for update in updates}
    recents_dropped = {recent_name(update.lang) for update in updates}  # compacted away, or indexed again below
    with os.scandir(reuse_from / BUNDLE) as entries:
        reused = tuple(sorted(entry.name for entry in entries
                              if not (entry.name in redo or entry.name in recents_dropped
                                      or entry.name.startswith(".") or entry.name == SHARDS)))
    languages = _languages(reuse_from)
    for update in updates:
        _write_shard(update, bundle / update.name, reuse_from / BUNDLE, store)
    write_atomically(bundle / SHARDS, _shards_json(_edited_languages(languages, updates)))
    return Reused(reuse_from / BUNDLE, reused)


def _copy(source: Path, target: Path, copy: Callable[[str, str], object]) -> None:
    """A file or a folder copied to `target` with `copy` (os.link: hard-linked)."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, copy_function=copy)
    else:
        copy(str(source), str(target))


def update_index_in_place(site_dir: Path, updates: Sequence[ShardUpdate | Recent], store: RecordStore) -> None:
    """serve's search step after an edit written in place: each edited shard indexed beside its place
    in site_dir/pagefind/ and exchanged for it (one atomic rename), then shards.json replaced. A page
    searched in between finds the old index or the new one, shard by shard: a preview, not output/."""
    bundle = site_dir / BUNDLE
    languages = _languages(site_dir)
    for update in updates:
        # Written beside the folder (as staging folders are: one a killed build leaves is removed by the next).
        fresh = site_dir.parent / f".{site_dir.name}.{update.name}.{os.getpid()}.tmp-search"
        shutil.rmtree(fresh, ignore_errors=True)
        _write_shard(update, fresh, bundle, store)
        place = bundle / update.name
        if not fresh.is_dir():  # a recent shard left with no record: it goes (a few files: at once, in place)
            shutil.rmtree(place, ignore_errors=True)
        elif place.is_dir() and exchange(fresh, place):
            remove_in_background(fresh)  # (now the old shard)
        else:
            shutil.rmtree(place, ignore_errors=True)
            os.rename(fresh, place)
    recents = {update.lang for update in updates if isinstance(update, Recent)}
    for lang in {update.lang for update in updates} - recents:  # compacted: the recent shard goes
        shutil.rmtree(bundle / recent_name(lang), ignore_errors=True)
    write_atomically(bundle / SHARDS, _shards_json(_edited_languages(languages, updates)))


def _languages(site_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The shards each language lists in site_dir/pagefind/shards.json."""
    try:
        languages = json.loads((site_dir / BUNDLE / SHARDS).read_bytes())["languages"]
    except (OSError, ValueError, KeyError, TypeError):
        raise StaleRecords(SHARDS) from None
    return dict(languages)


def _write_shard(update: ShardUpdate | Recent, folder: Path, previous: Path, store: RecordStore) -> None:
    """Index one edited shard into `folder` and keep its records: a recent shard from its records (none:
    no folder), a quarter from its kept records with the edited articles' new ones (its index in
    `previous`, the index folder it replaces, rewritten if it can be: see edit_shard)."""
    if isinstance(update, Recent):
        if update.records:
            index_records([update.records[url] for url in sorted(update.records)], folder)
        store.save_recent(update)
        return
    name = update.shard.name
    kept = store.load(name, update.old_key)
    if kept is None or len(kept[0]) != len(update.shard.articles):
        raise StaleRecords(name)
    old_records, old_ids = kept
    records = list(old_records)
    for position, item in update.replaced.items():
        records[position] = item
    ids = edit_shard(previous / name, update.lang, old_records, old_ids, update.replaced, folder)
    if ids is None:
        shutil.rmtree(folder, ignore_errors=True)
        ids = index_records(records, folder)
    store.save(name, update.shard.key, records, ids, prune=False)


def _edited_languages(languages: Mapping[str, list[dict[str, Any]]], updates: Sequence[ShardUpdate | Recent]
                      ) -> dict[str, list[dict[str, Any]]]:
    """shards.json's languages after an edit: per language edited, its recent shard first (if it holds
    records) and, for each older shard, the records the recent one supersedes."""
    langs = {update.lang for update in updates}
    recents = {update.lang: update for update in updates if isinstance(update, Recent)}
    edited = dict(languages)
    for lang, items in languages.items():
        if lang not in langs:
            continue
        recent = recents.get(lang)
        base = [{"bundle": item["bundle"]} for item in items if item["bundle"] != recent_name(lang)]
        if recent is not None:
            for item in base:
                if recent.superseded.get(item["bundle"]):
                    item["superseded"] = dict(sorted(recent.superseded[item["bundle"]].items()))
            if recent.records:
                base.insert(0, {"bundle": recent.name})
        edited[lang] = base
    return edited


def index_files(site_dir: Path, held: Mapping[str, str], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The files of site_dir/pagefind/, as the output folder's manifest lists them: file -> fingerprint
    (of its shard's fingerprint, or of the whole listing for the list of shards). `known`: the manifest
    of a folder whose shards site_dir holds as they are (output/'s, for an edit's staged tree): a shard
    it lists with the same fingerprint is taken from it, not walked and fingerprinted again."""
    bundle = site_dir / BUNDLE
    whole = fingerprint("search", sorted(held.items()))
    listed = shard_files(known) if known else {}
    found: dict[str, str] = {}
    with os.scandir(bundle) as entries:
        for entry in sorted(entries, key=lambda entry: entry.name):
            if not entry.is_dir():
                file = f"{INDEX_PREFIX}{entry.name}"
                found[file] = fingerprint("search", whole, file)
                continue
            key = held.get(entry.name, whole)
            files = listed.get(entry.name)
            if files and _fingerprinted_with(files, key):
                found.update(files)
                continue
            for folder, _, names in os.walk(entry.path):
                relative = os.path.relpath(folder, site_dir).replace(os.sep, "/")
                for name in names:
                    file = f"{relative}/{name}"
                    found[file] = fingerprint("search", key, file)
    return found


def shard_files(manifest: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """A manifest's index files (file -> fingerprint), by shard (the folder of pagefind/ they are in)."""
    return split_manifest(manifest)[1]


def pages_of(manifest: Mapping[str, str]) -> dict[str, str]:
    """A manifest's files but the search index's."""
    return split_manifest(manifest)[0]


def split_manifest(manifest: Mapping[str, str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A manifest's files but the index's, and the index's by shard, in one pass. (An edit build asks
    several times of output/'s manifest and the spare's, never changed once recorded: the last two
    answers are kept, for those very mappings.)"""
    for known, split in _last_split:
        if known is manifest:
            return split
    pages: dict[str, str] = {}
    shards: dict[str, dict[str, str]] = {}
    for file, mark in manifest.items():
        if file.startswith(INDEX_PREFIX):  # (60,000 files at 10,000 x 2: no call per file)
            name, slash, _ = file[len(INDEX_PREFIX):].partition("/")
            if slash:
                shards.setdefault(name, {})[file] = mark
        else:
            pages[file] = mark
    _last_split[:] = [*_last_split[-1:], (manifest, (pages, shards))]
    return pages, shards


_last_split: list[tuple[Mapping[str, str], tuple[dict[str, str], dict[str, dict[str, str]]]]] = []


def _fingerprinted_with(files: Mapping[str, str], key: str) -> bool:
    """Whether a shard's files were listed with fingerprint `key` (one tells: a manifest lists them all
    with the same)."""
    file, mark = next(iter(files.items()))
    return mark == fingerprint("search", key, file)


class StaleRecords(Exception):
    """The kept records of a shard are missing or damaged: the build indexes it from the articles."""


class RecordStore:
    """The records each shard was last indexed from (.digest-cache/search-records/<shard>-<key>.pickle,
    `key` the shard's fingerprint): an edit re-indexes its shard from them and the edited articles' new
    records, without reading every article of the quarter again."""

    def __init__(self, folder: Path, listings: Callable[[], Iterable[Path]]) -> None:
        self.folder = folder
        self.listings = listings  # the index listing (see load_state) of every output folder sharing the store

    def _file(self, name: str, key: str) -> Path:
        return self.folder / f"{name}-{key}.pickle"

    def has(self, name: str, key: str) -> bool:
        return self._file(name, key).is_file()

    def save(self, name: str, key: str, records: Sequence[dict[str, Any]], ids: Mapping[str, str],
             prune: bool = True) -> None:
        """Keep a shard's records, and the Pagefind fragment id of each URL (what shards.json names when
        a recent shard supersedes it)."""
        data = {"records": list(records), "ids": dict(ids)}
        save_record(self._file(name, key), "search-records", pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        if prune:
            self.prune(name, key)

    def save_recent(self, recent: Recent) -> None:
        data = {"records": dict(recent.records), "superseded": {name: dict(ids) for name, ids in
                                                                recent.superseded.items()}}
        save_record(self._file(recent.name, recent.key), "search-records",
                    pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))

    def prune(self, name: str, key: str) -> None:
        """Delete the records of shard `name` but those of fingerprint `key` and those an output
        folder's index still holds (serve's folder and output/ share the store: each may hold its own
        version, and its next edit re-indexes from it)."""
        kept = {self._file(name, key).name}
        for listing_file in self.listings():
            held = load_state(listing_file).get(name)
            if held is not None:
                kept.add(self._file(name, held).name)
        for file in self.folder.glob(f"{glob.escape(name)}-*.pickle"):
            if file.name not in kept:
                file.unlink(missing_ok=True)

    def _data(self, name: str, key: str) -> dict[str, Any] | None:
        data = load_record(self._file(name, key), "search-records")  # (checked: a damaged file is None)
        if data is None:
            return None
        try:
            found = pickle.loads(data)
        except UNPICKLING_ERRORS:
            return None
        return found if isinstance(found, dict) else None

    def load(self, name: str, key: str) -> tuple[list[dict[str, Any]], dict[str, str]] | None:
        """The records of shard `name` if it was last indexed with fingerprint `key`, and the Pagefind
        fragment id of each URL."""
        data = self._data(name, key)
        if data is None or not isinstance(data.get("records"), list) or not isinstance(data.get("ids"), dict):
            return None
        return data["records"], data["ids"]

    def load_recent(self, lang: str, key: str) -> Recent | None:
        """A language's recent shard as held with fingerprint `key`."""
        data = self._data(recent_name(lang), key)
        if data is None or not isinstance(data.get("records"), dict) or not isinstance(data.get("superseded"), dict):
            return None
        return Recent(lang=lang, key=key, records=data["records"], superseded=data["superseded"])




def load_state(state_file: Path) -> dict[str, str]:
    """The shards an output folder's index holds (name -> fingerprint), as recorded by the last build.
    Kept in the cache, not in the output: a fingerprint may depend on where the site is."""
    raw = load_record(state_file, "search")
    try:
        data = json.loads(raw) if raw is not None else {}
        return {str(name): str(key) for name, key in data.items()}
    except (ValueError, AttributeError):
        return {}


def write_listing(state_file: Path, held: Mapping[str, str]) -> None:
    save_record(state_file, "search", json.dumps(held, sort_keys=True).encode())


def record(article: Article) -> dict[str, Any]:
    """What search knows of an article: its URL (below the site root: search.js adds the base path),
    its title, and its text (title, rubric, photo caption, tags and body) for the excerpt."""
    parts = [article.title]
    if article.section:
        parts.append(article.section)
    parts.append(plain_text(article.body_html))
    if article.image is not None:
        parts.extend(text for text in (article.image.caption, article.image.credit) if text)
    parts.extend(tag.name for tag in article.tags)
    return {"url": "/" + urls.encode(article.url), "content": "\n\n".join(parts), "language": article.lang,
            "meta": {"title": article.title}}


_SKIPPED = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|tr|td|th|figcaption|dd|dt)\s*>", re.I)


def plain_text(body_html: str) -> str:
    """The text a reader sees of rendered Markdown: tags dropped, entities decoded, blocks apart."""
    text = _SKIPPED.sub(" ", body_html)
    text = _BLOCK_END.sub("\n", text)
    return html.unescape(_TAG.sub("", text)).strip()


def _index_all(todo: Sequence[tuple[Shard, Path]], store: RecordStore, slots: Slots,
               stop: threading.Event | None = None) -> None:
    """Index shards, several at a time as `slots` allow (each is a Pagefind process of its own): largest
    first, so that no worker is left with a big one at the end. Their records are kept in `store`."""
    todo = sorted(todo, key=lambda item: -len(item[0].articles))

    def index(shard: Shard, folder: Path) -> None:
        with slots.taken():
            if stop is not None and stop.is_set():
                raise error("search index not written: the build stopped")
            records = [record(article) for article in shard.articles]
            ids = index_records(records, folder)
            store.save(shard.name, shard.key, records, ids)

    if slots.wide <= 1 or len(todo) <= 1:
        for shard, folder in todo:
            index(shard, folder)
        return
    with ThreadPoolExecutor(max_workers=slots.wide) as pool:
        for _ in pool.map(lambda item: index(*item), todo):
            pass


def index_records(records: Sequence[dict[str, Any]], folder: Path) -> dict[str, str]:
    """Index one shard's records into `folder`; returns each URL's fragment id. The files are asked for
    and written here, rather than by Pagefind (its WriteFiles answers before every file is on disk), so
    that they are complete when this returns; the meta and word-index files compressed by digest
    (see digest.pagefind_format: an edit writes them so too)."""
    with PagefindService(pagefind_executable()) as service:
        files = service.index(records)
    for path, data in files.items():
        target = folder / checked(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pagefind_format.repack(path, data))
    return fragment_ids(files)


def listing(wanted: Sequence[Shard]) -> dict[str, str]:
    """What an index of these shards holds: shard name -> fingerprint."""
    return {shard.name: shard.key for shard in wanted}


def _manifest(wanted: Sequence[Shard]) -> bytes:
    """pagefind/shards.json: per language, its shards, newest first."""
    languages: dict[str, list[dict[str, Any]]] = {}
    for shard in wanted:
        languages.setdefault(shard.lang, []).append({"bundle": shard.name})
    return _shards_json(languages)


def _shards_json(languages: Mapping[str, Any]) -> bytes:
    return json.dumps({"languages": languages}, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode("utf-8")


def indexed_shards(site_dir: Path) -> Iterator[tuple[str, Path]]:
    """(language, bundle folder) of each shard of an output folder's index."""
    try:
        data = json.loads((site_dir / BUNDLE / SHARDS).read_bytes())
    except (OSError, ValueError):
        return
    for lang, items in sorted(data.get("languages", {}).items()):
        for item in items:
            yield lang, site_dir / BUNDLE / item["bundle"]
