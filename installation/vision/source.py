"""The contract every face source keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from installation.events import EventQueue

# Show time in seconds; sources stamp their events with it (capture time for frames).
ShowTime = Callable[[], float]


class FaceSource(Protocol):
    """Produces `FacesObserved` (and `SourceStatus`) events on its own thread.

    `start` returns at once; `stop` ends the thread and returns within about a second.
    A source never touches GL and never stores or sends pixels.
    """

    @property
    def name(self) -> str:
        """Short spec-like name, for example "sim", "camera:0", "file:crowd.mp4"."""
        ...

    @property
    def description(self) -> str:
        """One human line, for example "simulated crowd (seed 7, up to 8 people)"."""
        ...

    def start(self, events: EventQueue, now: ShowTime) -> None: ...

    def stop(self) -> None: ...
