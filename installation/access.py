"""Who is allowed to glow: the access rules of the acts, as pure functions.

Access is decided here, in the show state, not in a shader, so the picture, the lighting
rig and the OSC feedback all tell the same story about who is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from installation.acts import act_named
from installation.params import ParamValue

# A number, or an array of numbers (one per face): the rules work on whole crowds at once.
ArrayOrFloat = Any

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
    """The access rule in force: the act's own (installation/acts.py) unless one is forced."""
    rule = str(params["access.rule"])
    return act_named(scene).access if rule == "scene" else rule


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


def person_draw(track_id: ArrayOrFloat) -> ArrayOrFloat:
    """A number in [0, 1) fixed for a person: who can afford the glow under the ratio rule."""
    # Knuth's multiplicative hash (mod 2**32, so 64-bit wrap-around is harmless): neighbouring
    # ids land far apart.
    ids = np.asarray(track_id).astype(np.uint64)
    drawn = ((ids * np.uint64(2654435761)) % np.uint64(2**32)) / float(2**32)
    return drawn if drawn.ndim else float(drawn)


def boundary_access(x: ArrayOrFloat, boundary: float, side: str) -> ArrayOrFloat:
    """1 on the privileged side of the boundary, 0 on the other, soft in between."""
    towards_left = _smoothstep(boundary + BOUNDARY_EDGE, boundary - BOUNDARY_EDGE, x)
    return towards_left if side == "left" else 1.0 - towards_left


def pushed_boundary(boundary: float, side: str, pressure: float, push: float) -> float:
    """The boundary bent towards the radiant side by the excluded crowd's smiles."""
    shift = MAX_PUSH * min(max(pressure * push, 0.0), 1.0)
    return boundary - shift if side == "left" else boundary + shift


def hub_access(x: ArrayOrFloat, y: ArrayOrFloat, hubs: tuple[Hub, ...]) -> ArrayOrFloat:
    """1 well inside any hub's reach, fading to 0 at its edge."""
    best: ArrayOrFloat = np.zeros_like(np.asarray(x, dtype=np.float64))
    for hub in hubs:
        distance = np.hypot(np.asarray(x) - hub.x, (np.asarray(y) - hub.y) * FRAME_HEIGHT_IN_WIDTHS)
        best = np.maximum(best, _smoothstep(hub.reach, hub.reach * 0.75, distance))
    return best if np.ndim(best) else float(best)


def access_of(
    rule: str,
    x: ArrayOrFloat,
    y: ArrayOrFloat,
    track_id: ArrayOrFloat,
    params: Mapping[str, ParamValue],
    boundary: float,
    hubs: tuple[Hub, ...],
) -> ArrayOrFloat:
    """How much of the glow each person is allowed under `rule` (0..1); arrays or numbers."""
    if rule == "boundary":
        return boundary_access(x, boundary, str(params["access.side"]))
    if rule == "ratio":
        drawn = np.asarray(person_draw(track_id))
        return np.where(drawn < float(params["access.ratio"]), 1.0, 0.0)
    if rule == "hubs":
        return hub_access(x, y, hubs)
    return np.ones_like(np.asarray(x, dtype=np.float64))


def _smoothstep(edge0: float, edge1: float, x: ArrayOrFloat) -> ArrayOrFloat:
    if edge0 == edge1:
        return np.where(np.asarray(x) < edge0, 0.0, 1.0)
    t = np.clip((np.asarray(x, dtype=np.float64) - edge0) / (edge1 - edge0), 0.0, 1.0)
    result = t * t * (3.0 - 2.0 * t)
    return result if result.ndim else float(result)
