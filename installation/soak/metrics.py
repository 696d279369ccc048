"""What a soak run measures: frame rate in and out of faults, memory trend, exceptions."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field


def slope_per_hour(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) samples, in value units per hour.

    Fewer than two samples, or all at one time, have no trend: 0.0.
    """
    if len(samples) < 2:
        return 0.0
    n = float(len(samples))
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0.0:
        return 0.0
    covariance = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return covariance / spread * 3600.0


@dataclass
class FrameMeter:
    """Frame intervals, split by whether a fault held when the frame was drawn."""

    during_frames: int = 0
    during_seconds: float = 0.0
    outside_frames: int = 0
    outside_seconds: float = 0.0
    _last: float | None = None

    def frame(self, time: float, in_fault: bool, counted: bool) -> None:
        """A frame at show `time`; `counted` is False during the warm-up."""
        last, self._last = self._last, time
        if last is None or not counted:
            return
        interval = time - last
        if in_fault:
            self.during_frames += 1
            self.during_seconds += interval
        else:
            self.outside_frames += 1
            self.outside_seconds += interval

    @property
    def fps_during(self) -> float:
        return self.during_frames / self.during_seconds if self.during_seconds else 0.0

    @property
    def fps_outside(self) -> float:
        return self.outside_frames / self.outside_seconds if self.outside_seconds else 0.0

    @property
    def ratio(self) -> float:
        """fps during faults / fps outside them (1.0: faults cost nothing)."""
        return self.fps_during / self.fps_outside if self.fps_outside else 0.0


@dataclass
class MemoryTrend:
    """A memory figure (MB, or blocks) sampled every `interval` seconds; fitted after `warmup`."""

    interval: float
    warmup: float
    samples: list[tuple[float, float]] = field(default_factory=list)
    _next: float = 0.0

    def due(self, time: float) -> bool:
        return time >= self._next

    def add(self, time: float, megabytes: float) -> None:
        self.samples.append((time, megabytes))
        self._next = time + self.interval

    @property
    def fitted(self) -> list[tuple[float, float]]:
        return [(t, mb) for t, mb in self.samples if t >= self.warmup]

    @property
    def slope_per_hour(self) -> float:
        return slope_per_hour(self.fitted)


class ExceptionCounter(logging.Handler):
    """Counts exceptions that escaped a thread, or were logged with a traceback at ERROR.

    Installed as a handler on the root logger and as `threading.excepthook` (the previous
    hook still runs, so the traceback is still printed); `uninstall` puts both back.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0
        self.last: list[str] = []
        self._lock_count = threading.Lock()
        self._previous_hook = threading.excepthook

    def install(self) -> None:
        logging.getLogger().addHandler(self)
        threading.excepthook = self._thread_exception

    def uninstall(self) -> None:
        logging.getLogger().removeHandler(self)
        threading.excepthook = self._previous_hook

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.record(f"{record.name}: {record.getMessage()}".splitlines()[0])

    def record(self, text: str) -> None:
        with self._lock_count:
            self.count += 1
            self.last = [*self.last[-4:], text]

    def _thread_exception(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        self.record(f"thread {name}: {args.exc_type.__name__}: {args.exc_value}")
        self._previous_hook(args)


def open_descriptors() -> int:
    """File descriptors this process holds (Linux /proc; 0 where there is none)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def os_threads() -> int:
    """Threads of this process as the OS counts them: Python's and the libraries' own
    (OpenCV, Mesa), which threading.active_count() does not see."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


@dataclass
class QuietCounts:
    """Descriptors and threads, sampled only while the show is quiet (no fault holds and
    the last one was recovered from), so a fault's own sockets and threads do not count."""

    samples: list[tuple[float, int, int]] = field(default_factory=list)  # time, fds, threads

    def add(self, time: float) -> None:
        self.samples.append((time, open_descriptors(), os_threads()))

    def first_and_last(self, column: int) -> tuple[int | None, int | None]:
        """Column 1 (descriptors) or 2 (threads) of the first and the last sample."""
        if not self.samples:
            return None, None
        first, last = self.samples[0][column], self.samples[-1][column]
        return int(first), int(last)
