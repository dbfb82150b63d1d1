"""How a build knows output/ (and the spare tree it updates into the next site) is still exactly what
it wrote, without a stat per file from the build's own process: processes forked for it compare the time
of every file and folder the record lists with the time written. What a hand made change there must still
be noticed, by those processes and, where the build cannot fork (another thread runs: serve's server), by
the build itself; and the next build must equal a clean one."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_edits import ARTICLES, Edited

from digest.config import load_config
from digest.parallel import can_fork
from digest.state import BuildState

from helpers import Site

PAGE = "fr/2023/12/ancien/index.html"  # a page an edit of fr/2024/ain.md does not show

HAND_CHANGES: dict[str, Callable[[Path], None]] = {
    "a page altered in place": lambda output: (output / PAGE).write_text("tampered"),
    "a page altered in place, same size": lambda output: (output / PAGE).write_bytes(
        b"x" * (output / PAGE).stat().st_size),
    "a page removed": lambda output: (output / PAGE).unlink(),
    "a file added beside a page": lambda output: (output / PAGE).with_name("notes.txt").write_text("stray"),
    "a folder added deep down": lambda output: (output / "fr/2023/stray").mkdir(),
    "a file added at the top": lambda output: (output / "stray.html").write_text("stray"),
    "a page replaced by a copy": lambda output: os.replace(_copy_of(output / PAGE), output / PAGE),
}


def _copy_of(page: Path) -> Path:
    copy = page.with_name("copy.html")
    copy.write_bytes(page.read_bytes())
    return copy


@pytest.fixture(params=["forked", "in the build's process"])
def finder(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "forked":
        assert can_fork()
        yield request.param
        return
    # Another thread running, as serve's server does: forking is not sound, the build checks by itself.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        yield request.param
    finally:
        stop.set()
        thread.join()


def _tree(site: Site):  # what the build records of output/
    state = BuildState(load_config(site.root / "config.yaml"))
    tree = state.load_tree("manifest", site.output)
    assert tree is not None
    return tree


@pytest.mark.parametrize("change", sorted(HAND_CHANGES))
def test_a_hand_made_change_in_output_is_seen_by_the_check(make_site, finder: str, change: str) -> None:
    site = make_site(ARTICLES)
    site.build_ok()
    assert _tree(site).intact()
    time.sleep(0.01)  # file times must move past the build's
    HAND_CHANGES[change](site.output)
    assert not _tree(site).intact()


@pytest.mark.parametrize("change", ["a page altered in place", "a page removed", "a file added beside a page"])
def test_an_edit_after_a_hand_made_change_in_output_equals_a_clean_build(make_site, finder: str,
                                                                       change: str) -> None:
    edited = Edited(make_site(ARTICLES))
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "edit"  # the site replaced is now the spare tree
    time.sleep(0.01)
    HAND_CHANGES[change](edited.site.output)
    edited.edit("fr/2024/ain.md", "Trois drones", "Quatre drones")
    assert edited.build().kind == "full"  # output/ cannot be trusted: nothing is linked from it unseen
    edited.assert_equals_clean_build()
    edited.edit("fr/2024/ain.md", "Quatre drones", "Cinq drones")
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()


def _spare(site: Site):  # what the build records of the spare tree
    state = BuildState(load_config(site.root / "config.yaml"))
    folder = state.spare_dir()
    assert folder is not None
    tree = state.load_tree("spare", folder)
    assert tree is not None
    return tree


def test_a_file_changed_in_a_spare_tree_set_aside_unchecked_is_not_carried_into_the_site(make_site,
                                                                                      finder: str) -> None:
    edited = Edited(make_site(ARTICLES))
    # A full build (the outline changed) sets the site it replaces aside without checking it whole first:
    # the spare tree's record says so, and the next build checks it.
    edited.edit("fr/2024/ain.md", "tags: [Irak]", "tags: [Irak, Syrie]")
    assert edited.build().kind == "full"
    assert not _spare(edited.site).verified
    time.sleep(0.01)
    # Written anew (not through the hard link output/ shares): only the spare copy changes.
    page = _spare(edited.site).folder / PAGE
    page.unlink()
    page.write_text("tampered in the cache")
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "edit"  # output/ is intact; the spare is updated file by file
    edited.assert_equals_clean_build()


def test_a_spare_tree_set_aside_by_an_edit_is_trusted_while_output_is_intact(make_site, finder: str) -> None:
    """An edit build finds output/ intact before it sets it aside as the spare tree: the record says so.
    The next build checks output/ only: the spare's files are output/'s (the same inodes, which that check
    covers) or files only the cache holds."""
    edited = Edited(make_site(ARTICLES))
    assert _spare(edited.site).verified  # a first build's mirror: written by it
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "edit"
    assert _spare(edited.site).verified
    time.sleep(0.01)
    # Changed through the hard link output/ shares with the spare: output/'s check sees it.
    (edited.site.output / PAGE).write_text("tampered")
    assert os.path.samefile(edited.site.output / PAGE, _spare(edited.site).folder / PAGE)
    edited.edit("fr/2024/ain.md", "Trois drones", "Quatre drones")
    assert edited.build().kind == "full"
    edited.assert_equals_clean_build()


def _flip_a_byte(path: Path) -> None:
    _flip_a_byte_at(path, path.stat().st_size * 2 // 3)  # inside the data, past the header and checksum


def _flip_a_byte_at(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x20
    path.write_bytes(bytes(data))


def _flip_a_blob(state: BuildState, part: str, file: str) -> None:
    """Flip a byte of what the page graph's record keeps apart (digest.blobs) of one article file: what
    it knows of it (`known`, by path), or the groups that show its body (`bodies`, by Article.file)."""
    record = state.read_graph(state.graph_base())
    stored = record.known.blobs if part == "known" else record.readers.bodies.blobs
    key = next(key for key in stored.index if key.endswith(file))
    place = stored.index[key]
    _flip_a_byte_at(state.graph_base(), stored.file.blobs_at + (place >> 64) + ((place >> 32) & 0xFFFFFFFF) // 2)


# The damage, and the build it leaves possible: without the graph or the manifest, a full build; without
# the spare tree's record, still an edit (staged in a fresh folder). The graph's record keeps what it holds
# of each article apart, each part checked when read: damage where the edit reads, a full build; where it
# does not read, still an edit (and the right site).
DAMAGES: dict[str, tuple[Callable[[BuildState], None], str]] = {
    "a byte of the page graph's structure flipped": (lambda state: _flip_a_byte_at(state.graph_base(), 200), "full"),
    "a byte of the page graph flipped where the edit reads": (
        lambda state: _flip_a_blob(state, "bodies", "fr/2024/ain.md"), "full"),
    "a byte of the page graph flipped where the edit does not read": (
        lambda state: _flip_a_blob(state, "known", "fr/2024/brouillon.md"), "edit"),
    "the graph's edits cut short": (lambda state: state.graph_edits().write_bytes(
        state.graph_edits().read_bytes()[:-40]), "full"),
    "a byte of the spare tree's record flipped": (lambda state: _flip_a_byte(state.record("spare")), "edit"),
    "a byte of the manifest flipped": (lambda state: _flip_a_byte(state.record("manifest")), "full"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_record_means_that_part_is_built_again(make_site, damage: str) -> None:
    edited = Edited(make_site(ARTICLES))
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "edit"  # the graph's edits, and a spare tree, are saved
    spoil, kind = DAMAGES[damage]
    spoil(BuildState(load_config(edited.config)))
    edited.edit("fr/2024/ain.md", "Trois drones", "Quatre drones")
    assert edited.build().kind == kind  # as the records that check out allow: never a wrong site
    edited.assert_equals_clean_build()
    edited.edit("fr/2024/ain.md", "Quatre drones", "Cinq drones")
    assert edited.build().kind == "edit"  # and the records are whole again
    edited.assert_equals_clean_build()


def test_a_damaged_record_of_the_inputs_is_not_trusted(make_site) -> None:
    """The record that lets a build with no change do nothing: damaged, the build compares the inputs
    with the page graph instead (an edit build that finds nothing changed since it) and writes nothing,
    output/ being that site already."""
    edited = Edited(make_site(ARTICLES))
    assert edited.build().kind == "unchanged"
    _flip_a_byte(BuildState(load_config(edited.config)).record("sources"))
    result = edited.build()
    assert (result.kind, result.written) == ("edit", 0)
    assert edited.build().kind == "unchanged"  # saved whole again
    edited.assert_equals_clean_build()
