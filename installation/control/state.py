"""What the control side has set each parameter to, and what changed since the last frame.

The show smooths values; a controller wants to see where a parameter was *set* (its target),
so a fader lands where it was pushed and two installations that mirror each other settle
after one echo instead of chasing each other's glides. Every change records who made it
(the sender's address, or None for a cue or the config) so feedback can skip sending a
change back to the peer it came from (split horizon).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from installation.params import ParamValue

Origin = tuple[str, int] | None


class ControlState:
    """Targets by parameter name; written by the receiver and cue player, read by outputs."""

    def __init__(self, initial: Mapping[str, ParamValue]) -> None:
        self._targets: dict[str, ParamValue] = dict(initial)
        self._dirty: dict[str, tuple[ParamValue, Origin]] = {}
        self._cue: tuple[int, str] = (0, "")
        self._lock = threading.Lock()

    def get(self, name: str) -> ParamValue:
        with self._lock:
            return self._targets[name]

    def targets(self) -> dict[str, ParamValue]:
        with self._lock:
            return dict(self._targets)

    def set(self, name: str, value: ParamValue, origin: Origin) -> bool:
        """Record a new target; True when it differs from the current one."""
        with self._lock:
            changed = self._targets.get(name) != value or type(self._targets.get(name)) is not type(
                value
            )
            self._targets[name] = value
            if changed:
                self._dirty[name] = (value, origin)
            return changed

    def take_changes(self) -> dict[str, tuple[ParamValue, Origin]]:
        """Changes since the last call (latest value per parameter), for feedback."""
        with self._lock:
            changes, self._dirty = self._dirty, {}
            return changes

    def set_cue(self, number: int, name: str) -> None:
        with self._lock:
            self._cue = (number, name)

    @property
    def cue(self) -> tuple[int, str]:
        with self._lock:
            return self._cue
