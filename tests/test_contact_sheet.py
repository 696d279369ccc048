"""`installation render --contact-sheet`: which frames, the grid and labels, the CLI end to end."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from installation.offline.sheet import (
    BACKGROUND,
    STRIP,
    Cell,
    SheetLayout,
    assemble,
    encode_png,
    format_show_time,
    label_scale,
    sheet_indices,
    strip_height,
)
from tests.conftest import run_cli

# 1.2 s at 10 fps with an act change at 0.6 s: a sheet of 3 shows 0.4, 0.8 and 1.1 s.
TIMELINE = """
name = "test"
duration = 1.2
fps = 10
size = "64x36"
[crowd]
seed = 11
initial_people = 4
[params]
scene = "disparity"
[[cue]]
time = 0.6
scene = "biohubs"
"""


def _solid(colour: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> Cell:
    picture = np.empty((size[1], size[0], 3), np.uint8)
    picture[:] = colour
    return Cell(picture, "0:01  sanctuary")


def _read_png(path: Path) -> npt.NDArray[np.uint8]:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"{path} is not a picture"
    return np.ascontiguousarray(image[:, :, ::-1])  # OpenCV reads BGR


def _cells_of(sheet: npt.NDArray[np.uint8], layout: SheetLayout, labels: list[str]) -> list[Cell]:
    width, height = layout.cell
    cells = []
    for index, label in enumerate(labels):
        x, y = layout.origin(index)
        cells.append(Cell(sheet[y : y + height, x : x + width].copy(), label))
    return cells


def _layout(labels: list[str], columns: int, cell: tuple[int, int]) -> SheetLayout:
    strip = strip_height(label_scale(labels, cell[0]))
    return SheetLayout(len(labels), columns, cell, strip, gap=4)


# -- which frames ---------------------------------------------------------------------------


def test_cells_end_even_slices_and_the_last_is_the_last_frame() -> None:
    assert sheet_indices(0, 60, 4) == [15, 30, 45, 59]  # 6 s at 10 fps: 1.5, 3, 4.5, 5.9 s
    assert sheet_indices(0, 600, 24)[:2] == [25, 50]
    assert sheet_indices(0, 600, 24)[-1] == 599
    assert sheet_indices(100, 200, 2) == [150, 199]  # --start moves the span
    assert sheet_indices(0, 3, 24) == [0, 1, 2]  # fewer frames than cells: each once
    with pytest.raises(ValueError):
        sheet_indices(5, 5, 4)


def test_show_time_reads_as_minutes_and_seconds() -> None:
    assert format_show_time(90) == "1:30"
    assert format_show_time(4.5) == "0:04.5"
    assert format_show_time(59.96) == "1:00"  # rounds to tenths, never "0:60"
    assert format_show_time(3725) == "62:05"


# -- the picture ----------------------------------------------------------------------------


def test_cells_go_row_by_row_with_a_label_strip_and_gaps() -> None:
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200), (200, 200, 0), (0, 200, 200)]
    cells = [_solid(c) for c in colours]
    sheet = assemble(cells, columns=3, gap=4)
    layout = _layout([c.label for c in cells], 3, (40, 30))
    assert layout.rows == 2
    assert (sheet.shape[1], sheet.shape[0]) == layout.size
    assert layout.size == (4 + 3 * 44, 4 + 2 * (30 + layout.strip + 4))
    assert layout.strip >= 10
    for index, colour in enumerate(colours):
        x, y = layout.origin(index)
        assert (sheet[y : y + 30, x : x + 40] == colour).all(), f"cell {index}"
        strip = sheet[y + 30 : y + 30 + layout.strip, x : x + 40]
        assert (strip[0, -1] == STRIP).all() and (strip[-1, -1] == STRIP).all()
        assert strip.max() > 150  # the label's light text on the dark strip
        assert (sheet[y - 1, x : x + 40] == BACKGROUND).all()  # the gap above
    # The row's second place starts one cell and one gap to the right; the 6th is empty.
    assert layout.origin(1) == (4 + 44, 4)
    x, y = layout.origin(5)
    assert (sheet[y : y + 30 + layout.strip, x : x + 40] == BACKGROUND).all()


def test_a_long_label_is_cut_at_its_cell() -> None:
    long = Cell(_solid((9, 9, 9)).rgb, "0:00  " + "confrontation " * 8)
    quiet = Cell(_solid((9, 9, 9)).rgb, "")
    sheet = assemble([long, quiet], columns=2)
    layout = _layout([long.label, quiet.label], 2, (40, 30))
    x, y = layout.origin(1)
    assert (sheet[y + 30 : y + 30 + layout.strip, x - 4 : x + 40] != BACKGROUND).any()
    assert (sheet[y + 30 : y + 30 + layout.strip, x : x + 40] == STRIP).all()
    assert (sheet[y + 30 : y + 30 + layout.strip, x - 4 : x] == BACKGROUND).all()


def test_cells_of_another_size_are_refused() -> None:
    with pytest.raises(ValueError, match="40x30"):
        assemble([_solid((1, 2, 3)), _solid((1, 2, 3), (41, 30))], columns=2)


def test_png_keeps_rgb_order(tmp_path: Path) -> None:
    sheet = assemble([_solid((250, 10, 0))], columns=6)
    path = tmp_path / "s.png"
    path.write_bytes(encode_png(sheet))
    np.testing.assert_array_equal(_read_png(path), sheet)


# -- the command line -----------------------------------------------------------------------


@pytest.mark.gl
def test_demo_sheet_holds_the_frames_of_a_video_at_their_times(tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    out.write_bytes(b"an earlier sheet")  # --overwrite replaces it
    args = ("--size", "96x54", "--frames-in-sheet", "4", "--columns", "2", "--end", "6")
    result = run_cli("render", "demo", "--contact-sheet", str(out), *args, "--overwrite")
    assert result.returncode == 0, result.stderr
    assert "contact sheet: " in result.stderr  # the progress line
    sheet = _read_png(out)
    labels = [f"{t}  sanctuary" for t in ("0:01.5", "0:03", "0:04.5", "0:05.9")]
    layout = _layout(labels, 2, (96, 54))
    assert (sheet.shape[1], sheet.shape[0]) == layout.size
    cells = _cells_of(sheet, layout, labels)
    for cell in cells:
        assert float(cell.rgb.mean()) > 1.0 and cell.rgb.max() > 40  # light, not black
    assert not np.array_equal(cells[0].rgb, cells[-1].rgb)  # the show moves on
    # The same labels on the same pictures give the same sheet: times and acts are right.
    np.testing.assert_array_equal(assemble(cells, 2), sheet)
    # The last cell is the video's frame at 5.9 s at the sheet's rate (10 fps): not upside
    # down, not BGR.
    frames = tmp_path / "frames"
    video = run_cli(
        "render", "demo", "-o", str(frames), "--size", "96x54", "--fps", "10", "--frames", "59:60"
    )
    assert video.returncode == 0, video.stderr
    np.testing.assert_array_equal(cells[3].rgb, _read_png(frames / "frame_000059.png"))


@pytest.mark.gl
def test_labels_name_the_act_on_screen(tmp_path: Path) -> None:
    timeline = tmp_path / "acts.toml"
    timeline.write_text(TIMELINE)
    out = tmp_path / "nested" / "acts.png"  # a missing folder is made
    result = run_cli("render", str(timeline), "--contact-sheet", str(out), "--frames-in-sheet", "3")
    assert result.returncode == 0, result.stderr
    sheet = _read_png(out)
    labels = ["0:00.4  disparity", "0:00.8  biohubs", "0:01.1  biohubs"]
    layout = _layout(labels, 6, (320, 180))  # a sheet's default cell size
    assert (sheet.shape[1], sheet.shape[0]) == (4 + 3 * 324, layout.size[1])
    np.testing.assert_array_equal(assemble(_cells_of(sheet, layout, labels), 6), sheet)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "give one of them (neither given)"),
        (("-o", "OUT/v.mp4", "--contact-sheet", "OUT/s.png"), "(both given)"),
        (("--contact-sheet", "OUT/s.jpg"), "--contact-sheet OUT/s.jpg: the file name must end"),
        (("--contact-sheet", "OUT/s.png", "--frames", "0:9"), "--frames numbers a video's"),
        (("--contact-sheet", "OUT/s.png", "--columns", "0"), "--columns: expected a whole"),
    ],
)
def test_mistakes_are_one_line_before_anything_is_drawn(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    args = [a.replace("OUT", str(tmp_path)) for a in extra]
    result = run_cli("render", "demo", *args)
    assert result.returncode == 2
    assert message.replace("OUT", str(tmp_path)) in result.stderr
    assert "Traceback" not in result.stderr
    assert "contact sheet: " not in result.stderr  # no frame drawn
    assert list(tmp_path.iterdir()) == []


def test_an_existing_sheet_is_kept_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    out.write_bytes(b"an earlier sheet")
    result = run_cli("render", "demo", "--contact-sheet", str(out), "--end", "2")
    assert result.returncode == 2
    assert f"{out} exists; add --overwrite" in result.stderr
    assert "contact sheet: " not in result.stderr  # refused before drawing
    assert out.read_bytes() == b"an earlier sheet"
