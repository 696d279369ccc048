"""Fitting the smile network: class-balanced loss, gallery-light augmentation, a cosine
schedule; measuring it per folder; exporting it to ONNX and checking OpenCV reads it alike."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from installation.vision.smilenet import INPUT_SIZE
from installation.vision.train.augment import Augmentation, augment, plain
from installation.vision.train.data import Dataset
from installation.vision.train.net import SmileCnn


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    batch: int = 128
    learning_rate: float = 3e-3
    weight_decay: float = 5e-4
    seed: int = 1
    augmentation: Augmentation = field(default_factory=Augmentation)


@dataclass(frozen=True)
class Scores:
    """How one model reads one folder's crops (each read plain and mirrored, averaged)."""

    name: str
    n: int
    accuracy: float
    balanced_accuracy: float


def class_weights(data: Dataset) -> npt.NDArray[np.float32]:
    """Per crop: each class of each folder weighs as much in total as the other class.

    Why: SMILEsmileD is 72% non-smiles; unweighted, a network learns to say "no" and its
    balanced accuracy (the figure measured on it) suffers.
    """
    weights = np.zeros(len(data), np.float32)
    for source in range(len(data.names)):
        in_source = data.source == source
        for label in (0, 1):
            members = in_source & (data.labels == label)
            if members.any():
                weights[members] = in_source.sum() / (2.0 * members.sum())
    normalised: npt.NDArray[np.float32] = weights / weights.mean()
    return normalised


def train(
    data: Dataset,
    settings: TrainSettings,
    progress: Callable[[int, int, float], None] | None = None,
) -> SmileCnn:
    """A network fitted to `data`; `progress(epoch, epochs, mean loss)` after each epoch."""
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    order = np.random.default_rng(settings.seed)
    model = SmileCnn()
    images = torch.from_numpy(data.images)
    labels = torch.from_numpy(data.labels.astype(np.float32))
    weights = torch.from_numpy(class_weights(data))
    steps = math.ceil(len(data) / settings.batch)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, settings.learning_rate, total_steps=settings.epochs * steps, pct_start=0.15
    )
    for epoch in range(settings.epochs):
        model.train()
        permutation = torch.from_numpy(order.permutation(len(data)))
        total = 0.0
        for step in range(steps):
            index = permutation[step * settings.batch : (step + 1) * settings.batch]
            batch = augment(images[index], settings.augmentation, generator)
            loss = F.binary_cross_entropy_with_logits(
                model(batch), labels[index], weight=weights[index]
            )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(index)
        if progress is not None:
            progress(epoch + 1, settings.epochs, total / len(data))
    model.eval()
    return model


def predict(
    model: SmileCnn, images: npt.NDArray[np.uint8], batch: int = 512
) -> npt.NDArray[np.float32]:
    """P(smile) per crop: the mean of the plain and the mirrored reading, as stills are read."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch):
            inputs = plain(torch.from_numpy(images[start : start + batch]))
            both = torch.sigmoid(model(inputs)) + torch.sigmoid(model(inputs.flip(3)))
            out.append((both / 2.0).numpy())
    return np.concatenate(out).astype(np.float32)


def score(model: SmileCnn, data: Dataset, threshold: float = 0.5) -> list[Scores]:
    """Accuracy and balanced accuracy per folder of `data`."""
    probabilities = predict(model, data.images)
    said = probabilities >= threshold
    rows = []
    for source, name in enumerate(data.names):
        mine = data.source == source
        if not mine.any():
            continue
        truth, guess = data.labels[mine] == 1, said[mine]
        rates = [
            float((guess[truth == side] == side).mean())
            for side in (True, False)
            if (truth == side).any()
        ]
        rows.append(
            Scores(name, int(mine.sum()), float((guess == truth).mean()), float(np.mean(rates)))
        )
    return rows


def export(model: SmileCnn, path: Path) -> float:
    """Write the ONNX file; return the largest difference between OpenCV's and torch's logits.

    Raises if OpenCV reads it differently (a layer it lacks would otherwise show up only
    as wrong smiles in a show).
    """
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = torch.randn(8, 1, INPUT_SIZE, INPUT_SIZE, generator=torch.Generator().manual_seed(0))
    torch.onnx.export(
        model,
        (sample,),
        str(path),
        input_names=["crop"],
        output_names=["smile_logit"],
        dynamic_axes={"crop": {0: "faces"}, "smile_logit": {0: "faces"}},
        opset_version=13,
        dynamo=False,
    )
    net = cv2.dnn.readNetFromONNX(str(path))
    net.setInput(sample.numpy())
    theirs = np.asarray(net.forward(), np.float32).reshape(-1)
    with torch.no_grad():
        ours = model(sample).numpy().reshape(-1)
    difference = float(np.abs(theirs - ours).max())
    if difference > 1e-3:
        raise RuntimeError(f"OpenCV reads {path} differently from torch (by {difference:.4f})")
    return difference
