"""The allocator setting that keeps a weeks-long show's resident memory from creeping."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from installation.supervise.allocator import steady_allocator

# In a fresh interpreter: free one large block (which makes glibc raise its threshold), then
# allocate and free 24 MB in frame-sized blocks, and print how much stayed resident.
PROBE = """
import ctypes, sys
from installation.supervise.allocator import steady_allocator
if sys.argv[1] == "steady":
    assert steady_allocator(), "nothing was set"
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

def touched(size):
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    return block

libc.free(touched(16 << 20))
before = resident_mb()
blocks = [touched(3 << 20) for _ in range(8)]
for block in blocks:
    libc.free(block)
print(resident_mb() - before)
"""

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the setting is for glibc's malloc (Linux); other systems keep their allocator",
)


def _held_after_free(mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout)


@glibc_only
def test_freed_frame_sized_blocks_go_back_to_the_system() -> None:
    # The control shows the problem is real here; the steady allocator removes it.
    assert _held_after_free("default") > 20.0
    assert _held_after_free("steady") < 2.0


@glibc_only
def test_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    applied = steady_allocator()
    assert "MALLOC_ARENA_MAX=2" not in applied
    assert "MALLOC_MMAP_THRESHOLD_=131072" in applied
