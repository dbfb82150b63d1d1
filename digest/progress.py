"""A progress bar on the terminal for builds that take more than a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO

# Builder reports progress as (stage, done, total).
STAGES = {"parse": "Reading articles", "write": "Writing pages"}


class TerminalProgress:
    """Draws `Writing pages [#####.....] 2400/5381` on a terminal, only once a build has run a second."""

    def __init__(self, stream: TextIO = sys.stderr, delay: float = 1.0) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.delay = delay
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total == 0 or time.monotonic() - self.started < self.delay:
            return
        width = 30
        filled = width * done // total
        label = STAGES.get(stage, stage)
        self.stream.write(f"\r{label:<17} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}\x1b[K")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
