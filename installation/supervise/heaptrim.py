"""Giving the C heap's free pages back every few minutes, on a thread of its own.

See allocator.py for why RSS creeps without it. The trim walks each arena's free
chunks and holds its lock meanwhile (milliseconds on a show's heap), so it runs off the
frame loop's thread and rarely: a frame that mallocs meanwhile waits that long at most.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from installation.events import EventQueue
from installation.supervise.allocator import trim

log = logging.getLogger("installation")

TRIM_EVERY_S = 300.0


class HeapTrimmer:
    """A Service: `trim()` every `interval` seconds until stopped."""

    def __init__(self, interval: float = TRIM_EVERY_S, release: Callable[[], bool] = trim):
        self.interval = interval
        self.trims = 0
        self._release = release
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, events: EventQueue, now: Callable[[], float]) -> None:
        self._thread = threading.Thread(target=self._run, name="heap-trim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._release()
                self.trims += 1
            except OSError as exc:  # not expected from glibc; never worth ending a show
                log.debug("heap trim failed: %s", exc)
