"""The frame loop: one explicit loop that reads top to bottom, for live shows and renders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import moderngl

from installation.clock import Clock
from installation.events import Event, EventQueue, StopRequested
from installation.frame import FrameState
from installation.show import Show


class Target(Protocol):
    """Where frames go: a window or an offscreen framebuffer."""

    framebuffer: moderngl.Framebuffer

    def poll(self) -> bool:
        """Handle window events; False once the window was closed."""
        ...

    def present(self) -> None: ...


class FrameRenderer(Protocol):
    def render(self, frame: FrameState, target: moderngl.Framebuffer) -> None: ...


class Service(Protocol):
    """Something that puts events on the queue from its own thread (a face source, OSC)."""

    def start(self, events: EventQueue, now: Callable[[], float]) -> None: ...

    def stop(self) -> None: ...


class FrameOutput(Protocol):
    """Anything that follows the show frame by frame: OSC feedback, lighting, a recorder.

    `send` runs on the frame loop's thread and must not block: slow work (network, disk)
    belongs on the output's own thread, fed from here.
    """

    def send(self, frame: FrameState) -> None: ...


class StepRecorder(Protocol):
    """Keeps every step's show time and events (a session recording, installation/record).

    Replay must step a fresh show at exactly these times with exactly these events, since
    smoothing depends on the time between steps; `frame` is the state the step produced.
    """

    def step(self, time: float, events: Sequence[Event], frame: FrameState) -> None: ...


class FrameSource(Protocol):
    """The show state of each next frame, or a reason (a str) why the loop ends.

    Live, the clock and the event queue drive a Show (`LiveFrames`); offline, a timeline or
    a recorded session is stepped at a fixed rate (`installation/offline/render.py`).
    """

    def next_frame(self) -> FrameState | str: ...


@dataclass(frozen=True)
class LoopResult:
    frames: int
    last_frame: FrameState | None
    reason: str


def run_frames(
    source: FrameSource,
    renderer: FrameRenderer,
    target: Target,
    outputs: Sequence[FrameOutput] = (),
) -> LoopResult:
    """The one frame loop, live and offline: take a frame, draw it, present it, hand it to
    every output; until the source ends or the window closes."""
    frames = 0
    last: FrameState | None = None
    while True:
        if not target.poll():
            return LoopResult(frames, last, "window closed")
        frame = source.next_frame()
        if isinstance(frame, str):
            return LoopResult(frames, last, frame)
        target.framebuffer.use()
        renderer.render(frame, target.framebuffer)
        target.present()
        for output in outputs:
            output.send(frame)
        frames, last = frames + 1, frame


@dataclass
class LiveFrames:
    """A live show's frames: show time from the clock, the events that came in meanwhile;
    ends at `duration` (0: never) or at a stop request."""

    clock: Clock
    events: EventQueue
    show: Show
    duration: float = 0.0
    recorder: StepRecorder | None = None

    def next_frame(self) -> FrameState | str:
        time = self.clock.tick()
        if self.duration and time >= self.duration:
            return "duration reached"
        pending = self.events.drain()
        stop = next((e for e in pending if isinstance(e, StopRequested)), None)
        if stop is not None:
            return stop.reason
        frame = self.show.step(time, pending)
        if self.recorder is not None:
            self.recorder.step(time, pending, frame)
        return frame
