"""Synthetic gallery frames: a real face crop placed in a frame, with the true box.

For measuring face detectors (and, later, `installation smiles evaluate DIR --gallery`): a
face crop (a photo filled by one face) is scaled to a given size and put at a random place
on a random background (noise, a gradient, or blurred blobs), and the whole frame is then
shown in a condition the room may have: plain, dim (x0.3), a blue or magenta colour
cast, or sensor noise (gaussian, sigma 12). Seeded: the same crop, size, condition and
seed give the same frame. Everything stays in memory; nothing here writes an image.
"""

from __future__ import annotations

from typing import Literal, cast, get_args

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.boxes import Box, iou

Image = npt.NDArray[np.uint8]
Condition = Literal["plain", "dim", "blue", "magenta", "noisy"]
CONDITIONS: tuple[Condition, ...] = get_args(Condition)
FACE_SIZES = (40, 60, 80, 120, 160)  # face widths in pixels of a 640x480 frame

# Per-channel gains (B, G, R) of the colour casts: stage light through a gel.
_CASTS: dict[str, tuple[float, float, float]] = {
    "blue": (1.0, 0.55, 0.35),
    "magenta": (1.0, 0.35, 1.0),
}


def background(rng: np.random.Generator, width: int = 640, height: int = 480) -> Image:
    """A random background: coloured noise, a two-colour gradient, or soft blobs."""
    kind = int(rng.integers(3))
    if kind == 0:
        coarse = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
        image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    elif kind == 1:
        a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        angle = rng.uniform(0, np.pi)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        t = xs * np.cos(angle) + ys * np.sin(angle)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
        image = (a[None, None] * (1 - t[..., None]) + b[None, None] * t[..., None]).astype(np.uint8)
    else:
        image = np.full((height, width, 3), rng.uniform(40, 200, 3), np.float32).astype(np.uint8)
        for _ in range(12):
            centre = (int(rng.integers(width)), int(rng.integers(height)))
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            cv2.circle(image, centre, int(rng.integers(20, 160)), colour, -1)
        image = cv2.GaussianBlur(image, (0, 0), 12)
    return cast(Image, image)


def apply_condition(frame: Image, condition: Condition, rng: np.random.Generator) -> Image:
    """The frame as seen in `condition` (a new array; `frame` is left as it is)."""
    if condition == "plain":
        return frame.copy()
    if condition == "dim":
        return cast(Image, (frame.astype(np.float32) * 0.3).astype(np.uint8))
    if condition == "noisy":
        noise = rng.normal(0.0, 12.0, frame.shape)
        return cast(Image, np.clip(frame + noise, 0, 255).astype(np.uint8))
    if condition in _CASTS:
        gains = np.array(_CASTS[condition], np.float32)
        return cast(Image, np.clip(frame.astype(np.float32) * gains, 0, 255).astype(np.uint8))
    raise ValueError(f"unknown condition {condition!r}; choose from {', '.join(CONDITIONS)}")


def gallery_frame(
    crop: Image,
    size: int,
    condition: Condition = "plain",
    seed: int = 0,
    width: int = 640,
    height: int = 480,
) -> tuple[Image, Box]:
    """A `width`x`height` BGR frame holding `crop` (BGR or grey) scaled to `size` pixels
    wide, and its true box as fractions of the frame."""
    if not 8 <= size <= min(width, height):
        raise ValueError(f"face size must be 8..{min(width, height)} pixels, got {size}")
    rng = np.random.default_rng(seed)
    frame = background(rng, width, height)
    if crop.ndim == 2:
        crop = cast(Image, cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
    face_h = max(1, round(size * crop.shape[0] / crop.shape[1]))
    if face_h > height:
        raise ValueError(f"a face {size} pixels wide is {face_h} tall, more than the frame")
    shrink = size < crop.shape[1]
    face = cv2.resize(
        crop, (size, face_h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )
    x = int(rng.integers(0, width - size + 1))
    y = int(rng.integers(0, height - face_h + 1))
    frame[y : y + face_h, x : x + size] = face
    box = Box(x / width, y / height, size / width, face_h / height)
    return apply_condition(frame, condition, rng), box


def is_found(truth: Box, found: list[Box] | tuple[Box, ...], min_iou: float = 0.3) -> bool:
    """Whether a detection overlaps the true face: IoU at least `min_iou`, its centre inside.

    The bar is low because detectors draw faces differently (BlazeFace from brow to chin,
    Haar with the forehead); what is measured is whether the face was found at all.
    """
    for box in found:
        cx, cy = box.centre
        inside = truth.x <= cx <= truth.x + truth.w and truth.y <= cy <= truth.y + truth.h
        if inside and iou(truth, box) >= min_iou:
            return True
    return False
