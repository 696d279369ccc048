"""End to end: the command line as a user types it, in a subprocess."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from tests.conftest import ROOT, run_cli


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "params", "doctor"):
        assert command in result.stdout
    run_help = run_cli("run", "--help").stdout
    for flag in (
        "--config",
        "--set",
        "--source",
        "--headless",
        "--duration",
        "--fullscreen",
        "--screen",
        "--size",
        "--snapshot",
    ):
        assert flag in run_help


@pytest.mark.gl
def test_headless_run_on_the_simulated_crowd_writes_a_snapshot(tmp_path: Path) -> None:
    snapshot = tmp_path / "out" / "s.png"
    result = run_cli(
        "run",
        "--source",
        "sim",
        "--headless",
        "--duration",
        "3",
        "--size",
        "640x360",
        "--snapshot",
        str(snapshot),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = re.search(
        r"^summary: frames=(\d+) fps=([\d.]+) .*source=sim output=offscreen:640x360",
        result.stdout,
        re.M,
    )
    assert summary, result.stdout
    frames, fps = int(summary.group(1)), float(summary.group(2))
    assert frames > 10 and fps > 3
    assert re.search(
        r"^\[\s*[\d.]+s\] fps=.* faces=\d+ .*source=sim", result.stdout, re.M
    )  # status line
    image = cv2.imread(str(snapshot))
    assert image is not None and image.shape == (360, 640, 3)
    assert image.max() > 80  # faces glow: the snapshot is the show, not a blank frame


@pytest.mark.gl
def test_plain_run_on_a_bare_machine_says_sim_and_offscreen() -> None:
    result = run_cli("run", "--duration", "2")
    assert result.returncode == 0, result.stderr
    assert "camera 0 not found: using the simulated crowd" in result.stderr
    assert "no display found: rendering offscreen (EGL)" in result.stderr
    assert re.search(r"summary: frames=\d+ fps=[\d.]+", result.stdout)


@pytest.mark.gl
def test_missing_camera_falls_back_unless_required() -> None:
    result = run_cli("run", "--source", "camera:7", "--headless", "--duration", "1")
    assert result.returncode == 0, result.stderr
    assert "camera 7 not found: using the simulated crowd instead" in result.stderr
    required = run_cli(
        "run",
        "--source",
        "camera:7",
        "--headless",
        "--duration",
        "1",
        "--set",
        "source.required=true",
    )
    assert required.returncode == 1
    assert "camera 7 not found" in required.stderr and "required" in required.stderr
    assert "Traceback" not in required.stderr


@pytest.mark.gl
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_end_the_show_cleanly(sig: signal.Signals) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "installation",
            "run",
            "--source",
            "sim",
            "--headless",
            "--size",
            "320x180",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "DISPLAY"},
    )
    # Wait for the first status line: the loop is running.
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "fps=" in first
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert re.search(rf"summary: frames=\d+ fps=[\d.]+ .*ended_by={sig.name}", out)


def broken_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tests-made-broken.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[window]\nsise = '800x600'\n",
            "window.sise: unknown key in [window] 'sise'; did you mean 'size'?",
        ),
        ("[render]\nfps = 'fast'\n", "render.fps: must be a number (got 'fast')"),
        ("[render]\nfps = 900\n", "render.fps: must be at most 240 (got 900)"),
        (
            "[params]\nglow.radius = 9\n",
            "params.glow.radius: expects a number from 0.03 to 0.6, got 9",
        ),
        ("[window\n", "not valid TOML"),
    ],
)
def test_broken_config_exits_2_with_one_clear_message(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = broken_config(tmp_path, text)
    result = run_cli("run", "--config", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    assert expected in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "nothing.here=1"], "--set: nothing: unknown section 'nothing'"),
        (["--set", "window.size=1"], "--set: window.size: size must be WIDTHxHEIGHT"),
        (["--size", "12x"], "argument --size: size must be WIDTHxHEIGHT"),
        (["--config", "no/such/file.toml"], "no/such/file.toml: config file not found"),
        (["--source", "webcam"], "argument --source: unknown source 'webcam'"),
        (["--duration", "-3"], "argument --duration: expected seconds > 0"),
        (
            ["--snapshot", "x.jpg", "--duration", "1"],
            "--snapshot x.jpg: the file name must end in .png",
        ),
        (
            ["--source", "file:/no/such/video.mp4"],
            "source.input: video file not found: /no/such/video.mp4",
        ),
        (
            ["--source", f"file:{ROOT / 'docs'}"],
            f"source.input: {ROOT / 'docs'} is a folder; file: takes one video file, e.g. file:",
        ),
    ],
)
def test_bad_command_lines_exit_2(args: list[str], expected: str) -> None:
    result = run_cli("run", *args)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_params_json_lists_the_catalogue() -> None:
    result = run_cli("params", "--json")
    assert result.returncode == 0
    entries = json.loads(result.stdout)
    assert isinstance(entries, list) and len(entries) >= 10
    for entry in entries:
        assert {"name", "address", "type", "default", "min", "max", "description"} <= set(entry)
    assert {e["name"] for e in entries} >= {"master.brightness", "glow.radius", "scene"}


def test_params_text_is_readable() -> None:
    result = run_cli("params")
    assert result.returncode == 0
    assert "glow.radius  (/nova/glow/radius)" in result.stdout


@pytest.mark.gl
def test_doctor_reports_gl_and_passes_here() -> None:
    result = run_cli("doctor")
    assert result.returncode == 0, result.stdout
    assert re.search(r"ok\s+opengl\s+\S+", result.stdout)
    assert re.search(r"ok\s+shaders\s+\d+ programs compile", result.stdout)
    assert "cameras" in result.stdout and "osc port" in result.stdout and "models" in result.stdout


def test_doctor_exits_1_when_a_required_part_is_missing(tmp_path: Path) -> None:
    config = tmp_path / "needs-camera.toml"
    config.write_text('[source]\ninput = "camera:7"\nrequired = true\n')
    result = run_cli("doctor", "--config", str(config))
    assert result.returncode == 1
    assert re.search(r"MISSING\s+cameras", result.stdout)


def test_python_dash_m_and_console_script_agree() -> None:
    script = Path(sys.executable).parent / "installation"
    assert script.exists(), "the console script is installed with the package"
    via_script = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False
    )
    assert via_script.returncode == 0
    assert via_script.stdout == run_cli("--version").stdout


def test_startup_is_quick_enough_to_not_hide_errors() -> None:
    # Sanity, not a benchmark: a config error must come back promptly, not after GL start-up.
    started = time.monotonic()
    run_cli("run", "--set", "nothing=1")
    assert time.monotonic() - started < 30


@pytest.mark.gl
def test_a_video_file_source_runs_the_same_show(tmp_path: Path) -> None:
    import numpy as np

    video = tmp_path / "room.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 15, (160, 120))
    for n in range(15):
        frame = np.full((120, 160, 3), 40, np.uint8)
        cv2.circle(frame, (20 + n * 8, 60), 12, (200, 200, 200), -1)
        writer.write(frame)
    writer.release()
    result = run_cli(
        "run", "--source", f"file:{video}", "--headless", "--duration", "2", "--size", "320x180"
    )
    assert result.returncode == 0, result.stderr
    assert re.search(
        rf"summary: frames=\d+ fps=[\d.]+ .*source=file:{re.escape(str(video))}", result.stdout
    )


def test_doctor_checks_the_lighting_patch(tmp_path: Path) -> None:
    config = tmp_path / "rig.toml"
    config.write_text('[lighting]\nprotocol = "sacn"\npatch = "demo"\n')
    result = run_cli("doctor", "--config", str(config))
    assert re.search(
        r"ok\s+lighting\s+\d+ fixture\(s\) from demo\.toml, sACN to 127\.0\.0\.1", result.stdout
    )
    config.write_text(f'[lighting]\nprotocol = "sacn"\npatch = "{tmp_path / "nope.toml"}"\n')
    result = run_cli("doctor", "--config", str(config))
    assert result.returncode == 1
    assert re.search(r"MISSING\s+lighting\s+lighting\.patch: .*patch file not found", result.stdout)
