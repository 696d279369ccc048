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

from installation import frame as F
from installation.access import Hub
from installation.frame import FaceTable, FrameState
from installation.render.blend import ADDITIVE, blending
from installation.render.geometry import VertexArrays, set_uniform
from installation.render.programs import ProgramLibrary
from installation.render.showclock import set_show_clock

FACES = ("passes/face_light.vert", "passes/face_light.frag")
LINKS = ("passes/links.vert", "passes/links.frag")
_FACE_FLOATS = (
    12  # light (x, y, reach, glow), colour (r, g, b, access), shape (size, seed, smile, 0)
)
_LINK_FLOATS = 12  # ends (x0, y0, x1, y1), colour0 (r, g, b, strength), colour1
# Typical face height (fraction of the frame) at which glow.radius applies as it is.
_TYPICAL_FACE = 0.12
HUB_COLOUR = (0.45, 1.0, 0.85)
STRAND_WIDTH = 0.012  # half width of a strand of light, screen heights
# Share of the picture a crowd's glowing halos may cover before each gives less light.
COVERED = 0.4


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
        faces, links = instance_data(frame, aspect, self.max_faces, self.max_links)
        if not len(faces) and not len(links):
            return
        intensity = float(frame.params["glow.intensity"]) * crowd_exposure(faces, aspect)
        with blending(self.ctx, ADDITIVE):  # light adds up where it overlaps
            if len(links):
                self._draw_links(frame, links, aspect, intensity)
            if len(faces):
                self._draw_faces(frame, faces, aspect, intensity)

    def release(self) -> None:
        self._face_vaos.release()
        self._link_vaos.release()
        for buffer in (self._quad, self._strand, self._faces, self._links):
            buffer.release()

    def _draw_faces(
        self, frame: FrameState, faces: npt.NDArray[np.float32], aspect: float, intensity: float
    ) -> None:
        names = ("a_light", "a_colour", "a_shape")
        vaos, quad = self._face_vaos, self._quad
        self._draw(FACES, vaos, quad, self._faces, names, faces, frame, aspect, intensity)

    def _draw_links(
        self, frame: FrameState, links: npt.NDArray[np.float32], aspect: float, intensity: float
    ) -> None:
        names = ("a_ends", "a_colour0", "a_colour1")
        vaos, strand = self._link_vaos, self._strand
        self._draw(LINKS, vaos, strand, self._links, names, links, frame, aspect, intensity)

    def _draw(
        self,
        files: tuple[str, str],
        vaos: VertexArrays,
        corners: moderngl.Buffer,
        instances: moderngl.Buffer,
        names: tuple[str, str, str],
        data: npt.NDArray[np.float32],
        frame: FrameState,
        aspect: float,
        intensity: float,
    ) -> None:
        """One instanced quad per row of `data` (three vec4 attributes each)."""
        program = self.programs.get(*files)
        if self.programs.is_fallback(program):
            return  # the error is on screen; the fallback has no instance inputs to feed
        instances.write(data.tobytes())
        set_uniform(program, "u_aspect", aspect)
        set_show_clock(program, frame)
        set_uniform(program, "u_glow_intensity", intensity)
        set_uniform(program, "u_width", STRAND_WIDTH)
        vao = vaos.get(
            program,
            self.programs.generation,
            lambda p: self.ctx.vertex_array(
                p, [(corners, "2f", "a_corner"), (instances, "4f 4f 4f/i", *names)]
            ),
        )
        vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(data))


def instance_data(
    frame: FrameState, aspect: float, max_faces: int, max_links: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per-instance rows for the faces and the strands of a frame (pure numpy, no GL)."""
    table = frame.faces.columns[:max_faces]
    # Nearer faces (larger in the frame) throw wider light, within reason.
    reach = float(frame.params["glow.radius"]) * np.clip(
        np.sqrt(table[:, F.SIZE] / _TYPICAL_FACE), 0.5, 2.0
    )
    rows = np.column_stack(
        [
            table[:, F.X],
            1.0 - table[:, F.Y],  # GL orientation: y up
            reach,
            table[:, F.GLOW],
            table[:, F.COLOUR],
            table[:, F.ACCESS],
            table[:, F.SIZE],
            (table[:, F.TRACK_ID] * 0.618034) % 1.0,  # a seed of its own for each person
            table[:, F.SMILE],
            np.zeros(len(table)),
        ]
    )
    return rows.astype(np.float32), strands(frame, aspect)[:max_links].astype(np.float32)


def crowd_exposure(faces: npt.NDArray[np.float32], aspect: float) -> float:
    """How much of its light each face gives when many crowd the picture (1 = all of it).

    Halos add up where they overlap, so a large crowd standing close would flood the room
    with light and leave no dark; past COVERED of the picture lit (glow-weighted halo area)
    each face gives less, as an eye adapts, and the room keeps its dark. Computed from the
    frame alone, so it depends on the show time, never on the frame rate.
    """
    reach, glow = faces[:, 2].astype(np.float64), faces[:, 3].astype(np.float64)
    covered = float(np.sum(glow * np.pi * reach * reach) / aspect)
    return 1.0 / (1.0 + max(0.0, covered - COVERED) * 1.5)


def strands(frame: FrameState, aspect: float) -> npt.NDArray[np.float32]:
    """Strands of light the act asks for (installation/acts.py), as rows of _LINK_FLOATS."""
    links = frame.act.links
    if links == "neighbours":
        longest = float(frame.params["solidarity.links"])
        return _neighbour_strands(frame.faces.columns, longest, aspect)
    if links == "hubs":
        return _hub_strands(frame.faces, frame.hubs, aspect)
    return np.zeros((0, _LINK_FLOATS), dtype=np.float32)


def _neighbour_strands(
    table: npt.NDArray[np.float64], longest: float, aspect: float
) -> npt.NDArray[np.float32]:
    """Each person joined to their two nearest neighbours within `longest` picture widths."""
    count = len(table)
    if count < 2 or longest <= 0:
        return np.zeros((0, _LINK_FLOATS), dtype=np.float32)
    points = table[:, [F.X, F.Y]] / np.array([1.0, aspect])
    offsets = points[:, None, :] - points[None, :, :]
    distance = np.einsum("ijk,ijk->ij", offsets, offsets)  # squared: the order is the same
    np.fill_diagonal(distance, np.inf)
    nearest = min(2, count - 1)
    ends = np.argpartition(distance, nearest - 1, axis=1)[:, :nearest].reshape(-1)
    starts = np.repeat(np.arange(count), nearest)
    close = distance[starts, ends] <= longest * longest
    # A pair found from both ends is one strand.
    low = np.minimum(starts[close], ends[close])
    high = np.maximum(starts[close], ends[close])
    keys = np.unique(low * count + high)
    if not len(keys):
        return np.zeros((0, _LINK_FLOATS), dtype=np.float32)
    a, b = table[keys // count], table[keys % count]
    strength = np.minimum(a[:, F.PRESENCE], b[:, F.PRESENCE]) * (
        0.4 + 0.6 * np.maximum(a[:, F.GLOW], b[:, F.GLOW])
    )
    rows = np.column_stack(
        [
            a[:, F.X],
            1 - a[:, F.Y],
            b[:, F.X],
            1 - b[:, F.Y],
            a[:, F.OWN_COLOUR],
            strength,
            b[:, F.OWN_COLOUR],
            strength,
        ]
    )
    return rows.astype(np.float32)


def _hub_strands(faces: FaceTable, hubs: tuple[Hub, ...], aspect: float) -> npt.NDArray[np.float32]:
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
