"""The progress bar of `recommend` (cli/progress.py), on a fake terminal with a clock we move by hand."""
from __future__ import annotations

import io

from deploy_advisor.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """Time as the test says it is: the bar's only notion of time is the clock it is given."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_progress_bar_waits_then_draws_then_erases_itself():
    clock = Clock()
    screen = Terminal()
    progress = Progress(screen, 1000, delay=1.0, clock=clock)
    progress.advance(10, 100)
    assert screen.getvalue() == ""  # a batch that ends this soon never sees a bar
    clock.now = 2.0
    progress.advance(40, 400)
    assert screen.getvalue().startswith("\r[###############...............]  50%  50 workloads, 25/s")
    assert screen.getvalue().endswith("\x1b[K")
    progress.clear()
    assert screen.getvalue().endswith("\r\x1b[K")


def test_no_bar_when_standard_error_is_not_a_terminal_or_when_asked():
    clock = Clock()
    pipe, muted = io.StringIO(), Terminal()
    bars = [Progress(pipe, 100, delay=0.0, clock=clock), Progress(muted, 100, enabled=False, delay=0.0, clock=clock)]
    drawn = Progress(Terminal(), 100, delay=0.0, clock=clock)  # the same calls on a terminal do draw
    clock.now = 5.0
    for progress in [*bars, drawn]:
        progress.advance(1, 10)
    assert pipe.getvalue() == "" and muted.getvalue() == ""
    assert drawn.stream.getvalue().startswith("\r[###")


def test_a_stream_of_unknown_length_shows_counts_only():
    assert Progress(Terminal(), None, clock=Clock(4.0)).line(6.0) == "0 workloads, 0/s"


def test_with_the_total_known_the_bar_says_how_long_is_left():
    clock = Clock()
    screen = Terminal()
    progress = Progress(screen, 1000, delay=0.0, clock=clock)
    clock.now = 10.0
    progress.advance(100, 250)  # a quarter in 10 s: three quarters take 30 s more
    assert progress.line(clock.now) == "[#######.......................]  25%  100 workloads, 10/s, 30s left"
    progress.advance(100, 5)  # 25.5% in 10 s: 29.2 s left, rounded up (a countdown never says 0s early)
    assert progress.line(clock.now).endswith("200 workloads, 20/s, 30s left")
    clock.now = 600.0  # 25.5% in 10 minutes: 1,752.9 s left
    assert progress.line(clock.now).endswith(", 29m 13s left")
    clock.now = 5000.0  # 14,607.8 s
    assert progress.line(clock.now).endswith(", 4h 03m left")


def test_no_estimate_before_anything_is_read_nor_once_all_is():
    clock = Clock()
    progress = Progress(Terminal(), 1000, delay=0.0, clock=clock)
    clock.now = 3.0
    assert progress.line(clock.now).endswith("0 workloads, 0/s")
    progress.advance(7, 1000)
    assert progress.line(clock.now) == "[##############################] 100%  7 workloads, 2/s"


def test_the_bar_is_cut_to_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")  # a StringIO has no size of its own: the fallback reads $COLUMNS
    clock = Clock()
    screen = Terminal()
    progress = Progress(screen, 10**9, delay=0.0, clock=clock)
    clock.now = 1.0
    progress.advance(1_234_567, 10**6)
    drawn = screen.getvalue()
    assert drawn.startswith("\r[") and drawn.endswith("\x1b[K")
    assert len(drawn) - len("\r") - len("\x1b[K") == 39  # one column spare: the cursor never wraps
