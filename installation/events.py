"""Typed events: the only things that cross from other threads into the frame loop.

Producers (vision worker, simulated crowd, later OSC and cues) put events on an
`EventQueue`; the frame loop drains it at a frame boundary and hands the events to
`Show.step`. Events carry the show time at which they happened (capture time for faces).
"""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from typing import Literal

from installation.emotions import EMOTIONS


@dataclass(frozen=True, slots=True)
class FaceObservation:
    """One face seen in one frame; only anonymous numbers, never pixels.

    Box coordinates are fractions of the frame (0..1, origin top-left, as images are),
    so the show does not depend on the camera's resolution.
    """

    track_id: int
    x: float
    y: float
    w: float
    h: float
    smile: float
    emotions: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.emotions) != len(EMOTIONS):
            raise ValueError(
                f"FaceObservation.emotions needs {len(EMOTIONS)} probabilities "
                f"({', '.join(EMOTIONS)}), got {len(self.emotions)}"
            )

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)


@dataclass(frozen=True, slots=True)
class FacesObserved:
    """Every face found in one captured frame (an empty tuple means nobody is there)."""

    time: float
    source: str
    faces: tuple[FaceObservation, ...]


SourceState = Literal["starting", "running", "lost", "ended", "stopped"]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source's health changed (a camera lost, a file ended, ...)."""

    time: float
    source: str
    state: SourceState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ParamChange:
    """Set a catalogue parameter to a new target value (validated by the producer).

    `ramp` (seconds) moves a number there in a straight line over that time, as a cue's fade
    or an OSC `/ramp` asks; None glides with the parameter's own smoothing time.
    """

    time: float
    name: str
    value: float | int | bool | str
    origin: str = "unknown"
    ramp: float | None = None


@dataclass(frozen=True, slots=True)
class StopRequested:
    """Someone asked the show to end (signal, window closed, duration reached)."""

    time: float
    reason: str


Event = FacesObserved | SourceStatus | ParamChange | StopRequested


@dataclass
class EventQueue:
    """A thread-safe FIFO of events; many producers, one consumer (the frame loop)."""

    _queue: queue.SimpleQueue[Event] = field(default_factory=queue.SimpleQueue)

    def put(self, event: Event) -> None:
        self._queue.put(event)

    def drain(self) -> list[Event]:
        """Everything queued so far, oldest first; never blocks."""
        drained: list[Event] = []
        while True:
            try:
                drained.append(self._queue.get_nowait())
            except queue.Empty:
                return drained
