"""`installation smiles train`: cross-validate, fit on everything, export, write the model card."""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from installation.errors import UserError
from installation.vision.train.card import model_card
from installation.vision.train.data import Dataset, load_folders, stratified_folds

TRAIN_EXTRA_HINT = "install the training extra: pip install -e '.[train]' (PyTorch, CPU is enough)"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_training(
    folders: Sequence[Path],
    out: Path,
    *,
    folds: int,
    epochs: int,
    seed: int,
    predictions: Path | None = None,
) -> dict[str, Any]:
    """Cross-validate on `folders`, then fit on all of them and write `out` and its figures.

    Returns the figures (also written beside `out` as JSON); progress goes to stderr.
    `predictions`: a CSV of each crop's P(smile) from the fold that did not train on it.
    """
    if folds == 1 or folds < 0:
        raise UserError(f"--folds must be 0 (no cross-validation) or at least 2 (got {folds})")
    data = load_folders(
        folders, lambda done, total: _say(f"smiles train: reading images {done}/{total}")
    )
    try:
        import torch

        from installation.vision.train.fit import TrainSettings, export, predict, score, train
    except ImportError as exc:
        missing = exc.name or "torch"
        raise UserError(
            f"smiles train needs PyTorch ({missing} is missing); {TRAIN_EXTRA_HINT}"
        ) from None
    settings = TrainSettings(epochs=epochs, seed=seed)
    counts = {
        name: {
            "no_smile": int(((data.source == i) & (data.labels == 0)).sum()),
            "smile": int(((data.source == i) & (data.labels == 1)).sum()),
        }
        for i, name in enumerate(data.names)
    }
    _say(f"smiles train: {len(data)} crops: {counts}")
    started = time.monotonic()
    cross: list[list[dict[str, Any]]] = []
    held_out = np.full(len(data), np.nan, np.float32)
    fold_of = np.zeros(len(data), np.int64)
    for fold, held in enumerate(stratified_folds(data, folds, seed) if folds else []):
        fold_of[held] = fold
        kept = np.setdiff1d(np.arange(len(data)), held)
        label = f"fold {fold + 1}/{folds}"
        model = train(data.subset(kept), replace(settings, seed=seed + fold), _epochs(label))
        held_out[held] = predict(model, data.images[held])
        rows = score(model, data.subset(held))
        cross.append([asdict(row) for row in rows])
        _say(
            f"smiles train: {label}: "
            + ", ".join(
                f"{r.name} accuracy {r.accuracy:.4f} balanced {r.balanced_accuracy:.4f}"
                for r in rows
            )
        )
    if predictions is not None and folds:
        _write_predictions(predictions, data, held_out)
    blended = _blend(data, held_out, fold_of) if folds else {}
    model = train(data, settings, _epochs("final"))
    difference = export(model, out)
    figures = {
        "data": counts,
        "folds": folds,
        "seed": seed,
        "settings": {k: v for k, v in asdict(settings).items() if k != "augmentation"},
        "augmentation": asdict(settings.augmentation),
        "cross_validation": cross,
        "cross_validation_mean": _means(cross),
        "training_fit": [asdict(row) for row in score(model, data)],
        **blended,
        "opencv_vs_torch_max_logit_difference": difference,
        "minutes": round((time.monotonic() - started) / 60.0, 1),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    }
    out.with_suffix(".json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    card = out.parent / "MODEL_CARD.md"
    card.write_text(model_card(figures, out.name), encoding="utf-8")
    _say(f"smiles train: wrote {out}, {out.with_suffix('.json').name} and {card.name}")
    return figures


def _blend(data: Dataset, held_out: np.ndarray, fold_of: np.ndarray) -> dict[str, Any]:
    """The blend with the emotion CNNs (train/combine.py), or nothing when they are missing."""
    from installation.vision.models import ModelError
    from installation.vision.train.combine import blend_with_cnns, happy_of_every_crop

    _say("smiles train: reading every crop with the emotion CNNs, for the blend")
    try:
        p_happy = happy_of_every_crop(data)
    except ModelError as exc:
        _say(f"smiles train: no blend with the emotion CNNs ({exc})")
        return {}
    figures = blend_with_cnns(data, held_out.astype(np.float64), fold_of, p_happy)
    scores = figures["blend_cross_validation"]
    _say(f"smiles train: blend {figures['blend']}, cross-validated {scores}")
    return figures


def _write_predictions(path: Path, data: Dataset, held_out: np.ndarray) -> None:
    lines = ["folder,file,label,p_smile"]
    for index, file in enumerate(data.paths):
        lines.append(
            f"{data.names[data.source[index]]},{file.name},{data.labels[index]},"
            f"{held_out[index]:.5f}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _say(f"smiles train: wrote the held-out predictions to {path}")


def _epochs(label: str) -> Any:
    def report(epoch: int, epochs: int, loss: float) -> None:
        _say(f"smiles train: {label}: epoch {epoch}/{epochs}, loss {loss:.4f}")

    return report


def _means(cross: list[list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Per folder: mean and standard deviation over the folds of each figure."""
    by_name: dict[str, dict[str, list[float]]] = {}
    for rows in cross:
        for row in rows:
            figures = by_name.setdefault(row["name"], {"accuracy": [], "balanced_accuracy": []})
            figures["accuracy"].append(row["accuracy"])
            figures["balanced_accuracy"].append(row["balanced_accuracy"])
    return {
        name: {
            f"{key}_{stat}": round(float(fn(values)), 4)
            for key, values in figures.items()
            for stat, fn in (("mean", np.mean), ("sd", np.std))
        }
        for name, figures in by_name.items()
    }
