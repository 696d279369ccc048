"""A display that appears after the show started (window.headless = "auto"): the show moves
from offscreen into a window. The real path on a virtual X display (Xvfb)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import moderngl
import pytest

from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.render.stage import Stage, display_ready
from installation.render.window import WindowTarget
from tests.conftest import ROOT

pytestmark = [pytest.mark.gl]


def _free_display() -> int:
    for number in range(110, 140):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    pytest.fail("no free X display number from :110 to :139")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Lines:
    """Collects a process's stderr lines on a thread, so the test can wait for one."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stderr is not None
        self._stream = process.stderr
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for line in self._stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            time.sleep(0.05)
        return False

    def text(self) -> str:
        self._thread.join(timeout=5.0)
        return "".join(self.lines)


@pytest.fixture
def xvfb_later() -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A display name with no server yet; start one by appending to the list."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed; ./test.sh installs it (Debian package xvfb)")
    servers: list[subprocess.Popen[bytes]] = []
    yield f":{_free_display()}", servers
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.window
def test_a_display_that_appears_later_gets_the_show(
    xvfb_later: tuple[str, list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    name, servers = xvfb_later
    snapshot = tmp_path / "after.png"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--source", "sim", "--size", "320x180",
            "--duration", "25", "--snapshot", str(snapshot),
            "--set", f"osc.listen=127.0.0.1:{_free_port()}", "--set", "osc.query=''",
            "--set", "osc.advertise=false", "--set", "health.listen=''",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DISPLAY": name},
    )  # fmt: skip
    lines = Lines(process)
    try:
        assert lines.wait_for("rendering offscreen"), lines.text()
        servers.append(
            subprocess.Popen(
                ["Xvfb", name, "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        assert lines.wait_for("display found: the show is in a window now"), lines.text()
        stdout, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = lines.text()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "summary: frames=" in stdout
    image = cv2.imread(str(snapshot))  # drawn with the window's context, after the move
    assert image is not None and image.shape == (180, 320, 3) and image.max() > 80


def test_display_ready_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    assert display_ready() is False  # nothing named: nothing can appear to this process
    monkeypatch.setenv("DISPLAY", f":{_free_display()}")
    assert display_ready() is False  # named, but its socket is not there yet
    monkeypatch.setenv("DISPLAY", "projector.local:0")
    assert display_ready() is True  # remote: only a window can tell
    monkeypatch.delenv("DISPLAY")
    (tmp_path / "wayland-1").touch()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-1")
    assert display_ready() is True


def test_a_window_that_will_not_open_leaves_the_show_offscreen(
    catalogue: object, caplog: pytest.LogCaptureFixture
) -> None:
    from installation.render.context import create_offscreen_context
    from installation.resources import shaders_dir

    ctx = create_offscreen_context()
    now = [0.0]
    attempts: list[int] = []

    def make_renderer(context: moderngl.Context) -> Renderer:
        return Renderer(context, shaders_dir(), catalogue)  # type: ignore[arg-type]

    def no_window() -> WindowTarget:
        attempts.append(1)
        raise RuntimeError("no GLX here")

    stage = Stage(
        OffscreenTarget(ctx, (64, 36)),
        ctx,
        make_renderer,
        open_window=no_window,
        ready=lambda: True,
        recheck_s=3.0,
        monotonic=lambda: now[0],
    )
    try:
        assert stage.poll() and not attempts  # not before the first recheck
        now[0] = 3.0
        assert stage.poll() and attempts == [1]
        assert isinstance(stage.target, OffscreenTarget) and stage.switches == 0
        assert stage.framebuffer is stage.target.framebuffer
        assert stage.ctx is not ctx  # a fresh context: the old one went before the try
        now[0] = 8.0
        assert stage.poll() and attempts == [1]  # after a failure, twice the wait (6 s)
        now[0] = 9.1
        assert stage.poll() and attempts == [1, 1]
        said = [r for r in caplog.records if "offscreen still" in r.getMessage()]
        assert len(said) == 1 and said[0].levelname == "WARNING"  # said once, not per try
    finally:
        stage.release()
