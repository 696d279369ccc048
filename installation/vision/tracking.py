"""Stable ids for faces across frames: greedy IoU matching with a centre-distance fallback.

Pure Python; no OpenCV, so the show's logic and its tests never need a camera.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Box(NamedTuple):
    """A box as fractions of the frame (0..1, origin top-left)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes; 0 when they do not touch."""
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0.0 else 0.0


def centre_shift(track: Box, detection: Box) -> float:
    """How far the centre moved, in units of the track's own width and height (larger axis).

    Measuring in box sizes rather than frame fractions makes the gate independent of the
    frame's aspect ratio and of how near the person stands.
    """
    (tx, ty), (dx, dy) = track.centre, detection.centre
    return max(abs(dx - tx) / max(track.w, 1e-9), abs(dy - ty) / max(track.h, 1e-9))


@dataclass(slots=True)
class Track:
    """One face followed over frames."""

    id: int
    box: Box
    hits: int = 1
    missed: int = 0


class FaceTracker:
    """Gives each face a stable positive id while it stays in view.

    Each update matches detections to tracks greedily, best IoU first; pairs that do not
    overlap enough (fast movement, skipped frames) may still match by centre distance.
    Unmatched detections start new tracks; a track missed more than `max_missed` updates
    in a row is dropped and its id never reused.
    """

    def __init__(
        self,
        *,
        min_iou: float = 0.2,
        max_centre_shift: float = 0.75,
        max_missed: int = 5,
    ) -> None:
        if not 0.0 < min_iou <= 1.0:
            raise ValueError(f"min_iou must be in (0, 1], got {min_iou}")
        if max_missed < 0:
            raise ValueError(f"max_missed must be >= 0, got {max_missed}")
        self.min_iou = min_iou
        self.max_centre_shift = max_centre_shift
        self.max_missed = max_missed
        self._tracks: list[Track] = []
        self._next_id = 1

    @property
    def tracks(self) -> tuple[Track, ...]:
        """Tracks alive now, including those missed in the last few updates."""
        return tuple(self._tracks)

    def reset(self) -> None:
        """Forget every track (a new scene); ids keep counting up."""
        self._tracks.clear()

    def update(self, detections: Sequence[Box]) -> list[int]:
        """Match one frame's detections; returns a track id per detection, in order."""
        ids: list[int | None] = [None] * len(detections)
        free_tracks = set(range(len(self._tracks)))

        by_iou = [
            (overlap, t, d)
            for t, track in enumerate(self._tracks)
            for d, det in enumerate(detections)
            if (overlap := iou(track.box, det)) >= self.min_iou
        ]
        by_iou.sort(key=lambda pair: -pair[0])
        self._assign(by_iou, ids, free_tracks, detections)

        by_distance = [
            (shift, t, d)
            for t in free_tracks
            for d, det in enumerate(detections)
            if ids[d] is None
            and (shift := centre_shift(self._tracks[t].box, det)) <= self.max_centre_shift
        ]
        by_distance.sort(key=lambda pair: pair[0])
        self._assign(by_distance, ids, free_tracks, detections)

        for t in free_tracks:
            self._tracks[t].missed += 1
        self._tracks = [track for track in self._tracks if track.missed <= self.max_missed]

        result: list[int] = []
        for d, det in enumerate(detections):
            track_id = ids[d]
            if track_id is None:
                track_id = self._next_id
                self._next_id += 1
                self._tracks.append(Track(id=track_id, box=det))
            result.append(track_id)
        return result

    def _assign(
        self,
        pairs: list[tuple[float, int, int]],
        ids: list[int | None],
        free_tracks: set[int],
        detections: Sequence[Box],
    ) -> None:
        for _, t, d in pairs:
            if t not in free_tracks or ids[d] is not None:
                continue
            track = self._tracks[t]
            track.box = detections[d]
            track.hits += 1
            track.missed = 0
            ids[d] = track.id
            free_tracks.discard(t)
