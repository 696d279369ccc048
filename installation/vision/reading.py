"""Reading a smile score and seven emotion probabilities from grey face crops.

Four readers, chosen by `vision.smile_model`:
- "smilenet" (default): the smile score from the project's own smile network
  (`smilenet.py`, trained for smiles alone); the seven emotions from "ensemble".
- "ensemble": the mean of two expression CNNs, fer's (`emotion.py`) and
  face-api.js's (`expression_net.py`); the smile score is their mean P(happy).
- "cnn": fer's emotion CNN alone (lighter, a little less accurate); the smile score is its
  P(happy).
- "haar": OpenCV's smile cascade on the mouth (lighter, much less accurate); emotions are
  derived from the smile alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.emotions import HAPPY
from installation.vision.boxes import Box
from installation.vision.detect import SmileScorer, emotions_from_smile
from installation.vision.emotion import CropClassifier, EmotionModel
from installation.vision.expression_net import ExpressionNet
from installation.vision.smilenet import SmileNet

Image = npt.NDArray[np.uint8]
Reading = tuple[float, tuple[float, ...]]  # (smile 0..1, 7 emotion probabilities)
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

    def read(self, faces: Sequence[Image], keys: Sequence[int]) -> list[Reading]:
        """Live frames: cheap; steady once smoothed over time. `keys` name the faces (track
        ids), so a reader can vary its view of each face from one visit to the next."""
        ...

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        """Single photos: as accurate as the reader gets, cost second."""
        ...

    def forget(self, keys: Iterable[int]) -> None:
        """These faces have gone: drop what was kept about them."""
        ...


class VisitCounter:
    """How many times each face has been read, so each visit can take the next view."""

    def __init__(self) -> None:
        self._visits: dict[int, int] = {}

    def next(self, key: int) -> int:
        count = self._visits.get(key, 0)
        self._visits[key] = count + 1
        return count

    def undo(self, key: int) -> None:
        """The view `next` gave was not taken: give it again at the next visit."""
        self._visits[key] -= 1

    def forget(self, keys: Iterable[int]) -> None:
        for key in keys:
            self._visits.pop(key, None)


class CnnReader:
    """Smile = P(happy) of the fer emotion CNN.

    Live, each visit reads a face either as it is or mirrored, alternately per face, so
    the smoothed score averages both views at the cost of one; a still reads both at once.
    """

    name = "cnn"

    def __init__(self, model_path: Path | None = None) -> None:
        self._model = EmotionModel(model_path)
        self._visits = VisitCounter()

    def read(self, faces: Sequence[Image], keys: Sequence[int]) -> list[Reading]:
        crops = [
            _view(face, self._visits.next(key) % 2 == 1)
            for face, key in zip(faces, keys, strict=True)
        ]
        return _readings(self._model.classify(crops))

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        return _readings(self._model.classify_both(faces))

    def forget(self, keys: Iterable[int]) -> None:
        self._visits.forget(keys)


class EnsembleReader:
    """The mean of two independently trained expression CNNs: fer's and face-api.js's.

    Where one model is unsure the other often is not: on the GENKI-4K development crops the
    mean is right more often than either alone (see README, Vision). A still reads both
    models, plain and mirrored. Live, one visit to a face costs one model pass: the visits
    cycle through fer, face-api, fer mirrored, face-api mirrored, and the face's reading is
    the mean of the latest answer of each model. face-api's pass costs five of fer's, so a
    frame runs it for one face at most; another face due for it is read by fer meanwhile
    and gets face-api at its next visit (a frame's cost stays bounded, the latency too).
    """

    name = "ensemble"
    _FER, _FACE_API = 0, 1  # indices into the models
    # (model, mirrored) of successive visits to one face.
    _VIEWS = ((_FER, False), (_FACE_API, False), (_FER, True), (_FACE_API, True))
    FACE_API_PER_READ = 1

    def __init__(self, model_path: Path | None = None, expression_dir: Path | None = None) -> None:
        self._models: tuple[CropClassifier, CropClassifier] = (
            EmotionModel(model_path),
            ExpressionNet(expression_dir),
        )
        self._visits = VisitCounter()
        self._latest: dict[int, list[npt.NDArray[np.float32] | None]] = {}

    def read(self, faces: Sequence[Image], keys: Sequence[int]) -> list[Reading]:
        if not faces:
            return []
        views = []
        face_api_left = self.FACE_API_PER_READ
        for key in keys:
            which, mirrored = self._VIEWS[self._visits.next(key) % len(self._VIEWS)]
            if which == self._FACE_API:
                if face_api_left:
                    face_api_left -= 1
                else:
                    self._visits.undo(key)
                    which = self._FER
            views.append((which, mirrored))
        for index, model in enumerate(self._models):
            mine = [i for i, (which, _) in enumerate(views) if which == index]
            if not mine:
                continue
            crops = [_view(faces[i], views[i][1]) for i in mine]
            for i, row in zip(mine, model.classify(crops), strict=True):
                self._latest.setdefault(keys[i], [None, None])[index] = row
        means = []
        for key in keys:
            known = [row for row in self._latest[key] if row is not None]
            means.append(np.mean(known, axis=0))
        return _readings(np.array(means, np.float32).reshape(len(keys), -1))

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        fer, face_api = (model.classify_both(faces) for model in self._models)
        return _readings((fer + face_api) / 2.0)

    def forget(self, keys: Iterable[int]) -> None:
        keys = list(keys)
        self._visits.forget(keys)
        for key in keys:
            self._latest.pop(key, None)


class SmileNetReader:
    """Smile = P(smile) of the project's smile network; emotions from another reader.

    Why two: the expression CNNs were trained for seven emotions on posed faces, and their
    P(happy) misses many real smiles; the smile network was trained on smiles alone, in
    gallery light. Live, each visit reads the face plain or mirrored, alternately, like
    the CNN readers; a still reads both.
    """

    name = "smilenet"

    def __init__(self, emotions: SmileReader, network: SmileNet | None = None) -> None:
        self._emotions = emotions
        self._network = network or SmileNet()
        self._visits = VisitCounter()

    def read(self, faces: Sequence[Image], keys: Sequence[int]) -> list[Reading]:
        crops = [
            _view(face, self._visits.next(key) % 2 == 1)
            for face, key in zip(faces, keys, strict=True)
        ]
        return self._with_smiles(self._emotions.read(faces, keys), self._network.smile(crops))

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        return self._with_smiles(self._emotions.read_still(faces), self._network.smile_both(faces))

    def _with_smiles(
        self, readings: list[Reading], smiles: npt.NDArray[np.float32]
    ) -> list[Reading]:
        """The network's P(smile), blended with the CNNs' P(happy) where a blend was fitted."""
        blend = self._network.blend
        if blend is not None and readings:
            smiles = blend(smiles, [happy for happy, _ in readings]).astype(np.float32)
        return [
            (float(smile), emotions) for (_, emotions), smile in zip(readings, smiles, strict=True)
        ]

    def forget(self, keys: Iterable[int]) -> None:
        keys = list(keys)
        self._visits.forget(keys)
        self._emotions.forget(keys)


class HaarReader:
    """Smile from the smile cascade's hit count on the lower half of the face."""

    name = "haar"

    def __init__(self, scorer: SmileScorer | None = None) -> None:
        self._scorer = scorer or SmileScorer()

    def read(self, faces: Sequence[Image], keys: Sequence[int] = ()) -> list[Reading]:
        readings = []
        for face in faces:
            smile = self._scorer.score(face, _WHOLE)
            readings.append((smile, emotions_from_smile(smile)))
        return readings

    def read_still(self, faces: Sequence[Image]) -> list[Reading]:
        return self.read(faces)

    def forget(self, keys: Iterable[int]) -> None:
        pass  # keeps nothing per face


def make_reader(name: str, model_path: Path | None = None) -> SmileReader:
    """The reader named by `vision.smile_model`; ModelError says how to get a missing model."""
    if name == "smilenet":
        return SmileNetReader(EnsembleReader(model_path))
    if name == "ensemble":
        return EnsembleReader(model_path)
    if name == "cnn":
        return CnnReader(model_path)
    if name == "haar":
        return HaarReader()
    raise ValueError(f'unknown smile model {name!r}; use "smilenet", "ensemble", "cnn" or "haar"')


def _view(face: Image, mirrored: bool) -> Image:
    return cast(Image, cv2.flip(face, 1)) if mirrored else face


def _readings(probabilities: npt.NDArray[np.float32]) -> list[Reading]:
    rows = np.nan_to_num(probabilities.astype(np.float64), nan=0.0)
    return [(float(row[HAPPY]), tuple(float(p) for p in row)) for row in rows]
