"""A small progress bar for long runs, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Callable ``(stage, done, total)``; silent unless stderr is a TTY (or ``force``)."""

    def __init__(self, *, enabled: bool | None = None, width: int = 30) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.width = width
        self._stage: str | None = None
        self._t0 = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            if self._stage is not None:
                sys.stderr.write("\n")
            self._stage = stage
            self._t0 = time.monotonic()
        frac = done / total if total else 1.0
        fill = int(round(frac * self.width))
        el = time.monotonic() - self._t0
        sys.stderr.write(f"\r{stage:<17} [{'#' * fill}{'.' * (self.width - fill)}] {done}/{total} {el:5.1f}s")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self._stage is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._stage = None
