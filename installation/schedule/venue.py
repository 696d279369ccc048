"""The venue keeper: opens and closes the show on the timetable, and lets the camera go.

At each scheduled opening or closing it sets `venue.open` as a controller would (so OSC
feedback and OSCQuery show it, and an operator's own `/nova/venue/open` holds until the
next scheduled change). The show fades the picture and the rig (show.py). The keeper
follows the show's `venue.open`, whoever set it: once a closing has faded out, the camera
is released (closed, its light off: nobody is watched while the room is shut); at an
opening it is opened again as the light fades in.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from installation.events import EventQueue, ParamChange, SourceStatus
from installation.frame import FrameState
from installation.timetable import Timetable, VenueState
from installation.vision.source import FaceSource, ShowTime

log = logging.getLogger("installation.schedule")

WallClock = Callable[[], dt.datetime]  # an aware datetime: now
# The wall clock is read at most this often (seconds of show time): a change lands within it.
CHECK_INTERVAL_S = 0.5


def system_wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ReleasableSource:
    """A face source the keeper can release and take back; a Service in the source's place.

    Stopping and starting a camera takes up to a second, so both happen on a thread of
    their own, never on the frame loop.
    """

    def __init__(self, inner: FaceSource, watching: bool) -> None:
        self.inner = inner
        self._wanted = watching  # what the keeper asked for last
        self._running = False
        self._started = False  # the show started us (and has not stopped us)
        self._events: EventQueue | None = None
        self._now: ShowTime | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def description(self) -> str:
        return self.inner.description

    @property
    def watching(self) -> bool:
        """The source is running (the camera is open)."""
        with self._lock:
            return self._running

    def start(self, events: EventQueue, now: ShowTime) -> None:
        with self._lock:
            self._events, self._now, self._started = events, now, True
        if self._wanted:
            self.inner.start(events, now)
            with self._lock:
                self._running = True
        else:
            self._say_released(events, now)
        self._worker = threading.Thread(target=self._follow, name="venue-camera", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        with self._lock:
            self._started = False
            self._changed.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=3.0)
        with self._lock:
            running, self._running = self._running, False
        if running:
            self.inner.stop()

    def want(self, watching: bool) -> None:
        """Ask for the camera open (True) or released (False); returns at once."""
        with self._lock:
            if self._wanted != watching:
                self._wanted = watching
                self._changed.notify_all()

    def health(self) -> dict[str, Any]:
        inner = getattr(self.inner, "health", None)
        part: dict[str, Any] = dict(inner()) if callable(inner) else {"source": self.name}
        if not self.watching:
            part["state"] = "released"
            part["detail"] = "released while the venue is closed"
        return part

    def _follow(self) -> None:
        while True:
            with self._lock:
                while self._started and self._wanted == self._running:
                    self._changed.wait()
                if not self._started:
                    return
                wanted, events, now = self._wanted, self._events, self._now
            assert events is not None and now is not None
            if wanted:
                log.info("venue: opening the camera (%s)", self.name)
                self.inner.start(events, now)
            else:
                self.inner.stop()
                self._say_released(events, now)
                log.info("venue: camera released (%s): nobody is watched while closed", self.name)
            with self._lock:
                self._running = wanted

    def _say_released(self, events: EventQueue, now: ShowTime) -> None:
        events.put(SourceStatus(now(), self.name, "stopped", "released while the venue is closed"))


class VenueKeeper:
    """A FrameOutput (and Service): the timetable's changes in, the camera's state out."""

    def __init__(
        self,
        timetable: Timetable,
        source: ReleasableSource,
        set_param: Callable[[str, bool], None],
        wall: WallClock = system_wall_clock,
    ) -> None:
        self.timetable = timetable
        self.source = source
        self._set_param = set_param  # tells the controllers (OSC feedback, OSCQuery)
        self._wall = wall
        state = timetable.state_at(wall())
        self._scheduled = state.open
        self._next_change = state.next_change
        self._open = state.open  # the show's venue.open, as last seen
        self._checked_at = -1e9
        self._events: EventQueue | None = None
        self._now: ShowTime | None = None

    @property
    def scheduled_open(self) -> bool:
        return self._scheduled

    def start(self, events: EventQueue, now: ShowTime) -> None:
        self._events, self._now = events, now
        if not self.timetable.always_open:
            log.info("venue: %s by the schedule; %s", _word(self._scheduled), self._next_text())

    def stop(self) -> None:
        """Nothing of its own runs: the source's thread ends with the source."""

    def send(self, frame: FrameState) -> None:
        """Once a frame: a scheduled change when one is due; the camera follows the show."""
        if frame.time - self._checked_at >= CHECK_INTERVAL_S:
            self._checked_at = frame.time
            self._check_schedule(frame.time)
        self._open = bool(frame.params["venue.open"])
        if self._open:
            self.source.want(True)
        elif frame.house <= float(frame.params["venue.closed_level"]) + 1e-6:
            self.source.want(False)  # faded out: only now, so nobody is left in the dark

    def status(self) -> dict[str, Any]:
        """The health page's `venue` part; safe from any thread (plain reads)."""
        nxt = self._next_change
        return {
            "open": self._open,
            "forced": self._open != self._scheduled,
            "scheduled": "around the clock"
            if self.timetable.always_open
            else _word(self._scheduled),
            "next_change": "" if nxt is None else nxt.astimezone(self.timetable.zone).isoformat(),
            "camera": "watching" if self.source.watching else "released",
        }

    def _check_schedule(self, time: float) -> None:
        state = self.timetable.state_at(self._wall())
        self._next_change = state.next_change
        if state.open == self._scheduled:
            return
        self._scheduled = state.open
        log.info("venue: %s by the schedule; %s", _word(state.open), self._next_text())
        if self._events is not None:
            self._events.put(ParamChange(time, "venue.open", state.open, "schedule"))
        self._set_param("venue.open", state.open)

    def _next_text(self) -> str:
        return VenueState(self._scheduled, self._next_change).next_text(self.timetable.zone)


def _word(is_open: bool) -> str:
    return "open" if is_open else "closed"
