"""The progress line of an offline render: frames, frames per second and time left."""

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
    """Prints a line on the first frame and then about once every `interval` seconds.

    On a terminal the line is rewritten in place; into a pipe or a log each update is a line.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO = sys.stderr,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self._stream = stream
        self._interval = interval
        self._monotonic = monotonic
        self._started = monotonic()
        self._last: float | None = None
        self._tty = stream.isatty()

    def update(self, done: int, note: str = "") -> None:
        """`done` frames of `total` are finished."""
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
            f"render: {done}/{self.total} frames ({share:.0f}%), {rate:.1f} fps, {eta} left{extra}"
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
