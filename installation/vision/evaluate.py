"""`installation smiles evaluate DIR`: how well the smile reading separates smiles.

DIR/0/ holds face crops without a smile, DIR/1/ with one (one face fills each image, any
size). Each image is read as a still (`SmileReader.read_still`) and called a smile when its
score reaches the threshold. Images stay in memory; nothing is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from installation.config import VisionSection
from installation.errors import MissingPartError, UserError
from installation.vision.models import ModelError
from installation.vision.pipeline import to_gray
from installation.vision.reading import SmileReader, make_reader

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm")


@dataclass(frozen=True)
class Evaluation:
    """The figures `smiles evaluate` prints."""

    n: int
    n_smile: int
    n_no_smile: int
    accuracy: float
    balanced_accuracy: float
    true_positive_rate: float
    false_positive_rate: float
    ms_per_image: float
    threshold: float
    smile_model: str
    skipped: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        return [
            f"images: {self.n} ({self.n_smile} smiling, {self.n_no_smile} not)"
            + (f", {self.skipped} unreadable skipped" if self.skipped else ""),
            f"smile model: {self.smile_model}, threshold {self.threshold:g}",
            f"accuracy:          {self.accuracy:.4f}",
            f"balanced accuracy: {self.balanced_accuracy:.4f}",
            f"true positive rate (smiles found):        {self.true_positive_rate:.4f}",
            f"false positive rate (non-smiles called):  {self.false_positive_rate:.4f}",
            f"time: {self.ms_per_image:.2f} ms per image (one thread, decoding excluded)",
        ]


def check_labelled_folder(folder: Path) -> None:
    """DIR/0 and DIR/1 must exist: one message naming the one that does not."""
    for name in ("0", "1"):
        if not (folder / name).is_dir():
            raise UserError(
                f"{folder / name}: folder not found; DIR must hold 0/ (no smile) and "
                "1/ (smile), each with face images (.jpg, .png, ...)"
            )


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def evaluate(
    folder: Path,
    smile_model: str = VisionSection().smile_model,
    threshold: float = 0.5,
    model_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Score every image under folder/0 and folder/1; `progress(done, total)` before the
    first and after each."""
    check_labelled_folder(folder)
    if not 0.0 < threshold < 1.0:
        raise UserError(f"--threshold must be between 0 and 1 (got {threshold:g})")
    try:
        reader: SmileReader = make_reader(smile_model, model_path)
    except ModelError as exc:
        raise MissingPartError(str(exc)) from None
    cv2.setNumThreads(1)  # figures for one core, like the bench
    truths: list[int] = []
    scores: list[float] = []
    seconds = 0.0
    skipped = 0
    work = [(label, path) for label in (0, 1) for path in image_files(folder / str(label))]
    if progress is not None:
        progress(0, len(work))
    for done, (label, path) in enumerate(work, start=1):
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None or image.size == 0:
            skipped += 1
        else:
            started = time.perf_counter()
            smile, _ = reader.read_still([to_gray(image)])[0]
            seconds += time.perf_counter() - started
            truths.append(label)
            scores.append(smile)
        if progress is not None:
            progress(done, len(work))
    if not truths:
        raise UserError(f"{folder}: no readable images in 0/ or 1/")
    truth = np.array(truths, bool)
    said = np.array(scores) >= threshold
    positives, negatives = int(truth.sum()), int((~truth).sum())
    tpr = float((said & truth).sum() / positives) if positives else float("nan")
    fpr = float((said & ~truth).sum() / negatives) if negatives else float("nan")
    tnr = 1.0 - fpr
    balanced = (tpr + tnr) / 2.0 if positives and negatives else float("nan")
    return Evaluation(
        n=len(truths),
        n_smile=positives,
        n_no_smile=negatives,
        accuracy=float((said == truth).mean()),
        balanced_accuracy=balanced,
        true_positive_rate=tpr,
        false_positive_rate=fpr,
        ms_per_image=1000.0 * seconds / len(truths),
        threshold=threshold,
        smile_model=reader.name,
        skipped=skipped,
    )
