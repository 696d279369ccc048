"""Replaying a session: a fresh Show stepped at the recorded times with the recorded events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from installation.errors import ConfigError
from installation.frame import FrameState
from installation.palette import load_palette
from installation.params import Catalogue
from installation.record.checksum import state_checksum
from installation.record.session import Session, Step
from installation.show import Show


@dataclass(frozen=True)
class Mismatch:
    """The replayed show state differs from the recorded one from this show time on."""

    time: float
    recorded: str
    replayed: str


class SessionReplay:
    """Steps a fresh Show through a session; a `FramePlayer` for offline rendering.

    Output frames sample and hold: the frame at time T shows the state after the last
    recorded step at or before T (before the first step, the first step's state), so the
    show itself is stepped exactly as it was live, whatever the output's frame rate.
    """

    def __init__(
        self,
        session: Session,
        catalogue: Catalogue,
        on_mismatch: Callable[[Mismatch], None] = lambda _m: None,
    ) -> None:
        config = session.settings.config
        self._session = session
        self._catalogue = catalogue
        self._show = Show(
            catalogue,
            load_palette(config.show.palette),
            session.settings.params,
            max_faces=config.render.max_faces,
        )
        if session.state is not None:  # a file that starts mid-show: go on from its state
            try:
                self._show.restore(session.state)
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(
                    f"{session.path}: the header's show state does not fit this version "
                    f"({type(exc).__name__}: {exc})"
                ) from None
        self._on_mismatch = on_mismatch
        self._steps = session.steps()  # read from the file as the replay goes
        self._pending: Step | None = next(self._steps, None)
        self._frame: FrameState | None = None
        self.mismatch: Mismatch | None = None
        self.checked = 0

    def frame_at(self, time: float) -> FrameState:
        """The show state to draw at output time `time` (from the recording's start)."""
        time += self._session.start
        while self._pending is not None and (self._frame is None or self._pending.time <= time):
            self._advance()
        assert self._frame is not None  # a Session always has a step
        return self._frame

    def verify(self) -> Mismatch | None:
        """Step through the whole session; the first mismatch, if any."""
        self.frame_at(float("inf"))
        return self.mismatch

    def _advance(self) -> None:
        step = self._pending
        assert step is not None
        self._pending = next(self._steps, None)
        self._frame = self._show.step(step.time, step.events)
        if step.checksum is None:
            return
        self.checked += 1
        replayed = state_checksum(self._frame, self._catalogue)
        if replayed != step.checksum and self.mismatch is None:
            # Reported once: after the first difference every later state differs too.
            self.mismatch = Mismatch(step.time, step.checksum, replayed)
            self._on_mismatch(self.mismatch)
