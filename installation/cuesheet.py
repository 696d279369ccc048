"""What live cue lists and offline timelines share: reading the file and checking a cue.

A cue in `configs/cues/*.toml` (fired by a performer) and a cue in
`configs/timelines/*.toml` (fired at a show time) have the same body: a name, a scene
and/or parameters, numbers gliding over a time. The checks and the messages for that body,
and the parameter changes a cue makes, live here once; each file kind adds its own keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installation.errors import ConfigError
from installation.events import ParamChange
from installation.params import (
    Catalogue,
    ParamValue,
    ParamValueError,
    check_param_table,
    unknown_name_message,
)


@dataclass(frozen=True)
class CueBody:
    """What a cue changes: the scene (or None) and parameters, in the file's order."""

    name: str
    scene: str | None
    params: tuple[tuple[str, ParamValue], ...]


def check_keys(where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse the first key not in `allowed`, suggesting the closest allowed one."""
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: {unknown_name_message(key, list(allowed), 'key')}")


def seconds(where: str, value: Any, low: float, high: float) -> float:
    """A finite number of seconds in low..high; `where` names the key in the message."""
    if value is None:
        raise ConfigError(f"{where} is missing (seconds, e.g. 60)")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where} must be a number of seconds, e.g. 2.5 (got {value!r})")
    if not low <= value <= high:
        raise ConfigError(f"{where} must be {low:g}..{high:g} seconds (got {value!r})")
    return float(value)


def cue_table(path: Path, index: int, entry: Any, allowed: tuple[str, ...]) -> str:
    """Check that cue `index` is a table with only `allowed` keys; returns its `where`."""
    number = index + 1
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: cue #{number} must be a [[cue]] table")
    where = f"{path}: cue #{number} ({entry.get('name', f'cue {number}')})"
    check_keys(where, entry, allowed)
    return where


def cue_body(where: str, number: int, entry: dict[str, Any], catalogue: Catalogue) -> CueBody:
    """The name, scene and parameters of a cue table, each checked against the catalogue."""
    name = entry.get("name", f"cue {number}")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: name must be text")
    scene = entry.get("scene")
    if scene is not None:
        try:
            scene = str(catalogue.get("scene").validate(scene))
        except ParamValueError as exc:
            raise ConfigError(f"{where}: scene {exc}") from None
    params = check_param_table(
        f"{where}: params", entry.get("params", {}), catalogue, allow_scene=False
    )
    if scene is None and not params:
        raise ConfigError(f"{where}: a cue must set a scene or at least one parameter")
    return CueBody(name, scene, tuple(params))


def cue_changes(
    body: CueBody, time: float, glide: float, catalogue: Catalogue, origin: str
) -> list[ParamChange]:
    """The changes a cue makes at `time`: numbers glide over `glide` s, the rest switch."""
    changes = []
    if body.scene is not None:
        changes.append(ParamChange(time, "scene", body.scene, origin))
    for name, value in body.params:
        # Only floats glide; ints, switches and choices change at once.
        ramp = glide if glide > 0 and catalogue.get(name).type == "float" else None
        changes.append(ParamChange(time, name, value, origin, ramp=ramp))
    return changes
