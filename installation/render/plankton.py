"""The plankton's motes: points of living light drifting in the water (pure numpy, no GL).

A per-pixel mote field costs a software renderer a third of its frame at 1280x720, so the
motes are drawn as small instanced sprites instead (passes/motes.*), a cost that follows how
many there are, not the output size. The water is a fixed grid of cells in picture heights;
about one cell in five holds a mote, chosen by a hash of the cell, so the same motes come
back whenever the water drifts back; each wanders in its cell and twinkles at its own pace,
all by show time. Their colour and flare come from the picture they drift through.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from installation.frame import FrameState
from installation.render.showclock import loop_point, wrapped

CELLS = 70  # cells per picture height
CHANCE = 0.18  # share of cells with a mote
DRIFT = 0.03  # picture heights the motes move per unit of the sea's drift loop
MOTE_FLOATS = 4  # u, v (0..1, y up), radius in picture heights, brightness 0..1


def motes(frame: FrameState, aspect: float) -> npt.NDArray[np.float32]:
    """This frame's motes as rows of (u, v, radius, brightness)."""
    dx, dy = (c * DRIFT for c in loop_point(frame.drift_time))
    ix, iy, chance, phase, size = _cells(
        math.floor(dx * CELLS) - 1,
        math.floor((dx + aspect) * CELLS) + 2,
        math.floor(dy * CELLS) - 1,
        math.floor((dy + 1.0) * CELLS) + 2,
    )
    clock = wrapped(frame.scene_time)
    # Triangle waves eased at the turns: a slow back and forth within the cell.
    swing_x = np.abs(np.mod(clock * 0.05 + phase, 1.0) - 0.5) * 2.0
    swing_y = np.abs(np.mod(clock * 0.037 + phase * 1.7, 1.0) - 0.5) * 2.0
    x = (ix + 0.5 + 0.55 * (_ease(swing_x) - 0.5)) / CELLS - dx
    y = (iy + 0.5 + 0.55 * (_ease(swing_y) - 0.5)) / CELLS - dy
    beat = np.abs(np.mod(clock * (0.08 + 0.05 * chance) + phase, 1.0) - 0.5) * 2.0
    brightness = 0.3 + 0.7 * beat * beat
    radius = (0.07 + 0.08 * size) / CELLS
    rows_out = np.column_stack([x / aspect, y, radius, brightness])
    inside = (rows_out[:, 0] > -0.01) & (rows_out[:, 0] < 1.01) & (y > -0.01) & (y < 1.01)
    kept: npt.NDArray[np.float32] = rows_out[inside].astype(np.float32)
    return kept


@functools.lru_cache(maxsize=4)
def _cells(column0: int, column1: int, row0: int, row1: int) -> tuple[npt.NDArray[np.float64], ...]:
    """The cells in view that hold a mote, with their chance, phase and size (0..1 each).

    The water drifts a cell in seconds, so most frames ask for the same cells again.
    """
    ix, iy = (a.ravel() for a in np.meshgrid(np.arange(column0, column1), np.arange(row0, row1)))
    chance = _hash(ix, iy, 0)
    keep = chance < CHANCE
    ix, iy = ix[keep], iy[keep]
    return (
        ix.astype(np.float64),
        iy.astype(np.float64),
        chance[keep] / CHANCE,
        _hash(ix, iy, 1),
        _hash(ix, iy, 2),
    )


def _ease(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return t * t * (3.0 - 2.0 * t)


def _hash(ix: npt.NDArray[np.int64], iy: npt.NDArray[np.int64], salt: int) -> Any:
    """A number in [0, 1) for each cell, the same on every machine (integer mixing)."""
    h = (ix.astype(np.uint64) * np.uint64(0x9E3779B1)) ^ (
        iy.astype(np.uint64) * np.uint64(0x85EBCA77) + np.uint64(salt * 0x27D4EB2F)
    )
    h &= np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x2C1B3C6D)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(12)
    h = (h * np.uint64(0x297A2D39)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    return h.astype(np.float64) / 2.0**32
