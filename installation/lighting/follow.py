"""What colour each fixture shows for a frame: the mood, a zone, a side, an accent, or fixed.

Colours here are linear light 0..1 with their brightness in them (a dim mood is a dark
colour); the curve, limits and master are applied later, in dmx.py.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from installation.frame import ACCESS, COLOUR, GLOW, FrameState, X, Y
from installation.lighting.patch import Fixture, Patch
from installation.palette import RGB

_BLACK: RGB = (0.0, 0.0, 0.0)


def fixture_colour(fixture: Fixture, frame: FrameState, patch: Patch) -> RGB:
    """The colour `fixture` follows in `frame`, before curve, limits and master."""
    follow = fixture.follow
    if follow == "mood":
        return frame.mood
    if follow == "fixed":
        return fixture.colour
    if follow == "accent":
        return patch.accents.get(frame.scene, _BLACK)
    columns = frame.faces.columns
    if follow == "zone":
        x0, y0, x1, y1 = fixture.zone
        x, y = columns[:, X], columns[:, Y]
        chosen = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    elif follow == "access":
        chosen = columns[:, ACCESS] >= 0.5
    else:  # "excluded": the show already turned these faces grey
        chosen = columns[:, ACCESS] < 0.5
    return glow_colour(columns[chosen])


def glow_colour(rows: npt.NDArray[np.float64]) -> RGB:
    """Glow-weighted mean colour of some faces, times their brightest glow; black when none.

    Weighted by glow so the light reads like the faces it follows; scaled by the strongest
    glow so a zone of resting faces stays dim and one full smile lights it.
    """
    if len(rows) == 0:
        return _BLACK
    glow = rows[:, GLOW]
    total = float(glow.sum())
    if total <= 1e-6:
        return _BLACK
    mean = glow @ rows[:, COLOUR] / total
    peak = float(glow.max())
    r, g, b = (float(c) * peak for c in mean)
    return (r, g, b)
