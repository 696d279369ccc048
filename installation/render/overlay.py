"""Text on top of the picture (shader errors), so a mistake is seen on the wall, not only in a log.

The text is rasterised with OpenCV's Hershey font (no font files), uploaded only when it
changes, and drawn as one alpha-blended quad at the top-left of the framebuffer.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import cv2
import moderngl
import numpy as np
import numpy.typing as npt

from installation.render.blend import OVER, blending
from installation.render.globjects import RawGL

# Kept in Python, like the fallback: no edit under shaders/ can hide the error display.
_VERTEX = """#version 330 core
uniform vec4 u_rect;  // x0, y0, x1, y1 in clip space
in vec2 a_corner;     // 0..1
out vec2 v_uv;
void main() {
    v_uv = vec2(a_corner.x, 1.0 - a_corner.y);  // the image's first row is its top
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, a_corner), 0.0, 1.0);
}
"""
_FRAGMENT = """#version 330 core
uniform sampler2D u_text;
in vec2 v_uv;
out vec4 f_colour;
void main() {
    f_colour = texture(u_text, v_uv);
}
"""

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_MAX_LINES = 48  # a log of hundreds of lines would cover the picture and say no more
_MAX_CHARS = 240


class TextOverlay:
    """Draws lines of text in a dark translucent box at the top-left of a framebuffer.

    Lines wider than the framebuffer are wrapped; a box taller than it is shrunk to fit.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        *,
        scale: float = 0.45,
        colour: tuple[int, int, int] = (255, 176, 150),
        background: tuple[int, int, int, int] = (8, 4, 10, 200),
        padding: int = 8,
    ) -> None:
        self.ctx = ctx
        self.scale = scale
        self.colour = colour
        self.background = background
        self.padding = padding
        self._program = ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
        self._corners = ctx.buffer(struct.pack("8f", 0, 0, 1, 0, 0, 1, 1, 1))
        self._vao = ctx.vertex_array(self._program, [(self._corners, "2f", "a_corner")])
        self._uniforms = {name: _uniform(self._program, name) for name in ("u_rect", "u_text")}
        self._texture: moderngl.Texture | None = None
        self._key: tuple[tuple[str, ...], int] | None = None  # the text on the texture
        self._shown = False
        try:
            self._gl: RawGL | None = RawGL(ctx)
        except RuntimeError:
            self._gl = None  # no raw GL: blend state is left off, the project's neutral state

    def draw(self, framebuffer: moderngl.Framebuffer, lines: Sequence[str]) -> None:
        """Draw `lines` over `framebuffer`; nothing at all when there are none."""
        if not lines:
            if self._texture is not None:  # the errors are gone: so is their texture
                self._texture.release()
                self._texture, self._key, self._shown = None, None, False
            return
        width, height = framebuffer.viewport[2], framebuffer.viewport[3]
        key = (tuple(lines), width)
        if key != self._key:  # wrap and rasterise only when the text or the width changes
            shown = _wrap(_clean(lines), width - 2 * self.padding, self.scale)
            if shown:
                image = rasterise(shown, self.scale, self.colour, self.background, self.padding)
                self._upload(image)
            self._key, self._shown = key, bool(shown)
        if not self._shown:
            return
        assert self._texture is not None
        text_w, text_h = self._texture.size
        fit = min(1.0, width / text_w, height / text_h)  # too many lines: shrink, last resort
        right, bottom = 2.0 * text_w * fit / width - 1.0, 1.0 - 2.0 * text_h * fit / height
        unit = self.ctx.default_texture_unit  # moderngl's scratch unit: no pass relies on it
        self._uniforms["u_rect"].value = (-1.0, bottom, right, 1.0)
        self._uniforms["u_text"].value = unit

        # Straight alpha over the picture; the framebuffer's own alpha stays as it was.
        # The blend state is put back exactly: a window library may have set its own.
        with blending(self.ctx, (*OVER, moderngl.ZERO, moderngl.ONE), gl=self._gl):
            framebuffer.use()  # like every pass, bind the target; passes bind their own
            self._texture.use(location=unit)
            self._vao.render(moderngl.TRIANGLE_STRIP, vertices=4)

    def release(self) -> None:
        """Release every GL object the overlay made."""
        self._vao.release()
        self._corners.release()
        self._program.release()
        if self._texture is not None:
            self._texture.release()
            self._texture = None
        self._key, self._shown = None, False

    def _upload(self, image: npt.NDArray[np.uint8]) -> None:
        size = (image.shape[1], image.shape[0])
        if self._texture is None or self._texture.size != size:
            if self._texture is not None:
                self._texture.release()
            self._texture = self.ctx.texture(size, 4)
            self._texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._texture.repeat_x = self._texture.repeat_y = False
        self._texture.write(np.ascontiguousarray(image).tobytes(), alignment=1)


def rasterise(
    lines: Sequence[str],
    scale: float,
    colour: tuple[int, int, int],
    background: tuple[int, int, int, int],
    padding: int,
) -> npt.NDArray[np.uint8]:
    """An RGBA image of `lines` on `background`, first row at the top (no GL)."""
    sizes = [cv2.getTextSize(line or " ", _FONT, scale, 1) for line in lines]
    ascent = max(size[1] for size, _ in sizes)
    descent = max(baseline for _, baseline in sizes)
    step = ascent + descent + max(2, ascent // 3)
    width = max(size[0] for size, _ in sizes) + 2 * padding
    height = step * len(lines) - (step - ascent - descent) + 2 * padding
    image = np.empty((height, width, 4), dtype=np.uint8)
    image[:] = background
    for row, line in enumerate(lines):
        origin = (padding, padding + ascent + row * step)
        # Anti-aliased edges blend every channel, alpha included, towards the text's 255.
        cv2.putText(image, line, origin, _FONT, scale, (*colour, 255), 1, cv2.LINE_AA)
    return image


def _wrap(lines: tuple[str, ...], max_width: int, scale: float) -> tuple[str, ...]:
    """Lines wider than `max_width` pixels broken (at a space if any), continuations indented."""

    def fits(text: str) -> bool:
        return int(cv2.getTextSize(text, _FONT, scale, 1)[0][0]) <= max_width

    out: list[str] = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        if not fits(indent + "W" * 8):  # an indent as wide as the screen would never end
            indent = ""
        rest = line
        while not fits(rest) and len(rest.strip()) > 1:
            low, high = 1, len(rest) - 1  # the longest prefix that fits: binary search
            while low < high:
                middle = (low + high + 1) // 2
                low, high = (middle, high) if fits(rest[:middle]) else (low, middle - 1)
            space = rest.rfind(" ", len(indent), low + 1)
            cut = space if space > len(indent) else low
            out.append(rest[:cut].rstrip())
            rest = indent + rest[cut:].lstrip()
            if len(out) >= _MAX_LINES:
                return tuple(out)
        out.append(rest)
    return tuple(out[:_MAX_LINES])


def _uniform(program: moderngl.Program, name: str) -> moderngl.Uniform:
    uniform = program[name]
    assert isinstance(uniform, moderngl.Uniform), f"{name} is not a uniform"
    return uniform


def _clean(lines: Sequence[str]) -> tuple[str, ...]:
    """One entry per screen line, printable ASCII only (all the Hershey font has), capped."""
    out: list[str] = []
    for line in [part for entry in lines for part in entry.splitlines()][:_MAX_LINES]:
        text = line.replace("\t", "    ")
        text = "".join(c if " " <= c <= "~" else "?" for c in text).rstrip()
        out.append(text[:_MAX_CHARS])
    while out and not out[-1]:
        out.pop()
    return tuple(out)
