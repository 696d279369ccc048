"""systemd notification: READY=1, WATCHDOG=1 pings driven by frames, STATUS=, no-op unset."""

from __future__ import annotations

import configparser
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from installation.supervise.notify import (
    DEFAULT_PING_S,
    Notifier,
    Watchdog,
    ping_interval,
    socket_address,
)
from tests.supervise_helpers import FakeSystemd, frame


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[FakeSystemd]:
    fake = FakeSystemd(str(tmp_path / "notify"))
    yield fake
    fake.close()


def _feed(watchdog: Watchdog, seconds: float, period: float = 0.01) -> int:
    """Drive the watchdog as a frame loop would, for `seconds`; returns frames fed."""
    frames = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        watchdog.send(frame(faces=2))
        frames += 1
        time.sleep(period)
    return frames


def test_ready_pings_and_status_while_frames_flow_and_silence_once_frozen(
    systemd: FakeSystemd,
) -> None:
    watchdog = Watchdog(Notifier(str(systemd.sock.getsockname())), interval=0.05, status_every=0.2)
    _feed(watchdog, 0.6)
    systemd.collect(0.1)
    assert systemd.messages[0].splitlines()[0] == "READY=1"
    assert systemd.count("READY=1") == 1
    pings = systemd.count("WATCHDOG=1")
    assert 6 <= pings <= 12  # about every 50 ms, never more often
    statuses = [m for m in systemd.messages if m.startswith("STATUS=")]
    assert len(statuses) >= 2
    assert "faces=2" in statuses[-1]
    assert "scene=sanctuary" in statuses[-1]
    assert "source=sim (running)" in statuses[-1]
    assert float(statuses[-1].split("fps=")[1].split()[0]) > 10

    # The loop freezes: no more frames, so no more pings however long we wait.
    before = len(systemd.collect())
    systemd.collect(0.3)
    assert len(systemd.messages) == before

    watchdog.stop()
    assert systemd.collect(0.1)[-1] == "STOPPING=1"


def test_pings_are_rate_limited_by_the_clock_not_the_frame_rate(systemd: FakeSystemd) -> None:
    now = [0.0]
    watchdog = Watchdog(
        Notifier(str(systemd.sock.getsockname())), interval=1.0, clock=lambda: now[0]
    )
    for i in range(1001):  # frames at 1 kHz for one second
        now[0] = i / 1000
        watchdog.send(frame())
    for _ in range(3):
        now[0] += 1.0
        watchdog.send(frame())
    systemd.collect(0.1)
    assert systemd.count("READY=1") == 1
    assert systemd.count("WATCHDOG=1") == 4


def test_a_show_whose_supervisor_is_gone_stops_itself_once(
    systemd: FakeSystemd, caplog: pytest.LogCaptureFixture
) -> None:
    now, parent, stops = [0.0], [4242], []
    watchdog = Watchdog(
        Notifier(str(systemd.sock.getsockname())),
        interval=1.0,
        clock=lambda: now[0],
        supervisor_pid=4242,
        parent_pid=lambda: parent[0],
        stop_self=lambda: stops.append(now[0]),
    )
    for step in range(6):
        now[0] = float(step)
        if step == 3:
            parent[0] = 1  # the supervisor was killed: the child is re-parented
        with caplog.at_level(logging.WARNING, logger="installation.supervise"):
            watchdog.send(frame())
    assert stops == [3.0]  # noticed at the next ping, acted on once
    assert "supervisor (pid 4242) is gone" in caplog.text
    # Started by hand or by systemd (no supervisor pid given), the parent is not watched.
    free = Watchdog.from_environment({"NOTIFY_SOCKET": str(systemd.sock.getsockname())})
    assert free.supervisor_pid is None
    given = Watchdog.from_environment({"INSTALLATION_SUPERVISOR_PID": "4242"})
    assert given.supervisor_pid == 4242


def test_an_abstract_socket_name_works() -> None:
    name = f"nova-test-{os.getpid()}-{time.monotonic_ns()}"
    assert socket_address("@" + name) == b"\0" + name.encode()
    systemd = FakeSystemd(b"\0" + name.encode())
    try:
        watchdog = Watchdog.from_environment({"NOTIFY_SOCKET": "@" + name})
        watchdog.send(frame())
        assert systemd.collect(0.1)[0].startswith("READY=1")
    finally:
        systemd.close()


def test_unset_notify_socket_is_a_no_op() -> None:
    watchdog = Watchdog.from_environment({})
    assert not watchdog.notifier.enabled
    for _ in range(3):
        watchdog.send(frame())
    watchdog.stop()
    assert not Notifier(None).notify("READY=1")


def test_a_missing_socket_is_logged_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watchdog = Watchdog(Notifier(str(tmp_path / "gone")), interval=0.0)
    for _ in range(20):
        watchdog.send(frame())
    warnings = [r for r in caplog.records if "systemd notify" in r.getMessage()]
    assert len(warnings) == 1


def test_ping_interval_is_half_the_watchdog_timeout() -> None:
    assert ping_interval({"WATCHDOG_USEC": "10000000"}) == 5.0
    assert ping_interval({}) == DEFAULT_PING_S
    assert ping_interval({"WATCHDOG_USEC": "junk"}) == DEFAULT_PING_S
    assert ping_interval({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid())}) == 0.5


def test_the_systemd_unit_runs_the_gallery_show_under_the_watchdog() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    unit.read(Path(__file__).resolve().parent.parent / "deploy" / "nova-sanctuary.service")
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert service["NotifyAccess"] == "main"
    assert service["WatchdogSec"] == "5"  # a frozen loop is restarted within 10 s
    assert service["Restart"] == "always"
    assert service["RestartSec"] == "1"
    assert service["StateDirectory"] == "nova-sanctuary"  # the restart-storm guard's file
    assert service["ExecStart"].endswith("/.venv/bin/installation run --config gallery")
    assert service["ExecStart"].startswith(service["WorkingDirectory"])
    # systemd never gives up: the show's restart-storm guard handles storms.
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert service["LimitCORE"] == "0"  # a core dump would hold camera frames
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"  # systemctl reload: SIGHUP


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed here (it comes with systemd)",
)
def test_systemd_accepts_the_unit_file(tmp_path: Path) -> None:
    # As the README installs it: the placeholder folder replaced by the checkout's.
    root = Path(__file__).resolve().parent.parent
    text = (root / "deploy" / "nova-sanctuary.service").read_text(encoding="utf-8")
    unit = tmp_path / "nova-sanctuary.service"
    unit.write_text(text.replace("/opt/nova-sanctuary", str(root)), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    # systemd-analyze warns on stderr about keys it does not know, and fails on bad values.
    problems = [line for line in result.stderr.splitlines() if "nova-sanctuary" in line]
    assert result.returncode == 0 and problems == [], result.stderr
