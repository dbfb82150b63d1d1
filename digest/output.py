"""Write a site: a fresh tree swapped into place, or, while serving, only what changed.

`digest build` writes into a staging folder and swaps it in with one rename:
`output/` is never half written, and on any error it stays exactly as it was.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.errors import Problem, SiteError
from digest.parallel import run_chunked
from digest.sitemap import SitemapEntry

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class Output:
    """One file of the site: rendered on demand, or copied from `source`."""

    file: str  # relative to the output folder
    fingerprint: str  # equal fingerprints mean equal bytes
    render: Callable[[], bytes] | None = None
    source: Path | None = None
    sitemap: SitemapEntry | None = field(default=None, compare=False)

    def write_to(self, target: Path) -> None:
        if self.source is not None:
            shutil.copyfile(self.source, target)
        else:
            assert self.render is not None
            target.write_bytes(self.render())


@dataclass(frozen=True)
class WriteResult:
    written: int
    unchanged: int
    manifest: dict[str, str]  # file -> fingerprint, for the next incremental update


def fingerprint(*parts: Any) -> str:
    """A short stable hash of strings, numbers and nested tuples/lists of them."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def file_fingerprint(path: Path) -> str:
    stat = path.stat()
    return fingerprint(str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)


class Staging:
    """A folder beside the output folder (same file system, so the swap is a rename)."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.folders: set[Path] = set()
        if output_dir.exists() and not output_dir.is_dir():
            raise _error(output_dir, "exists and is not a folder")
        try:
            output_dir.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp", dir=output_dir.parent))
            os.chmod(self.path, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a web server
        except OSError as error:
            raise _error(output_dir, f"cannot be written: {error.strerror}") from None

    def write(self, output: Output, reuse: Path | None = None) -> bool:
        """Write one file, or hard-link `reuse` (the same file of the previous build); True if written."""
        target = inside(self.path, output.file)
        if target.parent not in self.folders:  # tens of thousands of files share a few thousand folders
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        if reuse is not None:
            try:
                os.link(reuse, target)
                return False
            except OSError:
                pass  # no hard links here (another file system?): write it
        output.write_to(target)
        return True

    def commit(self) -> None:
        """Swap the staging folder in and remove the previous site."""
        try:
            if self.output_dir.is_dir() and exchange(self.path, self.output_dir):
                remove_in_background(self.path)  # now holds the previous site
                return
            previous = None
            if self.output_dir.exists():
                previous = self.path.with_name(self.path.name + ".old")
                os.rename(self.output_dir, previous)
            os.rename(self.path, self.output_dir)
            if previous:
                remove_in_background(previous)
        except OSError as error:
            self.discard()
            raise _error(self.output_dir, f"cannot be replaced: {error.strerror}") from None

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old bytes or the new ones, never half of them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def remove_in_background(folder: Path) -> None:
    """Delete a folder without making the build wait: deleting tens of thousands of files takes
    seconds and slows the disk for whatever writes next."""
    try:
        subprocess.Popen(["rm", "-rf", "--", str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def inside(root: Path, relative: str) -> Path:
    """root/relative, refusing any path that could land outside root (checked on the string: no I/O)."""
    parts = relative.split("/")
    if relative.startswith(("/", "\\")) or any(part in ("", ".", "..") or "\\" in part for part in parts[:-1]) \
            or parts[-1] in ("", ".", "..") or "\0" in relative:
        raise SiteError([Problem(relative, None, "refusing to write outside the output folder")])
    return root / relative


def write_site(output_dir: Path, outputs: Sequence[Output], finish: Callable[[Path, int], None] | None = None,
               workers: int = 1, reuse: Callable[[Output], Path | None] | None = None,
               progress: Callable[[int, int], None] | None = None) -> WriteResult:
    """Write every file into a fresh tree over `workers` processes, let `finish` complete it (the search
    index), and swap it in. Files for which `reuse` names an unchanged file of the previous build are
    hard-linked from it instead of rendered."""
    staging = Staging(output_dir)

    def write(chunk: range) -> int:
        written = 0
        for index in chunk:
            output = outputs[index]
            written += staging.write(output, reuse(output) if reuse else None)
        return written

    try:
        report = (lambda done: progress(done, len(outputs))) if progress else None
        written = sum(run_chunked(write, len(outputs), workers, report))
        if finish is not None:
            finish(staging.path, written)
    except OSError as error:
        staging.discard()
        raise _error(output_dir, f"cannot be written: {error.strerror}") from None
    except BaseException:
        staging.discard()
        raise
    staging.commit()
    return WriteResult(written=written, unchanged=len(outputs) - written,
                       manifest={output.file: output.fingerprint for output in outputs})


def update_site(output_dir: Path, outputs: Iterable[Output], previous: Mapping[str, str]) -> WriteResult:
    """Bring an existing output folder up to date in place: write what changed, delete what is gone.

    For `digest serve`, where rewriting every file on each keystroke would be too slow. Changed files
    are first all written beside their targets, then renamed over them, so a template error halfway
    leaves the last good site in place and the server never sends half a file.
    """
    manifest: dict[str, str] = {}
    pending: list[tuple[Path, Path]] = []
    try:
        for output in outputs:
            manifest[output.file] = output.fingerprint
            target = inside(output_dir, output.file)
            if previous.get(output.file) == output.fingerprint and target.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.tmp")
            pending.append((temporary, target))
            output.write_to(temporary)
    except BaseException as error:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _error(output_dir, f"cannot be written: {error.strerror}") from None
        raise
    try:
        for temporary, target in pending:
            os.replace(temporary, target)
        for gone in sorted(set(previous) - set(manifest), reverse=True):
            _remove(output_dir, inside(output_dir, gone))
    except OSError as error:
        raise _error(output_dir, f"cannot be written: {error.strerror}") from None
    return WriteResult(written=len(pending), unchanged=len(manifest) - len(pending), manifest=manifest)


def _remove(root: Path, file: Path) -> None:
    """Delete a file and the folders it leaves empty."""
    file.unlink(missing_ok=True)
    folder = file.parent
    while folder != root.resolve() and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def exchange(a: Path, b: Path) -> bool:
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
