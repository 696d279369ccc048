"""face-api.js's expression network in OpenCV's dnn module, on the CPU, offline.

The files hold weights only (a JSON manifest and 8-bit quantised tensors); the network is
built here from its published architecture and handed to `cv2.dnn` as an ONNX graph:

    112x112 RGB -> 4 dense blocks (32, 64, 128, 256 channels; each halves the size) ->
    global average -> fully connected (256 -> 7) -> softmax

A dense block: out1 = relu(conv0(x), stride 2); out2 = sep1(out1);
out3 = sep2(relu(out1 + out2)); out4 = sep3(relu(out1 + out2 + out3));
result relu(out1 + out2 + out3 + out4). conv0 is a plain 3x3 convolution in the first block
and a depthwise-separable one elsewhere; sep* are depthwise-separable 3x3 convolutions with
a bias. Padding is TensorFlow's 'same' (a stride-2 layer pads only after: bottom and right).

Input here: grey crops (the vision path is grey; the network reads them as equal RGB).
Output: probabilities in the order of `installation.emotions`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.emotion import CropClassifier, resized
from installation.vision.expression_files import read_expression_files
from installation.vision.models import ModelError

Image = npt.NDArray[np.uint8]
Weights = dict[str, npt.NDArray[np.float32]]
INPUT_SIZE = 112
MEAN_RGB = (122.782, 117.001, 104.298)  # subtracted before scaling by 1/255, as trained
BLOCK_CHANNELS = (32, 64, 128, 256)
# face-api.js orders its classes neutral, happy, sad, angry, fearful, disgusted, surprised;
# these indices pick them in our order: angry, disgust, fear, happy, sad, surprise, neutral.
TO_OUR_ORDER = (3, 5, 4, 1, 2, 6, 0)


def decode_weights(manifest: bytes, data: bytes) -> Weights:
    """Named float32 tensors from a tfjs weights manifest and its one binary file.

    Tensors follow each other in manifest order; a quantised one stores uint8 values q that
    mean `q * scale + min`. Anything else (several files, other dtypes, a size mismatch) is
    a ModelError: these are exactly the files whose checksums models fetch records.
    """
    try:
        groups = json.loads(manifest)
        entries = [entry for group in groups for entry in group["weights"]]
        if sum(len(group["paths"]) for group in groups) != 1:
            raise ValueError("expected one weights file")
        tensors: Weights = {}
        offset = 0
        for entry in entries:
            count = int(np.prod(entry["shape"], dtype=np.int64))
            quant = entry.get("quantization")
            if quant is not None:
                if quant.get("dtype") != "uint8":
                    raise ValueError(f"{entry['name']}: quantised as {quant.get('dtype')}")
                raw = np.frombuffer(data, np.uint8, count, offset)
                values = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(
                    quant["min"]
                )
                offset += count
            elif entry["dtype"] == "float32":
                values = np.frombuffer(data, np.float32, count, offset).copy()
                offset += 4 * count
            else:
                raise ValueError(f"{entry['name']}: dtype {entry['dtype']}")
            tensors[entry["name"]] = values.reshape(entry["shape"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"expression model weights cannot be read: {exc}") from None
    if offset != len(data):
        raise ModelError(f"expression model weights: {len(data) - offset} bytes left over")
    return tensors


def build_onnx(weights: Weights) -> bytes:
    """The network as a serialised ONNX model (opset 13), weights included."""
    from onnx import TensorProto, helper, numpy_helper  # only needed while building

    nodes: list[Any] = []
    initializers: list[Any] = []

    def constant(name: str, array: npt.NDArray[np.float32]) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attributes))
        return name

    def conv3x3(
        x: str,
        name: str,
        filters: npt.NDArray[np.float32],
        stride: int,
        bias: str | None = None,
        group: int = 1,
    ) -> str:
        # TensorFlow 'same' padding: stride 1 pads one pixel all round; stride 2 (on even
        # sizes, as here) pads one pixel after, none before.
        pads = [1, 1, 1, 1] if stride == 1 else [0, 0, 1, 1]
        inputs = [x, constant(name + ".w", filters)] + ([bias] if bias else [])
        return node(
            "Conv",
            inputs,
            name,
            kernel_shape=[3, 3],
            strides=[stride, stride],
            pads=pads,
            group=group,
        )

    def separable(x: str, prefix: str, stride: int) -> str:
        depthwise = weights[f"{prefix}/depthwise_filter"]  # (3, 3, C, 1)
        pointwise = weights[f"{prefix}/pointwise_filter"]  # (1, 1, C, K)
        channels = depthwise.shape[2]
        dw = conv3x3(x, prefix + "/dw", depthwise.transpose(2, 3, 0, 1), stride, group=channels)
        kernel = pointwise[0, 0].T[:, :, None, None]
        bias = constant(prefix + "/b", weights[f"{prefix}/bias"])
        return node(
            "Conv",
            [dw, constant(prefix + "/pw.w", kernel), bias],
            prefix + "/pw",
            kernel_shape=[1, 1],
        )

    def total(parts: list[str], name: str) -> str:
        acc = parts[0]
        for i, part in enumerate(parts[1:]):
            acc = node("Add", [acc, part], f"{name}+{i}")
        return acc

    x = "input"
    for index in range(len(BLOCK_CHANNELS)):
        block = f"dense{index}"
        if index == 0:
            bias = constant(block + "/conv0/b", weights[block + "/conv0/bias"])
            filters = weights[block + "/conv0/filters"].transpose(3, 2, 0, 1)
            first = conv3x3(x, block + "/conv0", filters, 2, bias=bias)
        else:
            first = separable(x, block + "/conv0", 2)
        out1 = node("Relu", [first], block + "/out1")
        out2 = separable(out1, block + "/conv1", 1)
        in3 = node("Relu", [total([out1, out2], block + "/in3")], block + "/in3.relu")
        out3 = separable(in3, block + "/conv2", 1)
        in4 = node("Relu", [total([out1, out2, out3], block + "/in4")], block + "/in4.relu")
        out4 = separable(in4, block + "/conv3", 1)
        x = node("Relu", [total([out1, out2, out3, out4], block + "/sum")], block + "/out")
    pooled = node("GlobalAveragePool", [x], "pool")
    flat = node("Flatten", [pooled], "flat")
    fc = [constant("fc.w", weights["fc/weights"]), constant("fc.b", weights["fc/bias"])]
    logits = node("Gemm", [flat, *fc], "logits")
    node("Softmax", [logits], "probabilities")
    shape = [None, 3, INPUT_SIZE, INPUT_SIZE]
    graph = helper.make_graph(
        nodes,
        "face_expression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 7])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what OpenCV's importer reads
    return cast(bytes, model.SerializeToString())


def prepare(face: Image) -> npt.NDArray[np.float32]:
    """A grey crop -> the network's (3, 112, 112) input (mean subtracted, scaled by 1/255)."""
    grey = resized(face, INPUT_SIZE).astype(np.float32)
    return np.stack([(grey - mean) / 255.0 for mean in MEAN_RGB]).astype(np.float32)


class ExpressionNet(CropClassifier):
    """face-api.js's expression network."""

    def __init__(self, folder: Path | None = None) -> None:
        manifest, data = read_expression_files(folder)
        try:
            model = build_onnx(decode_weights(manifest, data))
            self._net = cv2.dnn.readNetFromONNX(np.frombuffer(model, np.uint8))
        except (cv2.error, ImportError) as exc:
            # An OpenCV whose importer lacks an operator, or onnx missing from a broken
            # install: the show falls back to fer's CNN alone rather than not starting.
            raise ModelError(f"expression model cannot be built for OpenCV's dnn: {exc}") from None
        self._net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self._net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)

    def _forward(self, crops: Sequence[Image]) -> npt.NDArray[np.float32]:
        self._net.setInput(np.stack([prepare(face) for face in crops]))
        out = np.asarray(self._net.forward(), np.float32).reshape(len(crops), -1)
        return out[:, TO_OUR_ORDER]
