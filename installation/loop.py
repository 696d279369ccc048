"""The frame loop: one explicit loop that reads top to bottom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import moderngl

from installation.clock import Clock
from installation.events import EventQueue, StopRequested
from installation.show import FrameState, Show
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
    duration: float = 0.0,
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
        target.framebuffer.use()
        renderer.render(last, target.framebuffer)
        target.present()
        frames += 1
        status.frame(last)
