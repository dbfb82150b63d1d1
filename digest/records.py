"""Small utilities every layer may use (this module imports no other part of digest but errors):
stable fingerprints, atomic writes, the build clock, and records of .digest-cache/ saved with their
format's version and a checksum, so that a record damaged or altered in the cache is never trusted."""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest import __version__
from digest.errors import Problem, SiteError

_CHECKSUM = 12  # bytes: the length and the CRC-32 of the data
# What unpickling a record that checks out may still raise (written by another digest, or by hand and
# sealed anew): such a record is no record.
UNPICKLING_ERRORS = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError,
                     IndexError, KeyError)


def fingerprint(*parts: Any) -> str:
    """A short stable hash of strings, numbers and nested tuples/lists of them."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def write_atomically(path: Path, data: bytes | Sequence[bytes | memoryview]) -> None:
    """Write a file (its bytes, or its parts in order) so that readers see the old bytes or the new
    ones, never half of them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        if isinstance(data, bytes):
            file.write(data)
        else:
            file.writelines(data)
    os.replace(temporary, path)


def build_time() -> datetime:
    """The build's time: SOURCE_DATE_EPOCH when set (reproducible-builds.org), else now."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or not value.strip():
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return datetime.fromtimestamp(int(value.strip()), UTC)
    except (ValueError, OverflowError, OSError):
        raise SiteError([Problem("SOURCE_DATE_EPOCH", None, f"must be a whole number of seconds since "
                                 f"1970-01-01 00:00 UTC, not {value!r}")]) from None


def record_header(kind: str) -> bytes:
    return f"digest {__version__} {kind}\n".encode()


def seal(kind: str, data: bytes) -> bytes:
    """A record's bytes as saved: a header naming digest's version and the kind of record, then a
    checksum of the data, then the data."""
    return record_header(kind) + checksum(data) + data


def unseal(kind: str, blob: bytes) -> bytes | None:
    """The data of a sealed record, or None if it is of another version or kind, or does not match
    its checksum (truncated by a full disk, altered in a cache restored from elsewhere)."""
    data = unseal_view(kind, blob)
    return None if data is None else bytes(data)


def unseal_view(kind: str, blob: bytes) -> memoryview | None:
    """unseal's data as a view of `blob`: no copy (a page graph is tens of megabytes)."""
    header = record_header(kind)
    if not blob.startswith(header):
        return None
    start = len(header) + _CHECKSUM
    data = memoryview(blob)[start:]
    return data if blob[len(header):start] == checksum(data) else None


def checksum(data: bytes | memoryview) -> bytes:
    # Against a truncated or damaged file, not an adversary: CRC-32 reads a page graph's tens of
    # megabytes three times as fast as blake2b, on every edit build.
    return len(data).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little")


def save_record(path: Path, kind: str, data: bytes) -> None:
    write_atomically(path, seal(kind, data))


def load_record(path: Path, kind: str) -> bytes | None:
    """A record saved by save_record, or None (missing, unreadable, old, damaged)."""
    try:
        return unseal(kind, path.read_bytes())
    except OSError:
        return None


def load_record_view(path: Path, kind: str) -> memoryview | None:
    """load_record's data as a view (no copy of a large record)."""
    try:
        return unseal_view(kind, path.read_bytes())
    except OSError:
        return None
