"""Site search with Pagefind: one index per language, built from the generated pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from digest.errors import Problem, SiteError
from digest.output import exchange

BUNDLE = "pagefind"  # folder of the index inside the output


def pagefind_executable() -> Path:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise _error("search is on but the pagefind binary is missing: pip install pagefind-bin, "
                     "or set 'search: false' in config.yaml") from None
    try:
        return Path(get_executable())
    except FileNotFoundError:
        raise _error("search is on but the pagefind binary is missing from the pagefind-bin package: "
                     "reinstall it, or set 'search: false' in config.yaml") from None


def index_site(site_dir: Path) -> None:
    """Index every page marked data-pagefind-body into site_dir/pagefind/ (per <html lang>)."""
    _run_pagefind(site_dir, site_dir / BUNDLE)


def reindex_in_place(site_dir: Path) -> None:
    """Rebuild the index of a served site beside the old one, then swap it in."""
    fresh = site_dir / f".{BUNDLE}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    _run_pagefind(site_dir, fresh)
    current = site_dir / BUNDLE
    if current.is_dir() and exchange(fresh, current):
        shutil.rmtree(fresh, ignore_errors=True)
        return
    shutil.rmtree(current, ignore_errors=True)
    os.rename(fresh, current)


def _run_pagefind(site_dir: Path, bundle: Path) -> None:
    executable = pagefind_executable()
    try:
        result = subprocess.run(
            [str(executable), "--site", str(site_dir), "--output-path", str(bundle.resolve()), "--silent"],
            capture_output=True, text=True, check=False,
        )
    except OSError as error:
        raise _error(f"cannot run pagefind ({executable}): {error.strerror}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise _error(f"pagefind failed: {detail[-1] if detail else f'exit code {result.returncode}'}")
    _normalize_entry(bundle / "pagefind-entry.json")


def _normalize_entry(entry: Path) -> None:
    # Pagefind lists languages in hash-map order; sorted keys keep two builds byte-identical.
    if entry.is_file():
        data = json.loads(entry.read_text(encoding="utf-8"))
        entry.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
                         encoding="utf-8")


def _error(message: str) -> SiteError:
    return SiteError([Problem("search", None, message)])
