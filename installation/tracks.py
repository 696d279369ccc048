"""The faces the show is following, as columns of numbers (one row per face).

Kept as numpy arrays rather than one object per face so a crowd of 64 costs the same few
vector operations per frame as a crowd of one. Pure: no GL, no I/O, no clock.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from installation.emotions import EMOTIONS
from installation.events import FaceObservation

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
# Columns of `place` and `place_target`: centre x, centre y (fractions, y down), face height.
X, Y, SIZE = 0, 1, 2


class FaceTracks:
    """Smoothed position, smile, emotions, presence and access of every followed face."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.place = np.zeros((0, 3))
        self.place_target = np.zeros((0, 3))
        self.smile = np.zeros(0)
        self.smile_target = np.zeros(0)
        self.emotions = np.zeros((0, len(EMOTIONS)))
        self.emotions_target = np.zeros((0, len(EMOTIONS)))
        self.presence = np.zeros(0)
        self.access = np.zeros(0)
        self.visible = np.zeros(0, dtype=bool)
        # Seen first in this step: fade-in and access start now, not a frame ago.
        self.new = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.ids)

    def observe(self, faces: tuple[FaceObservation, ...]) -> None:
        """One camera frame's faces: known ones get new targets, new ones are added, the
        rest are no longer visible (they fade out)."""
        self.visible[:] = False
        if not faces:
            return
        # One pass over the Python objects, then whole-column numpy work.
        id_list = [f.track_id for f in faces]
        if len(set(id_list)) < len(id_list):
            # A source that reports one id twice in a frame must not make two rows of it.
            first: dict[int, FaceObservation] = {}
            for face in faces:
                first.setdefault(face.track_id, face)
            faces, id_list = tuple(first.values()), list(first)
        # One pass over the objects into one array, then columns of it.
        rows = np.array([(f.x + f.w / 2, f.y + f.h / 2, f.h, f.smile, *f.emotions) for f in faces])
        ids = np.array(id_list, dtype=np.int64)
        place, smile, emotions = rows[:, :3], rows[:, 3], rows[:, 4:]
        order = np.argsort(self.ids)
        found = np.searchsorted(self.ids, ids, sorter=order)
        found = np.minimum(found, max(len(self.ids) - 1, 0))
        known = (self.ids[order[found]] == ids) if len(self.ids) else np.zeros(len(ids), bool)
        rows = order[found[known]] if len(self.ids) else np.zeros(0, dtype=np.int64)
        self.place_target[rows] = place[known]
        self.smile_target[rows] = smile[known]
        self.emotions_target[rows] = emotions[known]
        self.visible[rows] = True
        fresh = ~known
        if fresh.any():
            self._add(ids[fresh], place[fresh], smile[fresh], emotions[fresh])

    def hide_all(self) -> None:
        """No more readings will come (the source was lost): every face fades out."""
        self.visible[:] = False

    def follow(self, dt: float, follow: float, smile: float, emotions: float) -> None:
        """Move visible faces towards their targets with these time constants (seconds)."""
        moving = self.visible & ~self.new
        if not moving.any():
            return
        pairs = (
            (self.place, self.place_target, follow),
            (self.emotions, self.emotions_target, emotions),
            (self.smile, self.smile_target, smile),
        )
        everyone = bool(moving.all())  # the usual case: whole columns, no masked copies
        for current, target, constant in pairs:
            if everyone:
                current += (target - current) * _blend(dt, constant)
            else:
                current[moving] += (target[moving] - current[moving]) * _blend(dt, constant)

    def fade(self, dt: float, fade: float) -> None:
        """Presence up for visible faces, down for the rest; forget faces that faded out."""
        step = 1.0 if fade <= 0 else dt / fade
        arriving = self.new.copy()
        self.presence[arriving] = 1.0 if fade <= 0 else 0.0
        self.presence[self.visible & ~arriving] += step
        self.presence[~self.visible] -= step
        np.clip(self.presence, 0.0, 1.0, out=self.presence)
        self.new[:] = False
        keep = self.visible | (self.presence > 0.0)
        if not keep.all():
            self._keep(keep)

    def approach_access(self, wanted: Floats, dt: float, constant: float) -> None:
        """Access moves towards `wanted`; a newcomer takes it at once."""
        self.access += (wanted - self.access) * _blend(dt, constant)
        self.access[self.new] = wanted[self.new]

    def _add(self, ids: Ints, place: Floats, smile: Floats, emotions: Floats) -> None:
        count = len(ids)
        self.ids = np.concatenate([self.ids, ids])
        self.place = np.concatenate([self.place, place])
        self.place_target = np.concatenate([self.place_target, place])
        self.smile = np.concatenate([self.smile, smile])
        self.smile_target = np.concatenate([self.smile_target, smile])
        self.emotions = np.concatenate([self.emotions, emotions])
        self.emotions_target = np.concatenate([self.emotions_target, emotions])
        self.presence = np.concatenate([self.presence, np.zeros(count)])
        self.access = np.concatenate([self.access, np.ones(count)])
        self.visible = np.concatenate([self.visible, np.ones(count, dtype=bool)])
        self.new = np.concatenate([self.new, np.ones(count, dtype=bool)])

    def _keep(self, rows: Flags) -> None:
        for name in (
            "ids",
            "place",
            "place_target",
            "smile",
            "smile_target",
            "emotions",
            "emotions_target",
            "presence",
            "access",
            "visible",
            "new",
        ):
            setattr(self, name, getattr(self, name)[rows])

    def rows(self) -> list[list[float]]:
        """Every face as one row of numbers (a recording's continuation header): id, place,
        its target, smile and target, emotions and targets, presence, access, flags."""
        columns = np.column_stack(
            [
                self.ids, self.place, self.place_target, self.smile, self.smile_target,
                self.emotions, self.emotions_target, self.presence, self.access,
                self.visible, self.new,
            ]
        ).reshape(len(self.ids), ROW_LENGTH)  # fmt: skip
        return [[float(v) for v in row] for row in columns]

    def load_rows(self, rows: list[list[float]]) -> None:
        """Faces from `rows()`, exactly."""
        data = np.array(rows, dtype=np.float64).reshape(len(rows), ROW_LENGTH)
        e = len(EMOTIONS)
        self.ids = data[:, 0].astype(np.int64)
        self.place, self.place_target = data[:, 1:4].copy(), data[:, 4:7].copy()
        self.smile, self.smile_target = data[:, 7].copy(), data[:, 8].copy()
        self.emotions = data[:, 9 : 9 + e].copy()
        self.emotions_target = data[:, 9 + e : 9 + 2 * e].copy()
        rest = 9 + 2 * e
        self.presence, self.access = data[:, rest].copy(), data[:, rest + 1].copy()
        self.visible, self.new = data[:, rest + 2] > 0.5, data[:, rest + 3] > 0.5


# id, place (3), place target (3), smile, smile target, emotions and targets, presence,
# access, visible, new.
ROW_LENGTH = 1 + 3 + 3 + 2 + 2 * len(EMOTIONS) + 4


def _blend(dt: float, constant: float) -> float:
    """How far to move towards a target in `dt`: exponential, so any frame rate agrees."""
    return 1.0 if constant <= 0 else 1.0 - math.exp(-dt / constant)
