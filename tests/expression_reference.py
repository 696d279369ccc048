"""A plain numpy forward pass of face-api.js's expression network, to check the ONNX graph.

Written from the published architecture, independently of `expression_net.build_onnx`:
channels-last arrays, convolutions as sums of shifted slices, TensorFlow 'same' padding
computed from its definition. Slow (tens of milliseconds a face); for tests only.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from installation.emotions import EMOTIONS

Array = npt.NDArray[np.float32]
# face-api.js's class names in its output order, and the name each has in ours.
FACE_API_CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
OUR_NAME = {"fearful": "fear", "disgusted": "disgust", "surprised": "surprise"}


def _same_padding(size: int, stride: int, kernel: int = 3) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _conv(x: Array, filters: Array, stride: int, depthwise: bool) -> Array:
    """x (H, W, C); filters (3, 3, C, K) or, depthwise, (3, 3, C, 1)."""
    top, bottom = _same_padding(x.shape[0], stride)
    left, right = _same_padding(x.shape[1], stride)
    padded = np.pad(x, ((top, bottom), (left, right), (0, 0)))
    height, width = -(-x.shape[0] // stride), -(-x.shape[1] // stride)
    out: Array | None = None
    for i in range(3):
        for j in range(3):
            window = padded[i : i + stride * height : stride, j : j + stride * width : stride]
            term = window * filters[i, j, :, 0] if depthwise else window @ filters[i, j]
            out = term if out is None else out + term
    assert out is not None
    return out


def _separable(x: Array, weights: dict[str, Array], prefix: str, stride: int) -> Array:
    depthwise = _conv(x, weights[prefix + "/depthwise_filter"], stride, depthwise=True)
    pointwise: Array = depthwise @ weights[prefix + "/pointwise_filter"][0, 0]
    return pointwise + weights[prefix + "/bias"]


def _relu(x: Array) -> Array:
    return np.maximum(x, 0.0)


def reference_probabilities(weights: dict[str, Array], prepared: Array) -> Array:
    """Probabilities in our emotion order for one prepared (3, 112, 112) input."""
    x = prepared.transpose(1, 2, 0)
    for index in range(4):
        block = f"dense{index}"
        if index == 0:
            conv0 = _conv(x, weights[block + "/conv0/filters"], 2, depthwise=False)
            out1 = _relu(conv0 + weights[block + "/conv0/bias"])
        else:
            out1 = _relu(_separable(x, weights, block + "/conv0", 2))
        out2 = _separable(out1, weights, block + "/conv1", 1)
        out3 = _separable(_relu(out1 + out2), weights, block + "/conv2", 1)
        out4 = _separable(_relu(out1 + out2 + out3), weights, block + "/conv3", 1)
        x = _relu(out1 + out2 + out3 + out4)
    logits = x.mean(axis=(0, 1)) @ weights["fc/weights"] + weights["fc/bias"]
    exp = np.exp(logits - logits.max())
    theirs = exp / exp.sum()
    names = [OUR_NAME.get(name, name) for name in FACE_API_CLASSES]
    return np.array([theirs[names.index(name)] for name in EMOTIONS], np.float32)
