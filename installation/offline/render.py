"""`installation render`: a timeline through the live Show and Renderer into a video.

The same `Show.step` and `Renderer.render` as a live run, driven by a fixed-step clock
(frame n at n / fps), so a render repeats exactly. The renderer's living pattern advances
once per drawn frame, so a part of a render (`--frames A:B`) still draws frames 0..A-1
without reading them back: the part then equals the same frames of the whole render.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import moderngl

from installation.clock import FixedStepClock
from installation.config import RenderSection
from installation.events import Event, FacesObserved
from installation.offline.encode import EncoderThread, open_sink
from installation.offline.timeline import Timeline, TimelinePlayer
from installation.palette import load_palette
from installation.params import Catalogue, ParamValue
from installation.progress import Progress
from installation.render.context import create_offscreen_context
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.resources import shaders_dir
from installation.show import FrameState, Show
from installation.stopsignals import on_stop_signals
from installation.vision.crowd import SimulatedCrowd

# Deliver one read-back frame: raw RGB bytes in GL row order (bottom first) and its number.
Deliver = Callable[[bytes, int], None]


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
) -> int:
    """Draw frames 0..end-1, reading back and delivering first..end-1; returns how many.

    Stops early (between frames) once `should_stop()` is true.
    """
    player = job.player() if job.player is not None else _TimelinePlayer(job, catalogue, render)
    target = OffscreenTarget(ctx, job.size)
    renderer = Renderer(
        ctx,
        shaders_dir(),
        catalogue,
        glow_scale=render.glow_scale,
        growth_scale=render.growth_scale,
        growth_steps=render.growth_steps,
        max_faces=render.max_faces,
    )
    clock = FixedStepClock(job.fps)
    width, height = job.size
    delivered = 0
    try:
        for index in range(job.end):
            if should_stop():
                break
            frame = player.frame_at(clock.tick())
            target.framebuffer.use()
            renderer.render(frame, target.framebuffer)
            if index < job.first:
                # Drawn only so the living pattern reaches frame `first` as in a whole render.
                if progress is not None:
                    progress.update(0, f"drawing up to frame {job.first}")
                continue
            raw = target.framebuffer.read(viewport=(0, 0, width, height), components=3, alignment=1)
            deliver(raw, index)
            delivered += 1
            if progress is not None:
                progress.update(delivered)
    finally:
        renderer.release()
        target.release()
    return delivered


class _TimelinePlayer:
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
    stop = threading.Event()
    stopped_by: list[str] = []

    def request_stop(name: str) -> None:
        if not stopped_by:
            stopped_by.append(name)
        stop.set()

    try:
        sink = open_sink(output, codec, job.size, job.fps)
        encoder = EncoderThread(sink, job.size, output=str(output))
        try:
            with on_stop_signals(request_stop):
                draw_frames(ctx, job, catalogue, render, encoder.submit, stop.is_set, progress)
        finally:
            # Always flush and close, also on Ctrl-C or an error: the file plays up to here.
            encoder.close()
            if progress is not None:
                progress.finish()
    finally:
        ctx.release()
    return RenderResult(encoder.written, stopped_by[0] if stopped_by else None)
