"""`installation bench render|encode|restart|slow-clients`, run small: they finish, say what
they measure on stderr, and print figures with the machine they came from (not the figures'
values)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import run_cli


def _bench(*args: str) -> tuple[dict[str, Any], str]:
    result = run_cli("bench", *args, "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def _machine_recorded(figures: dict[str, Any]) -> None:
    assert {"cpu", "cores", "os", "python"} <= set(figures["machine"])


@pytest.mark.gl
def test_bench_render_measures_every_act() -> None:
    figures, said = _bench("render", "--frames", "5", "--sizes", "64x36")
    acts = ("sanctuary", "disparity", "confrontation", "biohubs", "solidarity")
    assert set(figures["scenes"]) == set(acts)
    for act in acts:
        assert figures["scenes"][act]["64x36"]["ms_median"] > 0
        assert f"bench render: {act} at 64x36 ..." in said
    _machine_recorded(figures)
    assert "gl" in figures["machine"]


@pytest.mark.gl
def test_bench_encode_compares_render_encode_and_both() -> None:
    figures, said = _bench("encode", "--frames", "3")
    assert figures["ratio"] > 0
    for size, measured in figures["sizes"].items():
        assert f"bench encode: {size}, " in said
        assert min(measured["render_ms"], measured["encode_ms"], measured["both_ms"]) > 0
    _machine_recorded(figures)


def test_bench_restart_brings_a_frozen_and_a_killed_show_back() -> None:
    figures, said = _bench("restart", "--trials", "1", "--size", "64x36")
    assert len(figures["frozen"]) == len(figures["killed"]) == 1
    assert figures["frozen_detected_s_max"] > 0 and figures["killed_to_ready_s"] > 0
    assert "bench restart: 1 frozen show(s)" in said
    _machine_recorded(figures)


def test_bench_slow_clients_measures_the_frame_rate_around_an_attack() -> None:
    figures, said = _bench("slow-clients", "--rounds", "1", "--window", "2")
    (attack,) = figures["rounds"]
    assert attack["fps_before"] > 0 and attack["fps_after"] > 0 and len(attack["fps_during"]) == 2
    assert attack["held"] > 0.9 * attack["clients"] and not attack["traceback"]
    assert figures["worst_ratio"] == attack["worst_ratio"] > 0
    assert "bench slow-clients: round 1/1: 1020 slow clients" in said
    _machine_recorded(figures)
