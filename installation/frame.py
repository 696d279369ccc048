"""What the show state hands every output for one frame: `FrameState` and its faces.

The faces travel as a `FaceTable`: numpy columns that the renderer reads whole, and that
become `FaceLight` objects only for outputs that ask for them one by one (status lines,
OSC feedback), so a crowd of 64 costs no Python objects per frame on the render path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import numpy.typing as npt

from installation.access import Hub
from installation.acts import Act, act_named
from installation.emotions import EMOTIONS
from installation.palette import RGB
from installation.params import ParamValue

# Columns of FaceTable.columns.
X, Y, SIZE, SMILE, PRESENCE, GLOW, ACCESS, TRACK_ID, EMOTION = range(9)
COLOUR, OWN_COLOUR = slice(9, 12), slice(12, 15)
COLUMNS = 15


@dataclass(frozen=True, slots=True)
class FaceLight:
    """One face as every output sees it: where, how bright, what colour."""

    track_id: int
    x: float  # centre, fraction of the frame width (0 = left)
    y: float  # centre, fraction of the frame height (0 = top)
    size: float  # face height, fraction of the frame height
    smile: float  # smoothed smile score 0..1
    emotion: str  # dominant emotion
    presence: float  # 0..1: fades in when a face appears, out after it leaves
    glow: float  # 0..1: presence x bloom of the smile, dimmed where access is denied
    access: float  # 0..1: how much of the glow this person is allowed (1 = all)
    colour: RGB  # the light's colour after access (excluded faces turn grey)
    own_colour: RGB  # the emotion's colour, before access


@dataclass(frozen=True, eq=False)
class FaceTable(Sequence[FaceLight]):
    """The faces of a frame, a row each, in track id order (see the column indices above)."""

    columns: npt.NDArray[np.float64]
    _rows: list[FaceLight] | None = field(default=None, repr=False)

    @classmethod
    def empty(cls) -> FaceTable:
        return cls(np.zeros((0, COLUMNS)))

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, index: int) -> FaceLight: ...

    @overload
    def __getitem__(self, index: slice) -> FaceTable: ...

    def __getitem__(self, index: int | slice) -> FaceLight | FaceTable:
        if isinstance(index, slice):
            return FaceTable(self.columns[index])
        return self._lights()[index]

    def __iter__(self) -> Iterator[FaceLight]:
        return iter(self._lights())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FaceTable):
            return np.array_equal(self.columns, other.columns)
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.columns.tobytes())

    def _lights(self) -> list[FaceLight]:
        # Built once, on first use by an output that reads faces one at a time.
        if self._rows is None:
            rows = [
                FaceLight(
                    int(r[TRACK_ID]),
                    r[X],
                    r[Y],
                    r[SIZE],
                    r[SMILE],
                    EMOTIONS[int(r[EMOTION])],
                    r[PRESENCE],
                    r[GLOW],
                    r[ACCESS],
                    (r[9], r[10], r[11]),
                    (r[12], r[13], r[14]),
                )
                for r in self.columns.tolist()
            ]
            object.__setattr__(self, "_rows", rows)
        assert self._rows is not None
        return self._rows


@dataclass(frozen=True, slots=True)
class FrameState:
    """Everything the renderer and the outputs need for one frame."""

    time: float  # show time of this frame
    scene_time: float  # time the picture animates by; stands still while frozen
    frame: int
    scene: str
    params: Mapping[str, ParamValue]
    faces: FaceTable
    mood: RGB  # glow-weighted colour of the room
    mean_smile: float
    source: str
    source_state: str
    previous_scene: str = ""  # the act fading out, while `crossfade` < 1
    crossfade: float = 1.0  # 0 = all previous scene, 1 = all `scene`
    access_rule: str = "everyone"
    boundary: float = 0.5  # where the boundary stands now (frame widths), bent by pressure
    pressure: float = 0.0  # 0..1: how hard the excluded crowd's smiles push
    hubs: tuple[Hub, ...] = ()
    access_share: float = 1.0  # share of present people who have access
    drift_time: float = 0.0  # how far the plankton sea has drifted (seconds at unit drift)
    rejected_values: int = 0  # parameter changes the show refused so far (status, health)
    # The venue's light, 0..1: 1 while open, venue.closed_level once closed, fading between.
    # params["master.brightness"] already carries it, so every output follows it.
    house: float = 1.0

    @property
    def act(self) -> Act:
        """The act on screen and what it does (installation/acts.py)."""
        return act_named(self.scene)

    @property
    def fading_act(self) -> Act | None:
        """The act fading out under this one, while the crossfade runs; else None."""
        if self.crossfade < 1.0 and self.previous_scene != self.scene:
            return act_named(self.previous_scene)
        return None

    @property
    def smiling(self) -> int:
        """Faces currently blooming (glow above half)."""
        return int(np.count_nonzero(self.faces.columns[:, GLOW] >= 0.5))
