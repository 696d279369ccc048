"""The built-in supervisor: restarts a show that is killed, fails or freezes; stops cleanly."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from installation.supervise.supervisor import (
    Happening,
    Supervisor,
    SupervisorSettings,
    describe_exit,
    posix_required,
)
from installation.supervise.testhooks import FREEZE_ENV
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(posix_required() is not None, reason="needs unix sockets")

# Generous: two cores shared with other work can make a show's start take many seconds.
WAIT_S = 90.0


def _show_args() -> list[str]:
    """A small headless show that opens no port another test could be using."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return [
        "--headless",
        "--source",
        "sim",
        "--size",
        "320x180",
        "--set",
        f"osc.listen=127.0.0.1:{port}",
        "--set",
        'osc.query=""',
        "--set",
        "osc.advertise=false",
        "--set",
        'health.listen=""',
    ]


class Watcher:
    """Collects what a supervisor running on a thread reports."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Happening] = queue.Queue()
        self.seen: list[Happening] = []

    def wait_for(self, test: Callable[[Happening], bool], timeout: float = WAIT_S) -> Happening:
        deadline = time.monotonic() + timeout
        while True:
            try:
                happening = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"not seen in {timeout} s; saw {self.seen}") from None
            self.seen.append(happening)
            if test(happening):
                return happening


@contextmanager
def supervising(
    command: list[str], settings: SupervisorSettings, env: dict[str, str] | None = None
) -> Iterator[tuple[Supervisor, Watcher]]:
    watcher = Watcher()
    supervisor = Supervisor(
        command,
        settings,
        env=env,
        output=subprocess.DEVNULL,
        on_happening=watcher.queue.put,
    )
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        yield supervisor, watcher
    finally:
        supervisor.stop()
        thread.join(timeout=WAIT_S)
        assert not thread.is_alive()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive: the supervisor reaps its children, so look at /proc where it exists.
    stat = f"/proc/{pid}/stat"
    return not os.path.exists(stat) or open(stat).read().split(") ")[1][0] != "Z"


FAKE_SHOW = """
import os, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.sendto(b"READY=1\\nSTATUS=fake", os.environ["NOTIFY_SOCKET"])
sys.exit(3)
"""


def test_a_failing_child_is_started_again_with_its_reason() -> None:
    settings = SupervisorSettings(watchdog_s=1.0, restart_delay_s=0.05)
    with supervising([sys.executable, "-c", FAKE_SHOW], settings) as (supervisor, watcher):
        first = watcher.wait_for(lambda h: h.kind == "ready")
        watcher.wait_for(lambda h: h.kind == "exited" and h.pid == first.pid)
        second = watcher.wait_for(lambda h: h.kind == "ready" and h.pid != first.pid)
    assert next(h.detail for h in watcher.seen if h.kind == "exited") == "3"
    assert supervisor.restarts >= 1
    assert second.pid != first.pid
    assert describe_exit(7, 3) == "pid 7 failed (exit 3)"
    assert describe_exit(7, -9) == "pid 7 was killed by SIGKILL"


def test_a_frozen_show_is_killed_and_back_on_screen() -> None:
    command = [sys.executable, "-m", "installation", "run", *_show_args()]
    command += ["--set", "supervise.storm_failures=0"]
    env = {**os.environ, FREEZE_ENV: "1"}
    settings = SupervisorSettings(watchdog_s=3.0, restart_delay_s=0.2, grace_s=1.0)
    with supervising(command, settings, env) as (supervisor, watcher):
        first = watcher.wait_for(lambda h: h.kind == "ready")
        frozen = watcher.wait_for(lambda h: h.kind == "frozen")
        assert frozen.pid == first.pid and "no watchdog ping" in frozen.detail
        exited = watcher.wait_for(lambda h: h.kind == "exited")
        # The frozen loop cannot act on SIGTERM, so the grace period ends in SIGKILL.
        assert exited.pid == first.pid and exited.detail == str(-signal.SIGKILL)
        again = watcher.wait_for(lambda h: h.kind == "ready")
        assert again.pid != first.pid
        assert supervisor.restarts >= 1


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def _wait_line(lines: queue.Queue[str], text: str, log: list[str]) -> str:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            continue
        log.append(line)
        if text in line:
            return line
    raise AssertionError(f"{text!r} not seen in {WAIT_S} s:\n{''.join(log)}")


def _supervise(*options: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """`installation supervise OPTIONS -- <a small show>`, its stderr lines in a queue."""
    process = subprocess.Popen(
        [sys.executable, "-m", "installation", "supervise", *options, "--", *_show_args()],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stderr, lines), daemon=True).start()
    return process, lines


def test_supervise_command_restarts_a_killed_show_and_stops_on_sigterm() -> None:
    process, lines = _supervise("--restart-delay", "0.2")
    log: list[str] = []
    try:
        first = int(_wait_line(lines, "supervise: started pid", log).split("pid ")[1].split(":")[0])
        _wait_line(lines, f"pid {first} on screen (READY=1)", log)
        os.kill(first, signal.SIGKILL)
        _wait_line(lines, f"pid {first} was killed by SIGKILL; restart 1", log)
        second = int(
            _wait_line(lines, "supervise: started pid", log).split("pid ")[1].split(":")[0]
        )
        _wait_line(lines, f"pid {second} on screen (READY=1)", log)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    _wait_line(lines, "stopped after 1 restarts", log)
    assert not _alive(second)


def test_killing_the_supervisor_stops_its_show() -> None:
    """SIGKILL to `installation supervise`: its show stops too, instead of running on
    orphaned beside the show a new supervisor would start."""
    process, lines = _supervise()
    log: list[str] = []
    child = 0
    try:
        child = int(_wait_line(lines, "supervise: started pid", log).split("pid ")[1].split(":")[0])
        _wait_line(lines, f"pid {child} on screen (READY=1)", log)
        process.kill()
        process.wait()
        # The show shares the supervisor's stderr: its last words still arrive.
        _wait_line(lines, "supervisor (pid", log)
        deadline = time.monotonic() + WAIT_S
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "".join(log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if child and _alive(child):
            os.kill(child, signal.SIGKILL)
