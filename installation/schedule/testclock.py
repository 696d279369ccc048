"""Test-only wall clock for the schedule; inert unless its variable is set.

NOVA_TEST_WALL_CLOCK=ISO[@SPEED] makes the show believe the wall clock read ISO (an aware
time, such as 2026-03-29T00:59:00+00:00) when it started, running SPEED times faster
than real time (default 1), so that tests can watch a closing, an opening or a change to
daylight-saving time in seconds. It is not a setting for shows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Mapping

from installation.schedule.venue import WallClock, system_wall_clock

log = logging.getLogger("installation.schedule")

WALL_CLOCK_ENV = "NOVA_TEST_WALL_CLOCK"


def wall_clock_from_environment(
    environ: Mapping[str, str] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> WallClock:
    env = os.environ if environ is None else environ
    text = env.get(WALL_CLOCK_ENV, "")
    if not text:
        return system_wall_clock
    stamp, _, speed_text = text.partition("@")
    try:
        start = dt.datetime.fromisoformat(stamp)
        speed = float(speed_text) if speed_text else 1.0
        if start.tzinfo is None or speed <= 0:
            raise ValueError
    except ValueError:
        log.warning("%s=%r: expected an aware ISO time[@speed]; ignored", WALL_CLOCK_ENV, text)
        return system_wall_clock
    log.warning("%s=%s: the schedule runs on a test clock (test only)", WALL_CLOCK_ENV, text)
    began = monotonic()
    return lambda: start + dt.timedelta(seconds=(monotonic() - began) * speed)
