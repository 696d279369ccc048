"""The renderer: turns a FrameState into light, in passes, on the GL thread only.

Passes, in order:
1. light sources: faces and strands of light, added into the light buffer (`glow_scale` of
   the output; rgb: all light, alpha: the light of people with access);
2. sea: the drifting veil and current of the plankton sea and the biohubs, on the growth's
   grid;
3. growth: the living light (reaction-diffusion) and the trails of light, stepped by show
   time on a grid of fixed height (render/growth.py), fed by the access light;
4. bloom: a soft halo around bright light, on levels of fixed height (render/bloom.py);
5. picture: the act's own shader composes all of it at the light buffer's size (two acts
   blended while they crossfade), tone mapped
   and graded for the projector there (lib/present.glsl);
6. output: the picture brought to full size through the keystone quad, with the boundary's
   thin line drawn per pixel; then the plankton's motes as small sprites (render/motes.py)
   and any shader errors on top.

Only the output pass covers the full resolution, and it reads one 8-bit texture: on a
software renderer every full-resolution pass costs about as much as a whole scene. Nothing here
depends on the frame rate, and nothing but sharpness on the output size: the same show time
gives the same picture at 15 or 60 fps, at 720p or 4K. What each act does comes from
installation/acts.py; the renderer names no act.
GL objects are made once and released on resize, on reload or in `release()`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

import moderngl
import numpy as np

from installation.acts import ACTS, Act, check_acts
from installation.config import OutputSection, RenderSection
from installation.corners import SQUARE, Corners
from installation.frame import FrameState
from installation.params import Catalogue
from installation.render.blend import OVER, blending
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
from installation.render.keystone import as_uniform, picture_to_output
from installation.render.lights import FACES, LINKS, LightSources
from installation.render.motes import MOTES, MoteSprites
from installation.render.overlay import TextOverlay
from installation.render.programs import ProgramLibrary
from installation.render.showclock import set_show_clock
from installation.render.wall import wall_profile, wall_strength

# The config's defaults, said once (installation/config.py): a Renderer made without a
# config (benchmarks, tests) draws what a default show draws.
_DEFAULTS = RenderSection()
SEA_PROGRAM = ("passes/fullscreen.vert", "passes/sea.frag")
OUTPUT_PROGRAM = ("passes/picture.vert", "passes/output.frag")
MAX_HUBS = 8  # as in shaders/passes/sea.frag


def scene_program(act: Act) -> tuple[str, str]:
    """Vertex and fragment shader files of an act's picture."""
    return ("passes/fullscreen.vert", act.shader)


def all_programs(acts: Iterable[Act] = ACTS) -> list[tuple[str, str]]:
    """Every program the renderer can use, for `installation doctor` and the tests."""
    return [
        FACES,
        LINKS,
        SEA_PROGRAM,
        GROW,
        BLOOM_DOWN,
        BLOOM_UP,
        OUTPUT_PROGRAM,
        MOTES,
        *map(scene_program, acts),
    ]


