"""The contract of a fault injector, and the record of one injected fault.

Every method runs on the frame loop's thread, from the harness's `send`, so a fault may
read what the renderer reports; each must be quick (no waiting: the show is running).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from installation.frame import FrameState
from installation.soak.schedule import FaultWindow


class Fault(Protocol):
    """Breaks one part of the running show and tells when the show has recovered."""

    kind: str

    def begin(self, frame: FrameState) -> None:
        """Break the part (the fault's first frame)."""
        ...

    def during(self, frame: FrameState) -> bool:
        """Each frame while the fault holds: True when the show reports the fault."""
        ...

    def end(self, frame: FrameState) -> None:
        """Mend the part (the first frame after the fault)."""
        ...

    def recovered(self, frame: FrameState) -> bool:
        """Each frame after `end` until True: whether the show works as before."""
        ...


@dataclass
class Outcome:
    """What happened to one scheduled fault."""

    window: FaultWindow
    observed: bool = False  # the show reported the fault while it held
    ended: bool = False
    recovered: bool = False  # the show worked again after it, before the next fault
    recovery_s: float | None = None  # show seconds from the fault's end to recovery
    error: str = ""  # the injector itself failed (counted as an exception too)

    @property
    def verified(self) -> bool:
        """Seen, then recovered from: the only outcome that counts as a recovery."""
        return self.observed and self.recovered and not self.error

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.window.kind,
            "start_s": round(self.window.start, 2),
            "end_s": round(self.window.end, 2),
            "observed": self.observed,
            "recovered": self.verified,
            "recovery_s": None if self.recovery_s is None else round(self.recovery_s, 3),
            **({"error": self.error} if self.error else {}),
        }
