"""`installation smiles evaluate DIR --gallery`: the whole live path in gallery light.

Each labelled crop is placed into 640x480 frames (`gallery.py`: a random background, the
face 40 to 160 pixels wide) in each condition a room may have (plain, dim, a blue or
magenta cast, noisy), and those frames are fed to a fresh `VisionPipeline` as a camera at
30 fps would, for up to `seconds`: the face must be found (an observation overlapping the
true box) and then read `reads` times (detector, alignment and reader, smoothed as live).
Per condition and per face size: the share of faces found, and the smile accuracy of those
found, beside the plain (still) reading of the same crops. Images stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.errors import MissingPartError, UserError
from installation.vision.boxes import Box
from installation.vision.evaluate import check_labelled_folder, image_files
from installation.vision.gallery import CONDITIONS, FACE_SIZES, gallery_frame, is_found
from installation.vision.models import ModelError
from installation.vision.pipeline import VisionPipeline, VisionSettings, to_gray

Image = npt.NDArray[np.uint8]
FPS = 30.0


@dataclass(frozen=True)
class Cell:
    """Faces of one condition (or size): how many, how many found, how many read right."""

    name: str
    n: int
    found: int
    right: int

    @property
    def detection_rate(self) -> float:
        return self.found / self.n if self.n else float("nan")

    @property
    def accuracy(self) -> float:
        return self.right / self.found if self.found else float("nan")


@dataclass(frozen=True)
class GalleryEvaluation:
    crops: int
    plain_accuracy: float  # the crops read as stills by the same reader
    conditions: tuple[Cell, ...]
    sizes: tuple[Cell, ...]
    detector: str
    smile_model: str
    seconds: float

    def as_dict(self) -> dict[str, object]:
        def cells(rows: tuple[Cell, ...]) -> dict[str, dict[str, float | int]]:
            return {
                row.name: {
                    "n": row.n,
                    "detection_rate": round(row.detection_rate, 4),
                    "accuracy": round(row.accuracy, 4),
                }
                for row in rows
            }

        return {
            "crops": self.crops,
            "plain_accuracy": round(self.plain_accuracy, 4),
            "detector": self.detector,
            "smile_model": self.smile_model,
            "seconds_per_face": self.seconds,
            "conditions": cells(self.conditions),
            "sizes": cells(self.sizes),
        }

    def lines(self) -> list[str]:
        out = [
            f"{self.crops} crops, each in {len(self.conditions)} conditions at one of "
            f"{len(self.sizes)} face sizes (640x480 frames), found by {self.detector}, "
            f"smiles by {self.smile_model}, up to {self.seconds:g} s a face",
            f"plain (the crops as stills): accuracy {self.plain_accuracy:.4f}",
        ]
        for title, rows in (("condition", self.conditions), ("face width", self.sizes)):
            out.append(f"{title:<12} faces  found   accuracy (of those found)")
            for row in rows:
                out.append(
                    f"{row.name:<12} {row.n:5d}  {row.detection_rate:6.3f}  {row.accuracy:6.3f}"
                )
        return out


def evaluate_gallery(
    folder: Path,
    settings: VisionSettings,
    *,
    threshold: float = 0.5,
    limit: int | None = None,
    seconds: float = 2.0,
    reads: int = 4,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> GalleryEvaluation:
    """Every crop of folder/0 and folder/1 (or `limit` of each, spread evenly) in every
    condition; `progress(done, total)` as it goes."""
    work = _work(folder, limit)
    try:
        pipeline = VisionPipeline(settings)
    except ModelError as exc:
        raise MissingPartError(str(exc)) from None
    cv2.setNumThreads(1)
    crops, truths, plains = [], [], []
    for label, path in work:
        image = cast(Image | None, cv2.imread(str(path), cv2.IMREAD_COLOR))
        if image is not None:
            crops.append(image)
            truths.append(label == 1)
            plains.append(pipeline.reader.read_still([to_gray(image)])[0][0] >= threshold)
    if not crops:
        raise UserError(f"{folder}: no readable images in 0/ or 1/")
    plain_accuracy = float(np.mean(np.array(plains) == np.array(truths)))
    tallies: dict[tuple[str, str], list[int]] = {}
    total = len(crops) * len(CONDITIONS)
    done = 0
    for index, (crop, truth) in enumerate(zip(crops, truths, strict=True)):
        size = FACE_SIZES[index % len(FACE_SIZES)]
        for condition in CONDITIONS:
            frame, box = gallery_frame(crop, size, condition, seed=seed * 100_003 + index)
            smile = _watch(pipeline, frame, box, seconds, reads)
            for key in ((condition, "c"), (str(size), "s")):
                tally = tallies.setdefault(key, [0, 0, 0])
                tally[0] += 1
                if smile is not None:
                    tally[1] += 1
                    tally[2] += (smile >= threshold) == truth
            done += 1
            if progress is not None:
                progress(done, total)

    def cells(names: Sequence[str], kind: str) -> tuple[Cell, ...]:
        return tuple(Cell(name, *tallies.get((name, kind), [0, 0, 0])) for name in names)

    return GalleryEvaluation(
        crops=len(crops),
        plain_accuracy=plain_accuracy,
        conditions=cells(CONDITIONS, "c"),
        sizes=cells([str(size) for size in FACE_SIZES], "s"),
        detector=pipeline.detector,
        smile_model=pipeline.reader.name,
        seconds=seconds,
    )


def _watch(
    pipeline: VisionPipeline, frame: Image, truth: Box, seconds: float, reads: int
) -> float | None:
    """The smoothed smile of the face at `truth` once read `reads` times, or None if it
    was not found within `seconds` of frames (the pipeline forgets it all afterwards)."""
    pipeline.reset()
    seen = 0
    smile: float | None = None
    for step in range(max(1, round(seconds * FPS))):
        observations = pipeline.process(frame, step / FPS)
        match = [o for o in observations if is_found(truth, [Box(o.x, o.y, o.w, o.h)])]
        if match:
            seen += 1
            smile = match[0].smile
            if seen >= reads:
                break
    pipeline.reset()
    return smile


def _work(folder: Path, limit: int | None) -> list[tuple[int, Path]]:
    check_labelled_folder(folder)
    work = []
    for label in (0, 1):
        files = image_files(folder / str(label))
        if limit is not None and len(files) > limit:
            files = [files[i] for i in np.linspace(0, len(files) - 1, limit).round().astype(int)]
        work += [(label, path) for path in files]
    return work
