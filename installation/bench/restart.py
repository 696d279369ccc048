"""`installation bench restart`: how long a frozen or killed show is off screen.

Runs the real show (`installation run`, headless, the simulated crowd) under the built-in
supervisor with its defaults (watchdog 5 s, grace 1 s, restart delay 1 s after an exit), and
measures:
- frozen: the frame loop blocks for good (the test-only NOVA_TEST_FREEZE_AFTER_S) -> seconds
  from the freeze to the next show's READY=1 (sent after its first frame: back on screen);
- killed: SIGKILL of the show -> seconds to the next show's READY=1.
Targets (issue 8): a frozen loop restarted within 10 s, a killed show back within 15 s.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from installation.bench.machine import describe_machine, machine_info
from installation.bench.stages import stage
from installation.cliargs import whole
from installation.config import parse_size
from installation.errors import UserError
from installation.supervise.supervisor import (
    Happening,
    Supervisor,
    SupervisorSettings,
    posix_required,
)
from installation.supervise.testhooks import FREEZE_ENV

FREEZE_AFTER_S = 3.0  # each show runs this long before its loop freezes
WAIT_S = 120.0
FROZEN_TARGET_S = 10.0
KILLED_TARGET_S = 15.0


def _show_command(size: str) -> list[str]:
    """The show as a gallery runs it, minus the ports a running show may hold, and without
    the storm guard (whose safe idle start these deliberate failures would trigger)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sets = [
        f"osc.listen=127.0.0.1:{port}",
        'osc.query=""',
        "osc.advertise=false",
        'health.listen=""',
        "supervise.storm_failures=0",
    ]
    command = [sys.executable, "-m", "installation", "run", "--headless", "--source", "sim"]
    command += ["--size", size]
    for text in sets:
        command += ["--set", text]
    return command


class _Run:
    """A supervisor on a thread, and what it reports."""

    def __init__(self, supervisor: Supervisor, happenings: queue.Queue[Happening]) -> None:
        self.supervisor = supervisor
        self.happenings = happenings

    def next(self, kind: str, not_pid: int = 0) -> Happening:
        deadline = time.monotonic() + WAIT_S
        while True:
            left = deadline - time.monotonic()
            try:
                happening = self.happenings.get(timeout=max(left, 0.0))
            except queue.Empty:
                raise UserError(f"bench restart: no {kind!r} within {WAIT_S:g} s") from None
            if happening.kind == kind and happening.pid != not_pid:
                return happening


@contextmanager
def _supervised(command: list[str], env: dict[str, str]) -> Iterator[_Run]:
    happenings: queue.Queue[Happening] = queue.Queue()
    supervisor = Supervisor(
        command,
        SupervisorSettings(),
        env=env,
        output=subprocess.DEVNULL,
        on_happening=happenings.put,
    )
    thread = threading.Thread(target=supervisor.run, name="bench-supervisor", daemon=True)
    thread.start()
    try:
        yield _Run(supervisor, happenings)
    finally:
        supervisor.stop()
        thread.join(timeout=WAIT_S)


def measure_frozen(trials: int, size: str) -> list[dict[str, float]]:
    """Each show freezes FREEZE_AFTER_S after its first frame; one trial per freeze."""
    env = {**os.environ, FREEZE_ENV: str(FREEZE_AFTER_S)}
    results = []
    with _supervised(_show_command(size), env) as run:
        ready = run.next("ready")
        for _ in range(trials):
            # READY=1 and the freeze clock both start at the first frame.
            frozen_at = ready.at + FREEZE_AFTER_S
            detected = run.next("frozen")
            ready = run.next("ready", not_pid=detected.pid)
            results.append(
                {
                    "detected_s": round(detected.at - frozen_at, 3),
                    "to_ready_s": round(ready.at - frozen_at, 3),
                }
            )
    return results


def measure_killed(trials: int, size: str) -> list[dict[str, float]]:
    """SIGKILL each show a second after it is on screen."""
    results = []
    with _supervised(_show_command(size), dict(os.environ)) as run:
        ready = run.next("ready")
        for _ in range(trials):
            time.sleep(1.0)
            killed_at = time.monotonic()
            os.kill(ready.pid, signal.SIGKILL)
            ready = run.next("ready", not_pid=ready.pid)
            results.append({"to_ready_s": round(ready.at - killed_at, 3)})
    return results


def run_benchmark(trials: int, size: str) -> dict[str, Any]:
    problem = posix_required()
    if problem:
        raise UserError(problem)
    settings = SupervisorSettings()
    stage("restart", f"{trials} frozen show(s) stopped and started again")
    frozen = measure_frozen(trials, size)
    stage("restart", f"{trials} killed show(s) started again")
    killed = measure_killed(trials, size)
    frozen_times = [t["to_ready_s"] for t in frozen]
    killed_times = [t["to_ready_s"] for t in killed]
    return {
        "frozen_to_ready_s": max(frozen_times),
        "frozen_to_ready_s_mean": round(statistics.mean(frozen_times), 3),
        "frozen_detected_s_max": max(t["detected_s"] for t in frozen),
        "killed_to_ready_s": max(killed_times),
        "killed_to_ready_s_mean": round(statistics.mean(killed_times), 3),
        "frozen_target_s": FROZEN_TARGET_S,
        "killed_target_s": KILLED_TARGET_S,
        "frozen_within_target": max(frozen_times) <= FROZEN_TARGET_S,
        "killed_within_target": max(killed_times) <= KILLED_TARGET_S,
        "trials": trials,
        "frozen": frozen,
        "killed": killed,
        "watchdog_s": settings.watchdog_s,
        "restart_delay_s": settings.restart_delay_s,
        "grace_s": settings.grace_s,
        "size": size,
        "machine": machine_info(),
    }


def register(benchmarks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = benchmarks.add_parser(
        "restart",
        help="restart: a frozen or killed show back on screen under the built-in supervisor",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--trials",
        type=whole("trials", least=1),
        default=3,
        metavar="N",
        help="freezes and kills, N of each (default 3)",
    )
    parser.add_argument(
        "--size",
        type=_size,
        default="1280x720",
        metavar="WxH",
        help="render size of the shows (default 1280x720; smaller starts faster)",
    )
    parser.set_defaults(handler=_main)


def _size(text: str) -> str:
    """A size as `window.size` takes it, checked here so a bad one is not met by each show."""
    try:
        parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _main(args: argparse.Namespace) -> int:
    result = run_benchmark(args.trials, args.size)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"frozen loop -> back on screen: worst {result['frozen_to_ready_s']} s, mean "
        f"{result['frozen_to_ready_s_mean']} s (target {FROZEN_TARGET_S:g} s; freeze seen "
        f"after at most {result['frozen_detected_s_max']} s)"
    )
    print(
        f"killed show -> back on screen: worst {result['killed_to_ready_s']} s, mean "
        f"{result['killed_to_ready_s_mean']} s (target {KILLED_TARGET_S:g} s)"
    )
    print(
        f"supervisor: watchdog {result['watchdog_s']:g} s, restart delay "
        f"{result['restart_delay_s']:g} s, grace {result['grace_s']:g} s; {args.trials} trials"
    )
    print(f"machine: {describe_machine(result['machine'])}")
    return 0
