"""A resident size that follows what the show uses, for weeks: glibc's malloc held steady.

glibc raises its mmap threshold each time a large block is freed (up to 32 MB on 64-bit).
After that, frame-sized buffers (a 640x480 camera frame is 0.9 MB) come from the heap, and
when freed they stay in the process unless they happen to lie at its top; each thread also
keeps an arena of freed memory of its own. Resident memory then wanders by megabytes with
what the last minutes allocated, and can only creep up. Fixed thresholds hand large blocks
back to the system when freed, and two arenas bound what the threads hold. Pages freed
in the middle of an arena still stay resident until `trim` (run every few minutes by
`heaptrim.py`) gives them back; `native_in_use_mb` tells such pages from a leak.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import sys
from functools import cache

log = logging.getLogger(__name__)

# mallopt parameters, from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

# Blocks from 128 KB up are mapped and unmapped on their own (glibc's starting value, kept);
# the heap's top is given back once 128 KB of it is free.
THRESHOLD_BYTES = 128 * 1024
ARENAS = 2

# The environment's own settings (MALLOC_ARENA_MAX=...) win: glibc read them at start.
_SETTINGS = (
    ("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, THRESHOLD_BYTES),
    ("MALLOC_TRIM_THRESHOLD_", M_TRIM_THRESHOLD, THRESHOLD_BYTES),
    ("MALLOC_ARENA_MAX", M_ARENA_MAX, ARENAS),
)


def steady_allocator() -> list[str]:
    """Fix glibc's thresholds and arena count; returns what was set (empty off glibc)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return []
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError) as exc:
        log.debug("mallopt not available (%s): the allocator keeps its defaults", exc)
        return []
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    applied = []
    for variable, parameter, value in _SETTINGS:
        if variable in os.environ:
            continue
        if mallopt(parameter, value) == 1:
            applied.append(f"{variable}={value}")
        else:
            log.debug("mallopt(%d, %d) refused", parameter, value)
    log.debug("allocator: %s", ", ".join(applied) or "defaults kept")
    return applied


_MALLINFO2_FIELDS = (
    "arena", "ordblks", "smblks", "hblks", "hblkhd",
    "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
)  # fmt: skip


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2_FIELDS]


@cache
def _glibc() -> ctypes.CDLL | None:
    """glibc 2.33 or newer (mallinfo2), else None: every function below then does nothing."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _MallInfo2
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def native_in_use_mb() -> float | None:
    """Megabytes malloc has handed out and not had back (every arena, and mapped blocks)."""
    libc = _glibc()
    if libc is None:
        return None
    info = libc.mallinfo2()
    return float(info.uordblks + info.hblkhd) / (1024.0 * 1024.0)


def python_blocks() -> int:
    """Memory blocks Python's own allocator holds now (objects, mostly)."""
    return sys.getallocatedblocks()


def trim() -> bool:
    """Give the heap's free pages back to the system (malloc_trim(0)); True if any were."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
