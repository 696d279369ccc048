"""Keystone: the corner pin maps corners where they should land (pure maths, then on GL)."""

from __future__ import annotations

import pytest

from installation.corners import SQUARE, check_corners
from installation.render.keystone import apply, homography, output_to_picture


def test_square_corners_are_the_identity() -> None:
    matrix = output_to_picture(SQUARE)
    for point in [(0.0, 0.0), (0.3, 0.7), (1.0, 1.0)]:
        assert apply(matrix, point) == pytest.approx(point)


def test_homography_maps_the_four_points() -> None:
    source = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    target = ((0.1, 0.2), (0.9, 0.0), (1.0, 1.0), (0.0, 0.8))
    matrix = homography(source, target)
    for a, b in zip(source, target, strict=True):
        assert apply(matrix, a) == pytest.approx(b)


def test_a_pinned_corner_shows_the_pictures_corner() -> None:
    # The picture's top-left corner is pinned 10% in and 20% down on the output.
    corners = ((0.1, 0.2), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    matrix = output_to_picture(corners)
    # In GL terms (y up): output (0.1, 0.8) must show picture (0, 1), its top-left.
    assert apply(matrix, (0.1, 0.8)) == pytest.approx((0.0, 1.0))
    assert apply(matrix, (1.0, 1.0)) == pytest.approx((1.0, 1.0))


@pytest.mark.parametrize(
    "corners",
    [
        ((0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)),  # crossed
        ((0.0, 0.0), (0.0, 0.0), (1.0, 1.0), (0.0, 1.0)),  # degenerate
    ],
)
def test_bad_corners_are_refused(corners: tuple[tuple[float, float], ...]) -> None:
    with pytest.raises(ValueError, match="convex"):
        check_corners(corners)  # type: ignore[arg-type]
