"""Reading a smile score and seven emotion probabilities from grey face crops.

Two readers, chosen by `vision.smile_model`:
- "cnn": the emotion CNN (`emotion.py`); the smile score is its P(happy).
- "haar": OpenCV's smile cascade on the mouth (lighter, much less accurate); emotions are
  derived from the smile alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.emotions import HAPPY
from installation.vision.detect import SmileScorer, emotions_from_smile
from installation.vision.emotion import EmotionModel
from installation.vision.tracking import Box

Image = npt.NDArray[np.uint8]
Reading = tuple[float, tuple[float, ...]]  # (smile 0..1, 7 emotion probabilities)
SmileModelName = Literal["cnn", "haar"]
_WHOLE = Box(0.0, 0.0, 1.0, 1.0)


def crop_face(gray: Image, box: Box) -> Image:
    """The square around a face box (fractions), padded by edge pixels where it leaves the frame.

    Square, because both readers expect an upright face of normal proportions; padding
    rather than clipping keeps a face at the frame's edge from being stretched.
    """
    height, width = gray.shape[:2]
    size = max(1, round(max(box.w * width, box.h * height)))
    cx, cy = (box.x + box.w / 2) * width, (box.y + box.h / 2) * height
    x0, y0 = round(cx - size / 2), round(cy - size / 2)
    x1, y1 = x0 + size, y0 + size
    inner = gray[max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)]
    if inner.size == 0:
        return np.zeros((size, size), np.uint8)
    pads = (max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width))
    if any(pads):
        return cast(Image, cv2.copyMakeBorder(inner, *pads, cv2.BORDER_REPLICATE))
    return inner


class SmileReader(Protocol):
    """Reads every crop of one frame in one go."""

    name: str

    def read(self, faces: Sequence[Image]) -> list[Reading]:
        """Live frames: cheap; steady once smoothed over time."""
        ...

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        """Single photos: as accurate as the reader gets, cost second."""
        ...


class CnnReader:
    """Smile = P(happy) of the emotion CNN.

    Live, each frame reads the crops either as they are or mirrored, alternately, so the
    smoothed score averages both views at the cost of one; a still reads both at once.
    """

    name = "cnn"

    def __init__(self, model_path: Path | None = None) -> None:
        self._model = EmotionModel(model_path)
        self._mirror = False

    def read(self, faces: Sequence[Image]) -> list[Reading]:
        self._mirror = not self._mirror
        return _readings(self._model.classify(faces, mirror=self._mirror))

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        return _readings(self._model.classify_both(faces))


class HaarReader:
    """Smile from the smile cascade's hit count on the lower half of the face."""

    name = "haar"

    def __init__(self, scorer: SmileScorer | None = None) -> None:
        self._scorer = scorer or SmileScorer()

    def read(self, faces: Sequence[Image]) -> list[Reading]:
        readings = []
        for face in faces:
            smile = self._scorer.score(face, _WHOLE)
            readings.append((smile, emotions_from_smile(smile)))
        return readings

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        return self.read(faces)


def make_reader(name: str, model_path: Path | None = None) -> SmileReader:
    """The reader named by `vision.smile_model`; ModelError says how to get a missing model."""
    if name == "cnn":
        return CnnReader(model_path)
    if name == "haar":
        return HaarReader()
    raise ValueError(f'unknown smile model {name!r}; use "cnn" or "haar"')


def _readings(probabilities: npt.NDArray[np.float32]) -> list[Reading]:
    rows = np.nan_to_num(probabilities.astype(np.float64), nan=0.0)
    return [(float(row[HAPPY]), tuple(float(p) for p in row)) for row in rows]
