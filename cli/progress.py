"""A progress bar on standard error for long batches: only on a terminal, and only once the batch has
run long enough to be worth waiting for; with the inputs' total size known it says about how long is
left; it erases itself before any other output and at the end."""
from __future__ import annotations

import math
import os
import time
from typing import Callable, TextIO

from deploy_advisor.terminal import terminal_columns

DELAY = 1.0  # seconds before the bar shows: a batch that ends sooner never sees one
REFRESH = 0.1  # seconds between redraws
WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO, total_bytes: int | None, *, enabled: bool | None = None,
                 delay: float = DELAY, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.total = total_bytes
        self.enabled = is_terminal(stream) if enabled is None else enabled
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.drawn_at = -1.0
        self.workloads = 0
        self.done_bytes = 0
        self.shown = False

    def advance(self, workloads: int, size: int) -> None:
        self.workloads += workloads
        self.done_bytes += size
        now = self.clock()
        if self.enabled and now - self.started >= self.delay and now - self.drawn_at >= REFRESH:
            self.drawn_at = now
            self._draw(now)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        counts = f"{self.workloads:,} workloads, {self.workloads / elapsed:,.0f}/s"
        if not self.total:
            return counts
        fraction = min(self.done_bytes / self.total, 1.0)
        filled = int(fraction * WIDTH)
        left = remaining(elapsed, fraction)
        eta = f", {duration(left)} left" if left is not None else ""
        return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {fraction:4.0%}  {counts}{eta}"

    def _draw(self, now: float) -> None:
        # Cut to the terminal's width: a line that wraps could not be redrawn or erased with a '\r'.
        self.stream.write("\r" + self.line(now)[:self.columns() - 1] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def columns(self) -> int:
        """The width of the terminal the bar is on (standard error's, not standard output's)."""
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):  # not a real terminal: $COLUMNS, else 80
            return terminal_columns()

    def clear(self) -> None:
        """Erase the bar (before other output on the terminal, and at the end)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def remaining(elapsed: float, fraction: float) -> float | None:
    """Seconds left at the rate so far, by bytes read (workloads vary in size, bytes are what is known
    of the total); None before there is a rate or once all is read."""
    if fraction <= 0.0 or fraction >= 1.0:
        return None
    return elapsed * (1.0 - fraction) / fraction


def duration(seconds: float) -> str:
    """A short, rounded-up duration: '7s', '2m 05s', '1h 03m' (a countdown should not reach 0s early)."""
    whole = math.ceil(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def is_terminal(stream: TextIO) -> bool:
    """Whether the stream is a terminal; False for anything that cannot say (closed, replaced)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
