"""Following known faces from frame to frame, cheaply, with stable ids.

Between full scans each face is looked for again only near where it was: a region 1.6
times its size, scaled so the face is about `roi_face` pixels, searched for faces from 0.85
to 1.25 times that size. That costs about a millisecond a face or less, against tens of
milliseconds for a full scan (the cascade's cost grows with every scale it tries, so the
range is kept narrow; at 60 fps a face moves and grows little from one frame to the next).
A face not found there coasts (keeps its box) for up to `timeout` seconds, since a cascade
misses the odd frame; then its track ends and its id is never reused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.boxes import Box, centre_shift, iou

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]
Eyes = tuple[Point, Point]  # (right eye, left eye): the person's own, as MediaPipe names them


class Sighting(NamedTuple):
    """Where a face was seen: its box, and its eyes when the detector gives them (fractions)."""

    box: Box
    eyes: Eyes | None = None


class LocalFinder(Protocol):
    """Looks for a known face again near its last box, in the full-size frame."""

    def find(self, image: Image, box: Box) -> Sighting | None: ...


@dataclass(slots=True)
class FollowedFace:
    """One face being followed: its id, box (fractions of the frame) and last sighting.

    `eyes` (frame fractions; right eye, left eye as MediaPipe names them) when the
    detector gives keypoints (BlazeFace), None with Haar.
    """

    id: int
    box: Box
    seen_at: float
    first_seen: float
    seen_now: bool = True
    eyes: Eyes | None = None


class FaceFollower:
    """Tracks faces by local re-detection, fed new faces by the detection sweep.

    The local search is the Haar cascade's (`CascadeFinder`) unless another `finder` is
    given (BlazeFace's: dnn_detect.py); `confirm`, when given, must find each new face first.
    """

    def __init__(
        self,
        cascade: cv2.CascadeClassifier | None,
        *,
        roi_face: int = 28,
        timeout: float = 0.4,
        max_faces: int = 20,
        min_neighbors: int = 2,
        finder: LocalFinder | None = None,
        confirm: Callable[[Image, Box], Sighting | None] | None = None,
    ) -> None:
        if max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, got {max_faces}")
        if finder is None:
            if cascade is None:
                raise ValueError("FaceFollower needs a cascade or a finder")
            finder = CascadeFinder(cascade, roi_face=roi_face, min_neighbors=min_neighbors)
        self._finder = finder
        # A new face from the sweep is taken only once `confirm` finds it too: for
        # BlazeFace, whose small tiles see the odd face in a pattern, while its local
        # search (the face filling half the model's input) does not.
        self._confirm = confirm
        self.timeout = timeout
        self.max_faces = max_faces
        self._faces: list[FollowedFace] = []
        self._next_id = 1

    @property
    def faces(self) -> tuple[FollowedFace, ...]:
        return tuple(self._faces)

    def reset(self) -> None:
        """Forget every face (after the camera was lost); ids keep counting up."""
        self._faces.clear()

    def update(
        self,
        gray: Image,
        time: float,
        found: Sequence[Box | Sighting] = (),
        visit: Collection[int] | None = None,
    ) -> list[FollowedFace]:
        """Follow faces into `gray` (full size), then add the faces the sweep `found`.

        Only the faces whose ids are in `visit` (all when None) are looked for; the others
        keep their boxes this frame, which bounds the cost of a frame with many faces.
        """
        for face in self._faces:
            if visit is not None and face.id not in visit:
                face.seen_now = False
                continue
            seen = self._finder.find(gray, face.box)
            face.seen_now = seen is not None
            if seen is not None:
                face.box = _blend(face.box, seen.box)
                face.eyes = _blend_eyes(face.eyes, seen.eyes)
                face.seen_at = time
        for item in found:
            sighting = item if isinstance(item, Sighting) else Sighting(item)
            box = sighting.box
            match = self._match(box)
            if match is not None:
                if not match.seen_now:  # the sweep saw what the local search missed
                    match.box, match.seen_at, match.seen_now = box, time, True
                    match.eyes = sighting.eyes
            elif len(self._faces) < self.max_faces:
                if self._confirm is not None:
                    confirmed = self._confirm(gray, box)
                    if confirmed is None or self._match(confirmed.box) is not None:
                        continue
                    sighting = confirmed
                face = FollowedFace(self._next_id, sighting.box, time, time, eyes=sighting.eyes)
                self._faces.append(face)
                self._next_id += 1
        self._faces = [f for f in self._faces if time - f.seen_at <= self.timeout]
        self._merge()
        return list(self._faces)

    def _match(self, box: Box) -> FollowedFace | None:
        best, best_iou = None, 0.3
        for face in self._faces:
            overlap = iou(face.box, box)
            if overlap > best_iou or (best is None and centre_shift(face.box, box) < 0.35):
                best, best_iou = face, max(overlap, best_iou)
        return best

    def _merge(self) -> None:
        # Two tracks that slid onto one face: keep the older (its id is the one people saw).
        kept: list[FollowedFace] = []
        for face in sorted(self._faces, key=lambda f: f.id):
            if all(iou(face.box, other.box) < 0.5 for other in kept):
                kept.append(face)
        self._faces = kept


class CascadeFinder:
    """The Haar cascade's local search (see the module's docstring); no eyes."""

    def __init__(
        self, cascade: cv2.CascadeClassifier, *, roi_face: int = 28, min_neighbors: int = 2
    ) -> None:
        self._cascade = cascade
        self.roi_face = roi_face
        self.min_neighbors = min_neighbors

    def find(self, image: Image, box: Box) -> Sighting | None:
        found = self._redetect(image, box)
        return None if found is None else Sighting(found)

    def _redetect(self, gray: Image, box: Box) -> Box | None:
        height, width = gray.shape[:2]
        size = max(box.w * width, box.h * height)
        if size < 4:
            return None
        cx, cy = (box.x + box.w / 2) * width, (box.y + box.h / 2) * height
        reach = 0.8 * size
        x0, x1 = max(0, int(cx - reach)), min(width, int(cx + reach))
        y0, y1 = max(0, int(cy - reach)), min(height, int(cy + reach))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        scale = self.roi_face / size
        roi = gray[y0:y1, x0:x1]
        out = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        small = cast(Image, cv2.resize(roi, out, interpolation=interpolation))
        low = max(20, round(self.roi_face * 0.85))
        high = round(self.roi_face * 1.25)
        if min(small.shape[:2]) < low:
            return None
        found = self._cascade.detectMultiScale(
            small,
            scaleFactor=1.1,
            minNeighbors=self.min_neighbors,
            minSize=(low, low),
            maxSize=(high, high),
        )
        boxes = np.asarray(found).reshape(-1, 4)
        if not len(boxes):
            return None
        # The candidate nearest the old centre: a neighbour's face may share the region.
        centres = boxes[:, :2] + boxes[:, 2:] / 2.0
        target = np.array([(cx - x0) * scale, (cy - y0) * scale])
        x, y, w, h = boxes[int(np.argmin(np.sum((centres - target) ** 2, axis=1)))]
        return Box(
            (x0 + x / scale) / width,
            (y0 + y / scale) / height,
            (w / scale) / width,
            (h / scale) / height,
        )


def _blend(old: Box, new: Box, weight: float = 0.6) -> Box:
    """Move towards the new box; Haar boxes jitter by a few pixels from frame to frame."""
    return Box(*(weight * n + (1.0 - weight) * o for o, n in zip(old, new, strict=True)))


def _blend_eyes(old: Eyes | None, new: Eyes | None, weight: float = 0.6) -> Eyes | None:
    """Eyes move with the box, by the same weight (so an aligned crop agrees with the box)."""
    if old is None or new is None:
        return new
    (a, b), (c, d) = old, new
    mix = [weight * n + (1.0 - weight) * o for o, n in zip((*a, *b), (*c, *d), strict=True)]
    return (mix[0], mix[1]), (mix[2], mix[3])
