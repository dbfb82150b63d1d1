"""Walking the site's folders safely: no symlink may lead digest outside the site."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from digest.errors import Collector, display_path


def walk(folder: Path, boundary: Path, root: Path, problems: Collector) -> Iterator[Path]:
    """Every non-hidden file under `folder`, sorted, not following folder symlinks.

    A symlink whose target lies outside `boundary` is reported and skipped: nothing is read
    from outside the site, whatever a link says.
    """
    real_boundary = boundary.resolve()
    try:
        with os.scandir(folder) as scan:
            entries = sorted((entry for entry in scan if not entry.name.startswith(".")), key=lambda e: e.name)
    except OSError as error:
        problems.add(display_path(folder, root), None, f"cannot read folder: {error.strerror}")
        return
    folders = []
    for entry in entries:  # DirEntry answers from the folder listing: no system call per file
        if entry.is_symlink():
            path = Path(entry.path)
            if _leads_to_folder(entry):
                inside_site(path, real_boundary, root, problems)  # a folder link is never followed
            elif inside_site(path, real_boundary, root, problems):
                yield path
        elif entry.is_dir(follow_symlinks=False):
            folders.append(entry.path)
        else:
            yield Path(entry.path)
    for subfolder in folders:  # a folder's files, then its subfolders
        yield from walk(Path(subfolder), boundary, root, problems)


def inside_site(path: Path, boundary: Path, root: Path, problems: Collector) -> bool:
    """Whether `path`, symlinks followed, stays inside `boundary`; if not, report it."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        problems.add(display_path(path, root), None, "symlink loop: cannot read it")
        return False
    except OSError as error:
        problems.add(display_path(path, root), None, f"cannot read it: {error.strerror} (a broken symlink?)")
        return False
    if target.is_relative_to(boundary.resolve()):
        return True
    problems.add(display_path(path, root), None,
                 f"symlink leads outside the site (to {target}); digest reads nothing outside it")
    return False


def _leads_to_folder(link: os.DirEntry[str]) -> bool:
    try:
        return link.is_dir()
    except OSError:  # a symlink loop: inside_site reports it
        return False
