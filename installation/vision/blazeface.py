"""MediaPipe's BlazeFace face detector, run by OpenCV's DNN module from its .tflite file.

A frame is letterboxed (scaled to fit, padded, aspect kept) into the model's square input,
fed as NCHW floats in [-1, 1], and the model's raw output decoded as MediaPipe does: one
score and 16 values (box centre, size, six keypoints) per SSD anchor, offsets relative to
the anchor's centre in units of the input size (MediaPipe's "fixed anchor size"). Scores
are clipped to +/-100 before the sigmoid; overlapping detections are merged by weighted
non-maximum suppression (MediaPipe's "WEIGHTED": the cluster's score-weighted mean box).

The anchor options are MediaPipe's own for each model (ssd_anchors_calculator options of
face_detection_short_range / face_detection_full_range): min_scale 0.1484375, max_scale
0.75 (unused with fixed anchor sizes), anchor offset 0.5 and

    short range: 128x128 input, 4 layers, strides 8, 16, 16, 16, two anchors per place
                 (aspect ratio 1 and the interpolated one): 16*16*2 + 8*8*6 = 896 anchors
    full range:  192x192 input, 1 layer, stride 4, one anchor per place: 48*48 = 2304

Keypoints as MediaPipe names them, the person's own right and left: right eye, left eye,
nose tip, mouth centre, right ear tragion, left ear tragion (the person's right eye is on
the left of an unmirrored picture).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.blazeface_files import (
    FETCH_HINT,
    FaceDetectorError,
    Range,
    model_path,
    read_blazeface,
)
from installation.vision.boxes import Box

Image = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]
Point = tuple[float, float]

KEYPOINTS = ("right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear")
_SCORE_CLIP = 100.0  # MediaPipe's score_clipping_thresh


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One BlazeFace model's input size and SSD anchor layout."""

    input_size: int
    strides: tuple[int, ...]
    anchors_per_layer: int  # 2: aspect ratio 1 plus the interpolated scale; 1: ratio 1 only
    anchor_offset: float = 0.5


SPECS: dict[Range, ModelSpec] = {
    "short": ModelSpec(128, (8, 16, 16, 16), 2),
    "full": ModelSpec(192, (4,), 1),
}


@dataclass(frozen=True, slots=True)
class FaceDetection:
    """One face: its box and keypoints as fractions of the frame, and the model's score."""

    box: Box
    keypoints: tuple[Point, ...]  # in the order of KEYPOINTS
    score: float

    @property
    def eyes(self) -> tuple[Point, Point]:
        """(right eye, left eye), the person's own sides, as MediaPipe names them."""
        return self.keypoints[0], self.keypoints[1]


