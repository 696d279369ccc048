"""Face boxes and the geometry that matches them across frames: overlap and centre shift.

`follow.py` uses these to keep a face's id from frame to frame. Pure Python; no OpenCV, so
the show's logic and its tests never need a camera.
"""

from __future__ import annotations

from typing import NamedTuple


class Box(NamedTuple):
    """A box as fractions of the frame (0..1, origin top-left)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes; 0 when they do not touch."""
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0.0 else 0.0


def centre_shift(track: Box, detection: Box) -> float:
    """How far the centre moved, in units of the track's own width and height (larger axis).

    Measuring in box sizes rather than frame fractions makes the gate independent of the
    frame's aspect ratio and of how near the person stands.
    """
    (tx, ty), (dx, dy) = track.centre, detection.centre
    return max(abs(dx - tx) / max(track.w, 1e-9), abs(dy - ty) / max(track.h, 1e-9))
