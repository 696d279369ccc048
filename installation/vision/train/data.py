"""Labelled face crops for training: DIR/0 (no smile) and DIR/1 (smile), read into memory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.errors import UserError
from installation.vision.evaluate import image_files

# Every crop is brought to this size before augmentation; the network sees smaller.
STORE_SIZE = 64


@dataclass(frozen=True)
class Dataset:
    """Crops of every folder given, in one array, with where each came from."""

    images: npt.NDArray[np.uint8]  # N x STORE_SIZE x STORE_SIZE x 3, BGR (grey photos: equal)
    labels: npt.NDArray[np.int64]  # N: 0 no smile, 1 smile
    source: npt.NDArray[np.int64]  # N: index into `names`
    names: tuple[str, ...]  # one per folder, its name
    paths: tuple[Path, ...] = ()  # one per crop, where it was read from

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: npt.NDArray[np.int64]) -> Dataset:
        paths = tuple(self.paths[i] for i in index) if self.paths else ()
        return Dataset(
            self.images[index], self.labels[index], self.source[index], self.names, paths
        )


def check_folders(folders: Sequence[Path]) -> None:
    """A missing folder or class sub-folder: one message naming it, before any work."""
    if not folders:
        raise UserError("smiles train: no data folder given (--data DIR, DIR/0 and DIR/1)")
    for folder in folders:
        for label in ("0", "1"):
            if not (folder / label).is_dir():
                raise UserError(
                    f"{folder / label}: folder not found; each --data DIR must hold 0/ (no "
                    "smile) and 1/ (smile) with face images (.jpg, .png, ...)"
                )
        if not any(image_files(folder / "0")) or not any(image_files(folder / "1")):
            raise UserError(f"{folder}: 0/ or 1/ holds no images (.jpg, .png, ...)")


def load_folders(
    folders: Sequence[Path], progress: Callable[[int, int], None] | None = None
) -> Dataset:
    """Read every image of every folder (unreadable files are skipped, and counted)."""
    check_folders(folders)
    files = [
        (index, label, path)
        for index, folder in enumerate(folders)
        for label in (0, 1)
        for path in image_files(folder / str(label))
    ]
    images, labels, sources, paths = [], [], [], []
    for done, (index, label, path) in enumerate(files):
        image = cast(npt.NDArray[np.uint8] | None, cv2.imread(str(path), cv2.IMREAD_COLOR))
        if image is not None:
            images.append(_square(image))
            labels.append(label)
            sources.append(index)
            paths.append(path)
        if progress is not None and (done % 500 == 0 or done == len(files) - 1):
            progress(done + 1, len(files))
    if not images:
        raise UserError(f"smiles train: none of the {len(files)} image files could be read")
    return Dataset(
        np.stack(images),
        np.array(labels, np.int64),
        np.array(sources, np.int64),
        tuple(folder.name for folder in folders),
        tuple(paths),
    )


def _square(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The centre square of a crop at STORE_SIZE (the data's crops are square already)."""
    height, width = image.shape[:2]
    side = min(height, width)
    y0, x0 = (height - side) // 2, (width - side) // 2
    square = image[y0 : y0 + side, x0 : x0 + side]
    interpolation = cv2.INTER_AREA if side > STORE_SIZE else cv2.INTER_LINEAR
    resized = cv2.resize(square, (STORE_SIZE, STORE_SIZE), interpolation=interpolation)
    return np.ascontiguousarray(resized, dtype=np.uint8)


def stratified_folds(data: Dataset, folds: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """`folds` disjoint index sets, each with the same share of every (folder, label)."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(folds)]
    for source in range(len(data.names)):
        for label in (0, 1):
            members = np.flatnonzero((data.source == source) & (data.labels == label))
            rng.shuffle(members)
            for fold, chunk in enumerate(np.array_split(members, folds)):
                parts[fold].extend(int(i) for i in chunk)
    return [np.array(sorted(part), np.int64) for part in parts]
