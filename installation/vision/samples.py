"""Frames with real faces for the bench and the tests, made in memory from a shipped photo.

The photo is scikit-image's `astronaut` (Eileen Collins, NASA, public domain): a real,
smiling face that the package ships. Nothing made here is written anywhere by this module.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
# Where the face sits in the 512x512 photo (the Haar face box, x y w h), and a crop around it.
ASTRONAUT_FACE = (177, 67, 93, 93)
_CROP = (120, 20, 330, 230)  # x0 y0 x1 y1: the face with a margin of shoulders and hair


@cache
def astronaut() -> Image:
    """The 512x512 BGR photo from scikit-image's data folder (read without importing it)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "scikit-image is not installed; its astronaut photo is the real face these "
            'frames are made from (pip install -e ".[test]" installs it)'
        )
    path = Path(spec.origin).parent / "data" / "astronaut.png"
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read {path}")
    return cast(Image, image)


def face_patch(size: int, *, mirror: bool = False, cover_mouth: bool = False) -> Image:
    """A square BGR patch around the astronaut's face, `size` pixels wide (face ~44%)."""
    x0, y0, x1, y1 = _CROP
    patch = astronaut()[y0:y1, x0:x1].copy()
    if cover_mouth:
        fx, fy, fw, fh = ASTRONAUT_FACE
        # A hand-coloured block over the mouth and chin: the face is still there, the smile not.
        mx0, my0 = fx - x0 + fw // 6, fy - y0 + int(fh * 0.62)
        patch[my0 : fy - y0 + fh + 8, mx0 : fx - x0 + fw - fw // 6] = (120, 150, 190)
    if mirror:
        patch = patch[:, ::-1]
    return cast(Image, cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA))


@cache
def background(width: int = 640, height: int = 480) -> Image:
    """A dim, softly textured room: the photo blurred beyond recognition, darkened."""
    blurred = cv2.GaussianBlur(astronaut(), (0, 0), 25)
    return cast(Image, (cv2.resize(blurred, (width, height)) * 0.6).astype(np.uint8))


def crowd_frame(faces: int, t: int = 0, width: int = 640, height: int = 480) -> Image:
    """A frame holding `faces` faces (1 to 20) on a grid, each drifting slowly with `t`."""
    if not 0 <= faces <= 20:
        raise ValueError(f"faces must be 0..20, got {faces}")
    frame = background(width, height).copy()
    if faces == 0:
        return frame
    cols = int(np.ceil(np.sqrt(faces * width / height)))
    rows = int(np.ceil(faces / cols))
    cell = min(width // cols, height // rows)
    size = int(cell * 0.8)
    for i in range(faces):
        r, c = divmod(i, cols)
        dx = round(0.05 * size * float(np.sin(t / 15.0 + i)))
        x = c * (width // cols) + (width // cols - size) // 2 + dx
        y = r * (height // rows) + (height // rows - size) // 2
        x = min(max(0, x), width - size)
        frame[y : y + size, x : x + size] = face_patch(size, mirror=bool(i % 2))
    return frame
