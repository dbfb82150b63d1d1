"""Write a site into a staging folder, then swap it into place in one step.

`output/` is never half written: on any error the staging folder is removed
and the previous site stays exactly as it was.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from digest.errors import Problem, SiteError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class Staging:
    """A folder beside the output folder (same file system, so the swap is a rename)."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        if output_dir.exists() and not output_dir.is_dir():
            raise _error(output_dir, "exists and is not a folder")
        try:
            output_dir.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp", dir=output_dir.parent))
            os.chmod(self.path, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a web server
        except OSError as error:
            raise _error(output_dir, f"cannot be written: {error.strerror}") from None

    def write(self, relative: str, data: bytes) -> None:
        target = self._target(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def copy(self, source: Path, relative: str) -> None:
        target = self._target(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def _target(self, relative: str) -> Path:
        target = (self.path / relative).resolve()
        if not target.is_relative_to(self.path.resolve()):
            raise SiteError([Problem(relative, None, "refusing to write outside the output folder")])
        return target

    def commit(self) -> None:
        """Swap the staging folder in and remove the previous site."""
        try:
            if self.output_dir.is_dir() and _exchange(self.path, self.output_dir):
                shutil.rmtree(self.path, ignore_errors=True)  # now holds the previous site
                return
            previous = None
            if self.output_dir.exists():
                previous = self.path.with_name(self.path.name + ".old")
                os.rename(self.output_dir, previous)
            os.rename(self.path, self.output_dir)
            if previous:
                shutil.rmtree(previous, ignore_errors=True)
        except OSError as error:
            self.discard()
            raise _error(self.output_dir, f"cannot be replaced: {error.strerror}") from None

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_site(output_dir: Path, files: Iterable[tuple[str, bytes]], copies: Iterable[tuple[Path, str]]) -> int:
    """Write every file into a fresh tree and swap it in; returns the number of files written."""
    staging = Staging(output_dir)
    count = 0
    try:
        for relative, data in files:
            staging.write(relative, data)
            count += 1
        for source, relative in copies:
            staging.copy(source, relative)
            count += 1
    except OSError as error:
        staging.discard()
        raise _error(output_dir, f"cannot be written: {error.strerror}") from None
    except BaseException:
        staging.discard()
        raise
    staging.commit()
    return count


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two folders with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _error(output_dir: Path, message: str) -> SiteError:
    return SiteError([Problem(str(output_dir), None, f"output folder {message}")])
