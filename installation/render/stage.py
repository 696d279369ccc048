"""Where the picture goes, and a display that appears after the show started.

A gallery computer often starts the show before its display server is up (the service
starts at boot, the X session a little later). With `window.headless = "auto"` the show
then renders offscreen; the stage looks for the display every few seconds and moves the
show into a window once it is there: a new GL context, so a new renderer on it.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import moderngl

from installation.frame import FrameState
from installation.render.context import create_offscreen_context, describe
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.render.window import WindowTarget

log = logging.getLogger("installation.render")

RECHECK_S = 3.0  # how often an offscreen show in auto mode looks for a display
MAX_RECHECK_S = 60.0  # the longest wait between tries after windows failed to open


def display_ready() -> bool:
    """Whether the display named by DISPLAY / WAYLAND_DISPLAY is there now (cheap: no GL).

    A local X display ":N" is there when its socket is; for a remote one the only test is
    a window, so it counts as there. Without either variable no display can ever appear
    to this process (the environment does not change): False.
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return True
    wayland = os.environ.get("WAYLAND_DISPLAY", "")
    if wayland:
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
        path = Path(wayland) if wayland.startswith("/") else Path(runtime) / wayland
        if path.exists():
            return True
    display = os.environ.get("DISPLAY", "")
    if not display:
        return False
    host, _, number = display.rpartition(":")
    if host not in ("", "unix"):
        return True
    return Path(f"/tmp/.X11-unix/X{number.split('.', 1)[0]}").exists()


class Stage:
    """A Target and a FrameRenderer for the frame loop: the target, its context, the renderer.

    `open_window` given (auto mode, started offscreen): `poll` looks for a display every
    `recheck_s` seconds and moves to a window when one is there. A window that fails to
    open after all leaves the show offscreen, looking again later.
    """

    def __init__(
        self,
        target: WindowTarget | OffscreenTarget,
        ctx: moderngl.Context,
        make_renderer: Callable[[moderngl.Context], Renderer],
        *,
        open_window: Callable[[], WindowTarget] | None = None,
        ready: Callable[[], bool] = display_ready,
        recheck_s: float = RECHECK_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.framebuffer: moderngl.Framebuffer = target.framebuffer
        self.ctx = ctx
        self._make_renderer = make_renderer
        self.renderer = make_renderer(ctx)
        self._open_window = open_window if isinstance(target, OffscreenTarget) else None
        self._ready = ready
        self._recheck_s = recheck_s
        self._monotonic = monotonic
        self._next_check = monotonic() + recheck_s
        self.switches = 0
        self._failures = 0

    @property
    def kind(self) -> str:
        return self.target.kind

    def poll(self) -> bool:
        """Window events (False once it closed); offscreen in auto mode, look for a display."""
        if self._open_window is not None and self._monotonic() >= self._next_check:
            self._next_check = self._monotonic() + self._recheck_s
            if self._ready():
                self._to_window(self._open_window)
        return self.target.poll()

    def present(self) -> None:
        self.target.present()

    def render(self, frame: FrameState, target: moderngl.Framebuffer) -> None:
        self.renderer.render(frame, target)

    def release(self) -> None:
        self.renderer.release()
        self.target.release()
        if isinstance(self.target, OffscreenTarget):
            self.ctx.release()  # a window's context goes with the window

    def _to_window(self, open_window: Callable[[], WindowTarget]) -> None:
        size = self.target.framebuffer.viewport[2:]
        # The offscreen (EGL) context must go first: with it alive, the window's GL
        # context is not found by moderngl.
        self.release()
        try:
            window = open_window()
        except Exception as exc:  # pyglet and moderngl raise many kinds; stay offscreen
            # Said once; each later try waits twice as long (up to a minute): no log flood.
            self._failures += 1
            self._next_check = self._monotonic() + min(
                self._recheck_s * 2**self._failures, MAX_RECHECK_S
            )
            level = logging.WARNING if self._failures == 1 else logging.DEBUG
            log.log(level, "a display is there but no window opens (%s); offscreen still", exc)
            self.ctx = create_offscreen_context()
            self.target = OffscreenTarget(self.ctx, (size[0], size[1]))
            self.framebuffer = self.target.framebuffer
            self.renderer = self._make_renderer(self.ctx)
            return
        self.target, self.ctx, self.framebuffer = window, window.ctx, window.framebuffer
        self.renderer = self._make_renderer(window.ctx)
        self._open_window = None
        self.switches += 1
        width, height = window.framebuffer.viewport[2:]
        log.warning(
            "display found: the show is in a window now (%dx%d on %s)",
            width,
            height,
            describe(window.ctx),
        )
