"""Writing a rendered picture to a PNG file (the operator asked for it: --snapshot)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from installation.atomic import write_atomically
from installation.errors import UserError

# Room a PNG needs at most: raw RGB plus headers (deflate never grows data by much).
_PNG_OVERHEAD_BYTES = 64 * 1024


def check_snapshot_target(path: Path, size: tuple[int, int]) -> None:
    """At start, not after the show: the folder can be made, written to, and has room."""
    flag = f"--snapshot {path}"
    if path.is_dir():
        raise UserError(f"{flag}: is a folder; give a file name ending in .png")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".probe", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"{flag}: cannot write in {path.parent}: {exc.strerror}") from None
    width, height = size
    need = width * height * 3 + _PNG_OVERHEAD_BYTES
    free = shutil.disk_usage(path.parent).free
    if free < need:
        raise UserError(
            f"{flag}: {free / 1e6:.1f} MB free in {path.parent}; a {width}x{height} "
            f"snapshot may need up to {need / 1e6:.1f} MB"
        )


def write_png(path: Path, rgb: npt.NDArray[np.uint8]) -> None:
    """Write an RGB image (top row first); the folder is created when missing."""
    if path.suffix.lower() != ".png":
        raise ValueError(f"--snapshot {path}: the file name must end in .png")
    # OpenCV encodes BGR; the renderer reads RGB.
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise OSError(f"--snapshot {path}: could not encode the PNG")
    # A full disk leaves the old file (or none), never half a picture.
    write_atomically(path, encoded.tobytes())
