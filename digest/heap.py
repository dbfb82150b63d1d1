"""Large object graphs (a parsed site, a page graph) and Python's garbage collector.

Making millions of objects triggers a collection every few hundred allocations, each scanning the
young ones; and once collection resumes, the first one scans everything made meanwhile (half a
second for the page graph of a large site). Neither finds garbage: these objects live as long as
the build.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def unscanned() -> Iterator[None]:
    """Pause collection while a large structure is made, then file what was made with the oldest
    objects, unscanned (a full collection, rare, still sees it)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # freeze() moves every object to a generation no collection scans; unfreeze() moves them to the
        # oldest. Inside a freeze of the caller's (objects frozen before a fork) the new ones join it.
        outer = gc.get_freeze_count() > 0
        gc.freeze()
        if not outer:
            gc.unfreeze()
        if collecting:
            gc.enable()