def anchor_centres(spec: ModelSpec) -> Floats:
    """(N, 2) anchor centres (x, y) in 0..1 of the input, in the model's output order.

    Consecutive layers of one stride share a feature map, their anchors interleaved per
    place; with fixed anchor sizes every anchor of a place has the same centre.
    """
    centres: list[Floats] = []
    strides = list(spec.strides)
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        count = 0
        while layer < len(strides) and strides[layer] == stride:
            count += spec.anchors_per_layer
            layer += 1
        side = -(-spec.input_size // stride)  # ceil: the feature map's width and height
        ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        grid = (grid + spec.anchor_offset) / side
        centres.append(np.repeat(grid, count, axis=0))
    return cast(Floats, np.concatenate(centres).astype(np.float32))


def decode(
    scores: npt.ArrayLike,
    raw: npt.ArrayLike,
    anchors: Floats,
    input_size: int,
    min_score: float,
) -> tuple[Floats, Floats]:
    """Raw model output to (scores (M,), rows (M, 16)) of the anchors above `min_score`.

    Each row: x0, y0, x1, y1 of the box, then six (x, y) keypoints, all in 0..1 of the
    model's input.
    """
    logits = np.clip(np.asarray(scores, np.float64).reshape(-1), -_SCORE_CLIP, _SCORE_CLIP)
    prob = 1.0 / (1.0 + np.exp(-logits))
    keep = prob >= min_score
    values = np.asarray(raw, np.float32).reshape(len(logits), -1)[keep] / float(input_size)
    centre = anchors[keep]
    rows = np.empty((len(values), 16), np.float32)
    cx, cy = values[:, 0] + centre[:, 0], values[:, 1] + centre[:, 1]
    half_w, half_h = values[:, 2] / 2.0, values[:, 3] / 2.0
    rows[:, 0], rows[:, 1] = cx - half_w, cy - half_h
    rows[:, 2], rows[:, 3] = cx + half_w, cy + half_h
    rows[:, 4::2] = values[:, 4:16:2] + centre[:, :1]
    rows[:, 5::2] = values[:, 5:16:2] + centre[:, 1:]
    return cast(Floats, prob[keep].astype(np.float32)), rows


def weighted_nms(
    scores: Floats, rows: Floats, threshold: float = 0.3, limit: int = 64
) -> list[tuple[float, Floats]]:
    """MediaPipe's weighted non-maximum suppression on (x0, y0, x1, y1, ...) rows.

    The best remaining detection and every other one overlapping it by IoU above
    `threshold` form a cluster; the cluster gives one detection, its rows averaged by
    score, with the best one's score. At most `limit` detections, best first.
    """
    order = np.argsort(-scores, kind="stable")
    scores, rows = scores[order], rows[order]
    alive = np.ones(len(scores), bool)
    out: list[tuple[float, Floats]] = []
    area = np.maximum(rows[:, 2] - rows[:, 0], 0) * np.maximum(rows[:, 3] - rows[:, 1], 0)
    for i in range(len(scores)):
        if not alive[i]:
            continue
        ix = np.minimum(rows[i, 2], rows[:, 2]) - np.maximum(rows[i, 0], rows[:, 0])
        iy = np.minimum(rows[i, 3], rows[:, 3]) - np.maximum(rows[i, 1], rows[:, 1])
        inter = np.maximum(ix, 0) * np.maximum(iy, 0)
        union = area[i] + area - inter
        overlap = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
        cluster = alive & (overlap > threshold)
        cluster[i] = True
        weights = scores[cluster]
        merged = (rows[cluster] * weights[:, None]).sum(axis=0) / weights.sum()
        out.append((float(scores[i]), cast(Floats, merged.astype(np.float32))))
        alive &= ~cluster
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a frame sits in the model's square input: scale and padding, in input pixels."""

    scale: float
    pad_x: float
    pad_y: float
    size: int

    @classmethod
    def fit(cls, width: int, height: int, size: int) -> Letterbox:
        scale = size / max(width, height)
        return cls(scale, (size - width * scale) / 2.0, (size - height * scale) / 2.0, size)

    def to_frame(self, u: Floats, v: Floats, width: int, height: int) -> tuple[Floats, Floats]:
        """Input fractions (u, v) to frame fractions."""
        x = (u * self.size - self.pad_x) / self.scale / width
        y = (v * self.size - self.pad_y) / self.scale / height
        return cast(Floats, x), cast(Floats, y)


class BlazeFace:
    """Finds faces in a whole grey or BGR frame with one BlazeFace model."""

    def __init__(
        self,
        which: Range = "short",
        *,
        path: Path | None = None,
        min_score: float = 0.5,
        nms_threshold: float = 0.3,
    ) -> None:
        """Loads the model now (checked by SHA-256 unless `path` names another file), so a
        missing or damaged file raises ModelError at start-up, not mid-show."""
        self.which = which
        self.spec = SPECS[which]
        self.min_score = min_score
        self.nms_threshold = nms_threshold
        where = path or model_path(which)
        try:
            data = read_blazeface(which) if path is None else path.read_bytes()
            self._net = cv2.dnn.readNetFromTFLite(np.frombuffer(data, np.uint8))
        except (cv2.error, OSError) as exc:
            raise FaceDetectorError(
                f"the face detector model {where} cannot be loaded: "
                f"{getattr(exc, 'err', None) or exc}; {FETCH_HINT}"
            ) from None
        self._outputs = _output_names(self._net, where)
        self._anchors = anchor_centres(self.spec)
        size = self.spec.input_size
        self._blob = np.empty((1, 3, size, size), np.float32)

    def detect(self, image: npt.NDArray[np.uint8]) -> list[FaceDetection]:
        """The faces in `image` (HxW grey or HxWx3 BGR), best first."""
        height, width = image.shape[:2]
        if height < 8 or width < 8:
            return []
        size = self.spec.input_size
        box = Letterbox.fit(width, height, size)
        inner = (max(1, round(width * box.scale)), max(1, round(height * box.scale)))
        small = cv2.resize(image, inner, interpolation=cv2.INTER_AREA)
        x0, y0 = round(box.pad_x), round(box.pad_y)
        box = Letterbox(box.scale, float(x0), float(y0), size)
        scaled = small.astype(np.float32) * (2.0 / 255.0) - 1.0
        blob = self._blob
        blob.fill(-1.0)  # padding black, as MediaPipe's letterbox pads
        h, w = small.shape[:2]
        if small.ndim == 2:
            # A grey frame feeds all three channels alike: the model was trained on colour
            # but finds grey faces as well.
            blob[0, :, y0 : y0 + h, x0 : x0 + w] = scaled[None]
        else:  # BGR to the model's RGB, HWC to CHW
            blob[0, :, y0 : y0 + h, x0 : x0 + w] = scaled[:, :, ::-1].transpose(2, 0, 1)
        self._net.setInput(blob)
        outputs = self._net.forward(self._outputs)
        # The score output has one value per anchor, the other sixteen.
        scores, raw = sorted(outputs, key=lambda out: int(out.size))
        probs, rows = decode(scores, raw, self._anchors, size, self.min_score)
        found = []
        for score, row in weighted_nms(probs, rows, self.nms_threshold):
            xs, ys = box.to_frame(row[0::2], row[1::2], width, height)
            x0f, x1f = float(xs[0]), float(xs[1])
            y0f, y1f = float(ys[0]), float(ys[1])
            if x1f <= x0f or y1f <= y0f:
                continue
            points = tuple((float(xs[k]), float(ys[k])) for k in range(2, 8))
            found.append(FaceDetection(Box(x0f, y0f, x1f - x0f, y1f - y0f), points, score))
        return found


def _output_names(net: cv2.dnn.Net, where: Path) -> Sequence[str]:
    """The model's two outputs (their names differ between the models)."""
    names = list(net.getUnconnectedOutLayersNames())
    if len(names) != 2:
        raise FaceDetectorError(f"{where} is not a BlazeFace model: {len(names)} outputs, not 2")
    return names
