"""The living light: reaction-diffusion in ping-pong float textures, advanced by show time.

It keeps state from frame to frame (that is the point: light that grows), so two rules
keep the picture the same however it is drawn:
- it advances `rate` steps per second of scene time, never per frame: a live show at
  60 fps, a documentation render at 15 fps and a frozen show (no steps) agree; a frame that
  comes late takes the steps it owes, at most `max_steps`, after which the pattern lets
  the lost time go rather than stall the show;
- its grid is `rows` high whatever the output size (its width follows the aspect ratio),
  so 720p, 1080p and 4K grow the same pattern.

State (passes/grow.frag): r = the medium, g = the living pattern, b = the pattern's slow
mean (a growing front is where the pattern is above it), a = the trail of light that
passed, fading.
"""

from __future__ import annotations

import math

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
MAX_STEPS = 16  # steps one frame may take: a quarter second of growth at 60 a second
TRAIL_S = 5.0  # time for a trail of light to fade to a third (1/e)
FRONT_S = 1.5  # time over which the pattern's mean follows it: how long a front glows


def grid_size(rows: int, aspect: float) -> tuple[int, int]:
    """The simulation grid: `rows` high, as wide as the picture's aspect ratio asks."""
    return (max(8, round(rows * aspect)), max(8, rows))


def steps_due(time: float, rate: float) -> int:
    """Steps a pattern started at time 0 has taken by `time` (the same at any frame rate)."""
    # A hair of slack: 3 * (1 / 3) s must give the steps of 1 s, not one fewer.
    return max(0, math.floor(time * rate + 1e-6))


class Growth:
    """Two state textures that take turns; `advance` brings the pattern up to a show time."""

    def __init__(
        self,
        ctx: moderngl.Context,
        programs: ProgramLibrary,
        triangle: moderngl.Buffer,
        *,
        rows: int,
        rate: float,
        max_steps: int = MAX_STEPS,
    ) -> None:
        self.ctx = ctx
        self.programs = programs
        self.rows = rows
        self.rate = rate
        self.max_steps = max_steps
        self._fullscreen = Fullscreen(ctx, triangle)
        self._states: list[RenderTarget] = []
        self._size = (0, 0)
        self._current = 0
        self._done = 0  # steps taken, counted from show time 0
        self._time = 0.0

    @property
    def texture(self) -> moderngl.Texture:
        return self._states[self._current][0]

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def ensure(self, aspect: float) -> tuple[int, int]:
        """Make the grid for this aspect ratio (a new one starts afresh); returns its size."""
        size = grid_size(self.rows, aspect)
        if size != self._size:
            self._release_states()
            for _ in range(2):
                # Full floats: the reaction moves in steps too small for half floats to hold.
                self._states.append(render_target(self.ctx, size))
            self._size = size
            self._current = 0
            self.reset()
        return size

    def advance(
        self,
        time: float,
        glow: moderngl.Texture,
        sea: moderngl.Texture,
        feed_rate: float,
    ) -> moderngl.Texture:
        """Take the steps owed by `time` (scene seconds); returns the state texture."""
        if time < self._time:
            self.reset()  # time went back: a new show on this renderer
        self._time = time
        due = steps_due(time, self.rate)
        steps = due - self._done
        if steps > self.max_steps:
            self._done = due - self.max_steps  # a long stall: let that time go
            steps = self.max_steps
        program = self.programs.get(*STEP)
        if steps <= 0:
            return self.texture
        if self.programs.is_fallback(program):
            self._done = due  # a broken step holds the pattern still; the error is on screen
            return self.texture
        glow.use(location=1)
        sea.use(location=2)
        set_uniform(program, "u_state", 0)
        set_uniform(program, "u_glow", 1)
        set_uniform(program, "u_sea", 2)
        set_uniform(program, "u_texel", (1.0 / self._size[0], 1.0 / self._size[1]))
        set_uniform(program, "u_feed_rate", feed_rate)
        set_uniform(program, "u_trail_keep", math.exp(-1.0 / (self.rate * TRAIL_S)))
        set_uniform(program, "u_mean_keep", math.exp(-1.0 / (self.rate * FRONT_S)))
        for _ in range(steps):
            self._done += 1
            # The seeds' scatter changes every 8 steps; kept small for float precision.
            set_uniform(program, "u_seed", float((self._done // 8) % 4096))
            source = self._states[self._current][0]
            self._current = 1 - self._current
            self._states[self._current][1].use()
            source.use(location=0)
            self._fullscreen.draw(program, self.programs.generation)
        return self.texture

    def reset(self) -> None:
        """Clear the pattern: all medium, nothing growing, no trails; time back to 0."""
        blank = np.zeros((self._size[1], self._size[0], 4), dtype=np.float32)
        blank[..., 0] = 1.0
        for texture, _ in self._states:
            texture.write(blank.tobytes())
        self._done = 0
        self._time = 0.0

    def release(self) -> None:
        self._fullscreen.release()
        self._release_states()

    def _release_states(self) -> None:
        for state in self._states:
            release_target(state)
        self._states.clear()
        self._size = (0, 0)
