"""The cue list: ordered cues from `configs/cues/*.toml`, and a player with go, back and goto.

A cue sets a scene and parameters with a fade time: numbers ramp there over the fade,
everything else changes at once. A second go within the guard time of the last one is
ignored and reported, so a double tap on a controller never skips a cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from installation.params import Catalogue, ParamValue
from installation.resources import find_shipped
from installation.tomlfile import read_toml

DEFAULT_GUARD_S = 0.25
MAX_FADE_S = 3600.0
_CUE_KEYS = ("name", "scene", "fade", "params")


@dataclass(frozen=True)
class Cue:
    number: int  # 1-based, as a stage manager calls them
    name: str
    scene: str | None
    fade: float
    params: tuple[tuple[str, ParamValue], ...]


@dataclass(frozen=True)
class CueList:
    name: str
    cues: tuple[Cue, ...]

    def find(self, key: int | str) -> Cue | None:
        """A cue by number (1..N) or by name."""
        if isinstance(key, int):
            return self.cues[key - 1] if 1 <= key <= len(self.cues) else None
        return next((cue for cue in self.cues if cue.name == key), None)


class CueRefused(Exception):
    """A go/back/goto that did nothing; `reason` is the counter it goes under."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def resolve_cue_path(name: str) -> Path:
    """A path as given, or a shipped cue list by name (`demo` -> configs/cues/demo.toml)."""
    return find_shipped(name, "cues", "cue list", f"cues.file: {name!r}")


def load_cue_list(path: Path, catalogue: Catalogue) -> CueList:
    """Read and check a cue list; any mistake is one ConfigError naming the file and cue."""
    data = read_toml(path, "cue list")
    check_keys(str(path), data, ("name", "cue"))
    entries = data.get("cue", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: a cue list needs at least one [[cue]] table")
    cues = tuple(_cue(path, i, entry, catalogue) for i, entry in enumerate(entries))
    seen: set[str] = set()
    for cue in cues:
        if cue.name in seen:
            raise ConfigError(f"{path}: cue name {cue.name!r} is used twice")
        seen.add(cue.name)
    return CueList(name=str(data.get("name", path.stem)), cues=cues)


def _cue(path: Path, index: int, entry: Any, catalogue: Catalogue) -> Cue:
    where = cue_table(path, index, entry, _CUE_KEYS)
    fade = seconds(f"{where}: fade", entry.get("fade", 0.0), 0.0, MAX_FADE_S)
    body = cue_body(where, index + 1, entry, catalogue)
    return Cue(index + 1, body.name, body.scene, fade, body.params)


def cue_events(cue: Cue, catalogue: Catalogue, time: float) -> list[ParamChange]:
    """The parameter changes a cue makes: numbers ramp over its fade, the rest switch."""
    body = CueBody(cue.name, cue.scene, cue.params)
    return cue_changes(body, time, cue.fade, catalogue, f"cue {cue.number} ({cue.name})")


class CuePlayer:
    """Where the cue list stands, and the guard against double taps. One thread calls it."""

    def __init__(self, cues: CueList | None, guard: float = DEFAULT_GUARD_S) -> None:
        self.cues = cues
        self.guard = guard
        self.current = 0  # number of the cue last run; 0 = none yet
        self._last_go: float | None = None

    def go(self, now: float) -> Cue:
        cues = self._list()
        if self._last_go is not None and now - self._last_go < self.guard:
            raise CueRefused(
                "cue_guard",
                f"cue go ignored: {now - self._last_go:.3f} s after the last go "
                f"(guard {self.guard:g} s)",
            )
        if self.current >= len(cues.cues):
            raise CueRefused("cue_end", f"cue go ignored: cue {self.current} is the last cue")
        self._last_go = now
        return self._run(cues.cues[self.current])

    def back(self) -> Cue:
        cues = self._list()
        if self.current <= 1:
            raise CueRefused("cue_start", "cue back ignored: no earlier cue")
        return self._run(cues.cues[self.current - 2])

    def goto(self, key: int | str) -> Cue:
        cue = self._list().find(key)
        if cue is None:
            names = ", ".join(repr(c.name) for c in self._list().cues)
            raise CueRefused(
                "bad_value",
                f"cue goto: no cue {key!r}; cues are 1..{len(self._list().cues)}: {names}",
            )
        return self._run(cue)

    def _run(self, cue: Cue) -> Cue:
        self.current = cue.number
        return cue

    def _list(self) -> CueList:
        if self.cues is None:
            raise CueRefused("no_cues", "no cue list loaded (set cues.file in the config)")
        return self.cues
