"""The emotion models: fetched files, checksums, int8 scales, and readings of a real face."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from installation.emotions import EMOTIONS, HAPPY
from installation.vision.boxes import Box
from installation.vision.emotion import CropClassifier, EmotionModel
from installation.vision.expression_files import (
    LICENSE_MEMBER,
    MANIFEST_MEMBER,
    WEIGHTS_MEMBER,
    expression_status,
    fetch_expression_model,
    manifest_path,
    read_expression_files,
    weights_path,
)
from installation.vision.expression_net import ExpressionNet, decode_weights, prepare
from installation.vision.models import MODEL_SHA256, ModelError, read_model
from installation.vision.pipeline import to_gray
from installation.vision.reading import CnnReader, EnsembleReader, HaarReader, crop_face
from installation.vision.samples import ASTRONAUT_FACE, astronaut
from installation.vision.tflite import TFLiteFormatError, int8_filter_scales
from tests.expression_reference import reference_probabilities
from tests.vision_helpers import expression_dir, model_path


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
    readers = (
        EnsembleReader(model_path(), expression_dir()),
        CnnReader(model_path()),
        HaarReader(),
    )
    odd = [np.zeros((1, 1), np.uint8), np.full((300, 200), 255, np.uint8)]
    for reader in readers:
        (smile, emotions), (covered, _) = reader.read_still(
            [face_crop(), face_crop(cover_mouth=True)]
        )
        assert smile > covered and len(emotions) == len(EMOTIONS)
        for reading in reader.read(odd, [1, 2]):
            assert 0.0 <= reading[0] <= 1.0 and sum(reading[1]) == pytest.approx(1.0, abs=1e-3)
        assert reader.read([], []) == []


def test_crop_face_pads_faces_at_the_frame_edge() -> None:
    gray = np.arange(100 * 200, dtype=np.uint32).reshape(100, 200).astype(np.uint8)
    inside = crop_face(gray, Box(0.25, 0.2, 0.2, 0.4))
    assert inside.shape == (40, 40)
    corner = crop_face(gray, Box(-0.05, -0.1, 0.2, 0.4))  # partly outside the frame
    assert corner.shape == (40, 40)
    assert crop_face(gray, Box(2.0, 2.0, 0.1, 0.1)).shape == (20, 20)  # wholly outside


def test_the_second_model_sees_the_astronaut_smile_and_not_a_covered_mouth() -> None:
    net = ExpressionNet(expression_dir())
    smiling, covered = net.classify_both([face_crop(), face_crop(cover_mouth=True)])
    assert smiling.sum() == pytest.approx(1.0, abs=1e-4)
    assert int(np.argmax(smiling)) == HAPPY and smiling[HAPPY] > 0.9
    assert covered[HAPPY] < 0.3


def test_the_onnx_graph_computes_the_published_architecture() -> None:
    """cv2.dnn running the built graph == a plain numpy forward pass of the same weights."""
    manifest, data = read_expression_files(expression_dir())
    weights = decode_weights(manifest, data)
    net = ExpressionNet(expression_dir())
    rng = np.random.default_rng(3)
    crops = [face_crop(), rng.integers(0, 256, (90, 90), dtype=np.uint8)]
    for crop, ours in zip(crops, net.classify(crops), strict=True):
        reference = reference_probabilities(weights, prepare(crop))
        assert np.abs(ours - reference).max() < 1e-4


def test_ensemble_visits_cycle_models_and_views_per_face() -> None:
    reader = EnsembleReader(model_path(), expression_dir())
    assert reader.FACE_API_PER_READ == 1
    fer, face_api = reader._models
    calls: list[tuple[str, int]] = []

    def spy(name: str, model: CropClassifier) -> None:
        forward = model._forward

        def counting(crops: list[np.ndarray]) -> np.ndarray:
            calls.append((name, len(crops)))
            return forward(crops)

        model._forward = counting  # type: ignore[method-assign,assignment]

    spy("fer", fer)
    spy("face-api", face_api)
    face = face_crop()
    # Two faces visited alternately, as the pipeline does with faces_per_frame = 1: each
    # face still takes every view in turn, whatever the other does.
    for _ in range(4):
        reader.read([face], [7])
        reader.read([face], [9])
    assert calls == [
        ("fer", 1), ("fer", 1), ("face-api", 1), ("face-api", 1),
        ("fer", 1), ("fer", 1), ("face-api", 1), ("face-api", 1),
    ]  # fmt: skip
    calls.clear()
    smile, _ = reader.read([face], [7])[0]  # fer again, averaged with face-api's latest
    assert calls == [("fer", 1)] and smile > 0.9
    reader.forget([7, 9])
    calls.clear()
    reader.read([face], [7])  # a new face with an old number starts from the first view
    assert calls == [("fer", 1)]
    assert set(reader._latest) == {7}
    # Two faces due for face-api in one frame: one gets it, the other reads fer meanwhile
    # and gets face-api at its next visit. A frame never runs face-api twice.
    reader.read([face], [8])
    calls.clear()
    reader.read([face, face], [7, 8])
    assert calls == [("fer", 1), ("face-api", 1)]
    calls.clear()
    reader.read([face, face], [7, 8])
    assert calls == [("fer", 1), ("face-api", 1)]  # 7 mirrored by fer now, 8 by face-api


def test_weights_manifest_decoding_dequantises_and_refuses_the_unexpected() -> None:
    manifest = [
        {
            "paths": ["w.bin"],
            "weights": [
                {"name": "q", "shape": [2, 2], "dtype": "float32",
                 "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
                {"name": "f", "shape": [2], "dtype": "float32"},
            ],
        }
    ]  # fmt: skip
    data = bytes([0, 1, 2, 255]) + np.array([1.5, -2.0], np.float32).tobytes()
    tensors = decode_weights(json.dumps(manifest).encode(), data)
    assert tensors["q"].tolist() == [[-1.0, -0.5], [0.0, 126.5]]
    assert tensors["f"].tolist() == [1.5, -2.0]
    with pytest.raises(ModelError, match="left over"):
        decode_weights(json.dumps(manifest).encode(), data + b"\0")
    with pytest.raises(ModelError, match="cannot be read"):
        decode_weights(b"not json", data)
    manifest[0]["weights"][0]["quantization"]["dtype"] = "uint16"  # type: ignore[index]
    with pytest.raises(ModelError, match="uint16"):
        decode_weights(json.dumps(manifest).encode(), data)


def test_expression_files_are_checked_and_a_bad_download_installs_nothing(
    tmp_path: Path,
) -> None:
    with pytest.raises(ModelError, match="models fetch"):
        read_expression_files(tmp_path)
    ok, why = expression_status(tmp_path)
    assert not ok and "not found" in why
    # A package that is not the recorded one (here: a local .tgz) is refused, nothing written.
    fake = tmp_path / "fake.tgz"
    with tarfile.open(fake, "w:gz") as archive:
        for name in (MANIFEST_MEMBER, WEIGHTS_MEMBER, LICENSE_MEMBER):
            info = tarfile.TarInfo(name)
            info.size = 4
            archive.addfile(info, io.BytesIO(b"fake"))
    target = tmp_path / "models"
    with pytest.raises(ModelError, match=r"expected .*not installing it"):
        fetch_expression_model(target, url=fake.as_uri())
    with pytest.raises(ModelError, match="could not download"):
        fetch_expression_model(target, url=(tmp_path / "missing.tgz").as_uri())
    assert not target.exists() or not any(target.iterdir())
    # Damaged files already there are named with what to do.
    target.mkdir(exist_ok=True)
    manifest_path(target).write_bytes(b"[]")
    weights_path(target).write_bytes(b"")
    with pytest.raises(ModelError, match=r"SHA-256 .*delete it"):
        read_expression_files(target)
