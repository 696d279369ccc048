"""Counters for the OSC receiver, and log lines that cannot flood the log."""

from __future__ import annotations

import logging
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
