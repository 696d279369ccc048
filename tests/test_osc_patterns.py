"""OSC 1.0 address patterns reach every matching address (liblo's oscsend as the client)."""

from __future__ import annotations

import pytest

from installation.control.pattern import compile_pattern
from installation.control.routes import build_namespace
from installation.params import Catalogue
from tests.test_liblo_clients import _oscsend
from tests.test_osc_receiver import Live


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("/nova/glow/*", ["/nova/glow/radius", "/nova/glow/"], ["/nova/glow/radius/ramp"]),
        ("/nova/sea/leve?", ["/nova/sea/level"], ["/nova/sea/lev", "/nova/sea/leve/"]),
        ("/nova/[gs]ea/level", ["/nova/sea/level"], ["/nova/tea/level"]),
        ("/nova/sea/[a-m]*", ["/nova/sea/level", "/nova/sea/drift"], ["/nova/sea/xyz"]),
        ("/nova/sea/[!d]*", ["/nova/sea/level"], ["/nova/sea/drift"]),
        (
            "/nova/{sea,glow}/level",
            ["/nova/sea/level", "/nova/glow/level"],
            ["/nova/seaglow/level"],
        ),
        ("/nova/*/level", ["/nova/sea/level"], ["/nova/a/b/level"]),
    ],
)
def test_patterns_match_within_a_part(pattern: str, matches: list[str], misses: list[str]) -> None:
    regex = compile_pattern(pattern)
    assert regex is not None
    assert all(regex.match(address) for address in matches)
    assert not any(regex.match(address) for address in misses)


@pytest.mark.parametrize("broken", ["/nova/[glow", "/nova/{a,b", "/nova/glow]", "/nova/a}"])
def test_a_pattern_whose_brackets_do_not_close_matches_nothing(broken: str) -> None:
    assert compile_pattern(broken) is None


def test_a_pattern_never_reaches_what_the_show_sends_out(catalogue: Catalogue) -> None:
    namespace = build_namespace(catalogue)
    reached = {route.address for route in namespace.matching("/nova/status/*")}
    assert reached == set()
    assert {r.address for r in namespace.matching("/nova/glow/{radius,intensity}")} == {
        "/nova/glow/radius",
        "/nova/glow/intensity",
    }


def test_liblo_patterns_set_every_matching_parameter(live: Live) -> None:
    port = live.address[1]
    _oscsend(port, "/nova/glow/{radius,intensity}", "f", "0.5")
    _oscsend(port, "/nova/sea/*", "f", "0.25")  # level and drift; not their ramps
    _oscsend(port, "/nova/master/[b]lackout", "T")
    _oscsend(port, "/nova/nothing/*", "f", "1")  # matches nothing: an unknown address
    got = live.expect(5)
    live.settle()
    assert sorted((e.name, e.value) for e in got) == [
        ("glow.intensity", 0.5),
        ("glow.radius", 0.5),
        ("master.blackout", True),
        ("sea.drift", 0.25),
        ("sea.level", 0.25),
    ]
    assert live.control.counters.rejected == {"unknown_address": 1}


def test_a_value_one_match_refuses_does_not_stop_the_others(live: Live) -> None:
    port = live.address[1]
    # 1.8 fits glow.intensity (0..3) and not glow.radius (0.03..0.6).
    _oscsend(port, "/nova/glow/{radius,intensity}", "f", "1.8")
    got = live.expect(1)
    live.settle()
    assert [(e.name, e.value) for e in got] == [("glow.intensity", pytest.approx(1.8))]
    assert live.control.counters.rejected == {"bad_value": 1}
