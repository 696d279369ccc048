"""A built-in supervisor for machines without systemd (a gallery Mac mini, say).

It runs the show as a child process and plays systemd's part of the notify protocol
(installation/supervise/notify.py): the child gets a NOTIFY_SOCKET of its own (a unix
datagram socket in a private folder) and WATCHDOG_USEC, says READY=1 after its first frame
and pings WATCHDOG=1 from its frame loop. The child is started again when it exits, and
stopped (SIGTERM, then SIGKILL after a grace period) and started again when its pings stop
for the watchdog time. POSIX only: Windows has no unix datagram sockets.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Literal

log = logging.getLogger("installation.supervise")

POLL_S = 0.05  # how often the child and the stop flag are looked at
# Given to the child: the pid its parent must stay (notify.Watchdog stops an orphaned show).
SUPERVISOR_PID_ENV = "INSTALLATION_SUPERVISOR_PID"
HappeningKind = Literal["started", "ready", "frozen", "exited"]


@dataclass(frozen=True)
class Happening:
    """What the supervisor saw, for callers that measure it (`installation bench restart`)."""

    kind: HappeningKind
    pid: int
    at: float  # time.monotonic()
    detail: str = ""


@dataclass(frozen=True)
class SupervisorSettings:
    watchdog_s: float = 5.0  # no WATCHDOG=1 for this long after READY=1: frozen
    restart_delay_s: float = 1.0
    grace_s: float = 1.0  # SIGTERM to SIGKILL for a frozen child (it cannot act on SIGTERM)
    stop_timeout_s: float = 20.0  # SIGTERM to SIGKILL when everything stops
    start_timeout_s: float = 120.0  # no READY=1 by then: stuck at start-up


def posix_required() -> str | None:
    """Why the supervisor cannot run here, or None when it can."""
    if os.name != "posix" or not hasattr(socket, "AF_UNIX"):
        return (
            "installation supervise needs a POSIX system (Linux, macOS): it listens on a unix "
            "datagram socket; on Windows run `installation run` from a service manager "
            "(NSSM, or Task Scheduler set to restart on failure)"
        )
    return None


def describe_exit(pid: int, code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"pid {pid} was killed by {name}"
    if code == 0:
        return f"pid {pid} ended (exit 0)"
    return f"pid {pid} failed (exit {code})"


class Supervisor:
    """Runs `command` until `stop()`, starting it again whenever it ends or freezes."""

    def __init__(
        self,
        command: Sequence[str],
        settings: SupervisorSettings = SupervisorSettings(),
        *,
        env: Mapping[str, str] | None = None,
        output: IO[bytes] | int | None = None,
        on_happening: Callable[[Happening], None] | None = None,
    ) -> None:
        problem = posix_required()
        if problem:
            raise RuntimeError(problem)
        self.command = list(command)
        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.output = output  # None: the child shares our stdout and stderr
        self.on_happening = on_happening
        self.restarts = 0
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Stop the child and end `run` (safe from a signal handler or another thread)."""
        self._stop.set()

    def forward(self, signum: int) -> None:
        """Pass a signal on to the running child (SIGHUP: read the config again)."""
        child = self._child
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    def run(self) -> int:
        """Supervise until stopped; 0 once the child has been stopped."""
        with self._notify_socket() as (sock, path):
            while not self._stop.is_set():
                _drain(sock)  # a dead child's last datagrams must not count for the next one
                ended = self._run_child(sock, path)
                if ended is None:
                    break
                reason, stuck = ended
                # A stuck show already had the watchdog time and the grace to end: waiting
                # more would only keep the screen dark longer (the delay is against a show
                # that fails at once, over and over).
                delay = 0.0 if stuck else self.settings.restart_delay_s
                self.restarts += 1
                log.warning("supervise: %s; restart %d in %g s", reason, self.restarts, delay)
                if self._stop.wait(delay):
                    break
        log.info("supervise: stopped after %d restarts", self.restarts)
        return 0

    @contextlib.contextmanager
    def _notify_socket(self) -> Iterator[tuple[socket.socket, str]]:
        # A private folder (mode 0700): only our own user can send to the socket in it.
        with tempfile.TemporaryDirectory(prefix="nova-supervise-") as folder:
            path = os.path.join(folder, "notify")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                sock.bind(path)
                sock.settimeout(POLL_S)
                yield sock, path
            finally:
                sock.close()

    def _run_child(self, sock: socket.socket, path: str) -> tuple[str, bool] | None:
        """Run one child to its end: why it ended, and whether it was stopped as stuck
        (frozen, or never ready); None when we were asked to stop."""
        settings = self.settings
        env = {
            **self.env,
            "NOTIFY_SOCKET": path,
            "WATCHDOG_USEC": str(round(settings.watchdog_s * 1_000_000)),
        }
        env.pop("WATCHDOG_PID", None)  # the child pings whatever its pid
        env[SUPERVISOR_PID_ENV] = str(os.getpid())  # the child stops if we are killed
        child = subprocess.Popen(self.command, env=env, stdout=self.output, stderr=self.output)
        self._child = child
        started = last_ping = time.monotonic()
        self._tell("started", child.pid)
        log.info("supervise: started pid %d: %s", child.pid, " ".join(self.command))
        ready = stopping = False
        reason: str | None = None
        try:
            while True:
                code = child.poll()
                if code is not None:
                    self._tell("exited", child.pid, str(code))
                    if self._stop.is_set():
                        return None
                    return (reason, True) if reason else (describe_exit(child.pid, code), False)
                if self._stop.is_set():
                    log.info("supervise: stopping pid %d", child.pid)
                    _end(child, settings.stop_timeout_s)
                    continue
                for message in _receive(sock):
                    lines = message.splitlines()
                    if "READY=1" in lines and not ready:
                        ready = True
                        last_ping = self._tell("ready", child.pid).at
                        log.info(
                            "supervise: pid %d on screen (READY=1) %.1f s after its start",
                            child.pid,
                            last_ping - started,
                        )
                    if "WATCHDOG=1" in lines:
                        last_ping = time.monotonic()
                    if "STOPPING=1" in lines:
                        stopping = True  # a slow, clean exit is not a freeze
                    for line in lines:
                        if line.startswith("STATUS="):
                            log.debug("supervise: pid %d: %s", child.pid, line[7:])
                if stopping or reason is not None:
                    continue
                silent = time.monotonic() - last_ping
                if ready and silent > settings.watchdog_s:
                    reason = f"pid {child.pid} froze (no watchdog ping for {silent:.1f} s)"
                elif not ready and silent > settings.start_timeout_s:
                    reason = f"pid {child.pid} did not get ready in {silent:.0f} s"
                else:
                    continue
                self._tell("frozen", child.pid, reason)
                log.warning(
                    "supervise: %s; stopping it (SIGTERM, SIGKILL after %g s)",
                    reason,
                    settings.grace_s,
                )
                _end(child, settings.grace_s)
        finally:
            self._child = None

    def _tell(self, kind: HappeningKind, pid: int, detail: str = "") -> Happening:
        happening = Happening(kind, pid, time.monotonic(), detail)
        if self.on_happening is not None:
            self.on_happening(happening)
        return happening


def _receive(sock: socket.socket) -> list[str]:
    """The datagrams that arrive within one poll period (at least one wait)."""
    messages = []
    try:
        messages.append(sock.recv(4096).decode(errors="replace"))
    except TimeoutError:
        return messages
    messages.extend(_drain(sock))
    return messages


def _drain(sock: socket.socket) -> list[str]:
    """Whatever is queued now, without waiting."""
    messages = []
    sock.setblocking(False)
    try:
        while True:
            messages.append(sock.recv(4096).decode(errors="replace"))
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(POLL_S)
    return messages


def _end(child: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, and SIGKILL if the child is still there after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        child.terminate()
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        log.warning("supervise: pid %d ignored SIGTERM for %g s; SIGKILL", child.pid, grace)
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        child.wait()
