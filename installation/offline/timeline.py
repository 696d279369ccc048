"""Timelines (`configs/timelines/*.toml`): a scripted crowd and cues at show times.

A timeline is what an offline render plays: how long the show lasts, the simulated crowd
(a seed and its settings) and cues that change the scene and parameters at given show
times, numbers ramping over `ramp` seconds. Every mistake is one ConfigError naming the
file, the entry and the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from installation.config import parse_size
from installation.cuesheet import (
    CueBody,
    check_keys,
    cue_body,
    cue_changes,
    cue_table,
    seconds,
)
from installation.errors import ConfigError
from installation.events import ParamChange
from installation.params import Catalogue, ParamValue, check_param_table
from installation.resources import find_shipped
from installation.tomlfile import read_toml
from installation.vision.crowd import CrowdSettings

MAX_DURATION_S = 24 * 3600.0
_TOP_KEYS = ("name", "duration", "fps", "size", "crowd", "params", "cue")
_CUE_KEYS = ("time", "name", "scene", "ramp", "params")
# Crowd keys and the type each takes (CrowdSettings checks the ranges).
_CROWD_KEYS: dict[str, type] = {
    "seed": int,
    "max_people": int,
    "initial_people": int,
    "arrival_rate": float,
    "mean_stay": float,
    "mood_seconds": float,
    "min_face": float,
    "max_face": float,
}


@dataclass(frozen=True)
class TimedCue:
    """At show time `time`: switch to `scene` and/or set `params`, numbers over `ramp` s."""

    time: float
    name: str
    scene: str | None
    ramp: float
    params: tuple[tuple[str, ParamValue], ...]


@dataclass(frozen=True)
class Timeline:
    path: Path
    name: str
    duration: float
    fps: float
    size: tuple[int, int]
    crowd: CrowdSettings
    params: dict[str, ParamValue]
    cues: tuple[TimedCue, ...]

    def with_seed(self, seed: int) -> Timeline:
        """The same timeline with another crowd."""
        return replace(self, crowd=replace(self.crowd, seed=seed))

    def events(self, catalogue: Catalogue) -> list[ParamChange]:
        """Every parameter change of the cues, in show-time order."""
        changes: list[ParamChange] = []
        for cue in self.cues:
            body = CueBody(cue.name, cue.scene, cue.params)
            origin = f"timeline {self.name}: {cue.name}"
            changes.extend(cue_changes(body, cue.time, cue.ramp, catalogue, origin))
        return sorted(changes, key=lambda change: change.time)


class TimelinePlayer:
    """Hands out a timeline's changes as show time passes (each exactly once)."""

    def __init__(self, changes: list[ParamChange]) -> None:
        self._changes = changes
        self._next = 0

    def due(self, time: float) -> Iterator[ParamChange]:
        """Changes at or before `time` not handed out yet."""
        while self._next < len(self._changes) and self._changes[self._next].time <= time:
            yield self._changes[self._next]
            self._next += 1


def resolve_timeline_path(name: str) -> Path:
    """A path as given, or a shipped timeline by name (`demo` -> configs/timelines/demo.toml)."""
    return find_shipped(name, "timelines", "timeline", name)


def load_timeline(path: Path, catalogue: Catalogue) -> Timeline:
    """Read and check a timeline file; any mistake is a ConfigError naming file and key."""
    data = read_toml(path, "timeline")
    check_keys(f"{path}", data, _TOP_KEYS)
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path}: name must be text")
    duration = seconds(f"{path}: duration", data.get("duration"), 1e-3, MAX_DURATION_S)
    fps = _frame_rate(path, data.get("fps", 30.0))
    size_text = data.get("size", "1280x720")
    try:
        size = parse_size(str(size_text))
    except ValueError as exc:
        raise ConfigError(f"{path}: size: {exc}") from None
    crowd = _crowd(path, data.get("crowd", {}))
    params = dict(check_param_table(f"{path}: params", data.get("params", {}), catalogue))
    entries = data.get("cue", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: cue must be a list of [[cue]] tables")
    cues = tuple(_cue(path, i, entry, catalogue, duration) for i, entry in enumerate(entries))
    return Timeline(path, name, duration, fps, size, crowd, params, cues)


def _frame_rate(path: Path, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 240:
        raise ConfigError(f"{path}: fps must be a number 1..240 (got {value!r})")
    return float(value)


def _crowd(path: Path, table: Any) -> CrowdSettings:
    where = f"{path}: crowd"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table: [crowd] seed = 2137 ...")
    check_keys(where, table, tuple(_CROWD_KEYS))
    values: dict[str, Any] = {}
    for key, value in table.items():
        kind = _CROWD_KEYS[key]
        ok = isinstance(value, int) if kind is int else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            raise ConfigError(f"{where}.{key} must be {kind.__name__} (got {value!r})")
        values[key] = kind(value)
    values.setdefault("seed", 1)
    try:
        return CrowdSettings(**values)
    except ValueError as exc:
        rules = str(exc).split(";")[0].removeprefix("CrowdSettings needs ")
        raise ConfigError(f"{where}: needs {rules}") from None


def _cue(path: Path, index: int, entry: Any, catalogue: Catalogue, duration: float) -> TimedCue:
    where = cue_table(path, index, entry, _CUE_KEYS)
    time = seconds(f"{where}: time", entry.get("time"), 0.0, duration)
    ramp = seconds(f"{where}: ramp", entry.get("ramp", 0.0), 0.0, MAX_DURATION_S)
    body = cue_body(where, index + 1, entry, catalogue)
    return TimedCue(time, body.name, body.scene, ramp, body.params)
