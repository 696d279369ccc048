"""The living pattern: reaction-diffusion in ping-pong float textures, fed by access light.

It keeps state from frame to frame (that is the point: light that grows), at a resolution
chosen for cost, and is fed by the glow buffer's alpha, the light of people with access.
"""

from __future__ import annotations

import moderngl
import numpy as np

from installation.render.geometry import (
    Fullscreen,
    RenderTarget,
    release_target,
    render_target,
    set_uniform,
)
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
        self.steps = steps
        self._fullscreen = Fullscreen(ctx, triangle)
        self._states: list[RenderTarget] = []
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
            self._fullscreen.draw(program, self.programs.generation)
        return self.texture

    def reset(self) -> None:
        """Clear the pattern: all medium, nothing growing."""
        blank = np.zeros((self._size[1], self._size[0], 2), dtype=np.float32)
        blank[..., 0] = 1.0
        for texture, _ in self._states:
            texture.write(blank.tobytes())

    def release(self) -> None:
        self._fullscreen.release()
        for state in self._states:
            release_target(state)
        self._states.clear()
        self._size = (0, 0)

    def _ensure(self, size: tuple[int, int]) -> None:
        if size == self._size:
            return
        self.release()
        for _ in range(2):
            # Full floats: the reaction moves in steps too small for half floats to hold.
            self._states.append(render_target(self.ctx, size, components=2))
        self._size = size
        self._current = 0
        self.reset()
