"""The camera vanishes and returns: a wrapper that can silence any face source.

A real camera that is unplugged stops delivering frames; the camera path judges it by frame
age (vision/capture.py) and reports "lost", then "running" when frames return. The wrapper
does the same for whatever source it wraps (the simulated crowd reports nothing of the
kind, since it cannot vanish by itself), so the show sees what it sees when a camera goes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from installation.events import Event, EventQueue, FacesObserved, SourceStatus
from installation.frame import FrameState
from installation.vision.source import FaceSource, ShowTime

_CHECK_EVERY = 0.1  # seconds between frame-age checks


class _Tap(EventQueue):
    """An event queue that hands each event to a function instead of keeping it."""

    def __init__(self, forward: Callable[[Event], None]) -> None:
        super().__init__()
        self._forward = forward

    def put(self, event: Event) -> None:
        self._forward(event)


class VanishingSource:
    """A FaceSource around another; while vanished, none of its readings reach the show."""

    def __init__(self, inner: FaceSource, lost_after: float = 2.0) -> None:
        self.inner = inner
        self.lost_after = lost_after
        self._vanished = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._alive_at = time.monotonic()
        self._lost = False
        self._events: EventQueue | None = None
        self._now: ShowTime | None = None
        self._monitor: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def description(self) -> str:
        return self.inner.description

    def start(self, events: EventQueue, now: ShowTime) -> None:
        self._events, self._now = events, now
        self._alive_at = time.monotonic()
        self._stop.clear()
        self.inner.start(_Tap(self._forward), now)
        self._monitor = threading.Thread(target=self._watch, name="soak-camera", daemon=True)
        self._monitor.start()

    def stop(self) -> None:
        self._stop.set()
        self.inner.stop()
        if self._monitor is not None:
            self._monitor.join(timeout=1.0)
            self._monitor = None

    def vanish(self) -> None:
        self._vanished.set()

    def reappear(self) -> None:
        self._vanished.clear()

    def _forward(self, event: Event) -> None:
        if self._vanished.is_set() or self._events is None or self._now is None:
            return  # unplugged: nothing arrives, not even the source's own statuses
        with self._lock:
            if isinstance(event, FacesObserved):
                self._alive_at = time.monotonic()
                if self._lost:
                    self._lost = False
                    self._events.put(SourceStatus(self._now(), self.name, "running", "back"))
            self._events.put(event)

    def _watch(self) -> None:
        while not self._stop.wait(_CHECK_EVERY):
            with self._lock:
                stale = time.monotonic() - self._alive_at > self.lost_after
                if stale and not self._lost and self._events is not None and self._now:
                    self._lost = True
                    detail = f"no new frame for more than {self.lost_after:g} s"
                    self._events.put(SourceStatus(self._now(), self.name, "lost", detail))


class CameraFault:
    """Silences the source; the show must report it lost, then running again."""

    kind = "camera"

    def __init__(self, source: VanishingSource) -> None:
        self.source = source

    def begin(self, frame: FrameState) -> None:
        self.source.vanish()

    def during(self, frame: FrameState) -> bool:
        return frame.source_state == "lost"

    def end(self, frame: FrameState) -> None:
        self.source.reappear()

    def recovered(self, frame: FrameState) -> bool:
        return frame.source_state == "running"
