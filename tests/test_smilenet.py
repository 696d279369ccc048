"""The project's own smile network: the shipped file, its reading of a real face, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from installation.config import Config
from installation.vision.models import ModelError
from installation.vision.reading import EnsembleReader, SmileNetReader, make_reader
from installation.vision.select import _camera_choice
from installation.vision.smilenet import INPUT_SIZE, MODEL_FILE, Blend, SmileNet, prepare
from installation.vision.train.combine import fit_blend
from tests.test_vision_model import face_crop
from tests.vision_helpers import expression_dir, model_path


def test_the_shipped_network_sees_the_astronauts_smile_and_not_a_covered_mouth() -> None:
    network = SmileNet()
    smiling, covered = face_crop(), face_crop(cover_mouth=True)
    plain, hidden = network.smile_both([smiling, covered])
    assert plain > 0.7, f"P(smile) {plain:.3f} for a broad smile"
    assert hidden < plain - 0.3, f"P(smile) {hidden:.3f} with the mouth covered vs {plain:.3f}"


def test_a_reading_is_the_same_at_any_crop_size_and_in_dim_light() -> None:
    network = SmileNet()
    face = face_crop()
    small = face[::3, ::3].copy()
    dim = (face.astype(np.float32) * 0.3).astype(np.uint8)
    full, little, dark = network.smile_both([face, small, dim])
    assert abs(full - little) < 0.15 and abs(full - dark) < 0.1, (full, little, dark)


def test_prepare_standardises_each_crop_to_the_networks_input() -> None:
    batch = prepare([face_crop(), np.full((30, 30), 7, np.uint8)])
    assert batch.shape == (2, 1, INPUT_SIZE, INPUT_SIZE)
    assert abs(float(batch[0].mean())) < 1e-4 and abs(float(batch[0].std()) - 1.0) < 1e-3
    assert np.all(batch[1] == 0.0)  # a flat crop stays flat: no noise blown up into a face


def test_a_missing_or_damaged_network_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"not found.*smiles train"):
        SmileNet(tmp_path / "missing.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(MODEL_FILE.read_bytes()[:5000])
    with pytest.raises(ModelError, match="cannot be loaded"):
        SmileNet(broken)


def test_the_smilenet_reader_takes_its_smiles_from_the_network_and_emotions_from_the_cnns() -> None:
    emotions = EnsembleReader(model_path(), expression_dir())
    reader = SmileNetReader(emotions)
    faces = [face_crop(), face_crop(cover_mouth=True)]
    (smile, probabilities), (hidden, _) = reader.read_still(faces)
    network = SmileNet()
    assert network.blend is not None  # the shipped network comes with its blend
    happy = [p_happy for p_happy, _ in emotions.read_still(faces)]
    expected = network.blend(network.smile_both(faces), happy)
    assert smile == pytest.approx(float(expected[0]), abs=1e-5)
    assert hidden == pytest.approx(float(expected[1]), abs=1e-5)
    assert smile > 0.7 > 0.5 > hidden
    assert probabilities == emotions.read_still(faces[:1])[0][1]
    live = [reader.read(faces[:1], [7])[0][0] for _ in range(2)]  # plain, then mirrored
    assert live[0] != live[1] and abs(live[0] - live[1]) < 0.2
    assert make_reader("smilenet").name == "smilenet"


def test_without_the_network_file_the_show_reads_smiles_with_the_emotion_cnns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("installation.vision.smilenet.MODEL_FILE", tmp_path / "gone.onnx")
    config = Config.model_validate({"vision": {"smile_model": "smilenet"}})
    choice = _camera_choice(config, 0)
    assert any("smile network not found" in notice for notice in choice.notices)
    assert "two emotion CNNs" in choice.notices[0]


def test_the_blend_beside_the_network_is_read_and_a_missing_one_leaves_the_network_alone(
    tmp_path: Path,
) -> None:
    model = tmp_path / "net.onnx"
    model.write_bytes(MODEL_FILE.read_bytes())
    assert SmileNet(model).blend is None  # no figures file
    model.with_suffix(".json").write_text('{"blend": {"network": 2.0, "cnns": 1.0, "bias": -0.5}}')
    blend = SmileNet(model).blend
    assert blend == Blend(2.0, 1.0, -0.5)
    assert float(blend(0.5, 0.5)) == pytest.approx(1.0 / (1.0 + np.exp(0.5)))
    assert float(blend(0.9, 0.2)) > float(blend(0.6, 0.2))  # rises with each input
    model.with_suffix(".json").write_text('{"blend": {"network": "x"}}')
    assert SmileNet(model).blend is None  # a damaged entry: the network alone, not a crash


def test_a_fitted_blend_finds_the_weights_that_made_the_labels() -> None:
    rng = np.random.default_rng(4)
    z_network, z_cnns = rng.normal(0, 2, 4000), rng.normal(0, 2, 4000)
    truth = 1.5 * z_network + 0.5 * z_cnns - 0.3
    labels = (rng.random(4000) < 1 / (1 + np.exp(-truth))).astype(np.int64)
    p_network, p_cnns = 1 / (1 + np.exp(-z_network)), 1 / (1 + np.exp(-z_cnns))
    blend = fit_blend(p_network, p_cnns, labels, np.ones(4000))
    assert blend.network == pytest.approx(1.5, abs=0.2)
    assert blend.cnns == pytest.approx(0.5, abs=0.15)
    assert blend.bias == pytest.approx(-0.3, abs=0.15)
