"""Aligned face crops: levelled and scaled by the eyes, framed as the smile network learnt.

A detector's box drifts with pose and light, and a tilted head turns the mouth into a
slope; the eyes are the steadiest landmarks a face detector gives. So the crop is the
similarity transform that puts the eye centres level, `EYE_SPAN` of the crop's side apart
and `EYE_HEIGHT` of it from the top. Those two are where BlazeFace finds the eyes in the
GENKI-4K training crops (medians over every tenth crop: span 0.378, interquartile
0.363-0.401, eye line 0.392 from the top), the data most like a gallery camera's: colour
webcam photos cut by a face detector. SMILEsmileD's crops are tighter (span 0.50, eye line
0.26); the network's scale augmentation (0.85-1.2) spans the two. Without eyes (the Haar
detector) the crop is the square around the box, as before.
"""

from __future__ import annotations

import math
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.boxes import Box
from installation.vision.reading import crop_face

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]  # x, y as fractions of the frame

EYE_SPAN = 0.38  # distance between the eye centres, of the crop's side
EYE_HEIGHT = 0.39  # the eye line's height from the top, of the crop's side
MIN_SIDE = 24  # pixels: a crop is never smaller, however small the face


def aligned_crop(gray: Image, box: Box, eyes: tuple[Point, Point] | None) -> Image:
    """The face in `box` of a grey frame, levelled by `eyes` (image-left eye first or not:
    the order does not matter); the plain square crop when `eyes` is None or degenerate."""
    if eyes is None:
        return crop_face(gray, box)
    height, width = gray.shape[:2]
    (ax, ay), (bx, by) = eyes
    a = (ax * width, ay * height)
    b = (bx * width, by * height)
    if a[0] > b[0]:  # the image-left eye first, so a levelled face is never upside down
        a, b = b, a
    dx, dy = b[0] - a[0], b[1] - a[1]
    span = math.hypot(dx, dy)
    box_side = max(box.w * width, box.h * height)
    # Eyes closer than a sixth of the box (a face turned to profile, a bad keypoint):
    # they would blow the crop up around one eye; the box is the better guide then.
    if span < box_side / 6.0:
        return crop_face(gray, box)
    side = max(MIN_SIDE, round(span / EYE_SPAN))
    scale = side * EYE_SPAN / span
    angle = math.atan2(dy, dx)
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    centre = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)
    # Rotate by -angle and scale about the eye midpoint, then move it to its crop position.
    matrix = np.array(
        [
            [cos, sin, side / 2.0 - (cos * centre[0] + sin * centre[1])],
            [-sin, cos, side * EYE_HEIGHT - (-sin * centre[0] + cos * centre[1])],
        ],
        np.float64,
    )
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(
        gray, matrix, (side, side), flags=interpolation, borderMode=cv2.BORDER_REPLICATE
    )
    return cast(Image, crop)
