"""Bloom: a soft halo around bright light, from a chain of ever smaller blurred copies.

The levels that make the halo have fixed heights (LEVEL_ROWS), not a fraction of the
output's, so the halo is as wide on a 4K projector as in a 320x180 test render; larger
light buffers are first halved down to them (those levels only filter, so small bright
points do not alias away).
"""

from __future__ import annotations

import moderngl

from installation.render.blend import ADDITIVE, blending
from installation.render.geometry import (
    Fullscreen,
    RenderTarget,
    release_target,
    render_target,
    set_uniform,
)
from installation.render.programs import ProgramLibrary

DOWN = ("passes/fullscreen.vert", "post/bloom_down.frag")
UP = ("passes/fullscreen.vert", "post/bloom_up.frag")
LEVEL_ROWS = (90, 45, 22)
# Face light above this starts to bloom; the cores of smiles pass it, resting faces barely.
THRESHOLD = 0.35


class Bloom:
    """Owns the chain of half-size float textures; `apply` returns the bloom texture."""

    def __init__(
        self, ctx: moderngl.Context, programs: ProgramLibrary, triangle: moderngl.Buffer
    ) -> None:
        self.ctx = ctx
        self.programs = programs
        self._fullscreen = Fullscreen(ctx, triangle)
        self._levels: list[RenderTarget] = []
        self._filters: list[RenderTarget] = []  # halvings down to the first level, if any
        self._size = (0, 0)

    def apply(self, source: moderngl.Texture) -> moderngl.Texture:
        """Blur the bright parts of `source`; the result is LEVEL_ROWS[0] high."""
        self._ensure(source.size)
        down, up = self.programs.get(*DOWN), self.programs.get(*UP)
        if self.programs.is_fallback(down) or self.programs.is_fallback(up):
            # No bloom while its shaders are broken (the error is on screen).
            self._levels[0][1].clear(0.0, 0.0, 0.0, 0.0)
            return self._levels[0][0]
        previous = source
        for index, (texture, framebuffer) in enumerate(self._filters + self._levels):
            framebuffer.use()
            previous.use(location=0)
            set_uniform(down, "u_source", 0)
            set_uniform(down, "u_texel", (1.0 / previous.width, 1.0 / previous.height))
            set_uniform(down, "u_threshold", THRESHOLD if index == 0 else 0.0)
            self._draw(down)
            previous = texture
        # Light adds up on the way back: each level carries the blur of all smaller ones.
        with blending(self.ctx, ADDITIVE):
            for (small, _), (_, larger) in zip(
                reversed(self._levels[1:]), reversed(self._levels[:-1]), strict=True
            ):
                larger.use()
                small.use(location=0)
                set_uniform(up, "u_source", 0)
                set_uniform(up, "u_texel", (1.0 / small.width, 1.0 / small.height))
                self._draw(up)
        return self._levels[0][0]

    def release(self) -> None:
        self._fullscreen.release()
        self._release_levels()

    def _release_levels(self) -> None:
        for level in self._filters + self._levels:
            release_target(level)
        self._levels.clear()
        self._filters.clear()
        self._size = (0, 0)

    def _draw(self, program: moderngl.Program) -> None:
        self._fullscreen.draw(program, self.programs.generation)

    def _ensure(self, size: tuple[int, int]) -> None:
        if size == self._size:
            return
        self._release_levels()
        width, height = size
        aspect = width / height
        # Each pass reads a 4x4 block of its source: halve until one pass reaches the first level.
        while height > 2 * LEVEL_ROWS[0]:
            width, height = max(1, width // 2), max(1, height // 2)
            self._filters.append(render_target(self.ctx, (width, height)))
        for rows in LEVEL_ROWS:
            self._levels.append(render_target(self.ctx, (max(1, round(rows * aspect)), rows)))
        self._size = size
