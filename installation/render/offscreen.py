"""An offscreen render target: a framebuffer in GPU memory, read back on request."""

from __future__ import annotations

import moderngl
import numpy as np
import numpy.typing as npt


class OffscreenTarget:
    """Renders into an RGBA8 texture of a fixed size; nothing is shown anywhere."""

    kind = "offscreen"

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int]) -> None:
        self.ctx = ctx
        self.size = size
        self._texture = ctx.texture(size, 4)
        self.framebuffer = ctx.framebuffer(color_attachments=[self._texture])

    def poll(self) -> bool:
        """Offscreen targets never close by themselves."""
        return True

    def present(self) -> None:
        """Nothing to show; finishing the frame keeps frame times honest."""
        self.ctx.finish()

    def read_rgb(self) -> npt.NDArray[np.uint8]:
        """The current picture, top row first, shape (height, width, 3)."""
        return read_rgb(self.framebuffer)

    def release(self) -> None:
        self.framebuffer.release()
        self._texture.release()


def read_rgb(framebuffer: moderngl.Framebuffer) -> npt.NDArray[np.uint8]:
    """Read a framebuffer as an RGB image with the top row first (GL stores bottom first)."""
    width, height = framebuffer.viewport[2], framebuffer.viewport[3]
    data = framebuffer.read(viewport=(0, 0, width, height), components=3, alignment=1)
    image = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
    return np.ascontiguousarray(image[::-1])
