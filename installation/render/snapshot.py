"""Writing a rendered picture to a PNG file (the operator asked for it: --snapshot)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt


def write_png(path: Path, rgb: npt.NDArray[np.uint8]) -> None:
    """Write an RGB image (top row first); the folder is created when missing."""
    if path.suffix.lower() != ".png":
        raise ValueError(f"--snapshot {path}: the file name must end in .png")
    path.parent.mkdir(parents=True, exist_ok=True)
    # OpenCV writes BGR; the renderer reads RGB.
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1])):
        raise OSError(f"--snapshot {path}: could not write the PNG file")
