"""Test-only fault injection for the supervisor's measurements; inert unless its variable is set.

NOVA_TEST_FREEZE_AFTER_S=N makes the frame loop block forever N seconds after its first
frame, the way a stuck driver or a deadlock would, so that `installation bench restart`
and the tests can see the watchdog restart a frozen show. It is not a setting for shows.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

from installation.frame import FrameState

log = logging.getLogger("installation.supervise")

FREEZE_ENV = "NOVA_TEST_FREEZE_AFTER_S"


class FreezeAfter:
    """A FrameOutput that blocks the frame loop for good `seconds` after the first frame."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._first: float | None = None

    def send(self, frame: FrameState) -> None:
        now = self._clock()
        if self._first is None:
            self._first = now
        elif now - self._first >= self.seconds:
            log.warning("%s: the frame loop freezes now (test only)", FREEZE_ENV)
            # A plain wait: signal handlers still run, but the loop never reaches its next frame.
            threading.Event().wait()


def fault_hooks(environ: Mapping[str, str] | None = None) -> list[FreezeAfter]:
    """The hooks the environment asks for (none in a show); a bad value is a warning."""
    env = os.environ if environ is None else environ
    text = env.get(FREEZE_ENV, "")
    if not text:
        return []
    try:
        seconds = float(text)
    except ValueError:
        log.warning("%s=%r: expected seconds; ignored", FREEZE_ENV, text)
        return []
    log.warning("%s=%g: this run will freeze (a test of the watchdog)", FREEZE_ENV, seconds)
    return [FreezeAfter(seconds)]
