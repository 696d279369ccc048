"""The project's own smile network, run in OpenCV's dnn module from its ONNX file.

Trained by `installation smiles train` (installation/vision/train/) on grey face crops; the
file and its model card are in `installation/vision/smilenet/`. It answers one question,
P(smile), for a grey crop of one upright face; emotions still come from the expression CNNs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.models import ModelError

Image = npt.NDArray[np.uint8]

INPUT_SIZE = 48  # the network's input: INPUT_SIZE x INPUT_SIZE grey
# Contrast floor of the per-crop standardisation: a flat crop (a covered lens) stays flat
# instead of turning its sensor noise into a face.
MIN_STD = 0.02
MODEL_FILE = Path(__file__).resolve().parent / "smilenet" / "smile-cnn.onnx"


def logit(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    clipped = np.clip(np.asarray(p, np.float64), 1e-4, 1.0 - 1e-4)
    return np.asarray(np.log(clipped / (1.0 - clipped)), np.float64)


@dataclass(frozen=True)
class Blend:
    """P(smile) = sigmoid(network * logit(p_network) + cnns * logit(p_happy) + bias).

    The smile network and the emotion CNNs err on different faces; `smiles train` fits
    this on the network's held-out predictions (train/combine.py) and writes it beside the
    network, in its figures file.
    """

    network: float
    cnns: float
    bias: float

    def __call__(self, p_network: npt.ArrayLike, p_happy: npt.ArrayLike) -> npt.NDArray[np.float64]:
        z = self.network * logit(p_network) + self.cnns * logit(p_happy) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)), np.float64)


def read_blend(model: Path) -> Blend | None:
    """The blend in the figures file beside `model` (its .json), if it has one."""
    try:
        figures = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
        entry = figures["blend"]
        return Blend(float(entry["network"]), float(entry["cnns"]), float(entry["bias"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no blend: the network's own P(smile)


def standardise(gray: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each crop (N x H x W, 0..1) to zero mean and unit spread, as in training.

    Why: dim, bright or low-contrast gallery light then reaches the network as the same
    pattern; only its noise differs, which training adds on purpose.
    """
    mean = gray.mean(axis=(1, 2), keepdims=True)
    std = np.maximum(gray.std(axis=(1, 2), keepdims=True), MIN_STD)
    return cast(npt.NDArray[np.float32], ((gray - mean) / std).astype(np.float32))


def prepare(faces: Sequence[Image]) -> npt.NDArray[np.float32]:
    """Grey crops of any size -> the network's N x 1 x INPUT_SIZE x INPUT_SIZE input."""
    size = (INPUT_SIZE, INPUT_SIZE)
    rows = []
    for face in faces:
        gray = face if face.ndim == 2 else cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
        area = gray.shape[0] >= INPUT_SIZE and gray.shape[1] >= INPUT_SIZE
        interpolation = cv2.INTER_AREA if area else cv2.INTER_LINEAR
        rows.append(cv2.resize(gray, size, interpolation=interpolation))
    batch = np.stack(rows).astype(np.float32) / 255.0
    return standardise(batch)[:, None, :, :]


class SmileNet:
    """P(smile) for grey face crops; a missing or damaged file is a ModelError."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or MODEL_FILE
        if not self.path.is_file():
            raise ModelError(
                f"smile network not found at {self.path}; it ships with the project "
                "(installation/vision/smilenet/), or retrain it with `installation smiles train`"
            )
        try:
            self._net = cv2.dnn.readNetFromONNX(str(self.path))
        except cv2.error as exc:
            first = str(exc).strip().splitlines()[-1][:200]
            raise ModelError(
                f"smile network {self.path} cannot be loaded by OpenCV ({first}); "
                "restore it from git or retrain it with `installation smiles train`"
            ) from None
        self.blend = read_blend(self.path)

    def smile(self, faces: Sequence[Image]) -> npt.NDArray[np.float32]:
        """P(smile) per crop, read as it is."""
        if not faces:
            return np.zeros(0, np.float32)
        return self._run(prepare(faces))

    def smile_both(self, faces: Sequence[Image]) -> npt.NDArray[np.float32]:
        """P(smile) per crop, the mean of the crop and its mirror image (stills)."""
        if not faces:
            return np.zeros(0, np.float32)
        batch = prepare(faces)
        both = self._run(np.concatenate([batch, batch[:, :, :, ::-1]]))
        half = len(faces)
        return cast(npt.NDArray[np.float32], (both[:half] + both[half:]) / 2.0)

    def _run(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        self._net.setInput(np.ascontiguousarray(batch))
        logits = np.asarray(self._net.forward(), np.float32).reshape(len(batch))
        return cast(npt.NDArray[np.float32], 1.0 / (1.0 + np.exp(-logits)))
