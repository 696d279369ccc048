"""A contact sheet: frames of a whole piece in one picture, each labelled with time and act.

Pure numpy and OpenCV, no GL: which frames a sheet shows (`sheet_indices`), the grid they
go in (`SheetLayout`), and the picture itself (`assemble`): cells left to right, top to
bottom, each over a dark strip with its label (e.g. `1:30  confrontation`) in OpenCV's
Hershey font (no font files), cells and the sheet's edge separated by a thin gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_THICKNESS = 1
# Text this many times the cell width is the largest label; 320 px cells get about 0.44.
_SCALE_PER_PX = 1 / 720
_MOST_SCALE, _LEAST_SCALE = 0.8, 0.25  # above: a label shouts; below: it can't be read
BACKGROUND = (10, 10, 12)  # the gaps between cells
STRIP = (30, 28, 34)  # under each cell, behind its label
TEXT = (232, 232, 232)
_TALLEST = "0:00  Ag"  # a label's height and depth below the baseline, measured on this


def sheet_indices(first: int, end: int, count: int) -> list[int]:
    """The frames a sheet of `count` cells shows from the span of frames first..end-1.

    Cell i (from 0) shows the moment first + (i + 1) x span / count: the end of the i-th
    of `count` equal slices, so the last cell is the span's last frame (its end itself is
    not a frame) and the first is one slice in (a piece's first frame is often black, fading
    in). A span of fewer frames than cells gives one cell a frame.
    """
    if count < 1 or not 0 <= first < end:
        raise ValueError(f"need count >= 1 and 0 <= first < end (got {count}, {first}, {end})")
    span = end - first
    return sorted({min(first + round((i + 1) * span / count), end - 1) for i in range(count)})


def format_show_time(seconds: float) -> str:
    """Show time as minutes:seconds, with tenths when not whole: 90 -> '1:30', 4.5 -> '0:04.5'."""
    tenths = max(0, round(seconds * 10))
    minutes, rest = divmod(tenths, 600)
    whole, tenth = divmod(rest, 10)
    return f"{minutes}:{whole:02d}" + (f".{tenth}" if tenth else "")


@dataclass(frozen=True)
class Cell:
    """One frame of the sheet: an RGB picture (top row first) and the line under it."""

    rgb: npt.NDArray[np.uint8]
    label: str


@dataclass(frozen=True)
class SheetLayout:
    """Where each cell of a sheet goes: a grid of `columns`, filled row by row."""

    count: int
    columns: int
    cell: tuple[int, int]  # width, height of a cell's picture
    strip: int  # height of the label strip under each picture
    gap: int  # between cells and around the sheet

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    @property
    def size(self) -> tuple[int, int]:
        """The whole sheet, width x height."""
        width, height = self.cell
        return (
            self.gap + self.columns * (width + self.gap),
            self.gap + self.rows * (height + self.strip + self.gap),
        )

    def origin(self, index: int) -> tuple[int, int]:
        """Top-left (x, y) of cell `index`'s picture; its strip starts just below it."""
        row, column = divmod(index, self.columns)
        width, height = self.cell
        return (
            self.gap + column * (width + self.gap),
            self.gap + row * (height + self.strip + self.gap),
        )


def label_scale(labels: Sequence[str], width: int) -> float:
    """One font scale for all the labels: grows with the cell, shrinks so the widest fits."""
    scale = min(_MOST_SCALE, max(_LEAST_SCALE, width * _SCALE_PER_PX))
    widest = max((_text_size(label, scale)[0] for label in labels), default=0)
    room = width - 2 * _padding(scale)
    if widest > room > 0:
        scale *= room / widest
    # Too narrow even at the least scale: the label is cut at the cell's edge instead.
    return max(_LEAST_SCALE, scale)


def assemble(cells: Sequence[Cell], columns: int, gap: int = 4) -> npt.NDArray[np.uint8]:
    """The sheet as one RGB picture (top row first); every cell's picture has one size."""
    if not cells:
        raise ValueError("a contact sheet needs at least one cell")
    if columns < 1 or gap < 0:
        raise ValueError(f"need columns >= 1 and gap >= 0 (got {columns}, {gap})")
    height, width = cells[0].rgb.shape[:2]
    for cell in cells:
        if cell.rgb.shape != (height, width, 3):
            raise ValueError(f"cells must all be {width}x{height} RGB (got {cell.rgb.shape})")
    scale = label_scale([cell.label for cell in cells], width)
    strip = strip_height(scale)
    layout = SheetLayout(len(cells), min(columns, len(cells)), (width, height), strip, gap)
    sheet_width, sheet_height = layout.size
    sheet = np.empty((sheet_height, sheet_width, 3), np.uint8)
    sheet[:] = BACKGROUND
    for index, cell in enumerate(cells):
        x, y = layout.origin(index)
        sheet[y : y + height, x : x + width] = cell.rgb
        below = y + height
        sheet[below : below + strip, x : x + width] = _strip(cell.label, width, strip, scale)
    return sheet


def strip_height(scale: float) -> int:
    """The label strip's height at a font scale: the text's height and a margin each side."""
    text_height, baseline = _text_size(_TALLEST, scale)[1:]
    return text_height + baseline + 2 * _padding(scale)


def encode_png(rgb: npt.NDArray[np.uint8]) -> bytes:
    """An RGB picture (top row first) as the bytes of a PNG file."""
    # OpenCV writes BGR; the sheet is RGB.
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise ValueError(f"OpenCV could not encode a {rgb.shape} picture as PNG")
    return bytes(data)


def _strip(label: str, width: int, height: int, scale: float) -> npt.NDArray[np.uint8]:
    # Drawn on its own small picture, so a label too long for its cell is cut at the edge
    # instead of running into the next cell.
    strip = np.empty((height, width, 3), np.uint8)
    strip[:] = STRIP
    pad = _padding(scale)
    # One baseline for every label (from the same sample text), so a row's labels line up.
    baseline = _text_size(_TALLEST, scale)[2]
    origin = (pad, height - pad - baseline)
    cv2.putText(strip, label, origin, _FONT, scale, TEXT, _THICKNESS, cv2.LINE_AA)
    return strip


def _text_size(text: str, scale: float) -> tuple[int, int, int]:
    (width, height), baseline = cv2.getTextSize(text, _FONT, scale, _THICKNESS)
    return width, height, baseline


def _padding(scale: float) -> int:
    return max(2, round(12 * scale))
