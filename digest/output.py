"""Write a site: always a staged tree (fresh, or the spare one brought up to date) swapped into place.

`digest build` writes into a staging folder and swaps it in with one rename:
`output/` is never half written, and on any error it stays exactly as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

from digest.errors import Problem, SiteError
from digest.parallel import Forked, can_fork, jobs, pays, run_chunked, write_all
from digest.records import fingerprint
from digest.sitemap import SitemapEntry

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class Output:
    """One file of the site: rendered on demand, or copied from `source`."""

    file: str  # relative to the output folder
    fingerprint: str  # equal fingerprints mean equal bytes
    render: Callable[[], bytes] | None = None
    source: Path | str | None = None
    sitemap: Callable[[], SitemapEntry] | None = field(default=None, compare=False)  # its entry, if listed
    # Rendered in a process of its own when the site is written in parallel: it reads every page, and a
    # worker that did would keep a copy of every memory page it touched (reference counts) to the end.
    apart: bool = False

    def write_to(self, target: Path | str) -> None:
        if self.source is not None:
            shutil.copyfile(self.source, target)
            return
        assert self.render is not None
        data = self.render()
        # Plain system calls: Python's buffered files ask the terminal and the position of each file.
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            write_all(descriptor, data)
        finally:
            os.close(descriptor)


@dataclass(frozen=True)
class WriteResult:
    written: int
    unchanged: int
    manifest: dict[str, str]  # file -> fingerprint, for the next incremental update
    kept_old: bool = False  # the replaced site was kept (as the next build's spare)
    mirrored: bool = False  # the new site was mirrored (see Staging): that copy is the next build's spare


class SiteFiles:
    """The files of a site to write: the `planned` outputs, and every other file as the folder `kept_in`
    holds it (`kept`: file -> fingerprint). An Output is made for a kept file only when it is asked for:
    an edit keeps tens of thousands of files and stages a few (see _to_stage)."""

    def __init__(self, planned: Iterable[Output], kept: Mapping[str, str] | None = None, kept_in: Path | None = None
                 ) -> None:
        self.planned = {output.file: output for output in planned}
        self.kept = kept or {}
        self.prefix = f"{kept_in}/" if kept_in is not None else ""  # (a string: cheaper per file than a Path)

    @cached_property
    def fingerprints(self) -> dict[str, str]:
        """Every file -> its fingerprint (a planned output's, where a file is both)."""
        marks = dict(self.kept)
        marks.update((file, output.fingerprint) for file, output in self.planned.items())
        return marks

    def output(self, file: str) -> Output:
        planned = self.planned.get(file)
        return planned if planned is not None else Output(file, self.kept[file], source=self.prefix + file)

    def __iter__(self) -> Iterator[Output]:
        yield from self.planned.values()
        yield from (self.output(file) for file in self.kept if file not in self.planned)

    def __len__(self) -> int:
        return len(self.fingerprints)


def file_fingerprint(path: Path) -> str:
    stat = path.stat()
    return fingerprint(str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)


@dataclass(frozen=True)
class Tree:
    """A folder as digest last wrote it: file -> fingerprint, and when. A file modified since then
    (by hand, say) is not trusted to still hold its fingerprint's bytes.

    `trusted`: the folder is known to be as written (checked whole with `intact`, or written by
    this process): `holds` then needs no look at the file."""

    folder: Path
    files: Mapping[str, str]
    written_ns: int
    trusted: bool = field(default=False, compare=False)
    # A spare tree's: it was known to be as written when set aside (output/ then, checked whole). Its
    # files are then what output/ holds now (the same inodes: output/ found intact says they are
    # unchanged) or files no other folder holds (in the cache): no need to check it whole again.
    verified: bool = field(default=False, compare=False)

    def holds(self, output: Output) -> bool:
        if self.files.get(output.file) != output.fingerprint:
            return False
        if self.checked_whole:
            return True
        try:
            return os.stat(f"{self.prefix}{output.file}").st_mtime_ns <= self.written_ns
        except OSError:
            return False

    @cached_property
    def untouched(self) -> bool:
        """Whether no file was added to or removed from its folders since written: a folder's
        modification time changes when an entry is added, removed or renamed in it."""
        if self.checked_whole:
            return True
        folders = {""} | folders_of(self.files)
        try:
            return all(os.stat(f"{self.prefix}{folder}").st_mtime_ns <= self.written_ns for folder in folders)
        except OSError:
            return False

    @property
    def checked_whole(self) -> bool:
        """Known to be as written (trusted, or found intact): no file needs a look."""
        return self.trusted or bool(self.__dict__.get("_intact"))

    def intact(self) -> bool:
        """Whether the folder still is exactly what was written: no file added, removed or modified.

        Each listed file's and folder's modification time is compared with the time written (a file
        modified in place moves its own; one added, removed or renamed moves its folder's): by processes
        forked for it (see `check_in_background`), else here."""
        if "_intact" not in self.__dict__:
            if "_check" not in self.__dict__:
                self.check_in_background()
            checks = self.__dict__.pop("_check")
            if checks is None:
                newer = _newer_among(self.prefix, list(self.files), self.written_ns, share=0, shares=1)
            else:
                try:
                    newer = any([check.result() for check in checks])  # (a list: every child is waited for)
                except RuntimeError:  # a child ended without its answer
                    newer = True
            self.__dict__["_intact"] = not newer
        return bool(self.__dict__["_intact"])

    def check_in_background(self) -> None:
        """Start the check `intact` answers, on other cores while the build goes on: a stat per entry
        (100,000 at 10,000 articles per language) costs the kernel 0.2 s wherever it is made. Only the
        entries the record lists are looked at, never a folder read (which would cost `find` twice as much)."""
        if "_check" not in self.__dict__ and "_intact" not in self.__dict__:
            checks = None
            if can_fork():
                names = list(self.files)
                shares = max(1, min(jobs(), _MAX_CHECKS))
                checks = [Forked(partial(_newer_in_background, self.prefix, names, self.written_ns, share, shares))
                          for share in range(shares)]
            self.__dict__["_check"] = checks

    def settle(self) -> None:
        """Wait for a check started in the background, if any (no process is left behind)."""
        if self.__dict__.get("_check") is not None:
            self.intact()

    @cached_property
    def prefix(self) -> str:
        return f"{self.folder}/"


_MAX_CHECKS = 4  # processes a check forks at most


def _newer_in_background(prefix: str, names: Sequence[str], since_ns: int, share: int, shares: int) -> bool:
    """_newer_among in a forked child, below the build's priority: it takes the cores the build leaves
    idle (a build that waits for the answer leaves it every core)."""
    with contextlib.suppress(OSError):
        os.nice(10)
    return _newer_among(prefix, names, since_ns, share, shares)


def _newer_among(prefix: str, names: Sequence[str], since_ns: int, share: int, shares: int) -> bool:
    """Whether any of a share of the files `names` (every `shares`-th from `share`), or of the folders
    they are in, is missing or modified after `since_ns`. Share 0 also looks at the folder itself
    (`prefix`, followed if a link; no link below it followed)."""
    mine = names[share::shares]
    try:
        if share == 0 and os.stat(prefix).st_mtime_ns > since_ns:
            return True
        return any(os.lstat(prefix + entry).st_mtime_ns > since_ns for entry in (*mine, *folders_of(mine)))
    except OSError:
        return True  # (gone, or not readable: not as written)


class Staging:
    """The next site, built in a folder beside the output folder (same file system: the swap is a rename).

    Either a fresh folder, or a `spare` tree (an earlier site kept by the last build) brought up to
    date: then only the files that differ are touched, instead of all of them.
    """

    def __init__(self, output_dir: Path, spare: Tree | None = None, mirror: Path | None = None) -> None:
        self.output_dir = output_dir
        self.spare = spare
        # A fresh tree may be mirrored (each file hard-linked into `mirror` too, in the workers): after a
        # build with no site to keep, the next build's spare, so that its first edit stages a few files.
        self.mirror = mirror if spare is None else None
        self.folders: set[str] = set()  # made already, relative to the tree
        try:
            output_dir.parent.mkdir(parents=True, exist_ok=True)
            if spare is not None:
                self.path = spare.folder
                return
            self.path = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp", dir=output_dir.parent))
            os.chmod(self.path, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a web server
        except OSError as error:
            raise _error(output_dir, f"cannot be written: {error.strerror}") from None
        if self.mirror is not None and not _can_link(self.path, self.mirror):
            self.mirror = None  # (another file system: no spare, as before)

    def remove_stale(self, wanted: Mapping[str, str]) -> None:
        """Delete the spare tree's files that the new site does not have (and folders left empty)."""
        if self.spare is None:
            return
        for stale in sorted(self.spare.files.keys() - wanted.keys(), reverse=True):
            _remove(self.path, inside(self.path, stale))

    def make_folders(self, files: Iterable[str]) -> None:
        """Create the folders of a fresh tree that hold other folders, parents first, before the workers
        start. The many folders that hold only files (one per page) are made by the workers as they
        write, in parallel: on a large site, making them all here would keep one core idle for seconds."""
        if self.spare is not None:
            return  # they mostly exist: made as needed
        parents = folders_of(folders_of(checked(file) for file in files))
        for folder in sorted(parents):  # a folder sorts before what it holds
            os.mkdir(f"{self.path}/{folder}")
            if self.mirror is not None:
                os.mkdir(f"{self.mirror}/{folder}")
        self.folders.update(parents)

    def write(self, output: Output, previous: Tree | None = None) -> bool:
        """Write one file unless the spare tree holds it already, or hard-link it from `previous` (the
        output folder) if that holds it; True if its bytes differ from the output folder's file."""
        if self.spare is not None and self.spare.holds(output):
            # (its path was checked when it was written there)
            return self._changed(output, output.file, f"{self.path}/{output.file}", previous)
        relative = checked(output.file)
        target = f"{self.path}/{relative}"
        folder = relative.rpartition("/")[0]
        if folder and folder not in self.folders:
            for tree in (self.path, self.mirror) if self.mirror is not None else (self.path,):
                try:
                    os.mkdir(f"{tree}/{folder}")  # its parent exists (made by make_folders) ...
                except FileExistsError:
                    pass  # (another worker wrote a file there first)
                except FileNotFoundError:
                    os.makedirs(f"{tree}/{folder}", exist_ok=True)  # ... but in a spare tree, maybe not
            self.folders.add(folder)
        if self.spare is not None:
            # Never write through an old file: it may be a hard link to a page of the live site.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        linked = False
        if previous is not None and previous.holds(output):
            try:
                os.link(f"{previous.prefix}{relative}", target)
                linked = True
            except OSError:
                pass  # no hard links here (another file system?): write it
        if not linked:
            output.write_to(target)
        if self.mirror is not None:
            os.link(target, f"{self.mirror}/{relative}")
        return False if linked else self._changed(output, relative, target, previous)

    def _changed(self, output: Output, relative: str, target: str, previous: Tree | None) -> bool:
        """Whether the file written at `target` differs from the one the output folder holds now."""
        if previous is not None and previous.files.get(output.file) == output.fingerprint:
            return False  # equal fingerprints, equal bytes (no need to look at the file)
        return not same_bytes(target, f"{self.output_dir}/{relative}")

    def commit(self, keep_old: Path | None) -> bool:
        """Swap the staging folder in. The previous site moves to `keep_old` (True), or is deleted."""
        if os.path.ismount(self.output_dir):
            try:
                copy_into(self.path, self.output_dir)
            except OSError as error:
                raise _error(self.output_dir, f"cannot be written: {error.strerror}") from None
            finally:
                self.discard()
            return False
        try:
            if self.output_dir.is_dir() and exchange(self.path, self.output_dir):
                old: Path | None = self.path
            elif self.output_dir.exists():
                old = self.path.with_name(self.path.name + ".old")
                os.rename(self.output_dir, old)
                os.rename(self.path, self.output_dir)
            else:
                os.rename(self.path, self.output_dir)
                old = None
        except OSError as error:
            self.discard()
            raise _error(self.output_dir, f"cannot be replaced: {error.strerror}") from None
        if old is None:
            return False
        if keep_old is not None:
            try:
                if old != keep_old:
                    os.rename(old, keep_old)
                return True
            except OSError:
                pass
        remove_in_background(old)
        return False

    def discard(self) -> None:
        if self.spare is not None:
            remove_in_background(self.path)  # half updated: useless now
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        if self.mirror is not None:
            remove_in_background(self.mirror)


def _can_link(staging: Path, mirror: Path) -> bool:
    """Make the folder `mirror`, if files of `staging` can be hard-linked into it."""
    try:
        mirror.mkdir(mode=0o777 & ~_umask(), parents=True)
        probe = staging / ".digest-link-probe"
        probe.touch()
        try:
            os.link(probe, mirror / probe.name)
            os.unlink(mirror / probe.name)
            return True
        finally:
            os.unlink(probe)
    except OSError:
        shutil.rmtree(mirror, ignore_errors=True)
        return False


def link_tree(source: Path, target: Path) -> None:
    """Hard-link every file of `source` into `target` (made as needed), folder for folder."""
    for folder, _, names in os.walk(source):
        relative = os.path.relpath(folder, source)
        into = target if relative == "." else target / relative
        into.mkdir(exist_ok=True)
        for name in names:
            os.link(f"{folder}/{name}", into / name)


def copy_into(staged: Path, mount: Path) -> None:
    """Bring an output folder that is a mount point (a container volume, a tmpfs), which cannot be
    renamed or exchanged, up to date with a staged tree: each changed file is written beside its
    target and renamed over it (a reader gets the old file or the new one, never half of one), then
    the files the new site does not have are deleted. The site as a whole changes file by file."""
    wanted: set[str] = set()
    for folder, _, names in os.walk(staged):
        relative = os.path.relpath(folder, staged)
        target_folder = mount if relative == "." else mount / relative
        target_folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            source, target = Path(folder) / name, target_folder / name
            wanted.add(os.path.normpath(target))
            if same_bytes(source, target):
                continue
            temporary = target_folder / f".{name}.digest-tmp"
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)
    for folder, subfolders, names in os.walk(mount, topdown=False):
        for name in names:
            if os.path.normpath(os.path.join(folder, name)) not in wanted:
                os.unlink(os.path.join(folder, name))
        for name in subfolders:
            with contextlib.suppress(OSError):  # (not empty: it holds files of the new site)
                os.rmdir(os.path.join(folder, name))


def same_bytes(a: str | Path, b: str | Path) -> bool:
    """Whether two files hold the same bytes (False if either cannot be read)."""
    try:
        if os.stat(a).st_size != os.stat(b).st_size:
            return False
        with open(a, "rb") as first, open(b, "rb") as second:
            return first.read() == second.read()
    except OSError:
        return False


@contextlib.contextmanager
def locked(cache_dir: Path, output_dir: Path, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the build lock (a lock on the cache folder itself: builds share its records, and no file
    is left behind): one build at a time writes the output folder and the cache. A second build
    waits for the first, saying so through `waiting`, then goes on. Staging folders left beside the
    output folder by a killed build are removed once the lock is held (no build owns them)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(cache_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise SiteError([Problem(str(cache_dir), None, f"cache folder cannot be written: {error.strerror}")]) \
            from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(f"{output_dir}: another build is running on this site; waiting for it to finish")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        for leftover in output_dir.parent.glob(f".{glob.escape(output_dir.name)}.*.tmp*"):
            if leftover.is_dir() and not leftover.is_symlink():
                remove_in_background(leftover)
        yield
    finally:
        os.close(descriptor)  # (releases the lock)


def remove_in_background(folder: Path) -> None:
    """Delete a folder without making the build wait: deleting tens of thousands of files takes
    seconds and slows the disk for whatever writes next."""
    try:
        # First out of the way (a rename is instant), so that the name can be used again at once.
        doomed = folder.with_name(f".{folder.name}.{os.getpid()}-{time.monotonic_ns()}.deleted")
        os.rename(folder, doomed)
        folder = doomed
    except OSError:
        pass
    try:
        subprocess.Popen(["rm", "-rf", "--", str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def check_replaceable(output_dir: Path) -> None:
    """Refuse, before anything is staged, an output folder whose parent a new site cannot be moved into
    (read-only, immutable): the staged site would be written in vain, and the spare tree spoiled."""
    if os.path.ismount(output_dir):
        return  # (written file by file: see copy_into)
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp", dir=output_dir.parent))
    except OSError as error:
        raise _error(output_dir, f"cannot be written: {error.strerror}") from None


def inside(root: Path, relative: str) -> Path:
    """root/relative, refusing any path that could land outside root (checked on the string: no I/O)."""
    return root / checked(relative)


def folders_of(files: Iterable[str]) -> set[str]:
    """Every folder that files (relative paths) are in, and each folder above those, but the root."""
    folders = {""}
    for file in files:
        folder = file.rpartition("/")[0]
        while folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders - {""}


def checked(relative: str) -> str:
    """A path relative to the output folder, refused if it could lead outside it."""
    parts = relative.split("/")
    if relative.startswith(("/", "\\")) or any(part in ("", ".", "..") or "\\" in part for part in parts[:-1]) \
            or parts[-1] in ("", ".", "..") or "\0" in relative:
        raise SiteError([Problem(relative, None, "refusing to write outside the output folder")])
    return relative


def write_site(output_dir: Path, outputs: SiteFiles,
               finish: Callable[[Path, int], Mapping[str, str] | None] | None = None,
               workers: int = 1, previous: Tree | None = None, spare: Tree | None = None,
               keep_old: Path | None = None, progress: Callable[[int, int], None] | None = None,
               mirror: Path | None = None) -> WriteResult:
    """Write every file into the next tree over `workers` processes, let `finish` complete it (the
    search index: it returns the files it wrote, file -> fingerprint, for the manifest), and swap it
    in with one atomic exchange. No file of `output_dir` is ever written in place.

    The next tree is `spare` brought up to date, or else a fresh folder (hard-linked into `mirror` as
    it is written, if given: `finish` mirrors what it adds). Files that `previous` (the current output
    folder) holds already are hard-linked from it instead of rendered. The replaced site is moved to
    `keep_old` (to be the next build's spare), or deleted.
    """
    staging = Staging(output_dir, spare, mirror)
    todo = _to_stage(outputs, spare, previous)
    apart = [output for output in todo if output.apart] if pays(workers, len(todo)) else []
    shared = [output for output in todo if not output.apart] if apart else todo
    forked: list[Forked[bool]] = []

    def write(chunk: range) -> int:
        written = 0
        for index in chunk:
            written += staging.write(shared[index], previous)
        return written

    try:
        staging.remove_stale(outputs.fingerprints)
        staging.make_folders(outputs.fingerprints)
        forked = [Forked(partial(staging.write, output, previous)) for output in apart]
        report = (lambda done: progress(done + len(apart), len(todo))) if progress else None
        written = sum(run_chunked(write, len(shared), workers, report))
        written += sum(child.result() for child in forked)
        extra = finish(staging.path, written) if finish is not None else None
        manifest = dict(outputs.fingerprints)
        manifest.update(extra or {})
    except OSError as error:
        _stop(forked)
        staging.discard()
        raise _error(output_dir, f"cannot be written: {error.strerror}") from None
    except BaseException:
        _stop(forked)
        staging.discard()
        raise
    kept_old = staging.commit(keep_old)
    return WriteResult(written=written, unchanged=len(outputs) - written, manifest=manifest, kept_old=kept_old,
                       mirrored=staging.mirror is not None)


def _stop(children: Iterable[Forked[bool]]) -> None:
    for child in children:
        child.kill()


def _to_stage(outputs: SiteFiles, spare: Tree | None, previous: Tree | None) -> Sequence[Output]:
    """The outputs a staging must look at: with a spare tree known to be as recorded, all but those it
    holds already, as output/ does (after an edit, all but a few files: no Output, no look per file)."""
    if spare is None or previous is None or not spare.checked_whole:
        return list(outputs)
    kept, current = spare.files, previous.files
    return [outputs.output(file) for file, mark in outputs.fingerprints.items()
            if kept.get(file) != mark or current.get(file) != mark]


def write_in_place(folder: Path, outputs: Sequence[Output], held: Mapping[str, str]) -> int:
    """Write into `folder` itself, in order, the outputs whose fingerprint differs from what `held`
    says it holds; returns how many. Each file is written beside its place and renamed over it: a
    reader sees the old bytes or the new, and a hard link to the old file elsewhere (the spare tree,
    output/) keeps them. Only for serve's preview folder: output/ changes by one exchange (write_site)."""
    written = 0
    for output in outputs:
        if held.get(output.file) == output.fingerprint:
            continue
        target = inside(folder, output.file)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            output.write_to(scratch)
            os.replace(scratch, target)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(scratch)
            raise _error(folder, f"cannot be written: {error.strerror}") from None
        written += 1
    return written


def _remove(root: Path, file: Path) -> None:
    """Delete a file and the folders it leaves empty."""
    file.unlink(missing_ok=True)
    folder = file.parent
    while folder != root:
        try:
            folder.rmdir()  # fails, as it should, unless empty
        except OSError:
            return
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
