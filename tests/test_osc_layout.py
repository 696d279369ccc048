"""The generated Open Stage Control session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from installation.control.cues import load_cue_list, resolve_cue_path
from installation.control.layout import open_stage_control_session
from installation.palette import Palette
from installation.params import Catalogue
from installation.show import Show
from tests.conftest import run_cli
from tests.test_osc_feedback import A, flush, make_feedback


def widgets(session: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for tab in session["content"]["tabs"] for w in tab["widgets"]]


def test_a_widget_for_every_parameter_and_buttons_for_scenes_and_cues(catalogue: Catalogue) -> None:
    cues = load_cue_list(resolve_cue_path("demo"), catalogue)
    session = open_stage_control_session(catalogue, cues)
    assert session["type"] == "session" and session["content"]["type"] == "root"
    found = widgets(session)
    by_address = {w["address"]: w for w in found}
    for param in catalogue:
        widget = by_address[param.address]
        if param.type == "float":
            assert widget["type"] == "fader"
            assert widget["range"] == {"min": param.min, "max": param.max}
    scene_buttons = [w for w in found if w["address"] == "/nova/act/go"]
    assert [w["on"] for w in scene_buttons] == [1, 2, 3, 4, 5]
    cue_buttons = [w for w in found if w["address"] == "/nova/cue/goto"]
    assert len(cue_buttons) == len(cues.cues)
    assert len({w["id"] for w in found}) == len(found)


def test_layout_command_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "nova.json"
    result = run_cli("params", "--layout", "open-stage-control", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["createdWith"] == "Open Stage Control"


def test_toggles_follow_the_shows_boolean_feedback(catalogue: Catalogue, palette: Palette) -> None:
    """Open Stage Control compares a value with a toggle's on/off by type (JSON true is not 1).

    The feedback's T/F, decoded, must be the toggles' own `on`/`off`; and what a toggle sends
    (osc.js infers T/F from JSON booleans when typeTags is empty) must be what the show takes.
    """
    feedback, state, transport = make_feedback(catalogue, [A])
    show = Show(catalogue, palette, catalogue.defaults())
    state.set("master.blackout", True, None)
    state.set("show.freeze", True, None)
    feedback.send(show.step(0.0))
    flush(feedback)
    sent = {address: params for address, params, _ in transport.sent}
    toggles = [
        w for w in widgets(open_stage_control_session(catalogue, None)) if w.get("mode") == "toggle"
    ]
    bool_addresses = {p.address for p in catalogue if p.type == "bool"}
    assert {w["address"] for w in toggles} == bool_addresses  # one on each tab for the two
    for widget in toggles:
        assert widget["on"] is True and widget["off"] is False and widget["typeTags"] == ""
        assert isinstance(widget["value"], bool)
    for address in ("/nova/master/blackout", "/nova/show/freeze"):
        (value,) = sent[address]
        assert value is True  # the wire's T, as osc.js and python-osc read it
        assert [w["on"] for w in toggles if w["address"] == address] == [True, True]


def _dropdown_text(widget: dict[str, Any], value: object) -> str:
    """What an Open Stage Control 1.x dropdown shows: its `label` ("auto": the value), with
    `%key` and `%value` replaced by the selected entry's; values are matched strictly."""
    keys, values = list(widget["values"]), list(widget["values"].values())
    label = "%value" if widget["label"] == "auto" else str(widget["label"])
    if value not in values:
        return label.replace("%value", "").replace("%key", "")
    key = keys[values.index(value)]
    return label.replace("%value", str(value)).replace("%key", key)


def test_the_scene_dropdown_shows_which_act_is_on(catalogue: Catalogue, palette: Palette) -> None:
    """Issue 16: the dropdown's fixed label hid the act; the feedback's act must show."""
    (dropdown,) = [
        w for w in widgets(open_stage_control_session(catalogue, None))
        if w["type"] == "dropdown" and w["address"] == "/nova/scene"
    ]  # fmt: skip
    show = Show(catalogue, palette, catalogue.defaults())
    acts = catalogue.get("scene").choices
    for act, other in zip(acts, acts[1:] + acts[:1], strict=True):
        feedback, state, transport = make_feedback(catalogue, [A])
        state.set("scene", other, None)  # away and back: the default act is a change too
        state.set("scene", act, None)
        feedback.send(show.step(0.0))
        flush(feedback)
        (value,) = {address: params for address, params, _ in transport.sent}["/nova/scene"]
        assert act in _dropdown_text(dropdown, value), (act, dropdown["label"])
