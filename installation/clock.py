"""Clocks: the one place show time comes from.

Live, a real-time clock paces frames and reads the monotonic clock; offline, a fixed-step
clock advances exactly 1/fps a frame, so the same show code renders frame for frame.
Nothing else in the program reads the wall clock for show time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Show time in seconds from the start of the show."""

    def now(self) -> float:
        """The current show time (for stamping events from other threads)."""
        ...

    def tick(self) -> float:
        """Advance to the next frame and return its show time."""
        ...


class RealTimeClock:
    """Show time is elapsed monotonic time; `tick` can hold frames to a target rate.

    With `fps=None` (a vsynced window paces itself) `tick` never sleeps. With a target,
    it sleeps until the next frame is due; if the loop falls behind it does not try to
    catch up with a burst of frames, it simply carries on from now.
    """

    def __init__(
        self,
        fps: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f"fps must be > 0 (got {fps})")
        self._period = 1.0 / fps if fps else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._start = monotonic()
        self._next_due = self._start

    def now(self) -> float:
        return self._monotonic() - self._start

    def tick(self) -> float:
        if self._period:
            wait = self._next_due - self._monotonic()
            if wait > 0:
                self._sleep(wait)
            current = self._monotonic()
            self._next_due += self._period
            if self._next_due < current:
                # Behind by more than a frame: restart the schedule instead of bursting.
                self._next_due = current + self._period
        return self.now()


class FixedStepClock:
    """Frame n is at n / fps exactly; never sleeps. For offline renders and tests."""

    def __init__(self, fps: float, start: float = 0.0) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be > 0 (got {fps})")
        self.fps = fps
        self._start = start
        self._frame = -1

    @property
    def frame(self) -> int:
        """Index of the current frame (-1 before the first tick)."""
        return self._frame

    def now(self) -> float:
        return self._start + max(self._frame, 0) / self.fps

    def tick(self) -> float:
        self._frame += 1
        return self.now()
