"""Steady smile scores: temporal smoothing, then hysteresis around the smile threshold.

Pure Python (no OpenCV), driven by capture times, so it behaves the same at any frame rate
and is tested without a camera.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SmileSettings:
    """How raw readings become the published score.

    `threshold` is the raw score at which a face counts as smiling; a smiling face stops
    counting only below `threshold - hysteresis`, and a face starts counting only above
    `threshold + hysteresis`. `smoothing` is the time constant (s) of the running mean.
    """

    threshold: float = 0.5
    hysteresis: float = 0.1
    smoothing: float = 0.12

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"smile threshold must be between 0 and 1, got {self.threshold}")
        if not 0.0 <= self.hysteresis < min(self.threshold, 1.0 - self.threshold):
            raise ValueError(
                f"smile hysteresis must be >= 0 and leave both bands inside 0..1 "
                f"(threshold {self.threshold}), got {self.hysteresis}"
            )
        if self.smoothing < 0.0:
            raise ValueError(f"smile smoothing must be >= 0 seconds, got {self.smoothing}")

    @property
    def enter(self) -> float:
        return self.threshold + self.hysteresis

    @property
    def exit(self) -> float:
        return self.threshold - self.hysteresis


@dataclass(slots=True)
class SmileState:
    """One face's smoothed readings and whether it is smiling now."""

    settings: SmileSettings
    smile: float = 0.0  # smoothed raw smile score
    emotions: list[float] = field(default_factory=list)
    smiling: bool = False
    last_time: float | None = None

    def update(self, time: float, smile: float, emotions: Sequence[float]) -> None:
        """Fold in one reading taken from a frame captured at `time`."""
        smile = min(1.0, max(0.0, float(smile)))
        if self.last_time is None or not self.emotions:
            self.smile, self.emotions = smile, [float(p) for p in emotions]
            self.smiling = smile >= self.settings.threshold
        else:
            dt = max(0.0, time - self.last_time)
            tau = self.settings.smoothing
            # Exponential smoothing by elapsed time, not by frame: the same at 15 or 60 fps.
            keep = math.exp(-dt / tau) if tau > 0.0 else 0.0
            self.smile = keep * self.smile + (1.0 - keep) * smile
            self.emotions = [
                keep * old + (1.0 - keep) * float(new)
                for old, new in zip(self.emotions, emotions, strict=True)
            ]
            if self.smiling and self.smile < self.settings.exit:
                self.smiling = False
            elif not self.smiling and self.smile >= self.settings.enter:
                self.smiling = True
        self.last_time = time

    @property
    def score(self) -> float:
        """The published score: above 0.5 exactly while smiling, monotonic in the reading.

        Within each state the smoothed reading is mapped linearly onto its half of 0..1:
        not smiling, [0, enter] -> [0, 0.5]; smiling, [exit, 1] -> [0.5, 1]. A reading that
        hovers at the threshold therefore stays on one side of 0.5, and anything that
        thresholds the score near 0.5 (the show's bloom) does not flicker.
        """
        s, settings = self.smile, self.settings
        if self.smiling:
            low = settings.exit
            return 0.5 + 0.5 * max(0.0, s - low) / (1.0 - low)
        return 0.5 * min(1.0, s / settings.enter) * (1.0 - 1e-6)

    @property
    def probabilities(self) -> tuple[float, ...]:
        """Smoothed emotion probabilities, renormalised to sum to 1."""
        total = sum(self.emotions)
        if total <= 0.0:
            return tuple(1.0 / len(self.emotions) for _ in self.emotions)
        return tuple(p / total for p in self.emotions)
