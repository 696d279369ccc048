"""Waiting in tests for something another thread or process does: poll, never sleep blindly."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll_until(check: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """True as soon as `check()` is; after `timeout` seconds, whatever a last check says."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()
