"""`installation render`: a timeline through the live Show and Renderer into a video.

The same `Show.step` and `Renderer.render` as a live run, driven by a fixed-step clock
(frame n at n / fps), so a render repeats exactly. The renderer's living pattern advances
by show time and keeps its state between frames, so a part of a render (`--frames A:B`)
still draws frames 0..A-1 without reading them back: the part then equals the same frames
of the whole render.
A contact sheet (`draw_stills`) steps the show the same way and reads back only the
frames it shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import moderngl
import numpy as np
import numpy.typing as npt

from installation.clock import FixedStepClock
from installation.config import RenderSection
from installation.events import Event, FacesObserved
from installation.frame import FrameState
from installation.loop import run_frames
from installation.offline.encode import EncoderThread, open_sink, rgb_from_readback
from installation.offline.timeline import Timeline, TimelinePlayer
from installation.palette import load_palette
from installation.params import Catalogue, ParamValue
from installation.progress import Progress
from installation.render.context import create_offscreen_context
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.resources import shaders_dir
from installation.show import Show
from installation.stopsignals import on_stop_signals
from installation.vision.crowd import SimulatedCrowd

# Deliver one read-back frame: raw RGB bytes in GL row order (bottom first), its number and
# the show state it pictures (a contact sheet labels its cells with the act).
Deliver = Callable[[bytes, int, FrameState], None]


class FramePlayer(Protocol):
    """Gives the show state to draw at each output frame's time (called in time order)."""

    def frame_at(self, time: float) -> FrameState: ...


@dataclass(frozen=True)
class RenderJob:
    """What to render: the frames first..end-1 of a timeline at a size and rate.

    With `player`, the frames come from it instead (a recorded session's replay) and
    `timeline` is None.
    """

    timeline: Timeline | None
    size: tuple[int, int]
    fps: float
    first: int
    end: int
    palette: str = "bioluminescent"
    initial: tuple[tuple[str, ParamValue], ...] = ()
    player: Callable[[], FramePlayer] | None = None


@dataclass(frozen=True)
class RenderResult:
    written: int
    interrupted: str | None  # the signal's name when a signal stopped the render


def total_frames(duration: float, fps: float) -> int:
    """Frames in `duration` seconds at `fps`: exactly fps x duration, rounded."""
    return max(1, round(duration * fps))


def draw_frames(
    ctx: moderngl.Context,
    job: RenderJob,
    catalogue: Catalogue,
    render: RenderSection,
    deliver: Deliver,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
    read_back: Collection[int] | None = None,
) -> int:
    """Draw frames 0..end-1, reading back and delivering first..end-1; returns how many.

    With `read_back`, only those of first..end-1 are read back and delivered; the others
    are drawn all the same. Stops early (between frames) once `should_stop()` is true.
    """
    player = job.player() if job.player is not None else _TimelineShow(job, catalogue, render)
    target = OffscreenTarget(ctx, job.size)
    renderer = Renderer.from_config(ctx, shaders_dir(), catalogue, render)
    reader = _ReadBack(target, job, deliver, progress, read_back)
    try:
        run_frames(_FixedStepFrames(player, job, should_stop), renderer, target, [reader])
    finally:
        renderer.release()
        target.release()
    return reader.delivered


class _FixedStepFrames:
    """A `FrameSource`: frame n at n / fps from `player`, until `end` or a stop request."""

    def __init__(
        self, player: FramePlayer, job: RenderJob, should_stop: Callable[[], bool]
    ) -> None:
        self._player = player
        self._clock = FixedStepClock(job.fps)
        self._left = job.end
        self._should_stop = should_stop

    def next_frame(self) -> FrameState | str:
        if self._left <= 0:
            return "end of the render"
        if self._should_stop():
            return "stopped"
        self._left -= 1
        return self._player.frame_at(self._clock.tick())


