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

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.boxes import Box, centre_shift, iou

Image = npt.NDArray[np.uint8]


@dataclass(slots=True)
class FollowedFace:
    """One face being followed: its id, box (fractions of the frame) and last sighting."""

    id: int
    box: Box
    seen_at: float
    first_seen: float
    seen_now: bool = True


class FaceFollower:
    """Tracks faces by local re-detection, fed new faces by the detection sweep."""

    def __init__(
        self,
        cascade: cv2.CascadeClassifier,
        *,
        roi_face: int = 28,
        timeout: float = 0.4,
        max_faces: int = 20,
        min_neighbors: int = 2,
    ) -> None:
        if max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, got {max_faces}")
        self._cascade = cascade
        self.roi_face = roi_face
        self.timeout = timeout
        self.max_faces = max_faces
        self.min_neighbors = min_neighbors
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
        found: Sequence[Box] = (),
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
            box = self._redetect(gray, face.box)
            face.seen_now = box is not None
            if box is not None:
                face.box = _blend(face.box, box)
                face.seen_at = time
        for box in found:
            match = self._match(box)
            if match is not None:
                if not match.seen_now:  # the sweep saw what the local search missed
                    match.box, match.seen_at, match.seen_now = box, time, True
            elif len(self._faces) < self.max_faces:
                self._faces.append(FollowedFace(self._next_id, box, time, time))
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
