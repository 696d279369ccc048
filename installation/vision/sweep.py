"""Full-frame face detection spread over frames: one small piece of the scan per frame.

A Haar scan of a whole 320x240 frame costs 20-60 ms on a 2-core machine, several frames'
worth at 60 fps. The scan is cut into jobs of about equal cost: a pyramid of the frame
(320x240, 160x120, ...), each level searched for faces of one octave of sizes (24 to 48
pixels of that level; the smallest level takes every size), each level cut into tiles that
overlap by the largest face of the octave, so every face lies wholly inside some tile. One
job runs per frame; the jobs go round in a cycle and a new face is found within one cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.boxes import Box

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class ScanJob:
    """Search pyramid `level` inside (x0, y0)-(x1, y1) of that level for faces of a size range."""

    level: int
    x0: int
    y0: int
    x1: int
    y1: int
    min_size: int
    max_size: int | None  # None: no upper limit (the smallest level)


def plan_jobs(
    width: int, height: int, *, min_size: int = 24, tile_pixels: int = 16000
) -> list[ScanJob]:
    """The jobs of one full scan of a `width` x `height` image, larger faces first."""
    if width < min_size or height < min_size:
        return []
    levels = []
    w, h, level = width, height, 0
    while True:
        last = min(w, h) < 4 * min_size  # the next level would be too small for a face
        # Octaves overlap a little (2.4x, not 2x) so a face at a band's edge is not lost
        # between two levels.
        levels.append((level, w, h, None if last else round(2.4 * min_size)))
        if last:
            break
        w, h, level = w // 2, h // 2, level + 1
    jobs: list[ScanJob] = []
    for level, w, h, max_size in reversed(levels):
        overlap = max_size or min(w, h)
        # A square core whose tile (core + overlap) holds about `tile_pixels` pixels.
        core = max(8, int(tile_pixels**0.5) - overlap)
        for y in range(0, max(1, h - overlap), core):
            for x in range(0, max(1, w - overlap), core):
                x1, y1 = min(w, x + core + overlap), min(h, y + core + overlap)
                jobs.append(ScanJob(level, x, y, x1, y1, min_size, max_size))
    return jobs


class DetectionSweep:
    """Runs the next `ScanJob` of the cycle on each frame it is given."""

    def __init__(
        self,
        cascade: cv2.CascadeClassifier,
        *,
        min_size: int = 24,
        tile_pixels: int = 16000,
        scale_factor: float = 1.12,
        min_neighbors: int = 4,
    ) -> None:
        self._cascade = cascade
        self.min_size = min_size
        self.tile_pixels = tile_pixels
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self._jobs: list[ScanJob] = []
        self._shape: tuple[int, int] = (0, 0)
        self._next = 0
        self.cycles = 0  # full scans completed, for tests and the bench

    @property
    def jobs(self) -> tuple[ScanJob, ...]:
        return tuple(self._jobs)

    def step(self, small: Image) -> list[Box]:
        """Run one job on `small` (grey, equalised, detection size); faces as fractions."""
        height, width = small.shape[:2]
        if (height, width) != self._shape:
            self._shape = (height, width)
            self._jobs = plan_jobs(
                width, height, min_size=self.min_size, tile_pixels=self.tile_pixels
            )
            self._next = 0
        if not self._jobs:
            return []
        job = self._jobs[self._next]
        self._next = (self._next + 1) % len(self._jobs)
        if self._next == 0:
            self.cycles += 1
        return self.run(small, job)

    def run(self, small: Image, job: ScanJob) -> list[Box]:
        """Run one job; boxes as fractions of the whole frame."""
        height, width = small.shape[:2]
        image = small
        factor = 2**job.level
        if job.level:
            size = (max(1, width // factor), max(1, height // factor))
            image = cast(Image, cv2.resize(small, size, interpolation=cv2.INTER_AREA))
        tile = image[job.y0 : job.y1, job.x0 : job.x1]
        if tile.shape[0] < job.min_size or tile.shape[1] < job.min_size:
            return []
        max_size = (job.max_size, job.max_size) if job.max_size else (0, 0)
        found = self._cascade.detectMultiScale(
            tile,
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(job.min_size, job.min_size),
            maxSize=max_size,
        )
        lh, lw = image.shape[:2]
        return [
            Box(
                float(job.x0 + x) / lw,
                float(job.y0 + y) / lh,
                float(w) / lw,
                float(h) / lh,
            )
            for (x, y, w, h) in np.asarray(found).reshape(-1, 4)
        ]
