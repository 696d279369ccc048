"""The emotion model: fetched file, checksum, int8 scales, and readings of a real face."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from installation.emotions import EMOTIONS, HAPPY
from installation.vision.emotion import EmotionModel
from installation.vision.models import MODEL_SHA256, ModelError, read_model
from installation.vision.pipeline import to_gray
from installation.vision.reading import CnnReader, HaarReader, crop_face
from installation.vision.samples import ASTRONAUT_FACE, astronaut
from installation.vision.tflite import TFLiteFormatError, int8_filter_scales
from installation.vision.tracking import Box
from tests.vision_helpers import model_path


def face_crop(cover_mouth: bool = False) -> np.ndarray:
    gray = to_gray(astronaut()).copy()
    x, y, w, h = ASTRONAUT_FACE
    if cover_mouth:
        gray[y + int(0.62 * h) : y + h + 8, x + w // 6 : x + w - w // 6] = 150
    return gray[y : y + h, x : x + w]


def test_the_fetched_model_has_the_recorded_checksum_and_int8_scales() -> None:
    data = read_model(model_path())
    scales = int8_filter_scales(data)
    assert len(scales) == 9  # the int8 1x1, depthwise and final convolutions
    assert all(len(s) > 0 and np.all(np.isfinite(s)) and np.all(s > 0) for s in scales.values())
    assert MODEL_SHA256.startswith("65e3961b")


def test_damaged_or_missing_models_are_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="models fetch"):
        read_model(tmp_path / "missing.tflite")
    (tmp_path / "other.tflite").write_bytes(b"TFL3" * 100)
    with pytest.raises(ModelError, match="SHA-256"):
        read_model(tmp_path / "other.tflite")
    with pytest.raises(TFLiteFormatError, match="TFL3"):
        int8_filter_scales(b"not a model at all")
    with pytest.raises(TFLiteFormatError, match="damaged"):
        int8_filter_scales(b"\xff\xff\xff\x7fTFL3" + b"\0" * 8)


def test_the_astronaut_smiles_and_a_covered_mouth_does_not() -> None:
    model = EmotionModel(model_path())
    smiling, covered = model.classify_both([face_crop(), face_crop(cover_mouth=True)])
    assert smiling.shape == (len(EMOTIONS),)
    assert smiling.sum() == pytest.approx(1.0, abs=1e-4)
    assert smiling[HAPPY] > 0.9
    assert covered[HAPPY] < 0.3
    mirrored = model.classify([face_crop()], mirror=True)[0]
    assert mirrored[HAPPY] > 0.9


def test_readers_agree_on_the_astronaut_and_handle_odd_crops() -> None:
    cnn, haar = CnnReader(model_path()), HaarReader()
    for reader in (cnn, haar):
        (smile, emotions), (covered, _) = reader.read_still(
            [face_crop(), face_crop(cover_mouth=True)]
        )
        assert smile > covered and len(emotions) == len(EMOTIONS)
    odd = [np.zeros((1, 1), np.uint8), np.full((300, 200), 255, np.uint8)]
    for reading in cnn.read(odd) + haar.read(odd):
        assert 0.0 <= reading[0] <= 1.0 and sum(reading[1]) == pytest.approx(1.0, abs=1e-3)


def test_crop_face_pads_faces_at_the_frame_edge() -> None:
    gray = np.arange(100 * 200, dtype=np.uint32).reshape(100, 200).astype(np.uint8)
    inside = crop_face(gray, Box(0.25, 0.2, 0.2, 0.4))
    assert inside.shape == (40, 40)
    corner = crop_face(gray, Box(-0.05, -0.1, 0.2, 0.4))  # partly outside the frame
    assert corner.shape == (40, 40)
    assert crop_face(gray, Box(2.0, 2.0, 0.1, 0.1)).shape == (20, 20)  # wholly outside
