"""The five acts of the piece, in one table: what each one does, read by every output.

The show state, the renderer and the lighting rig ask an act what it does (its access rule,
what feeds the living light, whether its boundary strains, which strands of light it
draws, the rig's accent) and never test for a scene's name. An act's picture is its
shader, `shaders/scenes/NAME.frag`. `check_acts` holds the table, the catalogue's `scene`
choices and the shader files to one another at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from installation.errors import ConfigError
from installation.palette import RGB

Links = Literal["none", "neighbours", "hubs"]


@dataclass(frozen=True, slots=True)
class Act:
    """One act of the story and what it asks of the show, the picture and the rig."""

    name: str  # the catalogue's `scene` choice, and shaders/scenes/NAME.frag
    beat: str  # the story beat, for people reading status and docs
    access: str  # who may glow when `access.rule` is "scene": everyone, boundary or hubs
    growth: str | None  # the catalogue parameter that scales the living light's feed (None: 1)
    strain: bool  # the excluded crowd's smiles bend the boundary, which wavers and flickers
    links: Links  # strands of light: none, between neighbours, or the hub network
    hubs: bool  # biohubs stand in the room, and the living light grows within their reach
    hue_spread: float  # how far each person's hue strays from their emotion's (turns, 0..0.5)
    accent: RGB  # the rig's accent colour (a patch's [accents] table may override it)

    @property
    def shader(self) -> str:
        """The fragment shader of this act's picture, relative to shaders/."""
        return f"scenes/{self.name}.frag"


ACTS: tuple[Act, ...] = (
    Act(
        name="sanctuary",
        beat="a city lit by smiles",
        access="everyone",
        growth="sanctuary.growth",
        strain=False,
        links="none",
        hubs=False,
        hue_spread=0.0,
        accent=(0.21, 0.96, 0.78),
    ),
    Act(
        name="disparity",
        beat="the viral video: stark contrast in access",
        access="boundary",
        growth=None,
        strain=False,
        links="none",
        hubs=False,
        hue_spread=0.0,
        accent=(0.55, 0.58, 0.61),
    ),
    Act(
        name="confrontation",
        beat="the crowd outside BioGlo Corp",
        access="boundary",
        growth=None,
        strain=True,
        links="none",
        hubs=False,
        hue_spread=0.0,
        accent=(0.95, 0.35, 0.25),
    ),
    Act(
        name="biohubs",
        beat="a decentralised network of biohubs",
        access="hubs",
        growth=None,
        strain=False,
        links="hubs",
        hubs=True,
        hue_spread=0.0,
        accent=(0.45, 1.0, 0.85),
    ),
    Act(
        name="solidarity",
        beat="equity: each person's own colour",
        access="everyone",
        growth=None,
        strain=False,
        links="neighbours",
        hubs=False,
        hue_spread=0.12,
        accent=(1.0, 0.85, 0.45),
    ),
)
NAMES: tuple[str, ...] = tuple(act.name for act in ACTS)
CALM: Act = ACTS[0]  # the act a safe idle start shows
_BY_NAME = {act.name: act for act in ACTS}


def act_named(name: str) -> Act:
    """The act called `name`; an unknown name (never past `check_acts`) is the calm act."""
    return _BY_NAME.get(name, CALM)


def check_acts(scene_choices: Sequence[str], shader_root: Path) -> None:
    """The table, the catalogue's `scene` choices and shaders/scenes/ must name the same acts.

    A ConfigError names what is missing where, so an act added in one place only is caught
    at start-up instead of as a grey or missing picture in the middle of a show.
    """
    problems = []
    if tuple(scene_choices) != NAMES:
        problems.append(
            f"the catalogue's scene choices ({', '.join(scene_choices)}) are not the acts of "
            f"installation/acts.py ({', '.join(NAMES)}), in that order"
        )
    missing = [act.shader for act in ACTS if not (shader_root / act.shader).is_file()]
    if missing:
        problems.append(f"no shader for {', '.join(missing)} under {shader_root}")
    if problems:
        raise ConfigError("; ".join(problems))
