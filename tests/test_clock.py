"""Clocks: exact fixed steps offline, paced real time live (with a fake monotonic clock)."""

from __future__ import annotations

import pytest

from installation.clock import FixedStepClock, RealTimeClock


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def test_fixed_step_is_exact() -> None:
    clock = FixedStepClock(fps=30)
    times = [clock.tick() for _ in range(91)]
    assert times[0] == 0.0
    assert times[30] == 1.0
    assert times[90] == 3.0  # n / fps, no accumulated rounding
    assert clock.frame == 90


def test_fixed_step_rejects_bad_rate() -> None:
    with pytest.raises(ValueError):
        FixedStepClock(fps=0)


def test_real_time_paces_to_the_target_rate() -> None:
    fake = FakeTime()
    clock = RealTimeClock(fps=50, monotonic=fake.monotonic, sleep=fake.sleep)
    times = [clock.tick() for _ in range(5)]
    assert times == pytest.approx([0.0, 0.02, 0.04, 0.06, 0.08])


def test_real_time_does_not_burst_after_a_stall() -> None:
    fake = FakeTime()
    clock = RealTimeClock(fps=50, monotonic=fake.monotonic, sleep=fake.sleep)
    clock.tick()
    fake.t += 1.0  # the machine stalled for a second
    clock.tick()
    sleeps_before = len(fake.sleeps)
    clock.tick()
    # The next frame waits a full period again instead of racing to catch up.
    assert len(fake.sleeps) == sleeps_before + 1
    assert fake.sleeps[-1] == pytest.approx(0.02)


def test_real_time_without_target_never_sleeps() -> None:
    fake = FakeTime()
    clock = RealTimeClock(fps=None, monotonic=fake.monotonic, sleep=fake.sleep)
    fake.t += 0.5
    assert clock.tick() == pytest.approx(0.5)
    assert clock.now() == pytest.approx(0.5)
    assert fake.sleeps == []
