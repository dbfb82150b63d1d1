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
    for current, folders, files in os.walk(folder, followlinks=False):
        base = Path(current)
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in list(folders):
            if (base / name).is_symlink():
                folders.remove(name)
                inside_site(base / name, real_boundary, root, problems)
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = base / name
            if path.is_symlink() and not inside_site(path, real_boundary, root, problems):
                continue
            yield path


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
