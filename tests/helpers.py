"""Small builders shared by the tests."""

from __future__ import annotations

from installation.emotions import EMOTIONS


def emotions(name: str, strength: float = 1.0) -> tuple[float, ...]:
    """A probability vector with `strength` on one emotion and the rest shared evenly."""
    rest = (1.0 - strength) / (len(EMOTIONS) - 1)
    return tuple(strength if e == name else rest for e in EMOTIONS)
