"""The real window path: a pyglet window on a virtual X display (Xvfb)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from Xlib import X, display, protocol

from tests.conftest import ROOT, run_cli

pytestmark = [pytest.mark.gl, pytest.mark.window]


def test_show_runs_in_a_window_and_snapshots_it(xvfb_display: str, tmp_path: Path) -> None:
    snapshot = tmp_path / "window.png"
    result = run_cli(
        "run",
        "--source",
        "sim",
        "--duration",
        "3",
        "--size",
        "640x360",
        "--snapshot",
        str(snapshot),
        env={"DISPLAY": xvfb_display},
    )
    assert result.returncode == 0, result.stderr
    assert "rendering offscreen" not in result.stderr
    assert re.search(r"summary: frames=\d+ fps=[\d.]+ .*output=window:640x360", result.stdout), (
        result.stdout
    )
    image = cv2.imread(str(snapshot))
    assert image is not None and image.shape == (360, 640, 3)
    assert image.max() > 80


def _find_window(x: display.Display, title: str) -> object | None:
    root = x.screen().root
    for child in root.query_tree().children:
        if child.get_wm_name() == title:
            return child
    return None


def test_closing_the_window_ends_the_show_cleanly(xvfb_display: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "installation", "run", "--source", "sim", "--size", "320x180"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, "DISPLAY": xvfb_display},
    )
    try:
        x = display.Display(xvfb_display)
        window = None
        deadline = time.monotonic() + 30
        while window is None and time.monotonic() < deadline and process.poll() is None:
            window = _find_window(x, "Nova Sanctuary")
            time.sleep(0.2)
        assert window is not None, "the show's window never appeared"
        # What a window manager sends when someone clicks the close button.
        protocols = x.intern_atom("WM_PROTOCOLS")
        delete = x.intern_atom("WM_DELETE_WINDOW")
        message = protocol.event.ClientMessage(
            window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
        window.send_event(message)  # type: ignore[attr-defined]
        x.flush()
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert re.search(r"summary: frames=\d+ fps=[\d.]+ .*ended_by=window_closed", out), out


def test_missing_screen_falls_back_to_the_first(xvfb_display: str) -> None:
    result = run_cli(
        "run",
        "--source",
        "sim",
        "--duration",
        "1",
        "--screen",
        "3",
        "--size",
        "320x180",
        env={"DISPLAY": xvfb_display},
    )
    assert result.returncode == 0, result.stderr
    assert "screen 3 not found (1 screen(s) connected): using screen 0" in result.stderr
