"""The OSC address space and value checks, derived from the catalogue (pure logic)."""

from __future__ import annotations

import json
import math

import pytest

from installation.control.routes import ACTIONS, build_namespace, namespace_json
from installation.control.values import ArgError, is_release, param_value
from installation.params import Catalogue
from tests.conftest import run_cli


def test_every_parameter_has_an_address_and_floats_a_ramp(catalogue: Catalogue) -> None:
    namespace = build_namespace(catalogue)
    for param in catalogue:
        assert namespace.lookup(param.address) is not None
        ramp = namespace.lookup(param.address + "/ramp")
        assert (ramp is not None) == (param.type == "float")
        assert param.address.startswith(catalogue.prefix + "/")
    for action in ACTIONS:
        route = namespace.lookup(catalogue.prefix + "/" + action.name.replace(".", "/"))
        assert route is not None and route.action == action


def test_namespace_json_lists_params_then_everything_else(catalogue: Catalogue) -> None:
    entries = namespace_json(catalogue)
    params = [e for e in entries if e["kind"] == "param"]
    assert [e["name"] for e in params] == [p.name for p in catalogue]
    addresses = {e["address"] for e in entries}
    for name in ("act/go", "act/next", "act/previous", "cue/go", "cue/back", "cue/goto"):
        assert f"{catalogue.prefix}/{name}" in addresses
    # The older spellings are accepted (tests/test_osc_receiver.py) but not listed twice.
    assert f"{catalogue.prefix}/scene/go" not in addresses
    for name in ("blackout", "freeze", "ping", "pong", "status/fps"):
        assert f"{catalogue.prefix}/{name}" in addresses
    keys = set(entries[0])
    assert all(set(e) == keys for e in entries)


def test_params_json_command_lists_actions() -> None:
    result = run_cli("params", "--json")
    assert result.returncode == 0, result.stderr
    kinds = {e["kind"] for e in json.loads(result.stdout)}
    assert {"param", "ramp", "action", "status"} <= kinds


def _sample(catalogue: Catalogue, kind: str) -> str:
    return next(p.name for p in catalogue if p.type == kind)


def test_float_values(catalogue: Catalogue) -> None:
    param = catalogue.get(_sample(catalogue, "float"))
    assert param.min is not None and param.max is not None
    assert param_value(param, "/a", param.max) == param.max
    # Max sends ints: 1 for a float parameter is 1.0.
    assert param_value(param, "/a", int(param.max)) == float(int(param.max))
    for bad, reason in [
        (math.nan, "bad_value"),
        (math.inf, "bad_value"),
        (-math.inf, "bad_value"),
        (param.max + 1, "bad_value"),
        ("0.5", "bad_args"),
        (True, "bad_args"),
        ([0.5], "bad_args"),
        (b"\x00", "bad_args"),
        (None, "bad_args"),
    ]:
        with pytest.raises(ArgError) as caught:
            param_value(param, "/a", bad)
        assert caught.value.reason == reason, bad
        assert "/a expects a number from" in str(caught.value)


def test_bool_values_take_what_buttons_send(catalogue: Catalogue) -> None:
    param = catalogue.get("master.blackout")
    for value, expected in [(True, True), (False, False), (1, True), (0, False), (1.0, True)]:
        assert param_value(param, "/b", value) is expected
    for bad in (0.5, 2, "yes", math.nan):
        with pytest.raises(ArgError):
            param_value(param, "/b", bad)


def test_choice_by_name_or_act_number(catalogue: Catalogue) -> None:
    scene = catalogue.get("scene")
    assert param_value(scene, "/s", scene.choices[1]) == scene.choices[1]
    assert param_value(scene, "/s", 1) == scene.choices[0]
    assert param_value(scene, "/s", float(len(scene.choices))) == scene.choices[-1]
    for bad in ("nowhere", 0, len(scene.choices) + 1, 1.5, math.nan):
        with pytest.raises(ArgError):
            param_value(scene, "/s", bad)


def test_release_is_a_single_zero() -> None:
    assert is_release([0]) and is_release([0.0]) and is_release([False])
    assert not is_release([]) and not is_release([1]) and not is_release([0, 0])


def test_every_route_kind_and_action_has_exactly_one_handler() -> None:
    from typing import get_args

    from installation.control.handlers import ACTION_HANDLERS, ROUTE_HANDLERS
    from installation.control.routes import ACTIONS, RouteKind

    assert set(ROUTE_HANDLERS) == set(get_args(RouteKind))
    assert sorted(ACTION_HANDLERS) == sorted(action.name for action in ACTIONS)
