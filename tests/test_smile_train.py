"""`installation smiles train`: a missing folder is one message; a tiny training runs for
real (PyTorch, CPU), cross-validates, and exports a file OpenCV reads as torch does."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.vision.smilenet import SmileNet
from tests.conftest import run_cli


def _faces(folder: Path, count: int, seed: int) -> None:
    """Cartoon faces: a mouth curved up (1/) or straight (0/), at varied light and place."""
    rng = np.random.default_rng(seed)
    for label in (0, 1):
        (folder / str(label)).mkdir(parents=True)
        for index in range(count):
            face = np.full((64, 64, 3), int(rng.integers(90, 200)), np.uint8)
            dx, dy = (int(v) for v in rng.integers(-4, 5, 2))
            for eye in (22, 42):
                cv2.circle(face, (eye + dx, 24 + dy), 4, (20, 20, 20), -1)
            if label:
                cv2.ellipse(face, (32 + dx, 40 + dy), (13, 9), 0, 10, 170, (20, 20, 20), 3)
            else:
                cv2.line(face, (20 + dx, 46 + dy), (44 + dx, 46 + dy), (20, 20, 20), 3)
            cv2.imwrite(str(folder / str(label) / f"{index}.png"), face)


def test_training_without_its_data_folder_names_the_folder(tmp_path: Path) -> None:
    result = run_cli("smiles", "train", "--data", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert f"{tmp_path / 'nowhere' / '0'}: folder not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_tiny_training_cross_validates_and_exports_what_opencv_reads(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the train extra (PyTorch) is not installed")
    data = tmp_path / "cartoons"
    _faces(data, 96, seed=3)
    out = tmp_path / "smile.onnx"
    arguments = ["--data", str(data), "--out", str(out), "--folds", "2", "--epochs", "20"]
    result = run_cli("smiles", "train", *arguments, "--seed", "5", timeout=600)
    assert result.returncode == 0, result.stderr
    assert "fold 2/2: epoch 20/20" in result.stderr and "final: epoch 20/20" in result.stderr
    figures = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(figures["cross_validation"]) == 2
    assert figures["cross_validation_mean"]["cartoons"]["accuracy_mean"] > 0.8
    assert figures["opencv_vs_torch_max_logit_difference"] < 1e-3
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "2-fold cross-validation" in card and "| `cartoons` |" in card
    network = SmileNet(out)

    def grey(label: str) -> list[np.ndarray]:
        paths = sorted((data / label).glob("*.png"))[:8]
        return [np.asarray(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE), np.uint8) for p in paths]

    smiles, plain = network.smile_both(grey("1")), network.smile_both(grey("0"))
    assert float(np.mean(smiles)) > float(np.mean(plain)) + 0.3
