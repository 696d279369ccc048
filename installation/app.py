"""`installation run`: wires the parts together and runs the show. No show logic here."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import moderngl

from installation.clock import RealTimeClock
from installation.config import Settings
from installation.control.service import OscControl, build_control
from installation.errors import UserError
from installation.events import EventQueue, StopRequested
from installation.frame import FrameState
from installation.lighting.build import LightingPart, build_lighting
from installation.loop import FrameOutput, LiveFrames, LoopResult, Service, run_frames
from installation.palette import Palette, load_palette
from installation.params import Catalogue, ParamValue
from installation.privacy import forbid_core_dumps
from installation.record.keeper import RecordingKeeper
from installation.record.session import SessionRecorder
from installation.reload import ConfigReloader, reload_on_hangup
from installation.render.context import create_offscreen_context, describe
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.render.snapshot import check_snapshot_target, write_png
from installation.render.stage import Stage
from installation.render.window import WindowTarget, WindowUnavailableError, display_available
from installation.resources import shaders_dir
from installation.schedule.testclock import wall_clock_from_environment
from installation.schedule.venue import ReleasableSource, VenueKeeper, WallClock
from installation.show import Show
from installation.status import StatusReporter
from installation.stopsignals import on_stop_signals
from installation.supervise.allocator import steady_allocator
from installation.supervise.health import Health, HealthMonitor, report_parts
from installation.supervise.heaptrim import HeapTrimmer
from installation.supervise.notify import Watchdog
from installation.supervise.storm import IdleSource
from installation.timetable import Timetable
from installation.vision.select import SourceChoice, choose_source
from installation.vision.source import FaceSource

log = logging.getLogger("installation")


@dataclass(frozen=True)
class RunOptions:
    """What `installation run` was asked for beyond the config."""

    snapshot: Path | None = None
    record: Path | None = None  # a session file (JSON Lines) to record the show's events in
    # Reads the config again as at start-up (same files, same --set); SIGHUP calls it.
    reload: Callable[[], Settings] | None = None
    harness: Harness | None = None  # `installation soak`'s faults and probes
    # More outputs after the show's own: the supervisor tests' freeze hook (testhooks.py).
    extra_outputs: tuple[FrameOutput, ...] = ()
    safe_idle: bool = False  # the restart-storm guard's quiet start (supervise/storm.py)


class Harness(Protocol):
    """What `installation soak` adds to a real show (installation/soak/harness.py).

    It is a Service and a FrameOutput, started after every other part; `attach` hands it
    the GL context and renderer (it counts GL objects and reads shader errors on the GL
    thread, in `send`).
    """

    shader_root: Path

    def wrap_source(self, source: FaceSource) -> FaceSource: ...

    def attach(self, ctx: moderngl.Context, renderer: Renderer) -> None: ...

    def start(self, events: EventQueue, now: Callable[[], float]) -> None: ...

    def stop(self) -> None: ...

    def send(self, frame: FrameState) -> None: ...


def run_show(catalogue: Catalogue, settings: Settings, options: RunOptions) -> int:
    """Run the show until it is stopped; returns the exit code."""
    forbid_core_dumps()  # before any camera frame is in memory
    steady_allocator()  # before the frame buffers: resident memory must not creep for weeks
    parts = _check_parts(catalogue, settings, options)
    try:
        live = _build_live_show(catalogue, settings, options, parts)
    except BaseException:  # no window, no GL: give back the port and close the recording
        parts.release()
        raise
    return _run(live, options.snapshot)


@dataclass
class _Parts:
    """What is read and checked before any window or socket opens: a mistake in any of
    these is one message at start, not news after the show."""

    palette: Palette
    choice: SourceChoice
    # The choice's source (wrapped by the soak harness if there is one), which the venue
    # keeper releases while the venue is closed.
    source: ReleasableSource
    monitor: HealthMonitor
    control: OscControl
    lighting: list[LightingPart]
    recorder: SessionRecorder | RecordingKeeper | None
    venue: VenueKeeper
    initial: dict[str, ParamValue]  # the show's starting values (venue.open as scheduled)

    def release(self) -> None:
        """For a start that fails after the checks: the bound OSC port, the recording."""
        self.control.stop()
        if self.recorder is not None:
            self.recorder.close()


@dataclass
class _LiveShow:
    """A show built and wired, nothing started: `_run` starts, runs and stops it."""

    stage: Stage
    clock: RealTimeClock
    events: EventQueue
    frames: LiveFrames
    # Everything that feeds events in on its own thread; started together, stopped in reverse.
    services: list[Service]
    outputs: list[FrameOutput]
    status: StatusReporter
    recorder: SessionRecorder | RecordingKeeper | None
    reloader: ConfigReloader | None


def _check_parts(catalogue: Catalogue, settings: Settings, options: RunOptions) -> _Parts:
    config = settings.config
    palette = load_palette(config.show.palette)
    choice = SourceChoice(IdleSource()) if options.safe_idle else choose_source(config)
    harness = options.harness
    inner = choice.source if harness is None else harness.wrap_source(choice.source)
    timetable = config.schedule.timetable()
    wall = wall_clock_from_environment()
    # A show started while the venue is shut starts dark, and never opens the camera.
    opened = timetable.state_at(wall()).open
    settings = replace(settings, params={**settings.params, "venue.open": opened})
    source = ReleasableSource(inner, watching=opened)
    monitor = HealthMonitor(config.render.fps, source=choice.source.name)
    # The health document also goes out over OSC with the status.
    control = build_control(catalogue, settings, health=monitor.snapshot)
    venue = VenueKeeper(timetable, source, lambda name, value: control.adopt({name: value}), wall)
    lighting = build_lighting(catalogue, settings)
    if options.snapshot is not None:
        check_snapshot_target(options.snapshot, config.window.size_px)
    if not options.safe_idle:  # safe idle takes no OSC (see _build_live_show)
        control.bind()
    try:
        recorder = _recorder(catalogue, settings, options, timetable, wall)
    except BaseException:
        control.stop()  # the port goes back with the refusal
        raise
    for notice in choice.notices:
        log.info("%s", notice)
    return _Parts(
        palette, choice, source, monitor, control, lighting, recorder, venue, dict(settings.params)
    )


def _recorder(
    catalogue: Catalogue,
    settings: Settings,
    options: RunOptions,
    timetable: Timetable,
    wall: WallClock,
) -> SessionRecorder | RecordingKeeper | None:
    """`--record FILE` (one file), or the kept recordings of `[record] folder`, or none."""
    folder = settings.config.record.folder
    if options.record is not None and folder:
        raise UserError(
            f"--record {options.record}: record.folder ({folder}) keeps recordings already; "
            "use one of the two"
        )
    if options.record is not None:
        return SessionRecorder(options.record, settings, catalogue)
    if folder:
        record = settings.config.record
        scheduled = not timetable.always_open
        return RecordingKeeper(record, settings, catalogue, timetable.zone, wall, scheduled)
    return None


def _build_live_show(
    catalogue: Catalogue, settings: Settings, options: RunOptions, parts: _Parts
) -> _LiveShow:
    config = settings.config
    stage = _open_stage(catalogue, settings, options.harness)
    target = stage.target
    width, height = target.framebuffer.viewport[2:]
    output = f"{target.kind}:{width}x{height}"
    log.info("rendering %s on %s", output, describe(stage.ctx))

    events = EventQueue()
    show = Show(catalogue, parts.palette, parts.initial, max_faces=config.render.max_faces)
    if isinstance(parts.recorder, RecordingKeeper):
        parts.recorder.attach(show.state)
        parts.monitor.add_part("recording", parts.recorder.health)
    # A vsynced window is paced by the display; everything else by the clock.
    paced = isinstance(target, OffscreenTarget) or not config.window.vsync
    clock = RealTimeClock(fps=config.render.fps if paced else None)
    source_name = parts.choice.source.name
    status = StatusReporter(config.status.interval, source_name, output)
    # systemd's watchdog and the health page follow the frame loop (see installation/supervise).
    watchdog = Watchdog.from_environment(source=source_name)
    health = Health(config.health.listen, parts.monitor)
    control = parts.control
    network: list[OscControl] = [] if options.safe_idle else [control]  # safe idle: no OSC
    report_parts(parts.monitor, osc=control, lighting=parts.lighting, source=parts.source)
    parts.monitor.add_part("venue", parts.venue.status)
    services: list[Service] = [
        parts.source, parts.venue, *network, *parts.lighting, health, watchdog, HeapTrimmer()
    ]  # fmt: skip
    outputs: list[FrameOutput] = [parts.venue, *network, *parts.lighting, health, watchdog]
    if options.harness is not None:
        options.harness.attach(stage.ctx, stage.renderer)
        services.append(options.harness)
        outputs.append(options.harness)
    outputs.extend(options.extra_outputs)
    reloader = (
        None
        if options.reload is None
        else ConfigReloader(options.reload, settings, events, clock.now, on_params=control.adopt)
    )
    frames = LiveFrames(clock, events, show, config.show.duration, parts.recorder)
    return _LiveShow(
        stage,
        clock,
        events,
        frames,
        services,
        [*outputs, status],
        status,
        parts.recorder,
        reloader,
    )


def _open_stage(catalogue: Catalogue, settings: Settings, harness: Harness | None) -> Stage:
    """The render target (a window, or offscreen) with its renderer."""
    config = settings.config
    target, ctx = _open_target(settings)

    def make_renderer(ctx: moderngl.Context) -> Renderer:
        root = shaders_dir() if harness is None else harness.shader_root
        return Renderer.from_config(ctx, root, catalogue, config.render, config.output)

    # In auto mode an offscreen show moves into a window when a display appears.
    auto = config.window.headless == "auto"
    return Stage(target, ctx, make_renderer, open_window=_window_opener(settings) if auto else None)


def _run(live: _LiveShow, snapshot: Path | None) -> int:
    """Start the services, run frames until the show ends, stop in reverse, then report."""
    result = LoopResult(0, None, "not started")
    started = time.monotonic()

    def request_stop(name: str) -> None:
        live.events.put(StopRequested(live.clock.now(), name))

    try:
        with on_stop_signals(request_stop), reload_on_hangup(live.reloader):
            for service in live.services:
                service.start(live.events, live.clock.now)
            result = run_frames(live.frames, live.stage, live.stage, live.outputs)
    finally:
        elapsed = time.monotonic() - started
        for service in reversed(live.services):
            service.stop()
        if live.recorder is not None:
            _close_recording(live.recorder)
        snapshot_ok = True
        if snapshot is not None and result.last_frame is not None:
            snapshot_ok = _write_snapshot(live.stage, result.last_frame, snapshot)
        live.stage.release()
        print(live.status.summary(elapsed, result.reason), flush=True)
    return 0 if snapshot_ok else 1


def _close_recording(recorder: SessionRecorder | RecordingKeeper) -> None:
    recorder.close()
    if recorder.stopped_early:
        log.warning("%s holds the show up to where its recording stopped", recorder.path)
    else:
        log.info("recorded the show's events to %s", recorder.path)


def _write_snapshot(stage: Stage, frame: FrameState, path: Path) -> bool:
    """Draw the last frame again, offscreen, and save it as a PNG; False when it cannot.

    The picture is drawn from the frame state, so this is the picture that was shown but
    for one more step of the living pattern (the only state the renderer keeps). Drawing
    offscreen avoids reading a window's buffers, which were swapped (and which GL does not
    let a framebuffer read select as it would an attachment).
    """
    width, height = stage.framebuffer.viewport[2:]
    snapshot = OffscreenTarget(stage.ctx, (width, height))
    try:
        snapshot.framebuffer.use()
        stage.renderer.render(frame, snapshot.framebuffer)
        write_png(path, snapshot.read_rgb())
    except OSError as exc:
        # The disk filled during the show (it had room at the start): say so, after the show.
        log.error("snapshot not written to %s: %s", path, exc.strerror or exc)
        return False
    finally:
        snapshot.release()
    log.info("snapshot written to %s", path)
    return True


def _window_opener(settings: Settings) -> Callable[[], WindowTarget]:
    window = settings.config.window
    return lambda: WindowTarget(
        window.size_px, fullscreen=window.fullscreen, screen=window.screen, vsync=window.vsync
    )


def _open_target(settings: Settings) -> tuple[WindowTarget | OffscreenTarget, moderngl.Context]:
    """A window when one is wanted and possible, else offscreen, saying which and why."""
    window = settings.config.window
    size = window.size_px
    headless = window.headless
    if headless == "auto" and not display_available():
        log.info("no display found: rendering offscreen (EGL), nothing is shown on screen")
        headless = True
    if headless is not True:
        try:
            target = _window_opener(settings)()
            return target, target.ctx
        except WindowUnavailableError as exc:
            if headless is False:
                raise
            log.warning("%s: rendering offscreen (EGL) instead", exc)
    ctx = create_offscreen_context()
    return OffscreenTarget(ctx, size), ctx
