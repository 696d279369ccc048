"""`installation bench osc`'s measuring parts, run short: counts, latencies, memory samples."""

from __future__ import annotations

from installation.bench.osc import flood, run_trial
from installation.params import Catalogue


def test_a_short_trial_counts_every_message_and_times_it(catalogue: Catalogue) -> None:
    trial, _ = run_trial(catalogue, rate=1000, seconds=1.5)
    summary = trial.summary()
    assert summary["sent"] == 1500 and summary["lost"] == 0
    assert len(trial.latencies_ms) == 1500
    # Sent before the frame that applied it, and applied within a few frames: no stamps mixed up.
    assert 0.0 < summary["latency_ms_p50"] <= summary["latency_ms_p99"] < 200.0
    assert summary["frames_late_max"] is not None and summary["frames_late_max"] >= 0
    assert all(isinstance(value, float) for value in trial.latencies_ms)


def test_a_short_flood_reports_memory_from_samples_and_the_final_state(
    catalogue: Catalogue,
) -> None:
    result = flood(catalogue, rate=4000, seconds=2.5)
    assert result["applied"] == result["sent"] == 10_000
    assert result["final_equals_last_sent"]
    low, high = result["rss_mb_range"]
    assert 0.0 < low <= high
    # Growth (last - first sample) lies inside the sampled range; each figure is rounded to
    # 0.1 MB on its own, so the rounded values may disagree by up to 0.15 MB.
    assert abs(result["rss_growth_mb"]) <= high - low + 0.15 + 1e-9
