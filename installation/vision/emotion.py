"""The 7-class emotion CNN in OpenCV's dnn module, on the CPU, offline.

Input: a grey face crop (the face box, square-ish), any size. Output: probabilities over
angry, disgust, fear, happy, sad, surprise, neutral (the order of `installation.emotions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.models import ModelError, default_model_path, read_model
from installation.vision.tflite import TFLiteFormatError, int8_filter_scales

Image = npt.NDArray[np.uint8]
INPUT_SIZE = 64


def load_emotion_net(path: Path | None = None) -> Any:
    """Read the checked model into `cv2.dnn` and replace its int8 filters by float ones.

    OpenCV keeps an int8 filter with a third blob of per-channel scales that it read as NaN;
    giving the layer (filter x scale, bias) makes it an ordinary float convolution. The
    scales come from the file itself (`int8_filter_scales`); zero points are 0 (symmetric).
    """
    data = read_model(path or default_model_path())
    try:
        scales = int8_filter_scales(data)
    except TFLiteFormatError as exc:
        raise ModelError(f"emotion model {path}: {exc}") from None
    net = cv2.dnn.readNetFromTFLite(np.frombuffer(data, np.uint8))
    for name in net.getLayerNames():
        layer = net.getLayer(name)
        blobs = layer.blobs
        if not blobs or blobs[0].dtype != np.int8:
            continue
        if name not in scales or len(scales[name]) != blobs[0].shape[0] or len(blobs) < 2:
            raise ModelError(f"emotion model: no usable int8 scales for layer {name!r}")
        weights = blobs[0].astype(np.float32) * scales[name].reshape(-1, 1, 1, 1)
        layer.blobs = [weights, blobs[1]]
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def resized(face: Image, size: int) -> Image:
    """A crop at a network's input size: area-averaged when shrinking (no aliasing),
    bilinear when enlarging."""
    interpolation = cv2.INTER_AREA if face.shape[0] > size else cv2.INTER_LINEAR
    return cast(Image, cv2.resize(face, (size, size), interpolation=interpolation))


def prepare(face: Image) -> npt.NDArray[np.float32]:
    """A grey crop -> the model's 64x64 input in [-1, 1] (as the model was trained)."""
    small = resized(face, INPUT_SIZE)
    return cast(npt.NDArray[np.float32], small.astype(np.float32) * (2.0 / 255.0) - 1.0)


class CropClassifier:
    """Seven emotion probabilities per grey face crop, a batch per forward pass.

    Subclasses give `_forward` (prepared crops in, (n, 7) probabilities in the order of
    `installation.emotions` out); reading mirrored crops is shared.
    """

    def _forward(self, crops: Sequence[Image]) -> npt.NDArray[np.float32]:
        raise NotImplementedError

    def classify(self, faces: Sequence[Image], *, mirror: bool = False) -> npt.NDArray[np.float32]:
        """(n, 7) probabilities; `mirror` classifies each crop flipped left-right instead.

        A face and its mirror image show the same feeling; averaging both readings (at
        once, or on alternate visits) steadies the model's answer.
        """
        if not faces:
            return np.zeros((0, 7), np.float32)
        return self._forward([cast(Image, cv2.flip(face, 1)) if mirror else face for face in faces])

    def classify_both(self, faces: Sequence[Image]) -> npt.NDArray[np.float32]:
        """Mean of the plain and mirrored readings (one forward pass of 2n crops)."""
        if not faces:
            return np.zeros((0, 7), np.float32)
        out = self._forward([*faces, *(cast(Image, cv2.flip(face, 1)) for face in faces)])
        return cast(npt.NDArray[np.float32], (out[: len(faces)] + out[len(faces) :]) / 2.0)


class EmotionModel(CropClassifier):
    """The fer emotion CNN."""

    def __init__(self, path: Path | None = None) -> None:
        self._net = load_emotion_net(path)

    def _forward(self, crops: Sequence[Image]) -> npt.NDArray[np.float32]:
        batch = np.stack([prepare(face) for face in crops])[:, None, :, :]
        self._net.setInput(batch)
        return np.asarray(self._net.forward(), np.float32).reshape(len(crops), -1)
