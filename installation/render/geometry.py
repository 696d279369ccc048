"""Vertex data every pass shares, and vertex arrays that follow program reloads."""

from __future__ import annotations

import struct
from collections.abc import Callable

import moderngl


class VertexArrays:
    """Vertex arrays keyed by program; all dropped when the programs change (hot reload)."""

    def __init__(self) -> None:
        self._arrays: dict[int, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self._generation = -1

    def get(
        self,
        program: moderngl.Program,
        generation: int,
        build: Callable[[moderngl.Program], moderngl.VertexArray],
    ) -> moderngl.VertexArray:
        if generation != self._generation:
            self.release()
            self._generation = generation
        key = id(program)
        entry = self._arrays.get(key)
        # The id of a released program can be reused: check it is really the same one.
        if entry is None or entry[0] is not program:
            if entry is not None:
                entry[1].release()
            entry = (program, build(program))
            self._arrays[key] = entry
        return entry[1]

    def release(self) -> None:
        for _, array in self._arrays.values():
            array.release()
        self._arrays.clear()

    def __len__(self) -> int:
        return len(self._arrays)


def fullscreen_triangle(ctx: moderngl.Context) -> moderngl.Buffer:
    """One triangle larger than the screen: no diagonal seam, fewer vertices than a quad."""
    return ctx.buffer(struct.pack("6f", -1.0, -1.0, 3.0, -1.0, -1.0, 3.0))


def set_uniform(program: moderngl.Program, name: str, value: object) -> None:
    """Set a uniform if the program uses it; the compiler drops uniforms a shader ignores."""
    uniform = program.get(name, None)
    if isinstance(uniform, moderngl.Uniform):
        uniform.value = value


RenderTarget = tuple[moderngl.Texture, moderngl.Framebuffer]


def render_target(
    ctx: moderngl.Context, size: tuple[int, int], components: int = 4, dtype: str = "f4"
) -> RenderTarget:
    """A texture to draw into (linear filtering, clamped edges) and its framebuffer.

    Floats by default: light adds up past 1.0 where glows overlap, and 8 bits would band.
    """
    texture = ctx.texture(size, components, dtype=dtype)
    texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
    texture.repeat_x = texture.repeat_y = False
    return texture, ctx.framebuffer(color_attachments=[texture])


def release_target(target: RenderTarget) -> None:
    target[1].release()
    target[0].release()


class Fullscreen:
    """Draws any program over the whole bound framebuffer with one shared triangle."""

    def __init__(self, ctx: moderngl.Context, triangle: moderngl.Buffer) -> None:
        self.ctx = ctx
        self.triangle = triangle
        self._vaos = VertexArrays()

    def draw(self, program: moderngl.Program, generation: int) -> None:
        vao = self._vaos.get(
            program,
            generation,
            lambda p: self.ctx.vertex_array(p, [(self.triangle, "2f", "a_position")]),
        )
        vao.render(moderngl.TRIANGLES, vertices=3)

    def __len__(self) -> int:
        return len(self._vaos)

    def release(self) -> None:
        self._vaos.release()
