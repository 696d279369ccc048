"""Timelines: the shipped demo, the changes they make, and errors meant for people."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from installation.errors import ConfigError, UserError
from installation.offline.commands import frame_range
from installation.offline.encode import (
    CODECS,
    _encoder_opens,
    check_size,
    choose_codec,
    png_pattern,
)
from installation.offline.timeline import (
    TimelinePlayer,
    load_timeline,
    resolve_timeline_path,
)
from installation.params import Catalogue
from installation.progress import Progress, format_seconds
from tests.conftest import run_cli

TINY = """
name = "tiny"
duration = 1.0
fps = 10
size = "64x36"
[crowd]
seed = 7
[params]
scene = "sanctuary"
[[cue]]
time = 0.5
scene = "solidarity"
ramp = 0.3
[cue.params]
glow.intensity = 2.0
biohubs.count = 3
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(text)
    return path


def test_demo_walks_through_all_five_acts(catalogue: Catalogue) -> None:
    timeline = load_timeline(resolve_timeline_path("demo"), catalogue)
    scenes = {str(timeline.params.get("scene"))} | {c.scene for c in timeline.cues if c.scene}
    assert scenes == set(catalogue.get("scene").choices)
    assert timeline.duration == 60.0


def test_changes_come_once_in_order_with_ramps_on_floats_only(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    timeline = load_timeline(_write(tmp_path, TINY), catalogue)
    player = TimelinePlayer(timeline.events(catalogue))
    assert list(player.due(0.4)) == []
    changes = {c.name: c for c in player.due(0.5)}
    assert changes["scene"].value == "solidarity" and changes["scene"].ramp is None
    assert changes["glow.intensity"].ramp == 0.3
    assert changes["biohubs.count"].ramp is None  # an int switches at once
    assert list(player.due(1.0)) == []
    assert timeline.with_seed(9).crowd.seed == 9


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("glow.intensity = 2.0", "glow.intensty = 2.0"), "cue #1 (cue 1): params: unknown"),
        (("glow.intensity = 2.0", "glow.intensity = 9.0"), "params.glow.intensity"),
        (('scene = "solidarity"', 'scene = "heaven"'), "cue #1 (cue 1): scene"),
        (("time = 0.5", "time = 5.0"), "cue #1 (cue 1): time must be 0..1"),
        (("ramp = 0.3", "fade = 0.3"), "unknown key 'fade'"),
        (("seed = 7", 'seed = "x"'), "crowd.seed must be int"),
        (("duration = 1.0", "duration = -1"), "duration must be"),
        (('size = "64x36"', 'size = "big"'), "size: size must be WIDTHxHEIGHT"),
    ],
)
def test_mistakes_name_file_entry_and_key(
    tmp_path: Path, catalogue: Catalogue, change: tuple[str, str], expected: str
) -> None:
    path = _write(tmp_path, TINY.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_timeline(path, catalogue)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_bad_timeline_exits_2_without_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, TINY.replace("glow.intensity = 2.0", "glow.intensity = 9.0"))
    result = run_cli("render", str(path), "-o", str(tmp_path / "x.mkv"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{path}: cue #1 (cue 1): params.glow.intensity" in result.stderr
    missing = run_cli("render", "nowhere", "-o", str(tmp_path / "x.mkv"))
    assert missing.returncode == 2 and "shipped timelines: demo" in missing.stderr


def test_codec_from_suffix_and_mismatch_refused() -> None:
    assert choose_codec(Path("a.mp4"), None) == "h264"
    assert choose_codec(Path("a.mov"), None) == "prores"
    assert choose_codec(Path("a.mkv"), None) == "ffv1"
    assert choose_codec(Path("out/frames"), None) == "png"
    with pytest.raises(UserError, match=r"\.mp4 file"):
        choose_codec(Path("a.mov"), "h264")
    with pytest.raises(UserError, match="cannot tell the codec"):
        choose_codec(Path("a.avi"), None)
    assert png_pattern(Path("out/f_%04d.png")) == Path("out/f_%04d.png")
    assert png_pattern(Path("out")) == Path("out/frame_%06d.png")
    with pytest.raises(UserError, match="frame number"):
        png_pattern(Path("out/still.png"))


def test_odd_sizes_refused_where_the_codec_cannot_hold_them() -> None:
    with pytest.raises(UserError, match="try --size 66x36"):
        check_size("h264", (65, 36))
    with pytest.raises(UserError, match="even width and height"):
        check_size("h264", (64, 35))
    check_size("ffv1", (65, 35))
    check_size("png", (65, 35))


# What FFmpeg's encoders open at width 16384 (16384x16384 passes 2^31 bytes of padded rows
# for every one; FFV1 finds no slice layout past 12960 rows).
TALLEST_AT_16384 = {"h264": 16128, "prores": 16128, "ffv1": 12960, "png": 16128}


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_sizes_beyond_ffmpeg_are_refused_with_the_largest_that_fits(codec: str) -> None:
    tallest = TALLEST_AT_16384[codec]
    with pytest.raises(UserError) as caught:
        check_size(codec, (16384, 16384))
    assert str(caught.value) == (
        f"--size 16384x16384: too large for FFmpeg's {CODECS[codec].encoder} encoder "
        f"({codec}); the tallest that fits at this width is --size 16384x{tallest}"
    )
    check_size(codec, (16384, tallest))
    check_size(codec, (3840, 2160))
    # The size suggested is the edge: FFmpeg opens it, and not two rows more.
    assert _encoder_opens(CODECS[codec], (16384, tallest))
    assert not _encoder_opens(CODECS[codec], (16384, tallest + 2))


def test_frame_ranges() -> None:
    assert frame_range(300, 30.0, None, None, None) == (0, 300)
    assert frame_range(300, 30.0, 2.0, 4.0, None) == (60, 120)
    assert frame_range(300, 30.0, None, None, "10:20") == (10, 20)
    assert frame_range(300, 30.0, None, None, "250:") == (250, 300)
    for bad in ("20:10", "0:301", "x:y", "5"):
        with pytest.raises(UserError):
            frame_range(300, 30.0, None, None, bad)
    with pytest.raises(UserError, match="give one of them"):
        frame_range(300, 30.0, 1.0, None, "0:10")


def test_progress_line_says_rate_and_time_left() -> None:
    stream = io.StringIO()  # not a terminal: one line per update
    now = [0.0]
    progress = Progress(100, stream, monotonic=lambda: now[0])
    now[0] = 2.0
    progress.update(20)
    now[0] = 2.5
    progress.update(25)  # within a second of the last line: quiet
    assert stream.getvalue() == "render: 20/100 frames (20%), 10.0 fps, 8s left\n"
    assert format_seconds(3725) == "1h02m05s"
    other = io.StringIO()
    counted = Progress(40, other, label="smiles evaluate", unit="images", rate_unit="images/s")
    counted.update(0)
    assert other.getvalue() == "smiles evaluate: 0/40 images (0%), 0.0 images/s, ? left\n"
