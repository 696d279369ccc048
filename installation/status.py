"""Status lines while the show runs, and the summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from installation.show import FrameState


@dataclass
class StatusReporter:
    """Counts frames and prints one status line every `interval` seconds of show time."""

    interval: float
    source: str
    output: str
    emit: Callable[[str], None] = print
    frames: int = 0
    faces_seen: set[int] = field(default_factory=set)
    _last_time: float | None = None
    _last_frames: int = 0
    _first_time: float | None = None
    _latest: FrameState | None = None

    def frame(self, frame: FrameState) -> None:
        """Count a rendered frame; print a status line when one is due."""
        self.frames += 1
        self._latest = frame
        self.faces_seen.update(face.track_id for face in frame.faces)
        if self._first_time is None:
            self._first_time = self._last_time = frame.time
            return
        assert self._last_time is not None
        elapsed = frame.time - self._last_time
        if elapsed >= self.interval:
            fps = (self.frames - self._last_frames) / elapsed
            self.emit(self.line(frame, fps))
            self._last_time, self._last_frames = frame.time, self.frames

    def line(self, frame: FrameState, fps: float) -> str:
        r, g, b = (round(c * 255) for c in frame.mood)
        return (
            f"[{frame.time:8.1f}s] fps={fps:5.1f} faces={len(frame.faces)} "
            f"smiling={frame.smiling} mean_smile={frame.mean_smile:.2f} "
            f"mood=#{r:02x}{g:02x}{b:02x} scene={frame.scene} "
            f"source={self.source} ({frame.source_state})"
        )

    def summary(self, wall_seconds: float, reason: str) -> str:
        """The closing line: always has `frames=N` and `fps=X`."""
        fps = self.frames / wall_seconds if wall_seconds > 0 else 0.0
        return (
            f"summary: frames={self.frames} fps={fps:.1f} duration={wall_seconds:.1f}s "
            f"faces_seen={len(self.faces_seen)} source={self.source} output={self.output} "
            f"ended_by={reason.replace(' ', '_')}"
        )
