"""The simulated crowd as a face source: the show runs, and artists rehearse, with no camera."""

from __future__ import annotations

import logging
import threading
import time

from installation.events import EventQueue, FacesObserved, SourceStatus
from installation.vision.crowd import CrowdSettings, SimulatedCrowd
from installation.vision.source import ShowTime

log = logging.getLogger(__name__)

_JOIN_TIMEOUT = 1.0  # the FaceSource contract: stop returns within about a second


class SimulatedCrowdSource:
    """A `FaceSource` that samples a `SimulatedCrowd` at a steady rate on its own thread."""

    def __init__(self, settings: CrowdSettings, rate_hz: float = 30.0) -> None:
        if not 0 < rate_hz <= 1000:
            raise ValueError(f"SimulatedCrowdSource rate_hz must be in (0, 1000], got {rate_hz}")
        self.settings = settings
        self.rate_hz = rate_hz
        self._crowd = SimulatedCrowd(settings)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return "sim"

    @property
    def description(self) -> str:
        s = self.settings
        return f"simulated crowd (seed {s.seed}, up to {s.max_people} people)"

    def start(self, events: EventQueue, now: ShowTime) -> None:
        """Start sampling on a daemon thread; returns at once."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("SimulatedCrowdSource is already running; stop it first")
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(events, now, self._stop), name="sim-crowd", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """End the thread; safe before `start` and when called twice."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=_JOIN_TIMEOUT)
        if thread.is_alive():
            log.warning("simulated crowd thread did not stop within %.1f s", _JOIN_TIMEOUT)

    def _run(self, events: EventQueue, now: ShowTime, stop: threading.Event) -> None:
        period = 1.0 / self.rate_hz
        t = now()
        events.put(SourceStatus(t, self.name, "running", self.description))
        # Pace by the monotonic clock, not show time: a paused or offline show clock must not
        # make this thread spin or stall. Show time only stamps the samples.
        due = time.monotonic()
        try:
            while not stop.is_set():
                t = now()  # one reading per sample, so the faces match their time stamp
                events.put(FacesObserved(time=t, source=self.name, faces=self._crowd.faces_at(t)))
                due += period
                lag = due - time.monotonic()
                if lag < -period:
                    due = time.monotonic()  # fell behind (a stalled machine): skip, don't burst
                stop.wait(max(lag, 0.0))
            events.put(SourceStatus(now(), self.name, "stopped"))
        except Exception as error:
            # A bug here repeats every sample; report it once and end the source, not the show.
            log.exception("simulated crowd failed")
            # Stamped with the last good time, in case the clock itself is what failed.
            events.put(SourceStatus(t, self.name, "lost", f"simulated crowd failed: {error}"))
