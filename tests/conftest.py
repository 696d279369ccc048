"""Shared fixtures: the catalogue, a headless GL context, Xvfb, and running the CLI."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import moderngl
import pytest

from installation.palette import Palette, load_palette
from installation.params import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _own_state_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test its own restart-storm state (installation/supervise/storm.py): runs that
    tests kill must not add up, across tests or with a real show, to a safe idle start."""
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def palette() -> Palette:
    return load_palette("bioluminescent")


@pytest.fixture(scope="session")
def gl_ctx() -> Iterator[moderngl.Context]:
    """A headless OpenGL context (Mesa llvmpipe through EGL is enough)."""
    try:
        ctx = moderngl.create_standalone_context(backend="egl", require=330)  # type: ignore[arg-type]
    except Exception as exc:  # no EGL/GL driver on this machine at all
        pytest.skip(f"no OpenGL 3.3 context can be created here (EGL): {exc}")
    yield ctx
    ctx.release()


def run_cli(
    *args: str,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    max_file_bytes: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m installation ARGS` the way a user would, and capture its output.

    `max_file_bytes` stands in for a disk that fills: writing a file past that size fails
    as on a full disk (EFBIG; Python ignores SIGXFSZ), for the program's files only.
    """
    # No display unless a test gives one, so runs behave the same on a desktop and in CI.
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    environment.update(env or {})

    def limit_file_size() -> None:
        if max_file_bytes is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, hard))

    if max_file_bytes is not None:
        environment["MESA_SHADER_CACHE_DISABLE"] = "true"  # Mesa's cache is not the program's
    return subprocess.run(
        [sys.executable, "-m", "installation", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        cwd=cwd or ROOT,
        check=False,
        preexec_fn=limit_file_size if max_file_bytes is not None else None,
    )


def quiet_network() -> list[str]:
    """`--set` flags for a show that keeps to itself: OSC on a free loopback port, no
    OSCQuery, health page or mDNS, so tests running side by side never meet."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sets = ["osc.advertise=false", 'osc.query=""', 'health.listen=""']
    sets.append(f"osc.listen=127.0.0.1:{port}")
    return [f"--set={text}" for text in sets]


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A virtual X display (Xvfb) for tests of the real window path."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.fail("Xvfb is not installed; ./test.sh installs it (Debian package xvfb)")
    for number in range(90, 110):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        process = subprocess.Popen(
            [binary, f":{number}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            if process.poll() is not None:
                break
            time.sleep(0.05)
        if process.poll() is None:
            try:
                yield f":{number}"
            finally:
                process.terminate()
                process.wait(timeout=10)
            return
    pytest.fail("could not start Xvfb on any display from :90 to :109")


# The long runs: each act held for five minutes of the seeded simulated crowd at a small
# size, rendered once per test session and shared by the five-minute checks and the golden
# images (tests/test_living_light.py, tests/test_golden.py).
LONG_RUN_SIZE = (160, 90)
LONG_RUN_FPS = 4.0  # 15 growth steps a frame: within one frame's most (render/growth.py)
LONG_RUN_TIMES = tuple(float(t + d) for t in range(30, 301, 30) for d in (0, 1))


@pytest.fixture(scope="session")
def long_run(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> Callable[[str], dict[float, Any]]:
    """scene -> {show time: RGB picture} at LONG_RUN_TIMES, rendered on first use."""
    from installation.vision.crowd import CrowdSettings, SimulatedCrowd
    from tests.scenes_helpers import sample_show

    runs: dict[str, dict[float, Any]] = {}

    def pictures(scene: str) -> dict[float, Any]:
        if scene not in runs:
            crowd = SimulatedCrowd(
                CrowdSettings(
                    seed=2137, max_people=8, initial_people=5, arrival_rate=0.4, mean_stay=20
                )
            )
            shots = sample_show(
                gl_ctx, catalogue, palette, {"scene": scene}, LONG_RUN_TIMES,
                faces=crowd.faces_at, size=LONG_RUN_SIZE, fps=LONG_RUN_FPS,
            )  # fmt: skip
            runs[scene] = {round(t, 3): image for t, image in shots}
        return runs[scene]

    return pictures


@pytest.fixture
def live(catalogue: Catalogue) -> Iterator[Any]:
    """An OSC receiver on a free loopback port feeding an event queue (tests/test_osc_receiver)."""
    from tests.test_osc_receiver import start_live

    rig = start_live(catalogue)
    yield rig
    rig.control.stop()
    rig.client.close()
