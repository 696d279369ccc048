"""BlazeFace in the vision path: a sweep of the frame in tiles, and the local search.

BlazeFace finds a face only if it is at least about 24 pixels wide in the model's input
(128 pixels for the short-range model), a fifth of the input: letterboxing a whole 640x480
frame into it loses every face under about 120 pixels. So, like the Haar sweep (sweep.py),
the frame is searched one piece per frame: the whole frame, then tiles of half its longer side, then
tiles of 200/640 of it, each level's tiles overlapping by half so that a face up to half a
tile wide lies wholly in one. A 640x480 frame takes 1 + 6 + 24 = 31 jobs, one model run
each (about 3 ms on one core); a new face is found within one cycle.

Known faces are looked for again each visit in a square twice their size around them, so
the face fills about half of the input, which is where BlazeFace is at its best; that one
run gives the box and the eyes. The short-range model does this for both sweeps.

Why short range, in colour, in tiles: share of faces found (IoU >= 0.3) in gallery frames
(`scripts/measure_face_detectors.py`: 24 GENKI-4K crops per cell pasted into 640x480
frames on random backgrounds; mean over plain, dim x0.3, blue, magenta, noise sigma 12):

    face width (px)               40    60    80   120   160   false faces/frame
    short range, tiles, confirmed 0.72  0.93  0.95  0.95  0.96  0.010
    short range, tiles (colour)   0.76  0.95  0.96  0.97  0.96  2.5 (before confirming)
    short range, tiles (grey)     0.58  0.88  0.96  0.96  0.96  0.53
    full range, 7 tiles (colour)  0.70  0.83  0.93  0.94  0.93  0.037
    short range, whole frame      0.00  0.00  0.01  0.72  0.89  0.018
    full range, whole frame       0.02  0.28  0.52  0.77  0.85  0.002
    Haar sweep (detect_width 320) 0.10  0.72  0.75  0.79  0.72  0.007

The short-range tiles cost one ~3 ms run a frame, the full-range ones ~8 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from installation.vision.blazeface import BlazeFace, FaceDetection
from installation.vision.blazeface_files import Range
from installation.vision.boxes import Box, centre_shift, iou
from installation.vision.follow import Sighting

Image = npt.NDArray[np.uint8]
TILE_LEVELS = (1.0, 0.5, 200 / 640)  # tile side as a share of the frame's longer side
# Per model: the full-range model (192-pixel input) finds faces down to about 40 pixels
# with the half-frame tiles already.
SWEEP_LEVELS: dict[Range, tuple[float, ...]] = {"short": TILE_LEVELS, "full": (1.0, 0.5)}

# BlazeFace's box runs from brow to chin; Haar's, which the smile readers were tuned on,
# sits higher and includes the forehead. Measured on gallery frames (face crops placed at
# known boxes), the BlazeFace box's centre lies this share of its height below the Haar
# box's, at the same size. Boxes are moved up by it so both detectors hand the readers
# the same crops.
HAAR_SHIFT = 0.12


@dataclass(frozen=True, slots=True)
class Tile:
    """A region of the frame in pixels: x0, y0 to x1, y1."""

    x0: int
    y0: int
    x1: int
    y1: int


def plan_tiles(width: int, height: int, levels: tuple[float, ...] = TILE_LEVELS) -> list[Tile]:
    """The tiles of one full sweep of a `width` x `height` frame, largest first."""
    longer = max(width, height)
    tiles: list[Tile] = []
    for share in levels:
        side = max(16, round(longer * share))
        if side >= longer:
            tiles.append(Tile(0, 0, width, height))
            continue
        step = max(8, side // 2)
        for y in _starts(height, side, step):
            for x in _starts(width, side, step):
                tiles.append(Tile(x, y, min(width, x + side), min(height, y + side)))
    return tiles


def _starts(length: int, side: int, step: int) -> list[int]:
    """Tile starts along one axis: every `step`, the last flush with the far edge."""
    if side >= length:
        return [0]
    starts = list(range(0, length - side, step))
    return [*starts, length - side]


def to_sighting(found: FaceDetection, tile: Tile, width: int, height: int) -> Sighting:
    """A detection in a tile (fractions of the tile) as a Sighting in frame fractions, its
    box moved to where Haar would have put it."""
    tw, th = tile.x1 - tile.x0, tile.y1 - tile.y0

    def point(x: float, y: float) -> tuple[float, float]:
        return (tile.x0 + x * tw) / width, (tile.y0 + y * th) / height

    b = found.box
    x, y = point(b.x, b.y)
    w, h = b.w * tw / width, b.h * th / height
    box = Box(x, y - HAAR_SHIFT * h, w, h)
    return Sighting(box, (point(*found.keypoints[0]), point(*found.keypoints[1])))


class BlazeFaceSweep:
    """Runs the next tile of the cycle on each frame it is given."""

    def __init__(self, detector: BlazeFace, levels: tuple[float, ...] = TILE_LEVELS) -> None:
        self._detector = detector
        self.levels = levels
        self._tiles: list[Tile] = []
        self._shape: tuple[int, int] = (0, 0)
        self._next = 0
        self.cycles = 0  # full sweeps completed, for tests and the bench

    @property
    def tiles(self) -> tuple[Tile, ...]:
        return tuple(self._tiles)

    def step(self, image: Image) -> list[Sighting]:
        """Run one tile on `image` (full size, grey or BGR)."""
        height, width = image.shape[:2]
        if (height, width) != self._shape:
            self._shape = (height, width)
            self._tiles = plan_tiles(width, height, self.levels)
            self._next = 0
        tile = self._tiles[self._next]
        self._next = (self._next + 1) % len(self._tiles)
        if self._next == 0:
            self.cycles += 1
        return self.run(image, tile)

    def run(self, image: Image, tile: Tile) -> list[Sighting]:
        height, width = image.shape[:2]
        part = image[tile.y0 : tile.y1, tile.x0 : tile.x1]
        found = [f for f in self._detector.detect(part) if _inside(f.box, tile, width, height)]
        return [to_sighting(f, tile, width, height) for f in found]


def _inside(box: Box, tile: Tile, width: int, height: int, margin: float = 0.01) -> bool:
    """Whether a detection (tile fractions) keeps off the tile's inner edges.

    A face cut by a tile's edge is sometimes found as a small face at the edge (a chin
    taken for a face); the tiles overlap by half, so a whole face is in another tile.
    """
    return (
        (tile.x0 == 0 or box.x > margin)
        and (tile.y0 == 0 or box.y > margin)
        and (tile.x1 == width or box.x + box.w < 1.0 - margin)
        and (tile.y1 == height or box.y + box.h < 1.0 - margin)
    )


class BlazeFaceFinder:
    """The local search for a known face: BlazeFace on a square twice its size around it.

    `confirm` is the stricter check of a new face from the sweep: found again there with a
    score of at least `confirm_score`. With the face filling half the input, 93-97% of
    gallery faces (every size and condition) pass 0.7, and a chin or a pattern that a
    small tile took for a face does not.
    """

    def __init__(self, detector: BlazeFace, reach: float = 1.0, confirm_score: float = 0.7):
        self._detector = detector
        self.reach = reach  # half the square's side, in face sizes
        self.confirm_score = confirm_score

    def find(self, image: Image, box: Box) -> Sighting | None:
        return self._search(image, box, 0.0)

    def confirm(self, image: Image, box: Box) -> Sighting | None:
        return self._search(image, box, self.confirm_score)

    def _search(self, image: Image, box: Box, min_score: float) -> Sighting | None:
        height, width = image.shape[:2]
        size = max(box.w * width, box.h * height)
        if size < 4:
            return None
        cx, cy = (box.x + box.w / 2) * width, (box.y + box.h / 2) * height
        half = self.reach * size
        tile = Tile(
            max(0, int(cx - half)),
            max(0, int(cy - half)),
            min(width, int(cx + half)),
            min(height, int(cy + half)),
        )
        if tile.x1 - tile.x0 < 8 or tile.y1 - tile.y0 < 8:
            return None
        part = image[tile.y0 : tile.y1, tile.x0 : tile.x1]
        found = [
            to_sighting(f, tile, width, height)
            for f in self._detector.detect(part)
            if f.score >= min_score
        ]
        # The one that is this face: overlapping it, or moved least; a neighbour's face may
        # share the square.
        near = [s for s in found if iou(s.box, box) > 0.2 or centre_shift(box, s.box) < 0.5]
        if not near:
            return None
        return min(near, key=lambda s: centre_shift(box, s.box))
