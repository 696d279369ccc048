"""When each fault of a soak run happens: a fixed cycle of kinds after a warm-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# In the order they are injected; the cycle repeats until the run ends.
KINDS = ("camera", "shader", "osc_garbage", "config_reload", "lighting", "venue")

FAULT_SECONDS = 6.0  # a fault lasts this long: over the camera's 2 s "lost" judgement
GAP_SECONDS = 7.0  # then the show has this long to recover before the next one
# The shortest run that injects every kind once: the warm-up is a quarter of a short run,
# and the other three quarters must hold the six faults and their gaps (78 s), so 104 s;
# rounded up to what the help and the README say.
MINIMUM_MINUTES = 1.75


@dataclass(frozen=True)
class FaultWindow:
    """One fault: `kind` from show time `start` until `end`; recovery is checked after."""

    index: int
    kind: str
    start: float
    end: float

    def holds(self, time: float) -> bool:
        return self.start <= time < self.end


def warmup_seconds(duration: float) -> float:
    """Time before the first fault and the memory fit: a minute, or a quarter of a short run."""
    return min(60.0, 0.25 * duration)


def build_schedule(
    duration: float,
    warmup: float,
    kinds: Sequence[str] = KINDS,
    fault_seconds: float = FAULT_SECONDS,
    gap_seconds: float = GAP_SECONDS,
) -> list[FaultWindow]:
    """Faults back to back (each followed by its gap) from `warmup` until `duration`.

    A fault is only scheduled when its gap also fits, so every fault has its full time to
    recover before the run ends.
    """
    if not kinds:
        raise ValueError("build_schedule needs at least one fault kind")
    if fault_seconds <= 0 or gap_seconds <= 0:
        raise ValueError("fault and gap seconds must be > 0")
    windows: list[FaultWindow] = []
    start = warmup
    while start + fault_seconds + gap_seconds <= duration:
        kind = kinds[len(windows) % len(kinds)]
        windows.append(FaultWindow(len(windows), kind, start, start + fault_seconds))
        start += fault_seconds + gap_seconds
    return windows


def active(windows: Sequence[FaultWindow], time: float) -> FaultWindow | None:
    """The fault holding at `time`, if any."""
    return next((window for window in windows if window.holds(time)), None)


def memory_fit_start(
    windows: Sequence[FaultWindow], warmup: float, duration: float, rounds_of: int = len(KINDS)
) -> float:
    """Where the memory fit starts: after the first round of faults and a quarter of the run.

    The first of each fault costs memory once (the shader compiler's first code for a
    program, the allocator's first 64 KB datagrams), and the allocator's arenas go on
    settling for a few rounds more (a 30-minute run grew 232 -> 239.4 MB in its first
    7 minutes, then stayed within 0.4 MB for 23). That is not a leak; a leak grows in every
    window, so it still shows in the last three quarters, which are always fitted.
    """
    settled = 0.25 * duration
    if len(windows) >= rounds_of:
        settled = max(settled, windows[rounds_of - 1].end + GAP_SECONDS)
    return max(warmup, min(settled, 0.75 * duration))
