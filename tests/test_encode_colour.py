"""Colour in documentation video: what a player shows is the colour the renderer drew."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from installation.offline.encode import open_sink

# Saturated primaries and a few palette-like colours: where BT.601 and BT.709 differ most.
PATCHES = [
    (255, 0, 0),
    (0, 255, 0),
    (0, 0, 255),
    (40, 220, 180),
    (255, 140, 20),
    (120, 60, 220),
    (128, 128, 128),
    (235, 235, 235),
]
SIZE = (256, 64)  # 32-pixel-wide patches: wide enough that 4:2:x chroma stays inside one


def _patches() -> npt.NDArray[np.uint8]:
    width, height = SIZE
    picture = np.zeros((height, width, 3), np.uint8)
    step = width // len(PATCHES)
    for i, colour in enumerate(PATCHES):
        picture[:, i * step : (i + 1) * step] = colour
    return picture


def _centres(picture: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    width, height = SIZE
    step = width // len(PATCHES)
    return np.array([picture[height // 2, i * step + step // 2] for i in range(len(PATCHES))])


def _write(path: Path, codec: str) -> None:
    sink = open_sink(path, codec, SIZE, 25.0)
    for index in range(3):
        sink.write(_patches(), index)
    sink.close()


@pytest.mark.parametrize(("codec", "suffix"), [("h264", ".mp4"), ("prores", ".mov")])
def test_yuv_video_is_bt709_and_says_so(tmp_path: Path, codec: str, suffix: str) -> None:
    path = tmp_path / f"colour{suffix}"
    _write(path, codec)
    with av.open(str(path)) as container:
        stream = container.streams.video[0].codec_context
        tags = (stream.color_primaries, stream.color_trc, stream.colorspace, stream.color_range)
        frame = next(container.decode(video=0))
        # As a player that ignores tags reads HD video (BT.709), and as one that reads them.
        assumed = frame.reformat(
            format="rgb24", src_colorspace="ITU709", src_color_range="MPEG"
        ).to_ndarray()
        tagged = frame.to_ndarray(format="rgb24")
    assert tags == (1, 1, 1, 1), "BT.709 primaries, transfer and matrix, limited range"
    wanted = _centres(_patches()).astype(int)
    for shown in (assumed, tagged):
        error = np.abs(_centres(shown).astype(int) - wanted).max(axis=1)
        assert error.max() <= 4, f"colour off by {error.tolist()} levels per patch"


def test_ffv1_keeps_rgb_exactly_and_tags_it(tmp_path: Path) -> None:
    path = tmp_path / "colour.mkv"
    _write(path, "ffv1")
    with av.open(str(path)) as container:
        stream = container.streams.video[0].codec_context
        assert (stream.color_primaries, stream.colorspace) == (1, 0)  # BT.709 primaries, RGB
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert np.array_equal(frame, _patches())
