"""The progress line of long work (a render, an evaluation): done, rate and time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def format_seconds(seconds: float) -> str:
    """75.2 -> '1m15s'; 3725 -> '1h02m05s'."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Prints a line on the first item and then about once every `interval` seconds.

    On a terminal the line is rewritten in place; into a pipe or a log each update is a line.
    `label` starts the line, `unit` names what is counted and `rate_unit` its rate.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO = sys.stderr,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        label: str = "render",
        unit: str = "frames",
        rate_unit: str = "fps",
    ) -> None:
        self.total = total
        self._label, self._unit, self._rate_unit = label, unit, rate_unit
        self._stream = stream
        self._interval = interval
        self._monotonic = monotonic
        self._started = monotonic()
        self._last: float | None = None
        self._tty = stream.isatty()

    def update(self, done: int, note: str = "") -> None:
        """`done` of `total` are finished."""
        now = self._monotonic()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        self._print(self.line(done, now - self._started, note))

    def line(self, done: int, elapsed: float, note: str = "") -> str:
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else float("nan")
        share = 100.0 * done / self.total if self.total else 100.0
        eta = format_seconds(left) if left == left else "?"
        extra = f" ({note})" if note else ""
        return (
            f"{self._label}: {done}/{self.total} {self._unit} ({share:.0f}%), "
            f"{rate:.1f} {self._rate_unit}, {eta} left{extra}"
        )

    def finish(self) -> None:
        """End an in-place line so later messages start on their own line."""
        if self._tty and self._last is not None:
            self._stream.write("\n")
            self._stream.flush()

    def _print(self, text: str) -> None:
        if self._tty:
            self._stream.write("\r" + text + "\x1b[K")
        else:
            self._stream.write(text + "\n")
        self._stream.flush()
