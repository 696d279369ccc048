"""`installation run --record`: a live headless run with OSC changes, replayed and rendered."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import av
import pytest
from pythonosc.udp_client import SimpleUDPClient

from installation.errors import ConfigError
from installation.offline.render import total_frames
from installation.params import Catalogue
from installation.record.replay import SessionReplay
from installation.record.session import read_session
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.gl


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_recording(path: Path, port: int, duration: float) -> subprocess.Popen[str]:
    args = ["run", "--source", "sim", "--headless", "--duration", str(duration)]
    args += ["--size", "160x90", "--record", str(path)]
    args += ["--set", f"osc.listen=127.0.0.1:{port}", "--set", 'osc.query=""']
    return subprocess.Popen(
        [sys.executable, "-m", "installation", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lines(path: Path, pattern: str, count: int, timeout: float = 30.0) -> None:
    """Wait until the file holds `count` complete lines containing `pattern`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            complete = path.read_text().rpartition("\n")[0]
            if sum(pattern in line for line in complete.splitlines()) >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{path}: fewer than {count} lines with {pattern!r} after {timeout} s")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("record") / "show.jsonl"
    port = free_port()
    process = start_recording(path, port, 3.0)
    # A flushed step line means the frame loop runs, so OSC is listening.
    wait_for_lines(path, '"t"', 1)
    client = SimpleUDPClient("127.0.0.1", port)
    client.send_message("/nova/glow/radius", 0.3)
    client.send_message("/nova/glow/intensity/ramp", [2.0, 0.5])
    client.send_message("/nova/scene/go", 2)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    return path


def test_the_file_holds_the_config_events_and_checksums_as_numbers(recording: Path) -> None:
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    header, rest = lines[0], lines[1:]
    assert header["nova_session"] == 1
    assert header["config"]["source"]["input"] == "sim"
    assert "glow.radius" in header["params"]
    assert all(isinstance(line["t"], float) for line in rest)
    events = [e for line in rest for e in line.get("e", ())]
    assert any(e[0] == "f" and e[3] for e in events)  # faces, as numbers
    changes = {e[2]: e for e in events if e[0] == "p"}
    assert changes["glow.radius"][3] == pytest.approx(0.3)
    assert changes["glow.intensity"][5] == pytest.approx(0.5)  # the ramp
    assert changes["scene"][3] == "disparity" and "osc" in changes["scene"][4]
    assert sum("sum" in line for line in rest) >= 2
    # Never pixels: no long strings, and a face row is 13 numbers.
    assert max(len(line) for line in recording.read_text().splitlines()[1:]) < 20_000
    assert all(len(row) == 13 for e in events if e[0] == "f" for row in e[3])


def test_a_fresh_show_reproduces_every_checksum(recording: Path, catalogue: Catalogue) -> None:
    session = read_session(recording, catalogue)
    replay = SessionReplay(session, catalogue)
    assert replay.verify() is None
    assert replay.checked == recording.read_text().count('"sum"') >= 2


def test_render_replays_the_session(recording: Path, catalogue: Catalogue, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    result = run_cli("render", str(recording), "-o", str(out), "--codec", "ffv1", "--size", "64x36")
    assert result.returncode == 0, result.stderr
    assert "differs" not in result.stderr
    with av.open(str(out)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == total_frames(read_session(recording, catalogue).duration, 30.0)
    # A session replays with its own config: restyling it would break its checksums.
    styled = run_cli("render", str(recording), "-o", str(out), "--set", "show.palette=x")
    assert styled.returncode == 2
    assert "recorded with" in styled.stderr and "Traceback" not in styled.stderr


def test_a_corrupted_checksum_is_reported_once_with_its_time(
    recording: Path, catalogue: Catalogue, tmp_path: Path
) -> None:
    lines = recording.read_text().splitlines(keepends=True)
    index = [i for i, line in enumerate(lines) if '"sum"' in line][1]
    check = json.loads(lines[index])
    lines[index] = json.dumps({"t": check["t"], "sum": "0" * 16}) + "\n"
    corrupted = tmp_path / "corrupted.jsonl"
    corrupted.write_text("".join(lines))
    mismatch = SessionReplay(read_session(corrupted, catalogue), catalogue).verify()
    assert mismatch is not None and mismatch.time == check["t"]
    result = run_cli("render", str(corrupted), "-o", str(tmp_path / "c.mkv"), "--size", "64x36")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("differs") == 1
    assert f"at show time {check['t']:.3f} s" in result.stderr


def test_a_half_written_last_line_is_left_out(
    recording: Path, catalogue: Catalogue, tmp_path: Path
) -> None:
    text = recording.read_text()
    last = text.splitlines()[-1]
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: len(text) - 1 - len(last) // 2])  # half the last line, no newline
    session = read_session(cut, catalogue)
    assert session.dropped == 1
    kept = text.splitlines()[1:-1]
    assert session.step_count == sum('"sum"' not in line for line in kept)
    assert SessionReplay(session, catalogue).verify() is None


def test_a_foreign_or_damaged_file_is_one_clear_error(
    recording: Path, catalogue: Catalogue, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"hello": 1}\n')
    with pytest.raises(ConfigError, match="not a Nova Sanctuary session"):
        read_session(foreign, catalogue)
    lines = recording.read_text().splitlines(keepends=True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("".join([*lines[:3], "{oops\n", *lines[3:]]))
    with pytest.raises(ConfigError, match="line 4 is not JSON"):
        read_session(damaged, catalogue)
    result = run_cli("render", str(foreign), "-o", str(tmp_path / "f.mkv"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not a Nova Sanctuary session" in result.stderr


def _long_recording(recording: Path, path: Path, minutes: float) -> Path:
    """The fixture's header and a crowd of six faces at 60 steps a second for `minutes`."""
    header = recording.read_text().splitlines()[0]
    with path.open("w") as out:
        out.write(header + "\n")
        for i in range(int(minutes * 60 * 60)):
            t = i / 60.0
            faces = [
                [k, 0.1 * k + 0.001 * (i % 50), 0.4, 0.1, 0.12, 0.5, *(1 / 7,) * 7]
                for k in range(1, 7)
            ]
            out.write(json.dumps({"t": t, "e": [["f", t, "sim", faces]]}) + "\n")
    return path


def test_a_long_recording_replays_in_the_memory_of_a_short_one(
    recording: Path, catalogue: Catalogue, tmp_path: Path
) -> None:
    # Three minutes of six faces: about 13 MB of numbers (a night's file is many times this).
    long = _long_recording(recording, tmp_path / "long.jsonl", minutes=3.0)
    size = long.stat().st_size
    tracemalloc.start()
    try:
        session = read_session(long, catalogue)
        read_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        replay = SessionReplay(session, catalogue)
        for second in range(0, 30, 5):  # the replay reads on as it goes
            replay.frame_at(float(second))
        replay_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert session.step_count == 3 * 60 * 60 and session.duration == pytest.approx(179.98, 1e-3)
    # Held in memory: a step and the show, never the file (which took 5x its size as steps).
    assert read_peak < size / 10, (read_peak, size)
    assert replay_peak < size / 10, (replay_peak, size)
