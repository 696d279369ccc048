"""Counters for the OSC receiver, and log lines that cannot flood the log."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class OscCounters:
    """Datagrams received, messages applied, and refusals by reason; safe across threads."""

    received: int = 0
    messages: int = 0
    applied: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_received(self) -> None:
        with self._lock:
            self.received += 1

    def count_message(self) -> None:
        with self._lock:
            self.messages += 1

    def count_applied(self) -> None:
        with self._lock:
            self.applied += 1

    def reject(self, reason: str) -> None:
        with self._lock:
            self.rejected[reason] += 1

    @property
    def rejected_total(self) -> int:
        with self._lock:
            return sum(self.rejected.values())

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "received": self.received,
                "messages": self.messages,
                "applied": self.applied,
                "rejected": dict(self.rejected),
            }


class RateLimitedLog:
    """At most one line per kind of problem every `interval` seconds, with a count of the rest.

    A flood of bad packets must not become a flood of log lines (disk, terminal, CPU).
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._monotonic = monotonic
        self._last: dict[str, float] = {}
        self._suppressed: Counter[str] = Counter()
        self._lock = threading.Lock()

    def warning(self, kind: str, message: str) -> bool:
        """Log `message` unless a line of this kind went out recently; True if logged."""
        now = self._monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self._interval:
                self._suppressed[kind] += 1
                return False
            self._last[kind] = now
            suppressed = self._suppressed.pop(kind, 0)
        more = f" (and {suppressed} more like it)" if suppressed else ""
        self._logger.warning("%s%s", message, more)
        return True


# How long after a refused or unreachable send a receiver still counts as vanished: sends
# go out at least once a second (keep-alives, status), and Linux reports an ICMP error on
# the send after the one that caused it, so a few seconds spans several reports.
VANISHED_FOR_S = 3.0
# linux/in.h; the socket module does not export it.
_IP_RECVERR = 11


class SendHealth:
    """What one UDP sender knows of its receivers: packets sent, failures, and a state.

    Fed by the sending thread, read by the health page; safe across threads. A failing
    receiver is logged when it starts failing and when it answers again, never per packet:
    an unattended show may send to an unplugged node for weeks.
    """

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0
        self.last_error = ""
        self._failed_at: float | None = None
        self._failing = False
        self._target = ""

    def ok(self) -> None:
        with self._lock:
            self.sent += 1
            if not self._failing or self._recently_failed():
                return
            self._failing = False
        self._logger.info("%s %s: sends go through again", self._what, self._target)

    def error(self, target: str, exc: OSError) -> None:
        with self._lock:
            self.failed += 1
            self.last_error = f"{target}: {exc.strerror or exc}"
            self._target = target
            self._failed_at = self._monotonic()
            if self._failing:
                return
            self._failing = True
            line = self.last_error
        self._logger.warning("%s %s; still sending, and saying so when it works", self._what, line)

    def _recently_failed(self) -> bool:
        return self._failed_at is not None and self._monotonic() - self._failed_at < VANISHED_FOR_S

    def state(self) -> str:
        """ "receiver vanished" (a send failed in the last few s), "sending", or "waiting"."""
        with self._lock:
            if self._recently_failed():
                return "receiver vanished"
            return "sending" if self.sent else "waiting"

    def snapshot(self) -> dict[str, object]:
        state = self.state()
        with self._lock:
            return {
                "state": state,
                "sent": self.sent,
                "failed": self.failed,
                "last_error": self.last_error,
            }


def report_refusals(sock: socket.socket) -> None:
    """Ask Linux to report ICMP errors (port unreachable) on this send-only socket.

    Without it an unconnected UDP socket never learns that nobody listens; with it the next
    send raises ConnectionRefusedError. Only for sockets that never receive (it would turn
    a receiver's recv into an error too); a no-op where the option does not exist.
    """
    if not sys.platform.startswith("linux") or sock.family != socket.AF_INET:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
