"""Status lines while the show runs, and the summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from installation.frame import FrameState


def running_source(wanted: str, frame: FrameState) -> str:
    """The source feeding the show now and its state, and the wanted one when a stand-in
    feeds it instead (the simulated crowd while the configured camera is absent)."""
    if frame.source in ("", "none") or frame.source == wanted or not wanted:
        return f"{wanted or frame.source} ({frame.source_state})"
    return f"{frame.source} ({frame.source_state}, standing in for {wanted})"


@dataclass
class StatusReporter:
    """Counts frames and prints one status line every `interval` seconds of show time."""

    interval: float
    source: str  # the source the config asked for
    output: str
    emit: Callable[[str], None] = print
    frames: int = 0
    faces_seen: set[int] = field(default_factory=set)
    # The sources that really fed the show, in order (a stand-in for an absent camera, then
    # the camera once it appears): what the status and the summary name.
    fed_by: list[str] = field(default_factory=list)
    _last_time: float | None = None
    _last_frames: int = 0
    _first_time: float | None = None
    _latest: FrameState | None = None

    def send(self, frame: FrameState) -> None:
        """Count a rendered frame; print a status line when one is due (a FrameOutput)."""
        self.frames += 1
        self._latest = frame
        self.faces_seen.update(face.track_id for face in frame.faces)
        if frame.source not in ("", "none") and frame.source not in self.fed_by:
            self.fed_by.append(frame.source)
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
            f"source={running_source(self.source, frame)}"
            + (f" rejected_values={frame.rejected_values}" if frame.rejected_values else "")
            + ("" if frame.params.get("venue.open", True) else " venue=closed")
        )

    def summary(self, wall_seconds: float, reason: str) -> str:
        """The closing line: always has `frames=N` and `fps=X`."""
        fps = self.frames / wall_seconds if wall_seconds > 0 else 0.0
        return (
            f"summary: frames={self.frames} fps={fps:.1f} duration={wall_seconds:.1f}s "
            f"faces_seen={len(self.faces_seen)} source={self._fed()} output={self.output} "
            f"rejected_values={self._rejected()} "
            f"ended_by={reason.replace(' ', '_')}"
        )

    def _rejected(self) -> int:
        return 0 if self._latest is None else self._latest.rejected_values

    def _fed(self) -> str:
        """`sim`, `sim,camera:0` (a stand-in, then the camera), or `sim wanted=camera:0`
        when the wanted source never ran."""
        fed = ",".join(self.fed_by) or self.source
        return (
            fed if self.source in self.fed_by or not self.fed_by else f"{fed} wanted={self.source}"
        )
