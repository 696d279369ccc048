"""Who is allowed to glow: the access rules of the acts, as pure functions.

Access is decided here, in the show state, not in a shader, so the picture, the lighting
rig and the OSC feedback all tell the same story about who is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from installation.params import ParamValue

# The act's own rule when `access.rule` is "scene".
SCENE_RULES: dict[str, str] = {
    "sanctuary": "everyone",
    "disparity": "boundary",
    "confrontation": "boundary",
    "biohubs": "hubs",
    "solidarity": "everyone",
}
# Half the width of the boundary's soft edge (frame widths): a face walking across it
# dims over a few steps instead of snapping.
BOUNDARY_EDGE = 0.03
# Distances are measured in frame widths; a 16:9 frame is this tall in widths.
FRAME_HEIGHT_IN_WIDTHS = 9.0 / 16.0
# How far the boundary can bend towards the radiant side under full pressure (frame widths).
MAX_PUSH = 0.18


@dataclass(frozen=True, slots=True)
class Hub:
    """A biohub: a place of shared light, whose reach grows with the crowd's joy."""

    x: float
    y: float
    reach: float  # frame widths


def rule_for(scene: str, params: Mapping[str, ParamValue]) -> str:
    rule = str(params["access.rule"])
    return SCENE_RULES.get(scene, "everyone") if rule == "scene" else rule


def hub_layout(count: int) -> list[tuple[float, float]]:
    """Hub positions spread evenly and irregularly (a golden-angle spiral), the same every run."""
    spots = []
    for i in range(count):
        radius = 0.36 * math.sqrt((i + 0.5) / count)
        angle = i * 2.399963  # the golden angle: no two hubs line up
        spots.append((0.5 + radius * math.cos(angle), 0.5 + radius * math.sin(angle) * 1.2))
    return spots


def hubs_for(params: Mapping[str, ParamValue], joy: float) -> tuple[Hub, ...]:
    """The hubs and their reach: a third of `biohubs.reach` with no joy, all of it at full joy."""
    reach = float(params["biohubs.reach"]) * (1.0 / 3.0 + 2.0 / 3.0 * min(max(joy, 0.0), 1.0))
    return tuple(Hub(x, y, reach) for x, y in hub_layout(int(params["biohubs.count"])))


def person_draw(track_id: int) -> float:
    """A number in [0, 1) fixed for a person: who can afford the glow under the ratio rule."""
    # Knuth's multiplicative hash: neighbouring ids land far apart.
    return ((track_id * 2654435761) % 2**32) / 2**32


def boundary_access(x: float, boundary: float, side: str) -> float:
    """1 on the privileged side of the boundary, 0 on the other, soft in between."""
    towards_left = _smoothstep(boundary + BOUNDARY_EDGE, boundary - BOUNDARY_EDGE, x)
    return towards_left if side == "left" else 1.0 - towards_left


def pushed_boundary(boundary: float, side: str, pressure: float, push: float) -> float:
    """The boundary bent towards the radiant side by the excluded crowd's smiles."""
    shift = MAX_PUSH * min(max(pressure * push, 0.0), 1.0)
    return boundary - shift if side == "left" else boundary + shift


def hub_access(x: float, y: float, hubs: tuple[Hub, ...]) -> float:
    """1 well inside any hub's reach, fading to 0 at its edge."""
    best = 0.0
    for hub in hubs:
        distance = math.hypot(x - hub.x, (y - hub.y) * FRAME_HEIGHT_IN_WIDTHS)
        best = max(best, _smoothstep(hub.reach, hub.reach * 0.75, distance))
    return best


def access_of(
    rule: str,
    x: float,
    y: float,
    track_id: int,
    params: Mapping[str, ParamValue],
    boundary: float,
    hubs: tuple[Hub, ...],
) -> float:
    """How much of the glow one person is allowed under `rule` (0..1)."""
    if rule == "boundary":
        return boundary_access(x, boundary, str(params["access.side"]))
    if rule == "ratio":
        return 1.0 if person_draw(track_id) < float(params["access.ratio"]) else 0.0
    if rule == "hubs":
        return hub_access(x, y, hubs)
    return 1.0


def _smoothstep(edge0: float, edge1: float, x: float) -> float:
    if edge0 == edge1:
        return 0.0 if x < edge0 else 1.0
    t = min(1.0, max(0.0, (x - edge0) / (edge1 - edge0)))
    return t * t * (3.0 - 2.0 * t)
