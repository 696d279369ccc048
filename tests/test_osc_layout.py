"""The generated Open Stage Control session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from installation.control.cues import load_cue_list, resolve_cue_path
from installation.control.layout import open_stage_control_session
from installation.params import Catalogue
from tests.conftest import run_cli


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
    scene_buttons = [w for w in found if w["address"] == "/nova/scene/go"]
    assert [w["on"] for w in scene_buttons] == [1, 2, 3, 4, 5]
    cue_buttons = [w for w in found if w["address"] == "/nova/cue/goto"]
    assert len(cue_buttons) == len(cues.cues)
    assert len({w["id"] for w in found}) == len(found)


def test_layout_command_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "nova.json"
    result = run_cli("params", "--layout", "open-stage-control", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["createdWith"] == "Open Stage Control"
