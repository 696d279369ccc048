"""Access and exclusion, decided in the show state: the rules and what the show makes of them."""

from __future__ import annotations

import pytest

from installation.access import (
    boundary_access,
    hub_access,
    hubs_for,
    person_draw,
    pushed_boundary,
    rule_for,
)
from installation.events import FaceObservation, FacesObserved, ParamChange
from installation.palette import Palette
from installation.params import Catalogue
from installation.show import Show
from tests.helpers import emotions


def test_each_act_has_its_rule(catalogue: Catalogue) -> None:
    params = catalogue.defaults()
    assert [rule_for(s, params) for s in catalogue.get("scene").choices] == [
        "everyone",
        "boundary",
        "boundary",
        "hubs",
        "everyone",
    ]
    assert rule_for("sanctuary", {**params, "access.rule": "ratio"}) == "ratio"


def test_boundary_splits_with_a_soft_edge() -> None:
    assert boundary_access(0.2, 0.5, "left") == 1.0
    assert boundary_access(0.8, 0.5, "left") == 0.0
    assert boundary_access(0.8, 0.5, "right") == 1.0
    assert 0.0 < boundary_access(0.5, 0.5, "left") < 1.0


def test_pressure_pushes_the_boundary_into_the_radiant_side() -> None:
    assert pushed_boundary(0.5, "left", 1.0, 1.0) < 0.5
    assert pushed_boundary(0.5, "right", 1.0, 1.0) > 0.5
    assert pushed_boundary(0.5, "left", 0.0, 1.0) == 0.5


def test_ratio_draw_is_stable_and_fair() -> None:
    draws = [person_draw(i) for i in range(1, 2001)]
    assert draws == [person_draw(i) for i in range(1, 2001)]
    share = sum(d < 0.3 for d in draws) / len(draws)
    assert share == pytest.approx(0.3, abs=0.03)


def test_hub_reach_grows_with_joy(catalogue: Catalogue) -> None:
    params = catalogue.defaults()
    sad, joyful = hubs_for(params, 0.0), hubs_for(params, 1.0)
    assert len(sad) == params["biohubs.count"]
    assert joyful[0].reach == pytest.approx(3 * sad[0].reach)
    hub = joyful[0]
    assert hub_access(hub.x, hub.y, joyful) == 1.0
    assert hub_access(hub.x + 2 * hub.reach, hub.y, (hub,)) == 0.0


def show_with(catalogue: Catalogue, palette: Palette, scene: str, **params: object) -> Show:
    return Show(catalogue, palette, {"scene": scene, "face.follow": 0.0, **params})  # type: ignore[dict-item]


def two_sides() -> FacesObserved:
    left = FaceObservation(1, 0.15, 0.3, 0.1, 0.18, 0.95, emotions("happy"))
    right = FaceObservation(2, 0.75, 0.3, 0.1, 0.18, 0.95, emotions("happy"))
    return FacesObserved(0.0, "test", (left, right))


def test_disparity_mutes_the_excluded_side(catalogue: Catalogue, palette: Palette) -> None:
    show = show_with(catalogue, palette, "disparity")
    show.step(0.0, [two_sides()])
    frame = show.step(5.0, [])
    left, right = frame.faces
    assert left.access == pytest.approx(1.0) and right.access == pytest.approx(0.0)
    assert right.glow < 0.5 * left.glow
    assert right.colour == pytest.approx(palette.muted)  # grey
    assert left.colour == pytest.approx(palette.colour("happy"), abs=0.02)
    assert frame.access_share == pytest.approx(0.5, abs=0.01)


def test_sanctuary_and_solidarity_let_everyone_shine(
    catalogue: Catalogue, palette: Palette
) -> None:
    for scene in ("sanctuary", "solidarity"):
        show = show_with(catalogue, palette, scene)
        show.step(0.0, [two_sides()])
        assert all(f.access == 1.0 for f in show.step(5.0, []).faces)


def test_confrontation_pressure_rises_with_excluded_smiles(
    catalogue: Catalogue, palette: Palette
) -> None:
    show = show_with(catalogue, palette, "confrontation")
    show.step(0.0, [two_sides()])
    for n in range(1, 301):
        frame = show.step(n / 30, [])
    assert frame.pressure > 0.1
    assert frame.boundary < catalogue.get("access.boundary").default  # pushed into the left


def test_access_fades_when_the_act_changes(catalogue: Catalogue, palette: Palette) -> None:
    show = show_with(catalogue, palette, "sanctuary")
    show.step(0.0, [two_sides()])
    show.step(5.0, [])
    frame = show.step(5.1, [ParamChange(5.1, "scene", "disparity", "test")])
    assert frame.scene == "disparity" and frame.previous_scene == "sanctuary"
    assert frame.crossfade < 0.1
    right = frame.faces[1]
    assert 0.5 < right.access < 1.0  # on its way down, not snapped
    assert show.step(9.0, []).faces[1].access < 0.01
