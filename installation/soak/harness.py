"""The soak harness: rides in the real show's frame loop, runs the schedule, measures.

It is the Service and FrameOutput that `run_show` takes in `RunOptions.harness`: it wraps
the face source (so the camera can vanish), points the renderer at a copy of the shaders,
and each frame (on the GL thread) begins and ends faults, checks recovery, samples memory,
counts GL objects after the warm-up and at the end, and asks the show to stop when the
time is up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import moderngl

from installation.events import EventQueue, StopRequested
from installation.frame import FrameState
from installation.render.context import describe
from installation.render.globjects import count_live_objects
from installation.render.renderer import Renderer
from installation.soak.camera import CameraFault, VanishingSource
from installation.soak.faults import Fault, Outcome
from installation.soak.metrics import FrameMeter, MemoryTrend, QuietCounts
from installation.soak.schedule import FaultWindow, active
from installation.soak.shader import ShaderFault
from installation.supervise.allocator import native_in_use_mb, python_blocks
from installation.supervise.health import resident_mb
from installation.vision.source import FaceSource

log = logging.getLogger("installation.soak")

PROGRESS_EVERY = 10.0  # seconds of show time between progress lines


@dataclass
class SoakHarness:
    """One soak run's faults and measurements; see the module docstring."""

    duration: float
    warmup: float
    windows: list[FaultWindow]
    shader_root: Path
    faults: dict[str, Fault]  # every kind but camera and shader, which need the show's parts
    progress: Callable[[str], None]
    memory_fit_from: float = 0.0  # show seconds; the warm-up when earlier
    memory_interval: float = 2.0
    meter: FrameMeter = field(default_factory=FrameMeter)
    quiet: QuietCounts = field(default_factory=QuietCounts)
    outcomes: list[Outcome] = field(default_factory=list)
    gl_start: dict[str, int] | None = None
    gl_end: dict[str, int] | None = None
    frames: int = 0
    renderer_name: str = ""
    finished: bool = False
    memory: MemoryTrend = field(init=False)  # resident set, MB
    # Where a growing RSS comes from: the C heap in use (MB; empty off glibc) and Python's
    # blocks, sampled with it. RSS up with both flat: freed pages kept, not a leak.
    native: MemoryTrend = field(init=False)
    python: MemoryTrend = field(init=False)
    _events: EventQueue | None = field(init=False, default=None)
    _ctx: moderngl.Context | None = field(init=False, default=None)
    _next_progress: float = field(init=False, default=PROGRESS_EVERY)
    _started: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        fit_from = max(self.warmup, self.memory_fit_from)
        self.memory = MemoryTrend(self.memory_interval, fit_from)
        self.native = MemoryTrend(self.memory_interval, fit_from)
        self.python = MemoryTrend(self.memory_interval, fit_from)

    # -- the hooks run_show calls ---------------------------------------------------------

    def wrap_source(self, source: FaceSource) -> FaceSource:
        wrapped = VanishingSource(source)
        self.faults["camera"] = CameraFault(wrapped)
        return wrapped

    def attach(self, ctx: moderngl.Context, renderer: Renderer) -> None:
        self._ctx = ctx
        self.renderer_name = describe(ctx)
        self.faults["shader"] = ShaderFault(self.shader_root, renderer)

    def start(self, events: EventQueue, now: Callable[[], float]) -> None:
        self._events = events
        self._started = time.monotonic()

    def stop(self) -> None:
        pass  # the runner owns the traffic and the receiver; nothing runs here

    def send(self, frame: FrameState) -> None:
        """Once a frame, on the GL thread."""
        now = frame.time
        self.frames += 1
        window = active(self.windows, now)
        self.meter.frame(now, window is not None, counted=now >= self.warmup)
        if self.memory.due(now):
            self.memory.add(now, resident_mb())
            native = native_in_use_mb()
            if native is not None:
                self.native.add(now, native)
            self.python.add(now, float(python_blocks()))
            if now >= self.warmup and window is None and self._settled():
                self.quiet.add(now)
        if self.gl_start is None and now >= self.warmup:
            self.gl_start = self._count_gl()  # before the first fault begins
        self._run_faults(frame, window)
        if now >= self._next_progress:
            self.progress(self._progress_line(now))
            self._next_progress += PROGRESS_EVERY
        if now >= self.duration and not self.finished and self._events is not None:
            self.finished = True
            self.gl_end = self._count_gl()
            self._events.put(StopRequested(now, "soak finished"))

    # -- faults ---------------------------------------------------------------------------

    def _run_faults(self, frame: FrameState, window: FaultWindow | None) -> None:
        current = self.outcomes[-1] if self.outcomes else None
        if current is not None and current.window is not window and not current.ended:
            self._step(current, "end", frame)
            current.ended = True
        if window is not None and (current is None or current.window is not window):
            current = Outcome(window)
            self.outcomes.append(current)
            self._step(current, "begin", frame)
        if current is None or current.error:
            return
        if window is not None:
            current.observed = self._step(current, "during", frame) or current.observed
        elif current.ended and not current.recovered and self._step(current, "recovered", frame):
            current.recovered = True
            current.recovery_s = frame.time - current.window.end

    def _step(self, outcome: Outcome, what: str, frame: FrameState) -> bool:
        """Call one of the fault's methods; an injector that fails is an error, not a crash."""
        fault = self.faults[outcome.window.kind]
        try:
            return bool(getattr(fault, what)(frame))
        except Exception as exc:
            log.exception("soak: the %s fault failed in %s", outcome.window.kind, what)
            outcome.error = f"{what}: {type(exc).__name__}: {exc}"
            return False

    # -- measuring ------------------------------------------------------------------------

    def _settled(self) -> bool:
        """No fault in progress: none yet, or the last one ended and was recovered from."""
        last = self.outcomes[-1] if self.outcomes else None
        return last is None or (last.ended and last.recovered)

    def _count_gl(self) -> dict[str, int]:
        assert self._ctx is not None
        return count_live_objects(self._ctx)

    def _progress_line(self, now: float) -> str:
        done = sum(outcome.verified for outcome in self.outcomes)
        rss = self.memory.samples[-1][1] if self.memory.samples else 0.0
        window = active(self.windows, now)
        doing = f" ({window.kind} fault)" if window is not None else ""
        fps = self.frames / max(time.monotonic() - self._started, 1e-9)
        return (
            f"soak [{now:6.0f}s/{self.duration:.0f}s] fps={fps:5.1f} "
            f"faults={len(self.outcomes)}/{len(self.windows)} recovered={done} "
            f"rss={rss:.1f}MB{doing}"
        )
