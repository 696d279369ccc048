"""Ctrl-C and SIGTERM as requests: the show and the renderer stop at a clean point."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def on_stop_signals(request_stop: Callable[[str], None]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call `request_stop(name)` instead of ending the
    process; the handlers before are put back on the way out."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        request_stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
