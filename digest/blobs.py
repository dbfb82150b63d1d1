"""Records read in part: a pickled structure, read whole, followed by blobs (values pickled one by one),
each read and checked only when asked for.

A page graph's record (digest.delta) holds what an edit needs of the whole site (its lists, the stamps
of its inputs) and, per article, much that an edit needs for a few articles only (the article, what
the graph knows of it, the groups that show it). Read whole, the second part is most of the record
(180 MB and a second to load at 50,000 x 2 articles); kept apart, an edit reads the few blobs it plans.

On disk: the record's header (digest's version, its kind), the checksum of the structure, the
structure, then the blobs. Each blob's place in the file and its own CRC-32 are in the structure: a
damaged blob is found when it is read (DamagedRecord), a damaged structure when the record is opened.
"""

from __future__ import annotations

import io
import os
import pickle
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from digest.records import UNPICKLING_ERRORS, checksum, record_header, write_atomically

V = TypeVar("V")
_CHECKSUM = len(checksum(b""))


class DamagedRecord(Exception):
    """A blob of a record does not check out: the record is not to be trusted."""


class Apart(dict[str, bytes]):
    """While saving: values (each already pickled) to keep apart from the structure, as blobs."""


class _Blobs:
    """The blob part of a record file being saved: where each blob lands, and its checksum."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def place(self, values: Apart) -> tuple[Callable[..., Any], tuple[dict[str, int]]]:
        """A pickler's reduction of `values`: their places, the blobs appended to the file's end."""
        index = {}
        for key, blob in values.items():
            index[key] = (self.size << 64) | (len(blob) << 32) | zlib.crc32(blob)
            self.parts.append(blob)
            self.size += len(blob)
        return _stored, (index,)


def _stored(index: dict[str, int]) -> Stored:
    """Stands in the pickle for a record's blobs: the loader gives them their file (see _Loader)."""
    raise DamagedRecord("blobs loaded without their record")


def write(path: Path, kind: str, prefix: bytes, dump: Callable[[BinaryIO, Callable[[Apart], Any]], None]) -> None:
    """Save a record: `dump` pickles its structure into the file it is given (after `prefix`), with the
    reducer it is given for every Apart (in the pickler's dispatch table)."""
    blobs = _Blobs()
    buffer = io.BytesIO()
    buffer.write(prefix)
    dump(buffer, blobs.place)
    structure = buffer.getbuffer()
    write_atomically(path, [record_header(kind), checksum(structure), structure, *blobs.parts])


def read(path: Path, kind: str, prefix: bytes) -> Any:
    """The structure of a record saved by `write` with the same `prefix` (its blobs read when asked
    for), or None if it is missing, unreadable, damaged, or of another version, kind or prefix."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    file = _File(path, descriptor)
    try:
        found = _structure(descriptor, kind, prefix)
        if found is None:
            return None
        structure, file.blobs_at = found
        return _Loader(io.BytesIO(memoryview(structure)[len(prefix):]), file).load()
    except (OSError, *UNPICKLING_ERRORS):
        return None


def copy(source: Path, target: Path, kind: str, prefix: bytes, new_prefix: bytes) -> bool:
    """Copy a record, its structure's `prefix` replaced by `new_prefix` (the blobs' places are from the
    start of the blob part: unchanged); False if the source is not a sound record with that prefix."""
    try:
        with open(source, "rb") as file:
            found = _structure(file.fileno(), kind, prefix)
            if found is None:
                return False
            structure, blobs_at = found
            file.seek(blobs_at)
            blobs = file.read()
    except OSError:
        return False
    renamed = new_prefix + structure[len(prefix):]
    write_atomically(target, [record_header(kind), checksum(renamed), renamed, blobs])
    return True


def _structure(descriptor: int, kind: str, prefix: bytes) -> tuple[bytes, int] | None:
    """A record's structure (checked, and starting with `prefix`) and where its blobs start, or None."""
    header = record_header(kind)
    start = os.pread(descriptor, len(header) + _CHECKSUM, 0)
    if len(start) != len(header) + _CHECKSUM or not start.startswith(header):
        return None
    length = int.from_bytes(start[len(header):len(header) + 8], "little")
    structure = os.pread(descriptor, length, len(start))
    if checksum(structure) != start[len(header):] or not structure.startswith(prefix):
        return None
    return structure, len(start) + length


class _File:
    """An open record file (its blob part from `blobs_at`), closed when nothing reads it any more."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self.descriptor = descriptor
        self.blobs_at = 0
        weakref.finalize(self, os.close, descriptor)

    def blob(self, place: int) -> bytes:
        at, length, crc = place >> 64, (place >> 32) & 0xFFFFFFFF, place & 0xFFFFFFFF
        try:
            data = os.pread(self.descriptor, length, self.blobs_at + at)
        except OSError as error:
            raise DamagedRecord(f"{self.path}: {error}") from None
        if len(data) != length or zlib.crc32(data) != crc:
            raise DamagedRecord(f"{self.path}: a blob does not check out")
        return data


class _Loader(pickle.Unpickler):
    def __init__(self, data: BinaryIO, file: _File) -> None:
        super().__init__(data)
        self.file = file

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == _stored.__name__:
            return partial(Stored, self.file)
        return super().find_class(module, name)


class Stored(Mapping[str, bytes]):
    """A record's blobs as loaded (key -> pickled value): each read from the file when asked for."""

    def __init__(self, file: _File, index: dict[str, int]) -> None:
        self.file = file
        self.index = index

    def __getitem__(self, key: str) -> bytes:
        return self.file.blob(self.index[key])

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)


class Unpickled(Mapping[str, V], Generic[V]):
    """Values kept pickled (`blobs`: a record's, see Stored), each unpickled when first asked for, with
    `newer` values in front (an edit's, or all of them for a record made in this process)."""

    def __init__(self, blobs: Mapping[str, bytes], newer: Mapping[str, V] | None = None) -> None:
        self.blobs = blobs
        self.newer = dict(newer or {})
        self._made: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        if key in self.newer:
            return self.newer[key]
        value = self._made.get(key)
        if value is None:
            try:
                value = self._made[key] = pickle.loads(self.blobs[key])
            except UNPICKLING_ERRORS as error:
                raise DamagedRecord(f"{key}: {error}") from None
        return value

    def __contains__(self, key: object) -> bool:
        return key in self.newer or key in self.blobs

    def __iter__(self) -> Iterator[str]:
        yield from self.newer
        yield from (key for key in self.blobs if key not in self.newer)

    def __len__(self) -> int:
        return len(self.newer) + sum(1 for key in self.blobs if key not in self.newer)

    def updated(self, changes: Mapping[str, V]) -> Unpickled[V]:
        """These values with `changes` in front: a new mapping (this one is left as it was)."""
        made = Unpickled(self.blobs, {**self.newer, **changes})
        made._made = self._made  # (the same blobs: what is unpickled once serves both)
        return made

    def apart(self) -> Apart:
        """Every value pickled, to be saved apart (see write)."""
        pickled = Apart()
        for key in self:  # (a stored value as it was pickled, a newer one pickled now)
            pickled[key] = pickle.dumps(self.newer[key], protocol=pickle.HIGHEST_PROTOCOL) \
                if key in self.newer else self.blobs[key]
        return pickled
