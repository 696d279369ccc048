"""The table of acts: one place says what each act does, and it agrees with the rest."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from installation.acts import ACTS, NAMES, act_named, check_acts
from installation.errors import ConfigError
from installation.params import Catalogue
from installation.resources import shaders_dir

PACKAGE = Path(__file__).resolve().parent.parent / "installation"


def test_the_table_matches_the_catalogue_and_the_shaders(catalogue: Catalogue) -> None:
    check_acts(catalogue.get("scene").choices, shaders_dir())
    rules = set(catalogue.get("access.rule").choices) - {"scene"}
    for act in ACTS:
        assert act.access in rules, act.name
        assert act.growth is None or act.growth in catalogue, act.name
        assert 0.0 <= act.hue_spread <= 0.5
        assert all(0.0 <= c <= 1.0 for c in act.accent)
    assert act_named("biohubs").hubs and act_named("biohubs").links == "hubs"
    assert act_named("confrontation").strain and not act_named("disparity").strain


def test_an_act_without_its_shader_stops_the_start(tmp_path: Path, catalogue: Catalogue) -> None:
    root = tmp_path / "shaders"
    shutil.copytree(shaders_dir(), root)
    (root / "scenes" / "biohubs.frag").unlink()
    with pytest.raises(ConfigError, match=r"scenes/biohubs\.frag"):
        check_acts(catalogue.get("scene").choices, root)


def test_a_catalogue_whose_acts_differ_stops_the_start() -> None:
    with pytest.raises(ConfigError, match="scene choices"):
        check_acts((*NAMES, "encore"), shaders_dir())
    with pytest.raises(ConfigError, match="in that order"):
        check_acts(tuple(reversed(NAMES)), shaders_dir())


@pytest.mark.parametrize("folder", ["render", "lighting"])
def test_the_renderer_and_the_rig_name_no_act(folder: str) -> None:
    # What an act does is asked of installation/acts.py, never decided by its name.
    quoted = re.compile("[\"'](" + "|".join(NAMES) + ")[\"']")
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        found = quoted.findall(path.read_text())
        assert not found, f"{path.relative_to(PACKAGE)} names {found}"
