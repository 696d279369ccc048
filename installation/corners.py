"""The keystone's four corners as the config writes them (`[output]`), and their check.

Plain Python, so the config can validate corners without the renderer; the homography that
uses them is in `render/keystone.py`.
"""

from __future__ import annotations

Point = tuple[float, float]
# Corners in image convention: x to the right, y down, fractions of the output.
Corners = tuple[Point, Point, Point, Point]  # top left, top right, bottom right, bottom left
SQUARE: Corners = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


def check_corners(corners: Corners) -> None:
    """ValueError unless the corners make a convex quadrilateral in clockwise order."""
    signs = []
    for i in range(4):
        (ax, ay), (bx, by), (cx, cy) = corners[i], corners[(i + 1) % 4], corners[(i + 2) % 4]
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        signs.append(cross)
    if not (all(s > 1e-6 for s in signs) or all(s < -1e-6 for s in signs)):
        raise ValueError(
            "keystone corners must form a convex shape, listed top left, top right, "
            f"bottom right, bottom left (got {corners})"
        )
