"""The C heap's figures and the trimmer that gives its free pages back (glibc, Linux)."""

from __future__ import annotations

import threading

from installation.events import EventQueue
from installation.supervise.allocator import native_in_use_mb, python_blocks, trim
from installation.supervise.heaptrim import HeapTrimmer


def test_the_heap_in_use_follows_a_large_allocation_and_trim_releases_freed_pages() -> None:
    before = native_in_use_mb()
    assert before is not None and before > 0.0  # glibc: the show's platform
    # Many small C allocations (bytes objects above Python's 512-byte small-object limit
    # go to malloc), then freed: in use rises and falls back; trim gives the pages back.
    blocks = [bytes(4000) for _ in range(5000)]
    during = native_in_use_mb()
    assert during is not None and during > before + 15.0
    del blocks
    after = native_in_use_mb()
    assert after is not None and after < during - 15.0
    assert isinstance(trim(), bool)
    assert python_blocks() > 1000


def test_the_trimmer_trims_on_its_own_thread_until_stopped() -> None:
    trimmed = threading.Event()
    calls: list[str] = []

    def release() -> bool:
        calls.append(threading.current_thread().name)
        trimmed.set()
        return True

    trimmer = HeapTrimmer(interval=0.01, release=release)
    trimmer.start(EventQueue(), lambda: 0.0)
    assert trimmed.wait(5.0)
    trimmer.stop()
    count = len(calls)
    assert count >= 1 and calls[0] == "heap-trim"
    assert trimmer.trims >= 1
    trimmed.clear()
    assert not trimmed.wait(0.1)  # stopped: no trim after
    assert len(calls) == count
