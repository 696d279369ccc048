"""The restart-storm guard: counting failed starts, the state file, and a real safe idle run."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from installation.config import SuperviseSection, load_settings
from installation.errors import ConfigError
from installation.params import Catalogue
from installation.supervise.storm import (
    FILE_NAME,
    KEPT_STARTS,
    Start,
    StartLog,
    StormGuard,
    count_failures,
    guarded_run,
    safe_idle_settings,
    state_dir,
)
from tests.conftest import ROOT


def _dead(_pid: int) -> bool:
    return False


def test_only_unclean_starts_inside_the_window_count() -> None:
    starts = [
        Start(100.0, 1),  # too old for a 600 s window at 1000
        Start(500.0, 2),
        Start(600.0, 3, clean=True),
        Start(700.0, 4),
        Start(999.0, 5),
    ]
    failures = count_failures(starts, now=1000.0, window=600.0, alive=_dead)
    assert [s.pid for s in failures] == [2, 4, 5]
    assert [s.pid for s in count_failures(starts, 1000.0, 450.0, alive=_dead)] == [4, 5]
    assert [s.pid for s in count_failures(starts, 1000.0, 950.0, alive=_dead)] == [1, 2, 4, 5]
    # Later, the window has passed them all.
    assert count_failures(starts, now=2000.0, window=600.0, alive=_dead) == []


def test_a_show_still_running_is_not_a_failure() -> None:
    starts = [Start(990.0, 7), Start(995.0, 8)]
    failures = count_failures(starts, 1000.0, 600.0, alive=lambda pid: pid == 8)
    assert [s.pid for s in failures] == [7]


def test_a_safe_idle_start_resets_the_count() -> None:
    starts = [Start(900.0 + i, 10 + i) for i in range(5)]
    starts.append(Start(910.0, 99, idle=True))
    assert count_failures(starts, 1000.0, 600.0, alive=_dead) == []
    starts.append(Start(920.0, 100))
    assert [s.pid for s in count_failures(starts, 1000.0, 600.0, alive=_dead)] == [100]


def _guard(folder: Path, now: list[float], pid: int, **section: object) -> StormGuard:
    guard = StormGuard(SuperviseSection.model_validate(section), folder, clock=lambda: now[0])
    guard.pid = pid
    return guard


def _dead_pids(count: int) -> list[int]:
    """Pids of processes that ran and ended (so the guard sees no such show running)."""
    pids = []
    for _ in range(count):
        process = subprocess.Popen([sys.executable, "-c", "pass"])
        process.wait()
        pids.append(process.pid)
    return pids


def test_five_unclean_starts_in_ten_minutes_start_safe_idle(tmp_path: Path) -> None:
    now = [1000.0]
    pids = _dead_pids(6)
    for pid in pids[:4]:  # four crashes, and one clean run in between
        assert _guard(tmp_path, now, pid).begin() == Start(now[0], pid)
        now[0] += 30
    clean = _guard(tmp_path, now, 4242)
    start = clean.begin()
    clean.end(start, clean=True)
    now[0] += 30
    assert not _guard(tmp_path, now, pids[4]).begin().idle  # type: ignore[union-attr]
    now[0] += 30
    sixth = _guard(tmp_path, now, pids[5]).begin()
    assert sixth is not None and sixth.idle  # five failures seen before it
    recorded = StartLog(tmp_path).read()
    assert [s.clean for s in recorded] == [False] * 4 + [True, False, False]
    assert recorded[-1].idle
    # After the safe idle run, the next start is a normal attempt again.
    _guard(tmp_path, now, pids[5]).end(sixth, clean=True)
    now[0] += 600
    assert not _guard(tmp_path, now, 5151).begin().idle  # type: ignore[union-attr]


def test_failures_older_than_the_window_expire(tmp_path: Path) -> None:
    now = [0.0]
    for pid in _dead_pids(5):
        _guard(tmp_path, now, pid, storm_window_s=60.0).begin()
        now[0] += 1
    start = _guard(tmp_path, [now[0] + 61], 1, storm_window_s=60.0).begin()
    assert start is not None and not start.idle
    start = _guard(tmp_path, [now[0] + 30], 2, storm_window_s=60.0).begin()
    assert start is not None and start.idle


def test_a_corrupt_state_file_warns_and_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / FILE_NAME).write_text('{"starts": [{"at": "yesterday"')
    with caplog.at_level(logging.WARNING):
        start = _guard(tmp_path, [5.0], 77).begin()
    assert start == Start(5.0, 77)
    assert "unreadable" in caplog.text and FILE_NAME in caplog.text
    assert StartLog(tmp_path).read() == [Start(5.0, 77)]
    (tmp_path / FILE_NAME).write_text('{"starts": 3}')
    assert StartLog(tmp_path).read() == []


def test_the_state_file_stays_small_and_no_temp_files_are_left(tmp_path: Path) -> None:
    now = [0.0]
    for i in range(KEPT_STARTS + 30):
        guard = _guard(tmp_path, now, 100000 + i, storm_failures=1000)
        guard.end(guard.begin(), clean=True)
        now[0] += 1
    assert len(StartLog(tmp_path).read()) == KEPT_STARTS
    # The list and the (empty) file its lock is taken on; no temporary files.
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE_NAME, FILE_NAME + ".lock"]


def test_shows_starting_at_the_same_moment_are_all_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two projectors on one machine: each start reads the list, adds itself, writes it.
    Without the lock, one read-modify-write overwrites another's start."""
    read = StartLog.read

    def slow_read(self: StartLog) -> list[Start]:
        starts = read(self)
        time.sleep(0.005)  # widen the gap between read and write, as a busy machine would
        return starts

    monkeypatch.setattr(StartLog, "read", slow_read)

    def start_several(first_pid: int) -> None:
        for pid in range(first_pid, first_pid + 10):
            _guard(tmp_path, [1.0], pid, storm_failures=1000).begin()

    threads = [threading.Thread(target=start_several, args=(1000 * n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(read(StartLog(tmp_path))) == 40


def test_storm_failures_zero_turns_the_guard_off(tmp_path: Path) -> None:
    assert _guard(tmp_path, [0.0], 1, storm_failures=0).begin() is None
    assert not (tmp_path / FILE_NAME).exists()


def test_state_dir_prefers_config_then_systemd_then_xdg() -> None:
    env = {"STATE_DIRECTORY": "/var/lib/nova-sanctuary:/other", "XDG_STATE_HOME": "/x"}
    assert state_dir("/srv/state", env) == Path("/srv/state")
    assert state_dir("", env) == Path("/var/lib/nova-sanctuary")
    assert state_dir("", {"XDG_STATE_HOME": "/x"}) == Path("/x/nova-sanctuary")
    assert state_dir("", {}) == Path.home() / ".local/state/nova-sanctuary"


def test_guarded_run_marks_clean_ends_only(tmp_path: Path, catalogue: Catalogue) -> None:
    settings = load_settings(catalogue, overrides=[f"supervise.state_dir={str(tmp_path)!r}"])

    def ends(code: int) -> bool:
        guarded_run(settings, lambda _s, _idle: code)
        return StartLog(tmp_path).read()[-1].clean

    assert ends(0)
    assert not ends(1)
    with pytest.raises(RuntimeError):
        guarded_run(settings, lambda _s, _idle: (_ for _ in ()).throw(RuntimeError("boom")))
    assert not StartLog(tmp_path).read()[-1].clean
    with pytest.raises(KeyboardInterrupt):
        guarded_run(settings, lambda _s, _idle: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert StartLog(tmp_path).read()[-1].clean


def _fails_at_start_up(_settings: object, _idle: bool) -> int:
    raise ConfigError("palette: configs/nope.toml not found")


def test_start_up_mistakes_by_hand_do_not_count_towards_safe_idle(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    settings = load_settings(catalogue, overrides=[f"supervise.state_dir={str(tmp_path)!r}"])
    for _ in range(8):  # more than storm_failures (5) typos in a row
        with pytest.raises(ConfigError):
            guarded_run(settings, _fails_at_start_up)
    assert StartLog(tmp_path).read() == []
    idles: list[bool] = []
    guarded_run(settings, lambda _s, idle: idles.append(idle) or 0)
    assert idles == [False]  # the next good run is a normal show, not safe idle


def test_start_up_mistakes_under_a_service_manager_still_count(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    settings = load_settings(catalogue, overrides=[f"supervise.state_dir={str(tmp_path)!r}"])
    for _ in range(5):
        with pytest.raises(ConfigError):
            guarded_run(settings, _fails_at_start_up)
    # Each is an unclean start (counted once this process has gone: a live pid never is).
    starts = StartLog(tmp_path).read()
    assert len(starts) == 5 and not any(s.clean for s in starts)


def test_safe_idle_settings_silence_every_output(catalogue: Catalogue) -> None:
    settings = load_settings(
        catalogue,
        overrides=[
            "lighting.protocol=sacn",
            'lighting.osc=["127.0.0.1:7000"]',
            'osc.feedback=["127.0.0.1:7001"]',
            "params.scene=confrontation",
            "supervise.safe_idle_s=30",
        ],
    )
    quiet = safe_idle_settings(settings).config
    assert quiet.lighting.protocol == "off" and quiet.lighting.osc == []
    assert quiet.osc.feedback == [] and quiet.osc.query == "" and not quiet.osc.advertise
    assert quiet.cues.file == ""
    assert quiet.show.duration == 30
    assert safe_idle_settings(settings).params["scene"] == "sanctuary"


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_run_after_five_failures_idles_safely_and_opens_no_osc_port(tmp_path: Path) -> None:
    journal = StartLog(tmp_path)
    journal.write([Start(time.time() - 60 + i, pid) for i, pid in enumerate(_dead_pids(5))])
    osc_port, health_port = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_STREAM)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "installation",
            "run",
            "--headless",
            "--source",
            "sim",
            "--duration",
            "3",
            "--size",
            "320x180",
            "--set",
            f"supervise.state_dir={str(tmp_path)!r}",
            "--set",
            f"osc.listen=127.0.0.1:{osc_port}",
            "--set",
            f"health.listen=127.0.0.1:{health_port}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A few lines a second: the pipes cannot fill before communicate() reads them.
    health = None
    deadline = time.monotonic() + 60
    while health is None and time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/health", timeout=2) as r:
                health = json.load(r)
        except OSError:
            time.sleep(0.1)
    # While the show runs, its OSC port is free: nothing listens for OSC in safe idle.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", osc_port))
    output, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert health is not None and health["source"] == "safe idle"
    idle_lines = [line for line in stderr.splitlines() if "safe idle" in line]
    assert idle_lines and "5 failed starts" in idle_lines[0], stderr
    assert "OSC: listening" not in stderr and "OSCQuery" not in stderr
    lines = output.splitlines()
    status = [line for line in lines if "fps=" in line and not line.startswith("summary")]
    assert status and all("faces=0" in line and "source=safe idle" in line for line in status)
    # The idle run ended cleanly and reset the count: the next start is a normal one.
    assert journal.read()[-1].idle and journal.read()[-1].clean
    assert count_failures(journal.read(), time.time(), 600.0) == []


def _run_broken_config(tmp_path: Path, notify: Path | None) -> subprocess.CompletedProcess[str]:
    broken = tmp_path / "broken.toml"
    broken.write_text("[render]\nfps = -3\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "STATE_DIRECTORY")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    if notify is not None:
        env["NOTIFY_SOCKET"] = str(notify)  # as systemd gives it; nobody needs to listen
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "installation",
            "run",
            "--config",
            str(broken),
            "--headless",
            "--source",
            "sim",
            "--duration",
            "2",
            "--size",
            "320x180",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_broken_config_stops_the_show_when_run_by_hand(tmp_path: Path) -> None:
    for _ in range(6):
        result = _run_broken_config(tmp_path, notify=None)
        assert result.returncode == 2 and "render.fps" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "safe idle" not in result.stderr


def test_a_broken_config_under_systemd_ends_in_safe_idle_not_a_restart_loop(
    tmp_path: Path,
) -> None:
    notify = tmp_path / "notify"
    for _ in range(5):  # each failed start counts towards the storm guard
        result = _run_broken_config(tmp_path, notify)
        assert result.returncode == 2 and "render.fps" in result.stderr, result.stderr
    result = _run_broken_config(tmp_path, notify)
    assert result.returncode == 0, result.stderr
    idle = [line for line in result.stderr.splitlines() if "config cannot be used" in line]
    assert idle and "render.fps" in idle[0], result.stderr
    assert "source=safe idle" in result.stdout
    starts = StartLog(tmp_path / "state" / "nova-sanctuary").read()
    assert len(starts) == 6 and starts[-1].idle and starts[-1].clean
