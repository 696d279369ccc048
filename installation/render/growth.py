"""The living pattern: reaction-diffusion in ping-pong float textures, fed by access light.

It keeps state from frame to frame (that is the point: light that grows), at a resolution
chosen for cost, and is fed by the glow buffer's alpha, the light of people with access.
"""

from __future__ import annotations

import moderngl
import numpy as np

from installation.render.geometry import VertexArrays, set_uniform
from installation.render.programs import ProgramLibrary

STEP = ("passes/fullscreen.vert", "passes/grow.frag")


class Growth:
    """Two state textures that take turns; `step` advances the pattern and returns the state."""

    def __init__(
        self,
        ctx: moderngl.Context,
        programs: ProgramLibrary,
        triangle: moderngl.Buffer,
        steps: int = 4,
    ) -> None:
        self.ctx = ctx
        self.programs = programs
        self.triangle = triangle
        self.steps = steps
        self._vaos = VertexArrays()
        self._states: list[tuple[moderngl.Texture, moderngl.Framebuffer]] = []
        self._size = (0, 0)
        self._current = 0

    @property
    def texture(self) -> moderngl.Texture:
        return self._states[self._current][0]

    def step(
        self, size: tuple[int, int], glow: moderngl.Texture, feed_rate: float, time: float
    ) -> moderngl.Texture:
        """Advance `steps` simulation steps; a new size starts the pattern afresh."""
        self._ensure(size)
        program = self.programs.get(*STEP)
        if self.programs.is_fallback(program):
            return self.texture  # a broken step holds the pattern still; the error is on screen
        vao = self._vaos.get(
            program,
            self.programs.generation,
            lambda p: self.ctx.vertex_array(p, [(self.triangle, "2f", "a_position")]),
        )
        glow.use(location=1)
        set_uniform(program, "u_state", 0)
        set_uniform(program, "u_glow", 1)
        set_uniform(program, "u_texel", (1.0 / size[0], 1.0 / size[1]))
        set_uniform(program, "u_feed_rate", feed_rate)
        set_uniform(program, "u_time", time)
        for _ in range(self.steps):
            source = self._states[self._current][0]
            self._current = 1 - self._current
            self._states[self._current][1].use()
            source.use(location=0)
            vao.render(moderngl.TRIANGLES, vertices=3)
        return self.texture

    def reset(self) -> None:
        """Clear the pattern: all medium, nothing growing."""
        blank = np.zeros((self._size[1], self._size[0], 2), dtype=np.float32)
        blank[..., 0] = 1.0
        for texture, _ in self._states:
            texture.write(blank.tobytes())

    def release(self) -> None:
        self._vaos.release()
        for texture, framebuffer in self._states:
            framebuffer.release()
            texture.release()
        self._states.clear()
        self._size = (0, 0)

    def _ensure(self, size: tuple[int, int]) -> None:
        if size == self._size:
            return
        self.release()
        for _ in range(2):
            # Full floats: the reaction moves in steps too small for half floats to hold.
            texture = self.ctx.texture(size, 2, dtype="f4")
            texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            texture.repeat_x = texture.repeat_y = False
            self._states.append((texture, self.ctx.framebuffer(color_attachments=[texture])))
        self._size = size
        self._current = 0
        self.reset()
