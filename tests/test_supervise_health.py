"""The health endpoint over real HTTP, and a headless show under a fake systemd."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from installation.events import EventQueue
from installation.supervise.health import KEYS, Health, HealthMonitor
from tests.conftest import ROOT
from tests.supervise_helpers import FakeSystemd, frame


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_health_follows_the_frames_fed() -> None:
    now = [100.0]
    monitor = HealthMonitor(50.0, source="sim", clock=lambda: now[0])
    health = Health(f"127.0.0.1:{_free_tcp_port()}", monitor)
    health.start(EventQueue(), time.monotonic)
    try:
        assert health.server is not None
        url = f"http://127.0.0.1:{health.server.port}"
        status, body = _get(url + "/health")
        assert status == 200
        assert set(body) == set(KEYS)
        assert body["status"] == "starting"
        assert body["frames"] == 0

        for i in range(100):  # 2 s at 50 fps, two of them late (a dropped frame each)
            now[0] += 0.1 if i in (30, 60) else 0.02
            monitor.send(frame(faces=3, scene="flood"))
        status, body = _get(url + "/")
        assert status == 200
        assert body["status"] == "ok"
        assert body["frames"] == 100
        assert body["faces"] == 3
        assert body["scene"] == "flood"
        assert body["source"] == "sim"
        assert body["source_state"] == "running"
        assert body["dropped_frames"] == 2
        assert 40 < body["fps"] < 50
        assert body["frame_time_p99_ms"] == pytest.approx(100.0)
        assert body["uptime_s"] == pytest.approx(2.16)
        assert body["memory_mb"] > 1
        assert body["last_frame_age_s"] == 0
        assert body["rejected_values"] == 0

        # A frame that carries refused parameter changes shows them to the technician.
        now[0] += 0.02
        monitor.send(dataclasses.replace(frame(faces=3, scene="flood"), rejected_values=4))
        assert _get(url + "/")[1]["rejected_values"] == 4

        logging.getLogger("installation.vision").warning("camera 0 lost; retrying")
        now[0] += 10.0  # the loop froze: the page says so, with a status monitors notice
        status, body = _get(url + "/health")
        assert status == 503
        assert body["status"] == "stalled"
        assert body["errors"] == ["warning: camera 0 lost; retrying"]
        assert _get(url + "/nothing")[0] == 404
    finally:
        health.stop()


def test_a_taken_port_is_one_warning_and_no_page(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        health = Health(listen, HealthMonitor(60.0))
        health.start(EventQueue(), time.monotonic)
        health.send(frame())
        health.stop()
    assert health.server is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "cannot serve on" in warnings[0].getMessage()


def test_an_empty_listen_turns_health_off() -> None:
    health = Health("", HealthMonitor(60.0))
    health.start(EventQueue(), time.monotonic)
    assert health.server is None
    health.stop()


def test_a_headless_show_notifies_systemd_and_answers_health(tmp_path: Path) -> None:
    systemd = FakeSystemd(str(tmp_path / "notify"))
    port = _free_tcp_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="1000000")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--source", "sim", "--headless",
            "--duration", "3", "--size", "160x90",
            "--set", f"health.listen=127.0.0.1:{port}",
            "--set", f"osc.listen=127.0.0.1:{_free_udp_port()}", "--set", 'osc.query=""',
            "--set", "osc.advertise=false",
        ],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        body: dict[str, Any] | None = None
        deadline = time.monotonic() + 30.0
        while body is None and time.monotonic() < deadline and process.poll() is None:
            systemd.collect(0.1)
            if systemd.count("READY=1"):
                status, body = _get(f"http://127.0.0.1:{port}/health")
                assert status == 200
        stdout, stderr = process.communicate(timeout=30.0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    systemd.collect(0.2)
    systemd.close()
    assert process.returncode == 0, stderr
    assert body is not None, f"health never answered while the show ran: {stderr}"
    assert body["source"] == "sim"
    assert body["frames"] > 0
    assert systemd.count("READY=1") == 1
    assert systemd.count("WATCHDOG=1") >= 2  # every 0.5 s over about 3 s
    assert systemd.messages[-1] == "STOPPING=1"
    assert "summary:" in stdout
