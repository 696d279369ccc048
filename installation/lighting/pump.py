"""A thread that hands items over after a fixed delay, and ticks a sender at a paced rate.

The frame loop only appends to a deque and notifies (never blocks); this thread waits for
each item's due time, delivers it, then ticks at most once per `min_interval` after a
change and once per `idle_interval` otherwise (keep-alives are decided by the ticked side).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from installation.control.stats import RateLimitedLog

log = logging.getLogger("installation.lighting")
T = TypeVar("T")
# A delay of 2 s at 240 frames a second; beyond that the oldest pending items are dropped.
_MAX_PENDING = 512


class Pump(Generic[T]):
    """Delivers `put` items `delay` seconds later on its own thread."""

    def __init__(
        self,
        name: str,
        deliver: Callable[[T], None],
        *,
        delay: float = 0.0,
        tick: Callable[[], bool] | None = None,
        min_interval: float = 1.0 / 44.0,
        idle_interval: float = 0.1,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay = delay
        self._deliver = deliver
        self._tick = tick
        self._min_interval = min_interval
        self._idle_interval = idle_interval
        self._now = now
        self._items: deque[tuple[float, T]] = deque(maxlen=_MAX_PENDING)
        self._cond = threading.Condition()
        self._stopping = False
        self._problems = RateLimitedLog(log, interval=10.0)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, item: T) -> None:
        """From the frame loop: queue `item` for delivery `delay` seconds from now."""
        with self._cond:
            self._items.append((self._now() + self.delay, item))
            self._cond.notify()

    def stop(self) -> None:
        """Stop the thread, then deliver whatever is still pending (latest state wins)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        with self._cond:
            rest = [item for _, item in self._items]
            self._items.clear()
        for item in rest:
            self._safely(self._deliver, item)
        if self._tick is not None:
            self._safely(self._tick)

    def _run(self) -> None:
        last_tick = last_sent = -math.inf
        changed = False
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = self._now()
                    due_at = self._items[0][0] if self._items else math.inf
                    if self._tick is None:
                        tick_at = math.inf
                    elif changed:
                        tick_at = last_sent + self._min_interval
                    else:
                        tick_at = last_tick + self._idle_interval
                    wake = min(due_at, tick_at)
                    if wake <= now:
                        break
                    self._cond.wait(min(wake - now, 1.0))
                due = []
                while self._items and self._items[0][0] <= now:
                    due.append(self._items.popleft()[1])
            for item in due:
                self._safely(self._deliver, item)
            if self._tick is None:
                continue
            changed = changed or bool(due)
            now = self._now()
            # Only real sends count against the rate: an idle tick that sent nothing must
            # not hold back the next change.
            if (changed and now >= last_sent + self._min_interval) or (
                not changed and now >= last_tick + self._idle_interval
            ):
                if self._safely(self._tick):
                    last_sent = now
                last_tick, changed = now, False

    def _safely(self, call: Callable[..., object], *args: object) -> bool:
        """The call's truth; False when it raised (logged, at most once per 10 s a kind)."""
        # One bad value or send must not end the lights for the rest of the show.
        try:
            return bool(call(*args))
        except Exception as exc:
            self._problems.warning(type(exc).__name__, f"lighting: {exc}")
            return False
