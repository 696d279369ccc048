"""The boundary's line, row by row: where it stands and how brightly it burns (pure numpy).

In the acts that split the room the boundary is not a ruler line: under strain (act 3) it
wavers, flickers, and bulges into the radiant side where excluded people press against it,
each push as strong as their smile. The profile is made here once a frame, for a few dozen
rows, and the shaders (lib/wall.glsl) interpolate it: the scene drains the excluded side
up to the bent line, and the output pass draws the line itself at full resolution.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from installation import frame as F
from installation.access import rule_for
from installation.frame import FrameState

ROWS = 48  # as WALL_ROWS in shaders/lib/wall.glsl
# How far one beaming excluded person at the line bends it (picture widths), and over how
# much of the picture's height the bulge spreads.
PUSH_DEPTH = 0.07
PUSH_HEIGHT = 0.11
# Faces further than this from the line (picture widths) do not press on it.
PUSH_REACH = 0.25


def wall_profile(frame: FrameState) -> npt.NDArray[np.float32]:
    """ROWS rows, bottom to top: (x of the line in picture widths, brightness of its light)."""
    up = np.linspace(0.0, 1.0, ROWS)
    x = np.full(ROWS, frame.boundary)
    strain = _strain(frame)
    t = frame.scene_time
    if strain > 0:
        # Sums of slow sines at unrelated rates: a waver that never repeats visibly.
        waver = np.sin(up * 9.1 + t * 1.7) * 0.6 + np.sin(up * 23.7 - t * 2.9) * 0.4
        x += waver * 0.012 * strain
        x += _bulges(frame, up)
    flicker = 1.0 + strain * (
        0.45 * np.sin(t * 23.0 + up * 31.0) * np.sin(t * 7.3 - up * 13.0)
        + 0.25 * np.sin(t * 41.0 + up * 5.0)
    )
    return np.column_stack([x, np.clip(flicker, 0.05, 2.0)]).astype(np.float32)


def wall_strength(frame: FrameState) -> float:
    """How much of the line is on screen: 1 in an act split by the boundary, fading with it."""
    now = 1.0 if frame.access_rule == "boundary" else 0.0
    fading = frame.fading_act
    if fading is None:
        return now
    before = 1.0 if rule_for(fading.name, frame.params) == "boundary" else 0.0
    return before + (now - before) * frame.crossfade


def _strain(frame: FrameState) -> float:
    """How much the line wavers and flickers: only in an act whose boundary strains."""
    if not frame.act.strain:
        return 0.0
    return float(frame.params["confrontation.flicker"]) * (0.3 + 0.7 * frame.pressure)


def _bulges(frame: FrameState, up: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Excluded smiles near the line push it into the radiant side, each at its height."""
    rows = frame.faces.columns
    if not len(rows):
        return np.zeros_like(up)
    towards = -1.0 if frame.params["access.side"] == "left" else 1.0  # into the radiant side
    gap = (rows[:, F.X] - frame.boundary) * -towards  # > 0 on the excluded side
    near = np.clip(1.0 - np.abs(gap) / PUSH_REACH, 0.0, 1.0)
    push = rows[:, F.SMILE] * rows[:, F.PRESENCE] * (1.0 - rows[:, F.ACCESS]) * near
    height = 1.0 - rows[:, F.Y]  # faces are y down; the profile runs up
    spread = np.exp(-(((up[:, None] - height[None, :]) / PUSH_HEIGHT) ** 2))
    pressure = float(frame.params["confrontation.pressure"])
    return towards * PUSH_DEPTH * pressure * np.tanh(spread @ push)
