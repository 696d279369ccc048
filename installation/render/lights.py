"""The light sources of a frame: one instanced quad per face, one per strand of light.

Both draw additively into the low-resolution glow buffer, so each face costs only the
pixels it lights (a per-pixel loop over every face is what a software renderer cannot
afford). Strands join people (solidarity) or hubs and the people they reach (biohubs).
"""

from __future__ import annotations

import struct

import moderngl
import numpy as np
import numpy.typing as npt

from installation.access import Hub
from installation.render.geometry import VertexArrays, set_uniform
from installation.render.programs import ProgramLibrary
from installation.show import FaceLight, FrameState

FACES = ("passes/face_light.vert", "passes/face_light.frag")
LINKS = ("passes/links.vert", "passes/links.frag")
_FACE_FLOATS = (
    12  # light (x, y, reach, glow), colour (r, g, b, access), shape (size, seed, smile, 0)
)
_LINK_FLOATS = 12  # ends (x0, y0, x1, y1), colour0 (r, g, b, strength), colour1
# Typical face height (fraction of the frame) at which glow.radius applies as it is.
_TYPICAL_FACE = 0.12
HUB_COLOUR = (0.45, 1.0, 0.85)


class LightSources:
    """Draws faces and strands into the glow framebuffer."""

    def __init__(
        self, ctx: moderngl.Context, programs: ProgramLibrary, max_faces: int, max_links: int = 256
    ) -> None:
        self.ctx = ctx
        self.programs = programs
        self.max_faces = max_faces
        self.max_links = max_links
        self._quad = ctx.buffer(struct.pack("8f", -1, -1, 1, -1, -1, 1, 1, 1))
        self._strand = ctx.buffer(struct.pack("8f", 0, -1, 1, -1, 0, 1, 1, 1))
        self._faces = ctx.buffer(reserve=max_faces * _FACE_FLOATS * 4, dynamic=True)
        self._links = ctx.buffer(reserve=max_links * _LINK_FLOATS * 4, dynamic=True)
        self._face_vaos = VertexArrays()
        self._link_vaos = VertexArrays()

    def draw(self, frame: FrameState, aspect: float) -> None:
        """Add this frame's light into the bound framebuffer (cleared by the caller)."""
        faces = frame.faces[: self.max_faces]
        links = strands(frame, aspect)[: self.max_links]
        if not faces and not len(links):
            return
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.ONE, moderngl.ONE  # light adds up where it overlaps
        try:
            if len(links):
                self._draw_links(frame, links, aspect)
            if faces:
                self._draw_faces(frame, faces, aspect)
        finally:
            self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        self._face_vaos.release()
        self._link_vaos.release()
        for buffer in (self._quad, self._strand, self._faces, self._links):
            buffer.release()

    def _draw_faces(self, frame: FrameState, faces: tuple[FaceLight, ...], aspect: float) -> None:
        radius = float(frame.params["glow.radius"])
        data = np.array([_face_record(face, radius) for face in faces], dtype="f4")
        self._faces.write(data.tobytes())
        program = self.programs.get(*FACES)
        if self.programs.is_fallback(program):
            return  # the error is on screen; the fallback has no face inputs to feed
        _set_common(program, frame, aspect)
        vao = self._face_vaos.get(
            program,
            self.programs.generation,
            lambda p: self.ctx.vertex_array(
                p,
                [
                    (self._quad, "2f", "a_corner"),
                    (self._faces, "4f 4f 4f/i", "a_light", "a_colour", "a_shape"),
                ],
            ),
        )
        vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(faces))

    def _draw_links(self, frame: FrameState, links: npt.NDArray[np.float32], aspect: float) -> None:
        self._links.write(links.astype("f4").tobytes())
        program = self.programs.get(*LINKS)
        if self.programs.is_fallback(program):
            return
        _set_common(program, frame, aspect)
        set_uniform(program, "u_width", 0.012)
        vao = self._link_vaos.get(
            program,
            self.programs.generation,
            lambda p: self.ctx.vertex_array(
                p,
                [
                    (self._strand, "2f", "a_corner"),
                    (self._links, "4f 4f 4f/i", "a_ends", "a_colour0", "a_colour1"),
                ],
            ),
        )
        vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(links))


def _set_common(program: moderngl.Program, frame: FrameState, aspect: float) -> None:
    set_uniform(program, "u_aspect", aspect)
    set_uniform(program, "u_time", frame.scene_time)
    set_uniform(program, "u_glow_intensity", float(frame.params["glow.intensity"]))


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
        face.access,
        face.size,
        seed,
        face.smile,
        0.0,
    )


def strands(frame: FrameState, aspect: float) -> npt.NDArray[np.float32]:
    """Strands of light for this frame's act, as rows of _LINK_FLOATS (y up)."""
    scene = frame.scene
    if scene == "solidarity":
        return _neighbour_strands(frame.faces, float(frame.params["solidarity.links"]), aspect)
    if scene == "biohubs":
        return _hub_strands(frame.faces, frame.hubs, aspect)
    return np.zeros((0, _LINK_FLOATS), dtype=np.float32)


def _neighbour_strands(
    faces: tuple[FaceLight, ...], longest: float, aspect: float
) -> npt.NDArray[np.float32]:
    """Each person joined to their two nearest neighbours within `longest` picture widths."""
    if len(faces) < 2 or longest <= 0:
        return np.zeros((0, _LINK_FLOATS), dtype=np.float32)
    points = np.array([(f.x, f.y / aspect) for f in faces])
    distance = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    np.fill_diagonal(distance, np.inf)
    pairs: set[tuple[int, int]] = set()
    for i, row in enumerate(distance):
        for j in np.argsort(row)[:2]:
            if row[j] <= longest:
                pairs.add((min(i, int(j)), max(i, int(j))))
    rows = []
    for i, j in sorted(pairs):
        a, b = faces[i], faces[j]
        strength = min(a.presence, b.presence) * (0.4 + 0.6 * max(a.glow, b.glow))
        rows.append((a.x, 1 - a.y, b.x, 1 - b.y, *a.own_colour, strength, *b.own_colour, strength))
    return np.array(rows, dtype=np.float32).reshape(-1, _LINK_FLOATS)


def _hub_strands(
    faces: tuple[FaceLight, ...], hubs: tuple[Hub, ...], aspect: float
) -> npt.NDArray[np.float32]:
    """The hub network (each hub to the next), and people with access to their nearest hub."""
    rows = []
    for a, b in zip(hubs, hubs[1:] + hubs[:1], strict=True):
        if a is not b:
            rows.append((a.x, 1 - a.y, b.x, 1 - b.y, *HUB_COLOUR, 0.5, *HUB_COLOUR, 0.5))
    for face in faces:
        if face.access < 0.5 or not hubs:
            continue
        hub = min(hubs, key=lambda h: (h.x - face.x) ** 2 + ((h.y - face.y) / aspect) ** 2)
        strength = face.presence * face.access * (0.3 + 0.7 * face.glow)
        rows.append(
            (face.x, 1 - face.y, hub.x, 1 - hub.y, *face.colour, strength, *HUB_COLOUR, strength)
        )
    return np.array(rows, dtype=np.float32).reshape(-1, _LINK_FLOATS)
