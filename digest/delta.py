"""After an edit: build again from the last build's page graph, reading only what changed.

A full persistent build leaves, per output folder, a `GraphRecord` (.digest-cache/graph-<tag>.pickle):
the site as linked, with its articles kept without their bodies (but those the language feeds show);
the outline, card and body fingerprints of every article file; which output groups read each article
(digest.graph.Readers); and the stamp of every file under content/. The next build compares stamps. If
only article files changed, and none changed its outline (digest.graph.outline: which pages exist and
what they list), it parses those files, plans again only the groups that show them, and the writer
renders those whose fingerprint changed into the staged site (every other file hard-linked from
output/, see Builder._stage); the search shards holding them are indexed again from their kept
records. Anything else (a file added or removed, a date, tags, an image, a template, the config,
time reaching a scheduled article) takes the full build.

Edits are saved beside the record (`graph-<tag>-edits.pickle`) rather than in it: saving the whole
graph again would cost more than the edit. A full build starts the record afresh.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from digest import feeds, urls
from digest.blobs import Apart, Unpickled
from digest.config import Config
from digest.content import Article, article_reduced, load_article
from digest.errors import Collector, Problem, SiteError
from digest.graph import Group, PageGraph, Readers, outline
from digest.output import Output
from digest.render import known_environment
from digest.search import (
    RECENT_LIMIT,
    Recent,
    RecordStore,
    ShardUpdate,
    recent_key,
    recent_name,
    record,
    shard_name,
    shards,
)
from digest.site import Site, StoredSite, link_article
from digest.state import BuildState, Frame, Sources, Stamp, Unchanged

MAX_EDITS = 50  # more changed files than this in one build: a full build is as quick


@dataclass(frozen=True)
class Known:
    """What the graph knows of one article file."""

    file: str  # Article.file: the key of the readers
    lang: str
    outline: str  # digest.graph.outline
    card: str
    digest: str
    published: bool


@dataclass(frozen=True)
class Edit:
    """One article file read again since the record was saved."""

    path: str  # as stamped under content/
    stamp: Stamp
    known: Known
    article: Article | None  # the new version, if published


@dataclass(frozen=True)
class GraphRecord:
    salt: str  # Frame.salt of the build: right as long as `frame` is the same
    frame: str  # Frame.inputs of the build (Sources.frame)
    content: dict[str, Stamp]  # every file and folder under content/
    known: Unpickled[Known]  # by path under content/, every article file read
    site: Site  # as linked; bodies only for the articles in `kept_bodies`
    kept_bodies: frozenset[str]  # Article.file of the articles kept with their body
    readers: Readers
    valid_until: datetime | None
    report: Unchanged
    edits: dict[str, Edit] = field(default_factory=dict)  # saved apart: see the module's docstring

    def with_edits(self, edits: Sequence[Edit], now: datetime) -> GraphRecord:
        """The record with these edits applied: a new record (this one is left as it was)."""
        versions = {edit.known.file: edit.article for edit in edits if edit.article is not None}
        return replace(self, content={**self.content, **{edit.path: edit.stamp for edit in edits}},
                       known=self.known.updated({edit.path: edit.known for edit in edits}),
                       site=self.site.replacing(versions, now),
                       kept_bodies=self.kept_bodies.union(versions),
                       edits={**self.edits, **{edit.path: edit for edit in edits}})


@dataclass(frozen=True)
class SearchPlan:
    """The search index after an edit: the shards to write again and the listing of the index."""

    shards: tuple[ShardUpdate | Recent, ...]  # the recent shards, or the quarters compacted
    listing: dict[str, str]  # the shards the index will hold


@dataclass(frozen=True)
class EditPlan:
    """What a build after an edit writes: the outputs of the groups that show the edited articles, the
    page graph as it will then be, and (`search`) the search shards that hold them: planned when
    asked, after the pages if the pages are wanted first (serve); None then means a full build."""

    outputs: tuple[Output, ...]
    record: GraphRecord
    search: Callable[[], SearchPlan | None]


# --- the record on disk

def _proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def save_record(state: BuildState, record: GraphRecord, path: Path) -> None:
    """Save the record of a full build at `path` (BuildState.keep_folder's `graph`), without the bodies
    it need not keep; its edits are dropped. What an edit needs of a few articles only is kept apart
    (digest.blobs): each article (the site pickled as a StoredSite), what the graph knows of each file,
    the groups that read it. (Made in a thread once the pages are written, while Pagefind finishes: it
    reads nothing the rest of the build changes.)"""
    kept = record.kept_bodies

    def article(item: Article) -> tuple[Any, ...]:
        return article_reduced(item, body=item.file in kept)

    def pickler(file: Any, apart: Callable[[Apart], Any] | None = None) -> pickle.Pickler:
        made = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
        made.dispatch_table = {**copyreg.dispatch_table, Article: article,  # type: ignore[dict-item]
                               MappingProxyType: lambda items: (_proxy, (dict(items),)),
                               Site: lambda site: (StoredSite.site, (stored(site),))}
        if apart is not None:
            made.dispatch_table[Apart] = apart
        return made

    buffer = io.BytesIO()
    one = pickler(buffer)

    def pickled(item: Article) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        one.clear_memo()  # (each article a pickle of its own)
        one.dump(item)
        return buffer.getvalue()

    def stored(site: Site) -> StoredSite:
        made = StoredSite.of(site, pickled)
        return replace(made, blobs=Apart(made.blobs))

    def write(file: Any, apart: Callable[[Apart], Any]) -> None:
        readers = Readers(cards=_apart(record.readers.cards), bodies=_apart(record.readers.bodies))
        pickler(file, apart).dump(replace(record, edits={}, known=_apart(record.known), readers=readers))

    state.write_graph(path, write)


def _apart(values: Mapping[str, Any]) -> Unpickled[Any]:
    """`values` as a loaded record will hold them: each pickled, saved apart (see digest.blobs)."""
    return Unpickled(Unpickled({}, values).apart())


def save_edits(state: BuildState, record: GraphRecord, pending: bool = False) -> None:
    """Save the record's edits since its last full build (`pending`: until the swap, see
    BuildState.commit_graph_edits)."""
    path = state.graph_edits_pending() if pending else state.graph_edits()
    state.write_pickle(path, lambda file: pickle.dump(list(record.edits.values()), file,
                                                      protocol=pickle.HIGHEST_PROTOCOL))


def load_record(state: BuildState, now: datetime) -> GraphRecord | None:
    base = state.read_graph(state.graph_base())
    if not isinstance(base, GraphRecord):
        return None
    edits = state.read_pickle(state.graph_edits()) if state.graph_edits().is_file() else []
    if not isinstance(edits, list):
        return None
    return base.with_edits(edits, now) if edits else base


def new_record(frame: Frame, sources: Sources, site: Site, graph: PageGraph, parsed: Mapping[str, Article],
               valid_until: datetime | None, report: Unchanged) -> GraphRecord | None:
    """The record of a full build; None if the site's templates read the whole site (then every
    edit changes every page, and only a full build is right)."""
    if not graph.follows_edits:
        return None
    linked = {article.file: article for article in site.all_articles()}
    known = {path: _known(linked.get(article.file, article), article.file in linked)
             for path, article in parsed.items()}
    kept = frozenset(a.file for code in site.config.language_codes
                     for a in site.articles[code][: feeds.FEED_LENGTH])
    return GraphRecord(salt=frame.salt, frame=sources.frame, content=dict(sources.content),
                       known=Unpickled({}, known), site=site, kept_bodies=kept, readers=graph.readers,
                       valid_until=valid_until, report=report)


def _known(article: Article, published: bool) -> Known:
    return Known(file=article.file, lang=article.lang, outline=outline(article), card=article.card,
                 digest=article.digest, published=published)


# --- planning an edit

def plan_edit(frame: Frame, record: GraphRecord, sources: Sources, now: datetime, held: Mapping[str, str],
              store: RecordStore, recent_limit: int = RECENT_LIMIT) -> EditPlan | None:
    """The outputs and search shards to write after an edit, or None if it takes a full build.
    `held` lists the shards the output folder's index holds; the edited articles' search records go
    into their language's recent shard while it holds at most `recent_limit` (0: the quarters are
    indexed again, as a clean build indexes them). (The options, drafts and --future, are
    part of the record's frame.)"""
    config = frame.config
    if record.frame != sources.frame or (record.valid_until is not None and now >= record.valid_until):
        return None
    if record.content.keys() != sources.content.keys():
        return None  # a file added, removed or renamed
    changed = [path for path, stamp in sources.content.items() if stamp != record.content[path] and not stamp[3]]
    if not changed:
        # The graph is of these very inputs (a build killed after its swap, whose records `recover` completed):
        # nothing to write.
        return EditPlan(outputs=(), record=record, search=lambda: SearchPlan((), dict(held)))
    if len(changed) > MAX_EDITS or any(path not in record.known for path in changed):
        return None  # not only articles changed
    published = record.site.urls_by_source()
    edits = []
    for path in changed:
        old = record.known[path]
        article = _read(config, old.lang, Path(path), published)
        if article is None or outline(article) != old.outline:
            return None
        edits.append(Edit(path, sources.content[path], _known(article, old.published),
                          article if old.published else None))
    groups: set[Group] = set()
    for edit in edits:
        old = record.known[edit.path]
        if edit.known.published:
            groups |= record.readers.of(old.file, card_changed=edit.known.card != old.card)
    updated = record.with_edits(edits, now)
    site = updated.site
    read_again: dict[str, Article] = {}

    def full(article: Article) -> Article:
        """The article with its body: kept in the record, else read again."""
        if article.file in updated.kept_bodies:
            return article
        if article.file not in read_again:
            again = _read(config, article.lang, config.content_dir / article.source_path, published)
            if again is None:
                raise SiteError([Problem(article.file, None, "changed during the build: build again")])
            read_again[article.file] = again
        return read_again[article.file]

    # A record is saved only for templates that do not read `site` (see new_record): known, not parsed again.
    known_environment(config, record.salt, uses_site=False)
    graph = PageGraph(site, record.salt, frame.version, full)
    # The edited articles' own pages first: a preview writing in place (digest serve) shows them soonest.
    ordered = sorted(groups, key=lambda group: (group[0] != "article", repr(group)))
    outputs = tuple(output for group in ordered for output in graph.outputs(group))

    def search() -> SearchPlan | None:
        return _search_updates(frame, site, edits, held, store, recent_limit) if config.search else \
            SearchPlan((), dict(held))

    return EditPlan(outputs=outputs, record=updated, search=search)


def _read(config: Config, lang: str, path: Path, published: Mapping[str, str]) -> Article | None:
    """An article parsed and linked to the others (`published`: their URLs by source path), or None if
    anything is wrong with it (the full build that follows says what)."""
    problems = Collector()
    article = load_article(config, lang, path, problems)
    if article is None or problems.problems:
        return None
    linked = link_article(article, published, {}, config, problems)
    return None if problems.problems else linked


def _search_updates(frame: Frame, site: Site, edits: Sequence[Edit], held: Mapping[str, str],
                    store: RecordStore, recent_limit: int) -> SearchPlan | None:
    """The search index after an edit (see digest.search): per language edited, its recent shard with
    the edited articles' new records (superseding those its quarters hold), or, past RECENT_LIMIT
    records, its quarters compacted (indexed again from their kept records); and the index's new
    listing. None if a shard's records were not kept. (`recent_limit` 0: always compacted.)"""
    edited = {edit.known.file for edit in edits if edit.article is not None}
    names = {shard_name(edit.article) for edit in edits if edit.article is not None}
    updates: list[ShardUpdate | Recent] = []
    listing = dict(held)
    for lang in frame.config.language_codes:
        touched = shards(site.editions, [lang], frame.version, only=names)
        if not touched:
            continue
        name = recent_name(lang)
        recent = store.load_recent(lang, held[name]) if name in held else Recent(lang, "", {}, {})
        if recent is None:
            return None
        records = dict(recent.records)
        superseded = {shard: dict(ids) for shard, ids in recent.superseded.items()}
        for shard in touched:
            old_key = held.get(shard.name, "")
            loaded = store.load(shard.name, old_key)  # (one read: records and fragment ids together)
            if loaded is None or len(loaded[0]) != len(shard.articles):
                return None
            kept, ids = loaded
            for position, article in enumerate(shard.articles):
                if article.file not in edited:
                    continue
                new = record(article)
                url, fragment = new["url"], ids.get(new["url"])
                if fragment is None:
                    return None
                ids_superseded = superseded.setdefault(shard.name, {})
                if new == kept[position]:  # as the quarter holds it: nothing to supersede
                    records.pop(url, None)
                    ids_superseded.pop(fragment, None)
                else:
                    records[url] = new
                    ids_superseded[fragment] = url
        superseded = {shard: ids for shard, ids in superseded.items() if ids}
        if len(records) <= recent_limit:
            key = recent_key(records, superseded, frame.version)
            updates.append(Recent(lang, key, records, superseded))
            if records:
                listing[name] = key
            else:
                listing.pop(name, None)
            continue
        # Compaction: every quarter with superseded records indexed again, the recent shard dropped.
        listing.pop(name, None)
        for shard in shards(site.editions, [lang], frame.version, only=superseded.keys()):
            replaced = {position: records[article_url] for position, article in enumerate(shard.articles)
                        if (article_url := "/" + urls.encode(article.url)) in records}
            updates.append(ShardUpdate(shard, held.get(shard.name, ""), replaced))
            listing[shard.name] = shard.key
    return SearchPlan(tuple(updates), listing)