class Renderer:
    """Owns every GL object of the picture; `render` draws one frame into a framebuffer."""

    @classmethod
    def from_config(
        cls,
        ctx: moderngl.Context,
        shader_root: Path,
        catalogue: Catalogue,
        render: RenderSection,
        projector: OutputSection | None = None,
    ) -> Renderer:
        """A renderer as `[render]` says. A live show passes its `projector` (`[output]`):
        the keystone, and hot reload as configured; offline, the picture itself, unwatched."""
        return cls(
            ctx,
            shader_root,
            catalogue,
            glow_scale=render.glow_scale,
            growth_rows=render.growth_rows,
            growth_rate=render.growth_rate,
            max_faces=render.max_faces,
            keystone=SQUARE if projector is None else projector.corners,
            watch=projector is not None and render.hot_reload,
        )

    def __init__(
        self,
        ctx: moderngl.Context,
        shader_root: Path,
        catalogue: Catalogue,
        *,
        glow_scale: float = _DEFAULTS.glow_scale,
        growth_rows: int = _DEFAULTS.growth_rows,
        growth_rate: float = _DEFAULTS.growth_rate,
        max_faces: int = _DEFAULTS.max_faces,
        keystone: Corners = SQUARE,
        watch: bool = False,
    ) -> None:
        check_acts(catalogue.get("scene").choices, shader_root)
        self.ctx = ctx
        self.catalogue = catalogue
        self.glow_scale = glow_scale
        self.programs = ProgramLibrary(ctx, shader_root, watch=watch)
        self._keystone = as_uniform(picture_to_output(keystone))
        self._triangle = fullscreen_triangle(ctx)
        self._picture_quad = ctx.buffer(struct.pack("8f", 0, 0, 1, 0, 0, 1, 1, 1))
        self._lights = LightSources(ctx, self.programs, max_faces)
        self._growth = Growth(
            ctx, self.programs, self._triangle, rows=growth_rows, rate=growth_rate
        )
        self._bloom = Bloom(ctx, self.programs, self._triangle)
        self._motes = MoteSprites(ctx, self.programs)
        self._overlay = TextOverlay(ctx)
        self._fullscreen_pass = Fullscreen(ctx, self._triangle)
        self._output_vaos = VertexArrays()
        self._glow: RenderTarget | None = None
        self._picture: RenderTarget | None = None
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
        glow, picture = self._buffers(width, height)
        sea = self._sea_target(width / height)

        glow[1].use()
        glow[1].clear(0.0, 0.0, 0.0, 0.0)
        self._lights.draw(frame, width / height)

        sea[1].use()
        sea_program = self.programs.get(*SEA_PROGRAM)
        set_uniform(sea_program, "u_resolution", (float(width), float(height)))
        set_show_clock(sea_program, frame)
        _set_hubs(sea_program, frame)
        self._fullscreen(sea_program)

        growth = self._growth.advance(frame.scene_time, glow[0], sea[0], _feed_rate(frame))
        bloom = self._bloom.apply(glow[0])

        picture[1].use()
        picture[1].clear(0.0, 0.0, 0.0, 1.0)
        for texture, unit in ((glow[0], 0), (bloom, 1), (growth, 2), (sea[0], 3)):
            texture.use(location=unit)
        wall = wall_profile(frame)
        fading = frame.fading_act
        if fading is not None:
            self._draw_picture(fading, frame, wall, fade=1.0)
        self._draw_picture(frame.act, frame, wall, fade=1.0 if fading is None else frame.crossfade)

        target.use()
        target.clear(0.0, 0.0, 0.0, 1.0)  # black around a keystoned picture
        picture[0].use(location=0)
        self._draw_output(frame, wall, (width, height))
        self._motes.draw(frame, (width, height), self._keystone)
        self._overlay.draw(target, self.errors)

    def live_objects(self) -> int:
        """GL objects this renderer holds now (programs included); flat over a long show."""
        buffers = sum(2 for pair in (self._glow, self._picture, self._sea) if pair is not None)
        arrays = len(self._fullscreen_pass) + len(self._output_vaos) + len(self._motes)
        return self.programs.live_objects() + arrays + buffers

    def release(self) -> None:
        """Release every GL object this renderer made."""
        self._fullscreen_pass.release()
        self._output_vaos.release()
        self._release_buffers()
        self._lights.release()
        self._growth.release()
        self._bloom.release()
        self._motes.release()
        self._overlay.release()
        self._triangle.release()
        self._picture_quad.release()
        self.programs.release()

    def _draw_picture(self, act: Act, frame: FrameState, wall: np.ndarray, fade: float) -> None:
        program = self.programs.get(*scene_program(act))
        for name, unit in (("u_glow", 0), ("u_bloom", 1), ("u_growth", 2), ("u_sea", 3)):
            set_uniform(program, name, unit)
        set_uniform(program, "u_fade", fade)
        set_uniform(program, "u_side", 0.0 if frame.params["access.side"] == "left" else 1.0)
        set_uniform(program, "u_pressure", frame.pressure)
        set_uniform(program, "u_mood", frame.mood)
        self._set_frame(program, frame, wall, self._glow_size())
        # The act fading in is laid over the one fading out, by its alpha (u_fade).
        with blending(self.ctx, OVER, enabled=fade < 1.0):
            self._fullscreen(program)

    def _draw_output(self, frame: FrameState, wall: np.ndarray, size: tuple[int, int]) -> None:
        program = self.programs.get(*OUTPUT_PROGRAM)
        set_uniform(program, "u_picture", 0)
        set_uniform(program, "u_glow", 0)  # the fallback's name for its input
        set_uniform(program, "u_keystone", self._keystone)
        set_uniform(program, "u_wall_strength", wall_strength(frame))
        self._set_frame(program, frame, wall, size)
        if self.programs.is_fallback(program):
            self._fullscreen(program)  # the fallback covers the whole output
            return
        self._output_vaos.get(
            program,
            self.programs.generation,
            lambda p: self.ctx.vertex_array(p, [(self._picture_quad, "2f", "a_position")]),
        ).render(moderngl.TRIANGLE_STRIP, vertices=4)

    def _set_frame(
        self,
        program: moderngl.Program,
        frame: FrameState,
        wall: np.ndarray,
        size: tuple[int, int],
    ) -> None:
        """The uniforms every picture program may read: size, clocks, wall, parameters."""
        set_uniform(program, "u_resolution", (float(size[0]), float(size[1])))
        set_show_clock(program, frame)
        uniform = program.get("u_wall", None)
        if isinstance(uniform, moderngl.Uniform):
            uniform.write(wall.tobytes())
        for param in self.catalogue:
            if param.type != "choice":
                set_uniform(program, param.uniform, float(frame.params[param.name]))

    def _fullscreen(self, program: moderngl.Program) -> None:
        self._fullscreen_pass.draw(program, self.programs.generation)

    def _glow_size(self) -> tuple[int, int]:
        return self._glow[0].size if self._glow is not None else (1, 1)

    def _buffers(self, width: int, height: int) -> tuple[RenderTarget, RenderTarget]:
        if (width, height) != self._size or self._glow is None or self._picture is None:
            self._release_buffers()
            size = (max(1, round(width * self.glow_scale)), max(1, round(height * self.glow_scale)))
            self._glow = render_target(self.ctx, size)
            # The picture is already graded for the projector: 8 bits hold it, as they will on
            # the way out, and a software renderer reads them at full size a third faster.
            self._picture = render_target(self.ctx, size, dtype="f1")
            self._size = (width, height)
        return self._glow, self._picture

    def _sea_target(self, aspect: float) -> RenderTarget:
        size = self._growth.ensure(aspect)
        if self._sea is None or self._sea[0].size != size:
            if self._sea is not None:
                release_target(self._sea)
            # The sea's fields are 0..1 and smooth: 8 bits hold them, and are cheaper to
            # filter than floats on a software renderer.
            self._sea = render_target(self.ctx, size, dtype="f1")
        return self._sea

    def _release_buffers(self) -> None:
        for target in (self._glow, self._picture):
            if target is not None:
                release_target(target)
        self._glow = self._picture = None
        self._size = (0, 0)
        if self._sea is not None:
            release_target(self._sea)
            self._sea = None


def _feed_rate(frame: FrameState) -> float:
    """How strongly access light seeds the living light in this act (installation/acts.py)."""
    growth = frame.act.growth
    return 1.0 if growth is None else float(frame.params[growth])


def _set_hubs(program: moderngl.Program, frame: FrameState) -> None:
    """The hubs for the sea pass; none (and no cost) when no act with hubs is on screen."""
    uniform = program.get("u_hubs", None)
    if not isinstance(uniform, moderngl.Uniform):
        return
    fading = frame.fading_act
    shown = frame.act.hubs or (fading is not None and fading.hubs)
    hubs = np.zeros((MAX_HUBS, 3), dtype="f4")
    count = min(len(frame.hubs), MAX_HUBS) if shown else 0
    for i, hub in enumerate(frame.hubs[:count]):
        hubs[i] = (hub.x, 1.0 - hub.y, hub.reach)
    uniform.write(hubs.tobytes())
    set_uniform(program, "u_hub_count", count)
