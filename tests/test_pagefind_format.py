"""digest rewrites a Pagefind shard after an edit (digest/pagefind_format.py): the files must be those
Pagefind writes when it indexes the whole quarter again, byte for byte once decompressed, under the
same names, on real text with diacritics, titles and several word-index files."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from digest import pagefind_format
from digest.build import build
from digest.pagefind_run import edit_shard
from digest.search import index_records

from helpers import BASE_CONFIG, REPO, article

DATA = REPO / "tests/data"


def sentences(lang: str) -> list[str]:
    """Sentences of real copy: the seed article (French wire copy) and a saved English news page."""
    if lang == "fr":
        text = (DATA / "seed.fr.txt").read_text(encoding="utf-8")
    else:
        text = lxml_html.fromstring((DATA / "import/page.en.html").read_bytes()).text_content()
    found = [part.strip() for part in re.split(r"(?<=[.!?])\s+|\n+", text) if len(part.split()) >= 4]
    assert len(found) >= 10
    return found


def make_record(rng: random.Random, lang: str, number: int, pool: list[str], size: int = 40) -> dict:
    title = rng.choice(pool)[:80]
    body = " ".join(rng.choice(pool) for _ in range(rng.randint(size // 2, size)))
    return {"url": f"/{lang}/2024/07/story-{number:04d}/", "content": f"{title}\n\n{body}", "language": lang,
            "meta": {"title": title}}


def files(folder: Path) -> dict[str, bytes]:
    """A bundle's files, the compressed ones decompressed (what Pagefind's script reads)."""
    found = {}
    for path, data in pagefind_format.FolderFiles(folder).items():
        found[path] = pagefind_format.unpack(data) if path.endswith((".pf_meta", ".pf_index", ".pf_fragment")) \
            else data
    return found


def edited_variants(rng: random.Random, record: dict, kind: str, pool: list[str]) -> dict:
    """A new version of a record: its body rewritten, its title changed, accents dropped from its words
    (a variant of the same word for Pagefind), or words no other article has."""
    new = dict(record)
    title = record["meta"]["title"]
    body = record["content"][len(title) + 2:]
    if kind == "body":
        body = " ".join(rng.choice(pool) for _ in range(30))
    elif kind == "title":
        title = "Un titre tout à fait nouveau : " + rng.choice(pool)[:40]
    elif kind == "accents":
        body = body.translate(str.maketrans("éèêàâçôûîÉ", "eeeaacouiE"))
    elif kind == "new words":
        body += " Zanzibar xylophonique quetzalcoatl" + str(rng.randint(0, 10**6))
    new["meta"] = {"title": title}
    new["content"] = f"{title}\n\n{body}"
    return new


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_edit_rewrites_its_shard_as_pagefind_indexes_the_whole_quarter(lang: str, tmp_path: Path) -> None:
    rng = random.Random(7 if lang == "fr" else 8)
    pool = sentences(lang)
    records = [make_record(rng, lang, number, pool) for number in range(160)]
    ids = index_records(records, tmp_path / "old")
    assert len(list((tmp_path / "old/index").iterdir())) >= 2  # several word-index files, cut as Pagefind cuts them
    # Read and written again unchanged, the index is the same files.
    bundle = pagefind_format.read_bundle(pagefind_format.FolderFiles(tmp_path / "old"), lang)
    assert bundle is not None
    again = pagefind_format.encode(bundle, bundle.pages, bundle.words)
    old = pagefind_format.FolderFiles(tmp_path / "old")
    assert {path: old[path] for path in again} == again
    # Each word's bytes as read, written again without encoding it: the same files.
    assert bundle.encoded is not None and len(bundle.encoded) == len(bundle.words)
    assert pagefind_format.encode(bundle, bundle.pages, bundle.words, bundle.encoded) == again
    assert pagefind_format.encode(bundle, bundle.pages, bundle.words, [b"\xf6"] * len(bundle.words)) != again

    kinds = ["body", "title", "accents", "new words", "body", "accents"]
    for round_number, kind in enumerate(kinds):
        positions = rng.sample(range(len(records)), 1 + round_number % 3)
        replaced = {position: edited_variants(rng, records[position], kind, pool) for position in positions}
        new = list(records)
        for position, item in replaced.items():
            new[position] = item
        edited = tmp_path / f"edit-{round_number}"
        new_ids = edit_shard(tmp_path / "old", lang, records, ids, replaced, edited)
        assert new_ids is not None, kind
        clean = tmp_path / f"clean-{round_number}"
        assert index_records(new, clean) == new_ids
        assert files(edited) == files(clean), f"{kind} (round {round_number})"
        # Same compression too: an edit build and a clean build write the same bytes.
        assert dict(pagefind_format.FolderFiles(edited)) == dict(pagefind_format.FolderFiles(clean))
        shutil.rmtree(tmp_path / "old")
        edited.rename(tmp_path / "old")
        records, ids = new, new_ids


def test_an_article_pagefind_would_drop_is_left_to_a_whole_index(tmp_path: Path) -> None:
    """A record with no word is not a page for Pagefind (page numbers shift): not rewritten in place."""
    rng = random.Random(3)
    pool = sentences("fr")
    records = [make_record(rng, "fr", number, pool, size=6) for number in range(12)]
    ids = index_records(records, tmp_path / "old")
    empty = dict(records[4], content="", meta={"title": ""})
    assert edit_shard(tmp_path / "old", "fr", records, ids, {4: empty}, tmp_path / "edit") is None
    back = edit_shard(tmp_path / "old", "fr", records, ids, {4: records[4]}, tmp_path / "same")
    assert back == ids  # (a record replaced by itself: the same index)
    assert files(tmp_path / "same") == files(tmp_path / "old")


def test_records_that_are_not_those_of_the_index_are_left_to_a_whole_index(tmp_path: Path) -> None:
    """The kept records must be the ones the shard was indexed from: an old version that is not what the
    index holds (a record store out of step with the folder) is not taken out of it."""
    rng = random.Random(5)
    pool = sentences("fr")
    records = [make_record(rng, "fr", number, pool, size=8) for number in range(10)]
    ids = index_records(records, tmp_path / "old")
    wrong = list(records)
    wrong[3] = edited_variants(rng, records[3], "body", pool)
    assert edit_shard(tmp_path / "old", "fr", wrong, ids, {3: records[3]}, tmp_path / "edit") is None
    assert edit_shard(tmp_path / "old", "fr", records, ids, {3: wrong[3]}, tmp_path / "edit") is not None


def test_a_layout_this_digest_does_not_know_is_not_read(tmp_path: Path) -> None:
    rng = random.Random(4)
    records = [make_record(rng, "fr", number, sentences("fr"), size=6) for number in range(5)]
    index_records(records, tmp_path / "old")
    bundle = pagefind_format.FolderFiles(tmp_path / "old")
    assert pagefind_format.read_bundle(bundle, "fr") is not None
    entry = json.loads(bundle[pagefind_format.ENTRY])
    entry["version"] = "9.0.0"
    (tmp_path / "old" / pagefind_format.ENTRY).write_text(json.dumps(entry))
    assert pagefind_format.read_bundle(bundle, "fr") is None
    assert edit_shard(tmp_path / "old", "fr", records, {}, {0: records[1]}, tmp_path / "edit") is None


def test_fragment_names_grow_as_pagefinds_do_where_short_names_collide() -> None:
    """Pagefind names a fragment by the first 7 characters of its hash after the language, one more
    while an earlier page has that name; a page kept reads its full hash only when it must."""
    names = pagefind_format._fragment_names
    read: list[str] = []
    full_of = {"fr_abcdef0": "fr_abcdef0123", "fr_abcdef01": "fr_abcdef0199"}

    def old_hash(name: str) -> str:
        read.append(name)
        return full_of[name]

    # Page 1 is new and collides with page 0 (kept): it takes one more character.
    assert names("fr", ["fr_abcdef0", None], [None, "fr_abcdef0777"], old_hash) == ["fr_abcdef0", "fr_abcdef07"]
    assert read == ["fr_abcdef0"]
    # Page 0 changed, so page 1 (kept, named long for the old collision) gets its short name back.
    read.clear()
    assert names("fr", [None, "fr_abcdef01"], ["fr_1234567aa", None], old_hash) == ["fr_1234567", "fr_abcdef0"]
    assert read == ["fr_abcdef01"]
    # Three pages on one prefix: each one more than the last; two identical pages are left to Pagefind.
    assert names("fr", [None] * 3, ["fr_aaaaaaa1", "fr_aaaaaaa2", "fr_aaaaaaa23"], old_hash) == \
        ["fr_aaaaaaa", "fr_aaaaaaa2", "fr_aaaaaaa23"]
    assert names("fr", [None, None], ["fr_aaaaaaa1", "fr_aaaaaaa1"], old_hash) is None


def test_digest_build_rewrites_the_edited_quarter_keeping_its_other_articles_fragments(make_site, tmp_path) -> None:
    """An edit build does not index the quarter again: its other articles' fragments are the files
    output/ held (linked), only the edited one is new; and output/ is what a clean build writes."""
    from helpers import tree

    site = make_site({
        "fr/2024/glacier.md": article("Le glacier recule", body="La glace fond vite au Groenland."),
        "fr/2024/lac.md": article("Le lac déborde", body="Le lac Léman monte."),
        "fr/2024/greve.md": article("Grève à la SNCF", body="Les cheminots réclament une hausse des salaires."),
    }, config=SEARCH_CONFIG)
    site.build_ok()
    shard = site.output / "pagefind/fr-2024-q3/fragment"
    before = {path.name: os.stat(path).st_ino for path in shard.iterdir()}
    site.write("content/fr/2024/lac.md", article("Le lac déborde", body="Le lac Léman inonde Genève."))
    assert build(site.root / "config.yaml", workers=1).kind == "edit"
    after = {path.name: os.stat(path).st_ino for path in shard.iterdir()}
    assert len(after) == 3 and len(set(after.items()) & set(before.items())) == 2
    clean = tmp_path / "clean"
    shutil.copytree(site.root, clean, ignore=shutil.ignore_patterns("output", ".*"))
    assert build(clean / "config.yaml", workers=1).kind == "full"
    assert tree(site.output) == tree(clean / "output")


SEARCH_CONFIG = BASE_CONFIG.replace("search: false", "search: true")
