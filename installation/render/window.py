"""A real window on a screen (pyglet), with a moderngl context on it.

pyglet is imported only when a window is made: importing `pyglet.window` without a display
fails, and offscreen runs must not need one.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import moderngl

from installation.errors import UserError
from installation.render.context import REQUIRED_GL

log = logging.getLogger(__name__)


class WindowUnavailableError(UserError):
    """No window could be opened (no display, no GL driver for it)."""

    exit_code = 1


def display_available() -> bool:
    """Whether a window could appear: on Linux and BSD, a display server must be named."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class WindowTarget:
    """A pyglet window: frames are drawn to its back buffer and shown on `present`."""

    kind = "window"

    def __init__(
        self,
        size: tuple[int, int],
        *,
        fullscreen: bool = False,
        screen: int = 0,
        vsync: bool = True,
        caption: str = "Nova Sanctuary",
    ) -> None:
        try:
            import pyglet

            # The shadow window is a hidden extra GL context pyglet makes by default; one
            # context is all this program uses, and the extra one breaks on some drivers.
            pyglet.options["shadow_window"] = False
            # pyglet would check glGetError after each of its own calls and raise on errors
            # that moderngl's calls left behind; moderngl reports its own errors.
            pyglet.options["debug_gl"] = False
            import pyglet.window

            screens = pyglet.display.get_display().get_screens()
            if screen >= len(screens):
                log.warning(
                    "screen %d not found (%d screen(s) connected): using screen 0",
                    screen,
                    len(screens),
                )
                screen = 0
            # pyglet's Config class is abstract to type checkers; the platform picks the real one.
            config_class: Any = pyglet.gl.Config
            config = config_class(
                major_version=REQUIRED_GL // 100,
                minor_version=REQUIRED_GL % 100 // 10,
                forward_compatible=True,
                double_buffer=True,
            )
            self._window: Any = pyglet.window.Window(
                width=size[0],
                height=size[1],
                caption=caption,
                fullscreen=fullscreen,
                screen=screens[screen],
                vsync=vsync,
                config=config,
                resizable=not fullscreen,
            )
        except Exception as exc:  # pyglet raises many kinds for "no display / no GL"
            raise WindowUnavailableError(f"cannot open a window: {exc}") from None
        if fullscreen:
            self._window.set_mouse_visible(False)
        self.ctx = moderngl.create_context(require=REQUIRED_GL)
        # The window's own framebuffer (0); always bind it before drawing to the screen.
        self.framebuffer = self.ctx.detect_framebuffer()
        self._sync_viewport()

    @property
    def size(self) -> tuple[int, int]:
        width, height = self._window.get_framebuffer_size()
        return int(width), int(height)

    def poll(self) -> bool:
        """Handle window events (resize, close, Esc); False once the window has closed."""
        self._window.dispatch_events()
        if self._window.has_exit:
            return False
        self._sync_viewport()
        return True

    def present(self) -> None:
        self._window.flip()

    def release(self) -> None:
        self._window.close()

    def _sync_viewport(self) -> None:
        width, height = self.size
        self.framebuffer.viewport = (0, 0, max(1, width), max(1, height))
