"""`installation render`: frame counts per codec, determinism, parts of a render, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.gl

# 12 frames at 64x36: long enough for a scene change (at 0.6 s) and ramps, fast to draw.
TIMELINE = """
name = "test"
duration = 1.2
fps = 10
size = "64x36"
[crowd]
seed = 11
initial_people = 4
[[cue]]
time = 0.6
scene = "biohubs"
ramp = 0.4
[cue.params]
glow.intensity = 2.0
"""
FRAMES = 12


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("timeline") / "test.toml"
    path.write_text(TIMELINE)
    return path


def _render(timeline: Path, out: Path, *extra: str) -> None:
    result = run_cli("render", str(timeline), "-o", str(out), *extra)
    assert result.returncode == 0, result.stderr
    assert "render: " in result.stderr  # the progress line


def _decode(path: Path) -> list[npt.NDArray[np.uint8]]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _pngs(folder: Path) -> list[npt.NDArray[np.uint8]]:
    return [_decode(path)[0] for path in sorted(folder.glob("frame_*.png"))]


@pytest.fixture(scope="module")
def full_ffv1(timeline: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("full") / "full.mkv"
    _render(timeline, out)
    return out


@pytest.mark.parametrize("name", ["a.mp4", "a.mov", "a.mkv"])
def test_exactly_fps_times_duration_frames(timeline: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    _render(timeline, out)
    frames = _decode(out)
    assert len(frames) == FRAMES  # the encoder was flushed: no trailing frame is lost
    assert frames[0].shape == (36, 64, 3)
    assert max(float(f.mean()) for f in frames) > 1.0  # light, not a black file


def test_png_sequence_numbers_every_frame(timeline: Path, tmp_path: Path) -> None:
    _render(timeline, tmp_path / "seq", "--fps", "5")
    names = sorted(p.name for p in (tmp_path / "seq").iterdir())
    assert names == [f"frame_{n:06d}.png" for n in range(6)]  # 1.2 s at 5 fps


def test_same_timeline_renders_the_same_frames(
    timeline: Path, full_ffv1: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.mkv"
    _render(timeline, again)
    first, second = _decode(full_ffv1), _decode(again)
    assert len(first) == len(second) == FRAMES
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # And the lossless file holds frames that differ from each other (it is a show).
    assert not np.array_equal(first[0], first[-1])


def test_a_part_equals_the_same_frames_of_the_whole(
    timeline: Path, full_ffv1: Path, tmp_path: Path
) -> None:
    part = tmp_path / "part.mkv"
    _render(timeline, part, "--frames", "5:9")
    whole, piece = _decode(full_ffv1), _decode(part)
    assert len(piece) == 4
    for n, frame in enumerate(piece):
        np.testing.assert_array_equal(frame, whole[5 + n])
    # --start/--end in seconds choose frames the same way (0.3 s..0.5 s = frames 3, 4).
    _render(timeline, tmp_path / "seq", "--start", "0.3", "--end", "0.5")
    pngs = _pngs(tmp_path / "seq")
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == [
        "frame_000003.png",
        "frame_000004.png",
    ]
    np.testing.assert_array_equal(pngs[0], whole[3])


def test_config_and_set_style_a_timeline(timeline: Path, full_ffv1: Path, tmp_path: Path) -> None:
    wider = tmp_path / "wider.mkv"
    _render(timeline, wider, "--set", "params.glow.radius=0.5", "--frames", "0:2")
    assert not np.array_equal(_decode(wider)[1], _decode(full_ffv1)[1])
    # The same checks and messages as `run`: what, where, what is allowed; exit 2.
    bad = run_cli(
        "render", str(timeline), "-o", str(tmp_path / "bad.mkv"), "--set", "params.glow.radius=9"
    )
    assert bad.returncode == 2
    assert "glow.radius" in bad.stderr and "0.6" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "bad.mkv").exists()


def test_a_finished_render_is_never_replaced_by_accident(timeline: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept.mkv"
    _render(timeline, out, "--frames", "0:2")
    before = out.read_bytes()
    again = run_cli("render", str(timeline), "-o", str(out), "--frames", "0:1")
    assert again.returncode == 2
    assert f"{out} exists; add --overwrite" in again.stderr
    assert out.read_bytes() == before
    _render(timeline, out, "--frames", "0:1", "--overwrite")
    assert len(_decode(out)) == 1
    # PNG parts share a folder: only the frames a part would write again are refused.
    _render(timeline, tmp_path / "seq", "--frames", "0:3")
    _render(timeline, tmp_path / "seq", "--frames", "3:5")
    overlap = run_cli("render", str(timeline), "-o", str(tmp_path / "seq"), "--frames", "4:6")
    assert overlap.returncode == 2 and "frame_000004.png exists" in overlap.stderr
    assert len(list((tmp_path / "seq").iterdir())) == 5


def test_an_output_that_cannot_be_written_is_refused_before_drawing(
    timeline: Path, tmp_path: Path
) -> None:
    taken = tmp_path / "taken.mp4"
    taken.mkdir()  # a folder where the file should go: the open fails (root or not)
    result = run_cli("render", str(timeline), "-o", str(taken))
    assert result.returncode == 2
    assert f"{taken}: cannot write the video" in result.stderr
    assert "render: " not in result.stderr  # not a frame drawn
    assert "Traceback" not in result.stderr


def test_odd_size_refused_for_h264(timeline: Path, tmp_path: Path) -> None:
    result = run_cli("render", str(timeline), "-o", str(tmp_path / "a.mp4"), "--size", "65x36")
    assert result.returncode == 2
    assert "needs an even width and height" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "a.mp4").exists()


def test_a_size_beyond_ffmpeg_is_refused_before_the_render(timeline: Path, tmp_path: Path) -> None:
    out = tmp_path / "huge.mp4"
    result = run_cli("render", str(timeline), "-o", str(out), "--size", "16384x16384")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "avcodec_open2" not in result.stderr
    assert result.stderr == (
        "installation: error: --size 16384x16384: too large for FFmpeg's libx264 encoder "
        "(h264); the tallest that fits at this width is --size 16384x16128\n"
    )
    assert not out.exists()


def test_ctrl_c_leaves_a_playable_file(tmp_path: Path) -> None:
    out = tmp_path / "stopped.mp4"
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    command = [sys.executable, "-m", "installation", "render", "demo", "-o", str(out)]
    process = subprocess.Popen(
        [*command, "--size", "160x90"],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        for line in process.stderr:
            if line.startswith("render: "):
                break
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read()
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 130, rest
    assert "interrupted (SIGINT)" in rest
    frames = _decode(out)
    assert 1 <= len(frames) < 1800
