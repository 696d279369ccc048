"""systemd integration: a tiny sd_notify client and a frame-driven watchdog.

The watchdog is a FrameOutput, so the frame loop itself pings systemd: a loop that freezes
stops pinging, and systemd (WatchdogSec=) kills and restarts the show. Nothing here blocks:
datagrams are sent non-blocking and a failure is logged once, then ignored.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Mapping

from installation.events import EventQueue
from installation.frame import FrameState
from installation.status import running_source
from installation.supervise.supervisor import SUPERVISOR_PID_ENV

log = logging.getLogger("installation.supervise")

DEFAULT_PING_S = 2.0  # when systemd gave a socket but no WATCHDOG_USEC
STATUS_EVERY_S = 5.0


def socket_address(name: str) -> str | bytes:
    """NOTIFY_SOCKET as a socket address: '@name' is Linux's abstract namespace ('\\0name')."""
    if name.startswith("@"):
        return b"\0" + name[1:].encode()
    return name


class Notifier:
    """Sends sd_notify messages to NOTIFY_SOCKET; does nothing when it is unset."""

    def __init__(self, socket_name: str | None) -> None:
        self.address = socket_address(socket_name) if socket_name else None
        self._sock: socket.socket | None = None
        self._failed = False
        if self.address is not None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            # A datagram to a full socket would wait for room: a late ping is better than a
            # frame loop stuck waiting on systemd.
            self._sock.setblocking(False)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def notify(self, message: str) -> bool:
        """Send one message (e.g. 'READY=1'); False when it could not be sent."""
        if self._sock is None or self.address is None:
            return False
        try:
            self._sock.sendto(message.encode(), self.address)
        except OSError as exc:
            if not self._failed:  # once: a missing socket would otherwise log every frame
                self._failed = True
                log.warning("systemd notify: cannot send to %s (%s)", self._where(), exc)
            return False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _where(self) -> str:
        address = self.address
        return "@" + address[1:].decode() if isinstance(address, bytes) else str(address)


def ping_interval(environ: Mapping[str, str]) -> float:
    """Seconds between WATCHDOG=1 pings: half of WATCHDOG_USEC, else DEFAULT_PING_S."""
    pid = environ.get("WATCHDOG_PID", "")
    if pid.isdigit() and int(pid) != os.getpid():
        # The watchdog was meant for another process (our parent, say): ping at the default
        # pace anyway, which is harmless since systemd ignores pings it does not expect.
        return DEFAULT_PING_S
    usec = environ.get("WATCHDOG_USEC", "")
    if usec.isdigit() and int(usec) > 0:
        return int(usec) / 2_000_000
    return DEFAULT_PING_S


class Watchdog:
    """A FrameOutput (and Service) that tells systemd the frame loop is alive.

    READY=1 after the first rendered frame, WATCHDOG=1 at most every `interval` seconds and
    a one-line STATUS= about every STATUS_EVERY_S, all from the frame loop's thread.

    Under `installation supervise` it also watches the supervisor: a supervisor killed
    outright (SIGKILL, the OOM killer) cannot stop its child, and the next supervisor would
    start a second show beside it, fighting over the OSC port and the projector. So when the
    show's parent is no longer the supervisor it started under, the show stops (SIGTERM to
    itself: the usual clean exit).
    """

    def __init__(
        self,
        notifier: Notifier,
        interval: float = DEFAULT_PING_S,
        *,
        status_every: float = STATUS_EVERY_S,
        source: str = "",
        clock: Callable[[], float] = time.monotonic,
        supervisor_pid: int | None = None,
        parent_pid: Callable[[], int] = os.getppid,
        stop_self: Callable[[], None] | None = None,
    ) -> None:
        self.notifier = notifier
        self.supervisor_pid = supervisor_pid
        self._parent_pid = parent_pid
        self._stop_self = stop_self or _terminate_self
        self._orphaned = False
        self.interval = interval
        self.status_every = status_every
        self.source = source
        self._clock = clock
        self._ready = False
        self._last_ping = 0.0
        self._last_status = 0.0
        self._status_frames = 0

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, source: str = ""
    ) -> Watchdog:
        env = os.environ if environ is None else environ
        supervisor = env.get(SUPERVISOR_PID_ENV, "")
        return cls(
            Notifier(env.get("NOTIFY_SOCKET")),
            ping_interval(env),
            source=source,
            supervisor_pid=int(supervisor) if supervisor.isdigit() else None,
        )

    def start(self, events: EventQueue, now: Callable[[], float]) -> None:
        """Nothing to start: the frame loop drives everything (see `send`)."""

    def stop(self) -> None:
        """Say the show is stopping, so systemd does not mistake a slow exit for a hang."""
        self.notifier.notify("STOPPING=1")
        self.notifier.close()

    def send(self, frame: FrameState) -> None:
        if not self.notifier.enabled:
            return
        now = self._clock()
        self._status_frames += 1
        if not self._ready:
            self._ready = True
            self.notifier.notify(f"READY=1\nSTATUS={self.status_line(frame, 0.0)}")
            self._last_ping = self._last_status = now
            self._status_frames = 0
            return
        if now - self._last_ping >= self.interval:
            self.notifier.notify("WATCHDOG=1")
            self._last_ping = now
            self._check_supervisor()
        elapsed = now - self._last_status
        if elapsed >= self.status_every:
            fps = self._status_frames / elapsed if elapsed > 0 else 0.0
            self.notifier.notify(f"STATUS={self.status_line(frame, fps)}")
            self._last_status, self._status_frames = now, 0

    def _check_supervisor(self) -> None:
        if self.supervisor_pid is None or self._orphaned:
            return
        if self._parent_pid() != self.supervisor_pid:
            self._orphaned = True
            log.warning(
                "supervisor (pid %d) is gone; stopping this show so a new supervisor does not "
                "run a second one beside it",
                self.supervisor_pid,
            )
            self._stop_self()

    def status_line(self, frame: FrameState, fps: float) -> str:
        """One line for `systemctl status`: fps, faces, scene, source and its state."""
        line = (
            f"fps={fps:.1f} faces={len(frame.faces)} scene={frame.scene} "
            f"source={running_source(self.source, frame)}"
        )
        return " ".join(line.split())  # a newline would end the STATUS= field early


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # the frame loop's own handler ends the show cleanly
