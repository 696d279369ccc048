"""Recordings at their hard edges: a disk that fills, a damaged line, a header that does not fit.

A recording is a night's evidence: a full disk must not end the show or its summary, and
what reached the disk must still replay. A damaged file must be one message naming the line
or key, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from installation.errors import ConfigError
from installation.params import Catalogue
from installation.record.replay import SessionReplay
from installation.record.session import read_session
from tests.conftest import quiet_network, run_cli

pytestmark = pytest.mark.gl

# A file-size limit stands in for a disk that fills part way through the show.
LIMIT_BYTES = 30_000


def _record(path: Path, seconds: float, limit: int | None = None) -> CompletedProcess[str]:
    return run_cli(
        *("run", "--source", "sim", "--headless", "--size", "160x90"),
        *("--duration", str(seconds), "--record", str(path)),
        *quiet_network(),
        timeout=120,
        max_file_bytes=limit,
    )


def _summary(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("summary:"))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE behaves this way on Linux")
def test_a_disk_that_fills_during_the_show_keeps_what_it_took(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "night.jsonl"
    result = _record(path, seconds=4.0, limit=LIMIT_BYTES)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "ended_by=duration_reached" in _summary(result.stdout)
    assert result.stderr.count(f"recording to {path} stopped: File too large") == 1
    assert f"{path} holds the show up to where its recording stopped" in result.stderr
    # What the disk took replays: the header and every whole step line before the limit.
    assert 0 < path.stat().st_size <= LIMIT_BYTES
    session = read_session(path, catalogue)
    assert session.step_count > 10 and session.dropped <= 1
    assert 0.0 < session.duration < 4.0
    SessionReplay(session, catalogue).frame_at(session.duration)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_disk_full_from_the_start_is_one_message_and_the_show_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "full.jsonl"
    path.symlink_to("/dev/full")  # every write: ENOSPC, as a full disk
    result = _record(path, seconds=1.5)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "ended_by=duration_reached" in _summary(result.stdout)
    assert result.stderr.count("stopped: No space left on device (the show goes on)") == 1


@pytest.fixture(scope="module")
def short_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "short.jsonl"
    result = _record(path, seconds=1.5)
    assert result.returncode == 0, result.stderr
    return path


def _render(source: Path, tmp_path: Path) -> CompletedProcess[str]:
    return run_cli("render", str(source), "-o", str(tmp_path / "out.mkv"), "--size", "64x36")


def test_a_step_line_that_is_a_list_names_its_line(
    short_recording: Path, catalogue: Catalogue, tmp_path: Path
) -> None:
    lines = short_recording.read_text().splitlines(keepends=True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("".join([*lines[:5], "[1,2,3]\n", *lines[5:]]))
    with pytest.raises(ConfigError, match="line 6 is not a recorded step"):
        read_session(damaged, catalogue)
    result = _render(damaged, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "AttributeError" not in result.stderr
    assert "line 6 is not a recorded step" in result.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("render", "fps", 0), "the header's config (line 1): render.fps: must be at least 1"),
        (("render", "fps", "fast"), "the header's config (line 1): render.fps: must be a number"),
        (("window", "fps", 30), "the header's config (line 1): window.fps: unknown key"),
    ],
)
def test_a_header_that_does_not_fit_names_the_key(
    short_recording: Path,
    catalogue: Catalogue,
    tmp_path: Path,
    change: tuple[str, str, object],
    expected: str,
) -> None:
    lines = short_recording.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    section, key, value = change
    header["config"][section][key] = value
    damaged = tmp_path / "header.jsonl"
    damaged.write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    with pytest.raises(ConfigError) as caught:
        read_session(damaged, catalogue)
    assert expected in str(caught.value)
    assert "validation error for" not in str(caught.value)
    result = _render(damaged, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{damaged}: {expected}" in result.stderr
