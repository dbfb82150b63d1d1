"""Records read in part (digest.blobs): the structure read whole and checked, each blob read and
checked only when asked for, copies under another name, and values kept pickled until read."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from digest import blobs
from digest.blobs import Apart, DamagedRecord, Unpickled

PREFIX = pickle.dumps("/site/output")


def _save(path: Path, structure: dict[str, Any]) -> None:
    def dump(file: Any, apart: Any) -> None:
        pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = {Apart: apart}  # type: ignore[assignment]
        pickler.dump(structure)

    blobs.write(path, "test", PREFIX, dump)


def _record(tmp_path: Path) -> Path:
    path = tmp_path / "record.pickle"
    articles = Apart({f"fr/{n}.md": pickle.dumps({"title": f"Titre {n}", "body": "é" * n}) for n in range(50)})
    _save(path, {"lists": ["fr/1.md", "fr/2.md"], "articles": Unpickled(articles), "known": Apart({"a": b"x"})})
    return path


def test_the_structure_is_read_whole_and_each_blob_when_asked(tmp_path: Path) -> None:
    path = _record(tmp_path)
    loaded = blobs.read(path, "test", PREFIX)
    assert loaded["lists"] == ["fr/1.md", "fr/2.md"]
    articles = loaded["articles"]
    assert isinstance(articles.blobs, blobs.Stored)
    assert len(articles) == 50 and "fr/7.md" in articles and "fr/99.md" not in articles
    assert articles["fr/7.md"] == {"title": "Titre 7", "body": "é" * 7}
    assert loaded["known"]["a"] == b"x"
    # The blobs are the end of the file: the structure is far smaller than the record.
    assert path.stat().st_size > 50 * 20


def test_another_kind_prefix_or_version_is_no_record(tmp_path: Path) -> None:
    path = _record(tmp_path)
    assert blobs.read(path, "other", PREFIX) is None
    assert blobs.read(path, "test", pickle.dumps("/elsewhere")) is None
    assert blobs.read(tmp_path / "missing.pickle", "test", PREFIX) is None
    path.write_bytes(path.read_bytes().replace(b"digest ", b"digesT ", 1))
    assert blobs.read(path, "test", PREFIX) is None


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_damaged_structure_is_no_record(tmp_path: Path) -> None:
    path = _record(tmp_path)
    _flip(path, len(blobs.record_header("test")) + 20)
    assert blobs.read(path, "test", PREFIX) is None


def test_a_damaged_blob_is_found_when_read_and_only_then(tmp_path: Path) -> None:
    path = _record(tmp_path)
    stored = blobs.read(path, "test", PREFIX)["articles"].blobs
    place = stored.index["fr/30.md"]
    _flip(path, stored.file.blobs_at + (place >> 64) + 3)
    loaded = blobs.read(path, "test", PREFIX)
    assert loaded["articles"]["fr/29.md"]["title"] == "Titre 29"  # the others read as saved
    with pytest.raises(DamagedRecord):
        loaded["articles"]["fr/30.md"]


def test_a_record_cut_short_is_found_when_a_lost_blob_is_read(tmp_path: Path) -> None:
    path = _record(tmp_path)
    path.write_bytes(path.read_bytes()[:-10])
    loaded = blobs.read(path, "test", PREFIX)
    assert loaded["articles"]["fr/0.md"]["title"] == "Titre 0"
    with pytest.raises(DamagedRecord):
        loaded["articles"]["fr/49.md"]


def test_a_record_replaced_while_open_is_read_as_it_was(tmp_path: Path) -> None:
    """A long-lived process (serve) keeps a record open; a build replaces the file (a new inode)."""
    path = _record(tmp_path)
    loaded = blobs.read(path, "test", PREFIX)
    _save(path, {"articles": Unpickled(Apart({"fr/7.md": pickle.dumps("autre")}))})
    assert loaded["articles"]["fr/7.md"]["title"] == "Titre 7"
    assert blobs.read(path, "test", PREFIX)["articles"]["fr/7.md"] == "autre"


def test_a_copy_under_another_prefix_keeps_every_blob(tmp_path: Path) -> None:
    path = _record(tmp_path)
    other = pickle.dumps("/site/.digest-cache/serve/a-much-longer-folder-name")
    assert blobs.copy(path, tmp_path / "copy.pickle", "test", PREFIX, other)
    assert blobs.read(tmp_path / "copy.pickle", "test", PREFIX) is None
    copied = blobs.read(tmp_path / "copy.pickle", "test", other)
    assert [copied["articles"][f"fr/{n}.md"]["title"] for n in (0, 25, 49)] == ["Titre 0", "Titre 25", "Titre 49"]
    assert not blobs.copy(path, tmp_path / "again.pickle", "test", other, PREFIX)  # not that prefix
    assert not blobs.copy(tmp_path / "missing", tmp_path / "again.pickle", "test", PREFIX, other)


def test_unpickled_values_updated_leave_the_original_as_it_was() -> None:
    values = Unpickled(Apart({"a": pickle.dumps(1), "b": pickle.dumps(2)}))
    newer = values.updated({"b": 20, "c": 30})
    assert dict(values) == {"a": 1, "b": 2}
    assert dict(newer) == {"b": 20, "c": 30, "a": 1}
    assert len(newer) == 3 and "c" in newer and "c" not in values
    assert pickle.loads(newer.apart()["b"]) == 20 and newer.apart()["a"] == pickle.dumps(1)
