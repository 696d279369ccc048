"""Draws the plankton's motes (render/plankton.py) as instanced sprites onto the output."""

from __future__ import annotations

import struct

import moderngl

from installation.frame import FrameState
from installation.render.blend import ADDITIVE, blending
from installation.render.geometry import VertexArrays, set_uniform
from installation.render.plankton import MOTE_FLOATS, motes
from installation.render.programs import ProgramLibrary

MOTES = ("passes/motes.vert", "passes/motes.frag")
MAX_MOTES = 8192  # a 4:1 picture holds about 3,700


class MoteSprites:
    """One soft sprite per mote, added onto the bound output framebuffer."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramLibrary) -> None:
        self.ctx = ctx
        self.programs = programs
        self._corners = ctx.buffer(struct.pack("8f", -1, -1, 1, -1, -1, 1, 1, 1))
        self._instances = ctx.buffer(reserve=MAX_MOTES * MOTE_FLOATS * 4, dynamic=True)
        self._vaos = VertexArrays()

    def draw(
        self,
        frame: FrameState,
        size: tuple[int, int],
        keystone: tuple[float, ...],
    ) -> None:
        """Add this frame's motes; the picture texture is bound at unit 0."""
        program = self.programs.get(*MOTES)
        if self.programs.is_fallback(program):
            return  # the error is on screen; the fallback has no instance inputs to feed
        rows = motes(frame, size[0] / size[1])[:MAX_MOTES]
        if not len(rows):
            return
        self._instances.write(rows.tobytes())
        set_uniform(program, "u_picture", 0)
        set_uniform(program, "u_keystone", keystone)
        set_uniform(program, "u_resolution", (float(size[0]), float(size[1])))
        for name in ("sea.level", "master.brightness", "master.blackout"):
            set_uniform(program, "u_" + name.replace(".", "_"), float(frame.params[name]))
        vao = self._vaos.get(
            program,
            self.programs.generation,
            lambda p: self.ctx.vertex_array(
                p, [(self._corners, "2f", "a_corner"), (self._instances, "4f/i", "a_mote")]
            ),
        )
        with blending(self.ctx, ADDITIVE):  # light adds up
            vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(rows))

    def __len__(self) -> int:
        return len(self._vaos)

    def release(self) -> None:
        self._vaos.release()
        self._corners.release()
        self._instances.release()
