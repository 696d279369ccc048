"""The renderer: turns a FrameState into light, in passes, on the GL thread only.

Passes, in order:
1. face light: one instanced quad per face, added into a low-resolution float buffer;
   cheap on any GPU because each face only touches the pixels it lights.
2. scene: a full-screen pass for the current act that reads the face light.

GL objects are made once here and released in `release()` (or on resize), never per frame.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import moderngl

from installation.params import Catalogue
from installation.render.fallback import FALLBACK_FRAGMENT, FALLBACK_VERTEX
from installation.render.shaders import (
    ShaderCompileError,
    ShaderSourceError,
    compile_program,
    load_shader,
)
from installation.show import FaceLight, FrameState

log = logging.getLogger(__name__)

# Per face: light (x, y, reach, glow), colour (r, g, b, face size), seed.
_FACE_FORMAT = "4f 4f 1f"
_FACE_FLOATS = 9
# Typical face height (fraction of the frame) at which glow.radius applies as it is.
_TYPICAL_FACE = 0.12


FACE_LIGHT_PROGRAM = ("passes/face_light.vert", "passes/face_light.frag")


def scene_program(scene: str) -> tuple[str, str]:
    """Vertex and fragment shader files of a scene."""
    return ("passes/fullscreen.vert", f"scenes/{scene}.frag")


class Renderer:
    """Owns every GL object of the picture; `render` draws one frame into a framebuffer."""

    def __init__(
        self,
        ctx: moderngl.Context,
        shader_root: Path,
        catalogue: Catalogue,
        glow_scale: float = 0.5,
        max_faces: int = 64,
    ) -> None:
        self.ctx = ctx
        self.shader_root = shader_root
        self.catalogue = catalogue
        self.glow_scale = glow_scale
        self.max_faces = max_faces
        self.errors: list[str] = []

        self._fallback = ctx.program(
            vertex_shader=FALLBACK_VERTEX, fragment_shader=FALLBACK_FRAGMENT
        )
        self._face_program = self._build(*FACE_LIGHT_PROGRAM)
        self._scene_programs: dict[str, moderngl.Program | None] = {}

        # One triangle larger than the screen: no diagonal seam, fewer vertices than a quad.
        self._triangle = ctx.buffer(struct.pack("6f", -1.0, -1.0, 3.0, -1.0, -1.0, 3.0))
        self._corners = ctx.buffer(struct.pack("8f", -1, -1, 1, -1, -1, 1, 1, 1))
        self._faces = ctx.buffer(reserve=max_faces * _FACE_FLOATS * 4, dynamic=True)
        self._face_vao = self._make_face_vao(self._face_program)
        self._scene_vaos: dict[int, moderngl.VertexArray] = {}
        self._glow_texture: moderngl.Texture | None = None
        self._glow_fbo: moderngl.Framebuffer | None = None
        self._glow_size = (0, 0)

    def render(self, frame: FrameState, target: moderngl.Framebuffer) -> None:
        """Draw `frame` into `target` (its whole viewport)."""
        width, height = target.viewport[2], target.viewport[3]
        self._ensure_glow_buffer(width, height)
        assert self._glow_fbo is not None and self._glow_texture is not None
        self._draw_face_light(frame, width / height)

        target.use()
        program = self._scene_program(frame.scene)
        self._set_uniforms(program, frame, (width, height))
        self._glow_texture.use(location=0)
        _set_uniform(program, "u_glow", 0)
        self._scene_vao(program).render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        """Release every GL object this renderer made."""
        for vao in self._scene_vaos.values():
            vao.release()
        self._scene_vaos.clear()
        if self._face_vao is not None:
            self._face_vao.release()
        for program in {*self._scene_programs.values(), self._face_program, self._fallback}:
            if program is not None:
                program.release()
        self._scene_programs.clear()
        self._release_glow_buffer()
        for buffer in (self._triangle, self._corners, self._faces):
            buffer.release()

    # -- passes -------------------------------------------------------------------------

    def _draw_face_light(self, frame: FrameState, aspect: float) -> None:
        assert self._glow_fbo is not None
        self._glow_fbo.use()
        self._glow_fbo.clear(0.0, 0.0, 0.0, 0.0)
        faces = frame.faces[: self.max_faces]
        if not faces or self._face_program is None or self._face_vao is None:
            return
        radius = float(frame.params["glow.radius"])
        data = [value for face in faces for value in _face_record(face, radius)]
        self._faces.write(struct.pack(f"{len(data)}f", *data))
        self._set_uniforms(self._face_program, frame, self._glow_size)
        _set_uniform(self._face_program, "u_aspect", aspect)
        # Light adds up where glows overlap; restore the blend state for the next pass.
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.ONE, moderngl.ONE
        try:
            self._face_vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(faces))
        finally:
            self.ctx.disable(moderngl.BLEND)

    def _set_uniforms(
        self, program: moderngl.Program, frame: FrameState, resolution: tuple[int, int]
    ) -> None:
        _set_uniform(program, "u_time", frame.time)
        _set_uniform(program, "u_resolution", (float(resolution[0]), float(resolution[1])))
        for param in self.catalogue:
            if param.type != "choice":
                _set_uniform(program, param.uniform, float(frame.params[param.name]))

    # -- programs and buffers -----------------------------------------------------------

    def _build(self, vertex: str, fragment: str) -> moderngl.Program | None:
        """Compile a program from shader files; on failure log why and return None."""
        try:
            return compile_program(
                self.ctx,
                load_shader(self.shader_root, vertex),
                load_shader(self.shader_root, fragment),
            )
        except (ShaderCompileError, ShaderSourceError) as exc:
            self.errors.append(str(exc))
            log.error("%s\n(showing the fallback picture instead)", exc)
            return None

    def _scene_program(self, scene: str) -> moderngl.Program:
        if scene not in self._scene_programs:
            self._scene_programs[scene] = self._build(*scene_program(scene))
        # A scene that never compiled shows a deliberate fallback, never black.
        return self._scene_programs[scene] or self._fallback

    def _scene_vao(self, program: moderngl.Program) -> moderngl.VertexArray:
        key = id(program)
        if key not in self._scene_vaos:
            self._scene_vaos[key] = self.ctx.vertex_array(
                program, [(self._triangle, "2f", "a_position")]
            )
        return self._scene_vaos[key]

    def _make_face_vao(self, program: moderngl.Program | None) -> moderngl.VertexArray | None:
        if program is None:
            return None
        return self.ctx.vertex_array(
            program,
            [
                (self._corners, "2f", "a_corner"),
                (self._faces, f"{_FACE_FORMAT}/i", "a_light", "a_colour", "a_seed"),
            ],
        )

    def _ensure_glow_buffer(self, width: int, height: int) -> None:
        size = (max(1, round(width * self.glow_scale)), max(1, round(height * self.glow_scale)))
        if size == self._glow_size:
            return
        self._release_glow_buffer()
        # Half floats: light adds up past 1.0 where glows overlap, and 8 bits would band.
        self._glow_texture = self.ctx.texture(size, 4, dtype="f2")
        self._glow_texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self._glow_texture.repeat_x = self._glow_texture.repeat_y = False
        self._glow_fbo = self.ctx.framebuffer(color_attachments=[self._glow_texture])
        self._glow_size = size

    def _release_glow_buffer(self) -> None:
        if self._glow_fbo is not None:
            self._glow_fbo.release()
        if self._glow_texture is not None:
            self._glow_texture.release()
        self._glow_fbo = self._glow_texture = None
        self._glow_size = (0, 0)


def _set_uniform(program: moderngl.Program, name: str, value: float | tuple[float, ...]) -> None:
    """Set a uniform if the program uses it; the compiler drops uniforms a shader ignores."""
    uniform = program.get(name, None)
    if isinstance(uniform, moderngl.Uniform):
        uniform.value = value


def _face_record(face: FaceLight, radius: float) -> tuple[float, ...]:
    """The instance data of one face, in GL orientation (y up)."""
    # Nearer faces (larger in the frame) throw wider light, within reason.
    reach = radius * min(2.0, max(0.5, (face.size / _TYPICAL_FACE) ** 0.5))
    seed = (face.track_id * 0.618034) % 1.0
    return (
        face.x,
        1.0 - face.y,
        reach,
        face.glow,
        *face.colour,
        face.size,
        seed,
    )
