"""Just enough of the TFLite flatbuffer format to read the scales of int8 filters.

OpenCV's TFLite importer loads the emotion model's int8 convolution filters but reads their
per-channel scales as NaN, so every output is NaN. The scales are in the file; this reads
them (FlatBuffers tables, vectors and strings, little-endian) without TensorFlow or the
`flatbuffers` package. Field numbers follow TensorFlow's `schema.fbs`.
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

# schema.fbs field numbers (the order of declaration in each table).
_MODEL_SUBGRAPHS = 2
_SUBGRAPH_TENSORS, _SUBGRAPH_OPERATORS = 0, 3
_TENSOR_TYPE, _TENSOR_NAME, _TENSOR_QUANTIZATION = 1, 3, 4
_QUANT_SCALE = 2
_OPERATOR_INPUTS, _OPERATOR_OUTPUTS = 1, 2
_TYPE_INT8 = 9


class TFLiteFormatError(ValueError):
    """The bytes are not a TFLite model this reader understands."""


class _Table:
    """One FlatBuffers table at `pos` in `buf` (read-only, bounds-checked by struct)."""

    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf, self.pos = buf, pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vtable_len = struct.unpack_from("<H", buf, self.vtable)[0]

    def _field(self, index: int) -> int:
        offset = 4 + 2 * index
        if offset >= self.vtable_len:
            return 0  # a field added after this file was written: absent
        return int(struct.unpack_from("<H", self.buf, self.vtable + offset)[0])

    def scalar(self, index: int, fmt: str, default: int = 0) -> int:
        offset = self._field(index)
        if not offset:
            return default
        return int(struct.unpack_from("<" + fmt, self.buf, self.pos + offset)[0])

    def _target(self, index: int) -> int | None:
        offset = self._field(index)
        if not offset:
            return None
        where = self.pos + offset
        return where + int(struct.unpack_from("<I", self.buf, where)[0])

    def _vector(self, index: int) -> tuple[int, int]:
        start = self._target(index)
        if start is None:
            return 0, 0
        return start + 4, int(struct.unpack_from("<I", self.buf, start)[0])

    def table(self, index: int) -> _Table | None:
        start = self._target(index)
        return None if start is None else _Table(self.buf, start)

    def tables(self, index: int) -> list[_Table]:
        start, count = self._vector(index)
        return [
            _Table(self.buf, start + 4 * i + struct.unpack_from("<I", self.buf, start + 4 * i)[0])
            for i in range(count)
        ]

    def array(self, index: int, dtype: str) -> npt.NDArray[np.generic]:
        start, count = self._vector(index)
        return np.frombuffer(self.buf, np.dtype(dtype), count, start) if count else np.zeros(0)

    def string(self, index: int) -> str:
        start, count = self._vector(index)
        return self.buf[start : start + count].decode("utf-8", "replace")


def int8_filter_scales(model: bytes) -> dict[str, npt.NDArray[np.float32]]:
    """For each operator whose filter (input 1) is int8: its output name -> per-channel scales.

    OpenCV names a layer after its operator's first output tensor, so the keys match
    `cv2.dnn.Net.getLayerNames()`.
    """
    if len(model) < 8 or model[4:8] != b"TFL3":
        raise TFLiteFormatError("not a TFLite model (no TFL3 identifier at byte 4)")
    try:
        root = _Table(model, struct.unpack_from("<I", model, 0)[0])
        scales: dict[str, npt.NDArray[np.float32]] = {}
        for subgraph in root.tables(_MODEL_SUBGRAPHS):
            tensors = subgraph.tables(_SUBGRAPH_TENSORS)
            for operator in subgraph.tables(_SUBGRAPH_OPERATORS):
                inputs = operator.array(_OPERATOR_INPUTS, "<i4")
                outputs = operator.array(_OPERATOR_OUTPUTS, "<i4")
                if len(inputs) < 2 or not len(outputs) or inputs[1] < 0:
                    continue
                weights = tensors[int(inputs[1])]
                quantization = weights.table(_TENSOR_QUANTIZATION)
                if weights.scalar(_TENSOR_TYPE, "b") != _TYPE_INT8 or quantization is None:
                    continue
                name = tensors[int(outputs[0])].string(_TENSOR_NAME)
                scales[name] = quantization.array(_QUANT_SCALE, "<f4").astype(np.float32)
        return scales
    except (struct.error, IndexError) as exc:
        raise TFLiteFormatError(f"damaged TFLite model: {exc}") from None