class _ReadBack:
    """A `FrameOutput`: reads back the frames asked for (first..end-1, or only those in
    `wanted`) and delivers them; the others were drawn so that the living pattern and the
    show reach the wanted ones as in a whole render."""

    def __init__(
        self,
        target: OffscreenTarget,
        job: RenderJob,
        deliver: Deliver,
        progress: Progress | None,
        wanted: Collection[int] | None,
    ) -> None:
        self._target, self._job, self._deliver = target, job, deliver
        self._progress, self._wanted = progress, wanted
        self._index = 0
        self.delivered = 0

    def send(self, frame: FrameState) -> None:
        index, self._index = self._index, self._index + 1
        progress = self._progress
        if index < self._job.first:
            if progress is not None:
                progress.update(0, f"drawing up to frame {self._job.first}")
            return
        if self._wanted is not None and index not in self._wanted:
            if progress is not None:
                progress.update(self.delivered, f"drawing frame {index} of {self._job.end}")
            return
        width, height = self._job.size
        viewport = (0, 0, width, height)
        raw = self._target.framebuffer.read(viewport=viewport, components=3, alignment=1)
        self._deliver(raw, index, frame)
        self.delivered += 1
        if progress is not None:
            progress.update(self.delivered)


class _TimelineShow:
    """A timeline's cues and scripted crowd stepped through a fresh Show, once a frame."""

    def __init__(self, job: RenderJob, catalogue: Catalogue, render: RenderSection) -> None:
        assert job.timeline is not None
        timeline = job.timeline
        initial = {**dict(job.initial), **timeline.params}
        self._show = Show(catalogue, load_palette(job.palette), initial, max_faces=render.max_faces)
        self._crowd = SimulatedCrowd(timeline.crowd)
        self._cues = TimelinePlayer(timeline.events(catalogue))

    def frame_at(self, time: float) -> FrameState:
        events: list[Event] = [*self._cues.due(time)]
        events.append(FacesObserved(time, "timeline", self._crowd.faces_at(time)))
        return self._show.step(time, events)


def render_to_file(
    job: RenderJob,
    output: Path,
    codec: str,
    catalogue: Catalogue,
    render: RenderSection,
    progress: Progress | None = None,
) -> RenderResult:
    """Render a job into `output`; Ctrl-C or SIGTERM stop it with a playable file."""
    # GL first: with no OpenGL there is nothing to render, and no empty file is left behind.
    ctx = create_offscreen_context()
    stop = _StopRequest()
    try:
        sink = open_sink(output, codec, job.size, job.fps)
        encoder = EncoderThread(sink, job.size, output=str(output))

        def submit(raw: bytes, index: int, _frame: FrameState) -> None:
            encoder.submit(raw, index)

        try:
            with on_stop_signals(stop.request):
                draw_frames(ctx, job, catalogue, render, submit, stop.is_set, progress)
        finally:
            # Always flush and close, also on Ctrl-C or an error: the file plays up to here.
            encoder.close()
            if progress is not None:
                progress.finish()
    finally:
        ctx.release()
    return RenderResult(encoder.written, stop.by)


class _StopRequest:
    """Set by the first Ctrl-C or SIGTERM (the signal handler), read between frames."""

    def __init__(self) -> None:
        self.by: str | None = None  # the first signal's name
        self._event = threading.Event()

    def request(self, name: str) -> None:
        if self.by is None:
            self.by = name
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class Still:
    """One frame read back for a contact sheet: its picture and the show state it shows."""

    rgb: npt.NDArray[np.uint8]  # top row first
    index: int
    frame: FrameState


@dataclass(frozen=True)
class StillsResult:
    stills: list[Still]
    interrupted: str | None  # the signal's name when a signal stopped the drawing


def draw_stills(
    job: RenderJob,
    indices: Collection[int],
    catalogue: Catalogue,
    render: RenderSection,
    progress: Progress | None = None,
) -> StillsResult:
    """Step the job's show through frames 0..end-1 and keep the pictures of `indices`.

    Ctrl-C or SIGTERM stop it between frames with the stills drawn so far.
    """
    ctx = create_offscreen_context()
    stop = _StopRequest()
    stills: list[Still] = []

    def keep(raw: bytes, index: int, frame: FrameState) -> None:
        stills.append(Still(rgb_from_readback(raw, job.size), index, frame))

    try:
        with on_stop_signals(stop.request):
            wanted = frozenset(indices)
            draw_frames(ctx, job, catalogue, render, keep, stop.is_set, progress, wanted)
    finally:
        if progress is not None:
            progress.finish()
        ctx.release()
    return StillsResult(stills, stop.by)
