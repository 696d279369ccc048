"""The renderer: turns a FrameState into light, in passes, on the GL thread only.

Passes, in order:
1. light sources: faces and strands of light, added into a low-resolution float buffer
   (rgb: all light; alpha: the light of people with access);
2. sea: the drifting veil and currents of the plankton sea, at low resolution;
3. growth: reaction-diffusion that keeps its state across frames, fed by access light;
4. bloom: a soft halo around the bright face light, from the light buffer, added back into
   it together with the living pattern (in its alpha), so the scene reads one texture;
5. scene: the act's own shader draws the picture straight to the output, as one quad pinned
   at the keystone corners (two acts blended while they crossfade), tone mapped and graded
   for the projector (lib/present.glsl); then any shader errors are written on top.

Full-resolution work is one pass: on a software renderer every full-screen pass costs about
as much as a whole scene, so everything that can be low resolution is.
GL objects are made once and released on resize, on reload or in `release()`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

import moderngl
import numpy as np

from installation.params import Catalogue
from installation.render.bloom import DOWN as BLOOM_DOWN
from installation.render.bloom import UP as BLOOM_UP
from installation.render.bloom import Bloom
from installation.render.geometry import (
    Fullscreen,
    RenderTarget,
    VertexArrays,
    fullscreen_triangle,
    release_target,
    render_target,
    set_uniform,
)
from installation.render.growth import STEP as GROW
from installation.render.growth import Growth
from installation.render.keystone import SQUARE, Corners, as_uniform, picture_to_output
from installation.render.lights import FACES, LINKS, LightSources
from installation.render.overlay import TextOverlay
from installation.render.programs import ProgramLibrary
from installation.show import FrameState

SEA_PROGRAM = ("passes/fullscreen.vert", "passes/sea.frag")
COMPOSE_PROGRAM = ("passes/fullscreen.vert", "passes/compose.frag")
MAX_HUBS = 8  # as in shaders/passes/sea.frag


def scene_program(scene: str) -> tuple[str, str]:
    """Vertex and fragment shader files of a scene."""
    return ("passes/picture.vert", f"scenes/{scene}.frag")


def all_programs(scenes: Iterable[str]) -> list[tuple[str, str]]:
    """Every program the renderer can use, for `installation doctor` and the tests."""
    return [
        FACES,
        LINKS,
        SEA_PROGRAM,
        GROW,
        BLOOM_DOWN,
        BLOOM_UP,
        COMPOSE_PROGRAM,
        *map(scene_program, scenes),
    ]


class Renderer:
    """Owns every GL object of the picture; `render` draws one frame into a framebuffer."""

    def __init__(
        self,
        ctx: moderngl.Context,
        shader_root: Path,
        catalogue: Catalogue,
        *,
        glow_scale: float = 0.5,
        growth_scale: float = 0.2,
        growth_steps: int = 3,
        max_faces: int = 64,
        keystone: Corners = SQUARE,
        watch: bool = False,
    ) -> None:
        self.ctx = ctx
        self.catalogue = catalogue
        self.glow_scale = glow_scale
        self.growth_scale = growth_scale
        self.programs = ProgramLibrary(ctx, shader_root, watch=watch)
        self._keystone = as_uniform(picture_to_output(keystone))
        self._triangle = fullscreen_triangle(ctx)
        self._picture = ctx.buffer(struct.pack("8f", 0, 0, 1, 0, 0, 1, 1, 1))
        self._lights = LightSources(ctx, self.programs, max_faces)
        self._growth = Growth(ctx, self.programs, self._triangle, steps=growth_steps)
        self._bloom = Bloom(ctx, self.programs, self._triangle)
        self._overlay = TextOverlay(ctx)
        self._fullscreen_pass = Fullscreen(ctx, self._triangle)
        self._picture_vaos = VertexArrays()
        self._glow: RenderTarget | None = None
        self._sea: RenderTarget | None = None
        self._size = (0, 0)

    @property
    def errors(self) -> tuple[str, ...]:
        """Readable errors of the shaders that do not compile right now."""
        return self.programs.errors

    def render(self, frame: FrameState, target: moderngl.Framebuffer) -> None:
        """Draw `frame` into `target` (its whole viewport)."""
        # A frame boundary: the only place reloaded shaders are swapped in.
        self.programs.poll()
        width, height = target.viewport[2], target.viewport[3]
        glow, sea = self._buffers(width, height)

        glow[1].use()
        glow[1].clear(0.0, 0.0, 0.0, 0.0)
        self._lights.draw(frame, width / height)

        sea[1].use()
        sea_program = self.programs.get(*SEA_PROGRAM)
        set_uniform(sea_program, "u_resolution", (float(width), float(height)))
        self._set_params(sea_program, frame)
        _set_hubs(sea_program, frame if "biohubs" in (frame.scene, _fading_from(frame)) else None)
        set_uniform(sea_program, "u_strain", _strain(frame))
        self._fullscreen(sea_program)

        growth = self._growth.step(sea[0].size, glow[0], _feed_rate(frame), frame.scene_time)
        bloom = self._bloom.apply(glow[0])
        self._compose(glow[1], bloom, growth, frame)

        target.use()
        target.clear(0.0, 0.0, 0.0, 1.0)  # black around a keystoned picture
        glow[0].use(location=0)
        sea[0].use(location=1)
        size = (width, height)
        if frame.crossfade < 1.0 and frame.previous_scene != frame.scene:
            self._draw_scene(frame.previous_scene, frame, size, fade=1.0)
            self._draw_scene(frame.scene, frame, size, fade=frame.crossfade)
        else:
            self._draw_scene(frame.scene, frame, size, fade=1.0)
        self._overlay.draw(target, self.errors)

    def live_objects(self) -> int:
        """GL objects this renderer holds now (programs included); flat over a long show."""
        buffers = sum(2 for pair in (self._glow, self._sea) if pair is not None)
        arrays = len(self._fullscreen_pass) + len(self._picture_vaos)
        return self.programs.live_objects() + arrays + buffers

    def release(self) -> None:
        """Release every GL object this renderer made."""
        self._fullscreen_pass.release()
        self._picture_vaos.release()
        self._release_buffers()
        self._lights.release()
        self._growth.release()
        self._bloom.release()
        self._overlay.release()
        self._triangle.release()
        self._picture.release()
        self.programs.release()

    def _draw_scene(
        self, scene: str, frame: FrameState, size: tuple[int, int], fade: float
    ) -> None:
        program = self.programs.get(*scene_program(scene))
        set_uniform(program, "u_glow", 0)
        set_uniform(program, "u_sea", 1)
        set_uniform(program, "u_keystone", self._keystone)
        set_uniform(program, "u_resolution", (float(size[0]), float(size[1])))
        set_uniform(program, "u_fade", fade)
        set_uniform(program, "u_boundary", frame.boundary)
        set_uniform(program, "u_side", 0.0 if frame.params["access.side"] == "left" else 1.0)
        set_uniform(program, "u_pressure", frame.pressure)
        set_uniform(program, "u_mood", frame.mood)
        self._set_params(program, frame)
        if fade < 1.0:
            # The act fading in is laid over the one fading out, by its alpha (u_fade).
            self.ctx.enable(moderngl.BLEND)
            self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        try:
            if self.programs.is_fallback(program):
                self._fullscreen(program)  # the fallback covers the whole output
            else:
                self._picture_vaos.get(
                    program,
                    self.programs.generation,
                    lambda p: self.ctx.vertex_array(p, [(self._picture, "2f", "a_position")]),
                ).render(moderngl.TRIANGLE_STRIP, vertices=4)
        finally:
            self.ctx.disable(moderngl.BLEND)

    def _compose(
        self,
        light: moderngl.Framebuffer,
        bloom: moderngl.Texture,
        growth: moderngl.Texture,
        frame: FrameState,
    ) -> None:
        """Add the bloom to the light buffer and put the living pattern in its alpha."""
        program = self.programs.get(*COMPOSE_PROGRAM)
        light.use()
        bloom.use(location=0)
        growth.use(location=1)
        set_uniform(program, "u_bloom", 0)
        set_uniform(program, "u_sim", 1)
        self._set_params(program, frame)
        # Colour adds up; alpha (the access light the growth already used) is replaced.
        self.ctx.enable(moderngl.BLEND)
        # Four factors (colour, then alpha); the installed moderngl stubs only know two.
        self.ctx.blend_func = moderngl.ONE, moderngl.ONE, moderngl.ONE, moderngl.ZERO  # type: ignore[assignment]
        try:
            self._fullscreen(program)
        finally:
            self.ctx.disable(moderngl.BLEND)
            self.ctx.blend_func = moderngl.ONE, moderngl.ONE

    def _set_params(self, program: moderngl.Program, frame: FrameState) -> None:
        set_uniform(program, "u_time", frame.scene_time)
        for param in self.catalogue:
            if param.type != "choice":
                set_uniform(program, param.uniform, float(frame.params[param.name]))

    def _fullscreen(self, program: moderngl.Program) -> None:
        self._fullscreen_pass.draw(program, self.programs.generation)

    def _buffers(self, width: int, height: int) -> tuple[RenderTarget, RenderTarget]:
        if (width, height) != self._size or self._glow is None or self._sea is None:
            self._release_buffers()
            self._glow = render_target(self.ctx, _scaled(width, height, self.glow_scale, 1))
            # The sea's veil and currents are 0..1 and smooth: 8 bits hold them, and are
            # cheaper to filter than floats on a software renderer.
            self._sea = render_target(
                self.ctx, _scaled(width, height, self.growth_scale, 8), dtype="f1"
            )
            self._size = (width, height)
        return self._glow, self._sea

    def _release_buffers(self) -> None:
        for target in (self._glow, self._sea):
            if target is not None:
                release_target(target)
        self._glow = self._sea = None
        self._size = (0, 0)


def _scaled(width: int, height: int, scale: float, least: int) -> tuple[int, int]:
    return (max(least, round(width * scale)), max(least, round(height * scale)))


def _feed_rate(frame: FrameState) -> float:
    """How strongly access light seeds the living pattern in this act."""
    return float(frame.params["sanctuary.growth"]) if frame.scene == "sanctuary" else 1.0


def _strain(frame: FrameState) -> float:
    """How much the boundary wavers and flickers: only in act 3, more under pressure."""
    if frame.scene != "confrontation":
        return 0.0
    return float(frame.params["confrontation.flicker"]) * (0.3 + 0.7 * frame.pressure)


def _fading_from(frame: FrameState) -> str:
    return frame.previous_scene if frame.crossfade < 1.0 else ""


def _set_hubs(program: moderngl.Program, frame: FrameState | None) -> None:
    """The hubs for the sea pass; none (and no cost) when act 4 is not on screen."""
    uniform = program.get("u_hubs", None)
    if not isinstance(uniform, moderngl.Uniform):
        return
    hubs = np.zeros((MAX_HUBS, 3), dtype="f4")
    count = 0 if frame is None else min(len(frame.hubs), MAX_HUBS)
    for i, hub in enumerate(frame.hubs[:count] if frame is not None else ()):
        hubs[i] = (hub.x, 1.0 - hub.y, hub.reach)
    uniform.write(hubs.tobytes())
    set_uniform(program, "u_hub_count", count)
