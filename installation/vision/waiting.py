"""A configured camera that is absent at start: a stand-in until it appears, then the camera.

An unattended show must not depend on the camera being plugged in before the computer
boots. The stand-in (the simulated crowd, as `source.required = false` promises) keeps the
room alive; a thread probes for the camera with the grabber's backoff and hands over once
it answers. After that the camera source itself reconnects if it is lost again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from installation.events import EventQueue
from installation.vision.capture import BACKOFF_MAX_S, BACKOFF_START_S, backoff_delays
from installation.vision.source import FaceSource, ShowTime

log = logging.getLogger(__name__)


class CameraWhenPresent:
    """A `FaceSource`: `stand_in` until `present()` is true, then `make_camera()` for good."""

    def __init__(
        self,
        name: str,
        stand_in: FaceSource,
        make_camera: Callable[[], FaceSource],
        present: Callable[[], bool],
        *,
        backoff_start: float = BACKOFF_START_S,
        backoff_max: float = BACKOFF_MAX_S,
    ) -> None:
        self._name = name
        self._stand_in = stand_in
        self._make_camera = make_camera
        self._present = present
        self._backoff = (backoff_start, backoff_max)
        self._lock = threading.Lock()
        self._active: FaceSource | None = None
        self._camera: FaceSource | None = None
        self._probes = 0
        self._waiting_since = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return f"{self._name}, absent: {self._stand_in.description} until it appears"

    @property
    def active(self) -> FaceSource | None:
        """The source running now (the stand-in, then the camera); None when stopped."""
        with self._lock:
            return self._active

    def start(self, events: EventQueue, now: ShowTime) -> None:
        """Start the stand-in and the probing thread; returns at once."""
        self._stop.clear()
        with self._lock:
            self._active = self._stand_in
            self._waiting_since = time.monotonic()
        self._stand_in.start(events, now)
        self._thread = threading.Thread(
            target=self._probe, args=(events, now), name=f"probe:{self._name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop probing and whichever source is running; returns within about a second."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
        with self._lock:
            active, self._active = self._active, None
        if active is not None:
            active.stop()

    def health(self) -> dict[str, Any]:
        """For the health page: whether the camera was found yet; safe from any thread."""
        with self._lock:
            if self._camera is not None:
                return {"wanted": self._name, "probes": self._probes}
            waited = time.monotonic() - self._waiting_since
            return {
                "source": self._name,
                "state": "absent",
                "detail": f"not found for {waited:.0f} s; {self._stand_in.name} meanwhile",
                "wanted": self._name,
                "probes": self._probes,
            }

    def _probe(self, events: EventQueue, now: ShowTime) -> None:
        for delay in backoff_delays(*self._backoff):
            if self._stop.wait(delay):
                return
            try:
                found = self._present()
            except Exception:  # a probe that breaks is a camera not found; keep looking
                log.debug("probing %s failed", self._name, exc_info=True)
                found = False
            with self._lock:
                self._probes += 1
            if found and not self._stop.is_set():
                self._switch(events, now)
                return

    def _switch(self, events: EventQueue, now: ShowTime) -> None:
        try:
            camera = self._make_camera()
        except Exception as exc:  # e.g. a file that vanished again; the stand-in stays
            log.warning(
                "%s appeared but cannot be used (%s); keeping the stand-in", self._name, exc
            )
            return
        # Under the lock, so a stop() meanwhile finds one source running, never two.
        with self._lock:
            if self._stop.is_set():
                return
            stand_in, self._active, self._camera = self._active, camera, camera
            log.info("%s found: the show follows the camera from now on", self._name)
            if stand_in is not None:
                stand_in.stop()  # its "stopped" lets the stand-in's faces fade out
            camera.start(events, now)
