"""The frame loop: one explicit loop that reads top to bottom."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import moderngl

from installation.clock import Clock
from installation.events import Event, EventQueue, StopRequested
from installation.frame import FrameState
from installation.show import Show
from installation.status import StatusReporter


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


@dataclass(frozen=True)
class LoopResult:
    frames: int
    last_frame: FrameState | None
    reason: str


def run_frames(
    *,
    clock: Clock,
    events: EventQueue,
    show: Show,
    renderer: FrameRenderer,
    target: Target,
    status: StatusReporter,
    outputs: Sequence[FrameOutput] = (),
    duration: float = 0.0,
    recorder: StepRecorder | None = None,
) -> LoopResult:
    """Run until the duration is reached, a stop is requested, or the window closes."""
    frames = 0
    last: FrameState | None = None
    while True:
        time = clock.tick()
        if duration and time >= duration:
            return LoopResult(frames, last, "duration reached")
        if not target.poll():
            return LoopResult(frames, last, "window closed")
        pending = events.drain()
        stop = next((e for e in pending if isinstance(e, StopRequested)), None)
        if stop is not None:
            return LoopResult(frames, last, stop.reason)
        last = show.step(time, pending)
        if recorder is not None:
            recorder.step(time, pending, last)
        target.framebuffer.use()
        renderer.render(last, target.framebuffer)
        target.present()
        for output in outputs:
            output.send(last)
        frames += 1
        status.frame(last)
