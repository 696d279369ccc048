"""`installation run`: wires the parts together and runs the show. No show logic here."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import moderngl

from installation.clock import RealTimeClock
from installation.config import Settings
from installation.control.service import OscControl, build_control
from installation.events import EventQueue, StopRequested
from installation.frame import FrameState
from installation.lighting.build import build_lighting
from installation.loop import FrameOutput, LiveFrames, LoopResult, Service, run_frames
from installation.palette import load_palette
from installation.params import Catalogue
from installation.privacy import forbid_core_dumps
from installation.record.session import SessionRecorder
from installation.reload import ConfigReloader, reload_on_hangup
from installation.render.context import create_offscreen_context, describe
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.render.snapshot import check_snapshot_target, write_png
from installation.render.stage import Stage
from installation.render.window import WindowTarget, WindowUnavailableError, display_available
from installation.resources import shaders_dir
from installation.show import Show
from installation.status import StatusReporter
from installation.stopsignals import on_stop_signals
from installation.supervise.allocator import steady_allocator
from installation.supervise.health import Health, HealthMonitor, report_parts
from installation.supervise.notify import Watchdog
from installation.supervise.storm import IdleSource
from installation.supervise.testhooks import fault_hooks
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
    config = settings.config
    palette = load_palette(config.show.palette)
    # Before any window or socket opens: a bad cue list or feedback target is a ConfigError.
    control = build_control(catalogue, settings)
    lighting = build_lighting(catalogue, settings)
    choice = SourceChoice(IdleSource()) if options.safe_idle else choose_source(config)
    harness = options.harness
    source = choice.source if harness is None else harness.wrap_source(choice.source)
    # Before the window too: a snapshot or recording that cannot be written is a mistake to
    # fix first, not news after the show.
    if options.snapshot is not None:
        check_snapshot_target(options.snapshot, config.window.size_px)
    recorder = (
        None if options.record is None else SessionRecorder(options.record, settings, catalogue)
    )
    for notice in choice.notices:
        log.info("%s", notice)

    target, ctx = _open_target(settings)

    def make_renderer(ctx: moderngl.Context) -> Renderer:
        root = shaders_dir() if harness is None else harness.shader_root
        return Renderer.from_config(ctx, root, catalogue, config.render, config.output)

    # In auto mode an offscreen show moves into a window when a display appears.
    auto = config.window.headless == "auto"
    stage = Stage(
        target, ctx, make_renderer, open_window=_window_opener(settings) if auto else None
    )
    renderer = stage.renderer
    width, height = target.framebuffer.viewport[2:]
    output = f"{target.kind}:{width}x{height}"
    log.info("rendering %s on %s", output, describe(ctx))

    events = EventQueue()
    show = Show(catalogue, palette, settings.params, max_faces=config.render.max_faces)
    # A vsynced window is paced by the display; everything else by the clock.
    paced = isinstance(target, OffscreenTarget) or not config.window.vsync
    clock = RealTimeClock(fps=config.render.fps if paced else None)
    status = StatusReporter(config.status.interval, choice.source.name, output)
    result = LoopResult(0, None, "not started")
    started = time.monotonic()
    # Everything that feeds events in on its own thread; started together, stopped in reverse.
    # systemd's watchdog and the health page follow the frame loop (see installation/supervise).
    watchdog = Watchdog.from_environment(source=choice.source.name)
    health = Health(
        config.health.listen, HealthMonitor(config.render.fps, source=choice.source.name)
    )
    network: list[OscControl] = [] if options.safe_idle else [control]  # safe idle: no OSC
    # Each part reports on itself; the health also goes out over OSC with the status.
    report_parts(health.monitor, osc=control, lighting=lighting, source=choice.source)
    control.health_source = health.monitor.snapshot
    services: list[Service] = [source, *network, *lighting, health, watchdog]
    outputs: list[FrameOutput] = [*network, *lighting, health, watchdog, *fault_hooks()]
    if harness is not None:
        harness.attach(ctx, renderer)
        services.append(harness)
        outputs.append(harness)
    reloader = (
        None
        if options.reload is None
        else ConfigReloader(options.reload, settings, events, clock.now, on_params=control.adopt)
    )

    def request_stop(name: str) -> None:
        events.put(StopRequested(clock.now(), name))

    try:
        with on_stop_signals(request_stop), reload_on_hangup(reloader):
            for service in services:
                service.start(events, clock.now)
            frames = LiveFrames(clock, events, show, config.show.duration, recorder)
            result = run_frames(frames, stage, stage, [*outputs, status])
    finally:
        elapsed = time.monotonic() - started
        for service in reversed(services):
            service.stop()
        if recorder is not None:
            recorder.close()
            if recorder.stopped_early:
                log.warning("%s holds the show up to where its recording stopped", recorder.path)
            else:
                log.info("recorded the show's events to %s", recorder.path)
        snapshot_ok = True
        if options.snapshot is not None and result.last_frame is not None:
            size = stage.framebuffer.viewport[2:]
            snapshot_ok = _write_snapshot(
                stage.ctx, stage.renderer, result.last_frame, (size[0], size[1]), options.snapshot
            )
        stage.release()
        print(status.summary(elapsed, result.reason), flush=True)
    return 0 if snapshot_ok else 1


def _write_snapshot(
    ctx: moderngl.Context, renderer: Renderer, frame: FrameState, size: tuple[int, int], path: Path
) -> bool:
    """Draw the last frame again, offscreen, and save it as a PNG; False when it cannot.

    The picture is drawn from the frame state, so this is the picture that was shown but
    for one more step of the living pattern (the only state the renderer keeps). Drawing
    offscreen avoids reading a window's buffers, which were swapped (and which GL does not
    let a framebuffer read select as it would an attachment).
    """
    snapshot = OffscreenTarget(ctx, size)
    try:
        snapshot.framebuffer.use()
        renderer.render(frame, snapshot.framebuffer)
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
