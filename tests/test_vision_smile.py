"""Smoothing and hysteresis of smile scores (pure logic, no camera)."""

from __future__ import annotations

import pytest

from installation.vision.smile import SmileSettings, SmileState

NEUTRAL = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)


def feed(state: SmileState, readings: list[float], fps: float, start: float = 0.0) -> list[float]:
    scores = []
    for i, smile in enumerate(readings):
        state.update(start + i / fps, smile, NEUTRAL)
        scores.append(state.score)
    return scores


def test_a_score_hovering_at_the_threshold_does_not_flicker() -> None:
    settings = SmileSettings(threshold=0.5, hysteresis=0.1, smoothing=0.05)
    hovering = [0.42, 0.58] * 60  # noisy readings around the threshold
    for start in (0.2, 0.8):  # from a frown, and from a smile
        state = SmileState(settings)
        scores = feed(state, [start] * 30 + hovering, fps=60)
        after = scores[30:]
        assert all(s > 0.5 for s in after) == (start > 0.5)
        assert all(s < 0.5 for s in after) == (start < 0.5)


def test_a_real_change_crosses_over_and_the_score_says_so() -> None:
    state = SmileState(SmileSettings(smoothing=0.1))
    scores = feed(state, [0.1] * 30 + [0.95] * 60 + [0.05] * 60, fps=60)
    assert max(scores[:30]) < 0.5 and scores[89] > 0.9 and scores[-1] < 0.1
    first_smile = next(i for i, s in enumerate(scores) if s > 0.5)
    assert 30 < first_smile < 30 + 15  # a quarter second at most
    assert all(s > 0.5 for s in scores[first_smile:90])
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_smoothing_follows_time_not_frames() -> None:
    slow, fast = SmileState(SmileSettings()), SmileState(SmileSettings())
    feed(slow, [0.0] + [1.0] * 15, fps=30)  # half a second at 30 fps
    feed(fast, [0.0] + [1.0] * 30, fps=60)  # half a second at 60 fps
    assert slow.smile == pytest.approx(fast.smile, abs=0.02)


def test_emotions_are_smoothed_and_sum_to_one() -> None:
    state = SmileState(SmileSettings())
    state.update(0.0, 0.9, (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0))
    state.update(0.05, 0.1, NEUTRAL)
    happy, neutral = state.probabilities[3], state.probabilities[6]
    assert 0.0 < neutral < happy and sum(state.probabilities) == pytest.approx(1.0)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        SmileSettings(threshold=1.2)
    with pytest.raises(ValueError, match="hysteresis"):
        SmileSettings(threshold=0.9, hysteresis=0.2)
    with pytest.raises(ValueError, match="smoothing"):
        SmileSettings(smoothing=-1.0)
