"""The cue list: loading and checking files, go / back / goto, and the double-tap guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from installation.control.cues import (
    CuePlayer,
    CueRefused,
    cue_events,
    load_cue_list,
    resolve_cue_path,
)
from installation.errors import ConfigError
from installation.params import Catalogue
from tests.conftest import run_cli
from tests.osc_helpers import message
from tests.test_osc_receiver import start_live


def test_demo_walks_through_the_five_acts(catalogue: Catalogue) -> None:
    cues = load_cue_list(resolve_cue_path("demo"), catalogue)
    scenes = [cue.scene for cue in cues.cues if cue.scene]
    assert scenes == list(catalogue.get("scene").choices)


def test_cue_events_ramp_numbers_over_the_fade(catalogue: Catalogue) -> None:
    cue = load_cue_list(resolve_cue_path("demo"), catalogue).cues[0]
    events = cue_events(cue, catalogue, 3.0)
    assert events[0].name == "scene" and events[0].ramp is None
    for event in events[1:]:
        kind = catalogue.get(event.name).type
        assert event.ramp == (cue.fade if kind == "float" else None), event
        assert event.time == 3.0 and event.origin.startswith("cue 1")


def test_go_back_goto_and_the_guard(catalogue: Catalogue) -> None:
    player = CuePlayer(load_cue_list(resolve_cue_path("demo"), catalogue), guard=0.25)
    assert player.go(10.0).number == 1
    with pytest.raises(CueRefused) as caught:
        player.go(10.2)  # a double tap
    assert caught.value.reason == "cue_guard"
    assert player.go(10.3).number == 2  # measured from the last go that ran
    assert player.back().number == 1
    with pytest.raises(CueRefused):
        player.back()
    assert player.goto("biohubs").number == 4
    assert player.goto(6).number == 6
    with pytest.raises(CueRefused) as end:
        player.go(20.0)
    assert end.value.reason == "cue_end"
    with pytest.raises(CueRefused):
        player.goto(99)


def test_without_a_cue_list_go_is_refused() -> None:
    with pytest.raises(CueRefused) as caught:
        CuePlayer(None).go(0.0)
    assert caught.value.reason == "no_cues"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[cue]]\nname = "a"\nscene = "mars"\n', "cue #1 (a): scene expects one of"),
        ('[[cue]]\nname = "a"\nfade = -1\n', "fade must be 0..3600 seconds"),
        ('[[cue]]\nname = "a"\n[cue.params]\nglow.radiu = 0.3\n', "did you mean 'glow.radius'"),
        ('[[cue]]\nname = "a"\n[cue.params]\nglow.radius = 9\n', "params.glow.radius: expects"),
        ('[[cue]]\nname = "a"\ncolour = 1\n', "unknown key 'colour'; allowed: name"),
        ('[[cue]]\nname = "a"\n', "must set a scene or at least one parameter"),
        (
            '[[cue]]\nname = "a"\nscene = "biohubs"\n[[cue]]\nname = "a"\nscene = "biohubs"\n',
            "used twice",
        ),
        ("name = 'x'\n", "at least one [[cue]]"),
        ("[[cue]\n", "not valid TOML"),
    ],
)
def test_bad_cue_files_are_one_clear_error(
    tmp_path: Path, catalogue: Catalogue, text: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_cue_list(path, catalogue)
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_a_missing_cue_list_names_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="shipped cue lists: demo"):
        resolve_cue_path("nope")


def test_a_double_tap_over_osc_runs_one_cue(catalogue: Catalogue) -> None:
    live = start_live(catalogue)
    live.control.player.cues = load_cue_list(resolve_cue_path("demo"), catalogue)
    try:
        live.send(message("/nova/cue/go", 1.0))
        live.send(message("/nova/cue/go", 0.0))  # the button's release: not a go
        live.send(message("/nova/cue/go", 1.0))  # a second tap, same show time: guarded
        live.settle()
        assert live.control.player.current == 1
        assert live.control.counters.rejected == {"cue_guard": 1}
        assert live.control.state.cue == (1, "sanctuary")
        live.send(message("/nova/cue/goto", "solidarity"))
        live.send(message("/nova/cue/back"))
        live.settle()
        assert live.control.player.current == 4
        assert live.control.state.get("scene") == "biohubs"
    finally:
        live.control.stop()
        live.client.close()


def test_a_bad_cue_file_stops_run_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "cues.toml"
    path.write_text('[[cue]]\nname = "x"\nscene = "mars"\n')
    result = run_cli("run", "--headless", "--duration", "1", "--set", f"cues.file={path}")
    assert result.returncode == 2
    assert "scene expects one of" in result.stderr and "Traceback" not in result.stderr
