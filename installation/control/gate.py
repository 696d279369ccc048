"""Bounded hand-over of control events to the frame loop.

The frame loop drains the event queue once a frame, so normally only a frame's worth of
messages waits there. If the loop stalls (a long shader compile) while a controller floods,
the queue would grow without limit; past `limit` events since the last frame, parameter
changes are coalesced (latest value per parameter wins, so the final state is still the
last value sent) and handed over at the next frame, and one-shot actions are refused.
"""

from __future__ import annotations

import threading

from installation.events import Event, EventQueue, ParamChange

# About 2 MB of small events: several seconds of a 5,000 messages/s controller.
DEFAULT_LIMIT = 20_000


class EventGate:
    def __init__(self, events: EventQueue, limit: int = DEFAULT_LIMIT) -> None:
        self._events = events
        self._limit = limit
        self._pending = 0
        self._held: dict[str, ParamChange] = {}
        self._lock = threading.Lock()

    def put(self, event: Event) -> bool:
        """Queue `event` (or hold it, coalesced); False when it had to be refused."""
        with self._lock:
            if self._pending < self._limit and not self._held:
                self._pending += 1
                self._events.put(event)
                return True
            if isinstance(event, ParamChange):
                self._held.pop(event.name, None)  # keep arrival order: latest goes last
                self._held[event.name] = event
                return True
            return False

    def frame_done(self) -> None:
        """The frame loop drained the queue: hand over what was held, start counting again."""
        with self._lock:
            held = list(self._held.values())
            self._held.clear()
            for event in held:
                self._events.put(event)
            self._pending = len(held)
