"""Keystone (corner pin): where the picture's four corners land on the projector.

A projector that is not square to the wall throws a trapezoid; pinning the picture's
corners to where they should land undoes it. The mapping is a homography, computed here
in plain numpy (testable without GL) and applied per pixel in `shaders/post/output.frag`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from installation.corners import SQUARE, Corners, Point, check_corners

Matrix = npt.NDArray[np.float64]


def homography(source: Corners, target: Corners) -> Matrix:
    """The 3x3 matrix H with H @ (x, y, 1) ~ (x', y', 1) for the four point pairs."""
    rows = []
    values = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y])
        values.extend([u, v])
    solution = np.linalg.solve(np.array(rows), np.array(values))
    return np.append(solution, 1.0).reshape(3, 3)


def picture_to_output(corners: Corners) -> Matrix:
    """Matrix taking a picture uv (GL: y up) to where it lands on the output (GL uv)."""
    check_corners(corners)
    picture = tuple((x, 1.0 - y) for x, y in SQUARE)
    output = tuple((x, 1.0 - y) for x, y in corners)
    return homography(picture, output)  # type: ignore[arg-type]


def output_to_picture(corners: Corners) -> Matrix:
    """Matrix taking an output pixel's uv (GL: y up) to the picture uv to show there."""
    inverse = np.linalg.inv(picture_to_output(corners))
    return np.asarray(inverse / inverse[2, 2], dtype=np.float64)


def apply(matrix: Matrix, point: Point) -> Point:
    """Map one point through a homography (for tests and tools)."""
    x, y, w = matrix @ np.array([point[0], point[1], 1.0])
    return (float(x / w), float(y / w))


def as_uniform(matrix: Matrix) -> tuple[float, ...]:
    """Nine floats in the column-major order GLSL expects for a mat3."""
    return tuple(float(v) for v in matrix.T.reshape(-1))
