"""Fixture patches (`configs/fixtures/*.toml`): what each fixture is, where, and what it follows.

Everything is checked on load; a mistake is one ConfigError naming the file, the fixture
and the key, so a rig never starts half-patched.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installation.acts import ACTS, NAMES
from installation.errors import ConfigError
from installation.palette import RGB
from installation.resources import find_shipped
from installation.tomlfile import read_toml

# Channel roles of each fixed-layout type, in DMX order from the start address.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "dimmer": ("dimmer",),
    "rgb": ("red", "green", "blue"),
    "rgbw": ("red", "green", "blue", "white"),
    "rgba": ("red", "green", "blue", "amber"),
}
MOVING_HEAD = "moving_head"
TYPES = (*LAYOUTS, MOVING_HEAD)
ROLES = ("dimmer", "red", "green", "blue", "white", "amber")
FOLLOWS = ("mood", "zone", "access", "excluded", "accent", "fixed")
_FIXTURE_KEYS = {
    "name", "type", "universe", "address", "follow", "zone", "colour", "min", "max", "gamma",
    "channels", "footprint", "set",
}  # fmt: skip


@dataclass(frozen=True)
class Fixture:
    """One patched fixture; `channels` maps a role to its 0-based offset from `address`."""

    name: str
    type: str
    universe: int
    address: int  # 1..512, the first channel
    footprint: int  # channels it occupies
    channels: dict[str, int]
    follow: str
    zone: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # x0, y0, x1, y1
    colour: RGB = (1.0, 1.0, 1.0)  # for follow = "fixed"
    min: float = 0.0  # brightness floor while lit, 0..1
    max: float = 1.0  # brightness cap, 0..1
    gamma: float = 2.2  # response curve: DMX = 255 * level ** gamma
    fixed: dict[int, int] = field(default_factory=dict)  # 0-based offset -> constant DMX value

    @property
    def last(self) -> int:
        return self.address + self.footprint - 1


@dataclass(frozen=True)
class Patch:
    """A rig: its fixtures and the accent colour of every act."""

    path: Path
    fixtures: tuple[Fixture, ...]
    accents: dict[str, RGB]

    @property
    def universes(self) -> tuple[int, ...]:
        return tuple(sorted({f.universe for f in self.fixtures}))

    def select(self, name: str | None) -> tuple[Fixture, ...]:
        """All fixtures, or the one called `name` (ConfigError listing the names otherwise)."""
        if name is None:
            return self.fixtures
        for fixture in self.fixtures:
            if fixture.name == name:
                return (fixture,)
        names = ", ".join(f.name for f in self.fixtures)
        raise ConfigError(f"{self.path}: no fixture named {name!r} (fixtures: {names})")


def resolve_patch_path(name: str) -> Path:
    """A path as given, or the name of a shipped patch (`demo` -> configs/fixtures/demo.toml)."""
    return find_shipped(name, "fixtures", "patch file", f"lighting.patch: {name}")


def load_patch(path: Path) -> Patch:
    """Read and check a patch file; ConfigError naming file, fixture and key on any mistake."""
    return parse_patch(read_toml(path, "patch"), path)


def parse_patch(data: dict[str, Any], path: Path) -> Patch:
    unknown = set(data) - {"fixture", "accents"}
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r}; allowed: fixture, accents")
    accents = _accents(data.get("accents", {}), path)
    raw = data.get("fixture")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: no fixtures: add at least one [[fixture]] table")
    fixtures: list[Fixture] = []
    for index, table in enumerate(raw, start=1):
        where = f"{path}: fixture {index}"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a [[fixture]] table")
        name = table.get("name")
        if isinstance(name, str) and name:
            where = f"{path}: fixture {name!r}"
        fixtures.append(_fixture(table, where, accents))
    _check_names_and_overlaps(fixtures, path)
    return Patch(path, tuple(fixtures), accents)


def _fixture(t: dict[str, Any], where: str, accents: dict[str, RGB]) -> Fixture:
    unknown = set(t) - _FIXTURE_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            f"{where}: unknown key {key!r}; allowed: {', '.join(sorted(_FIXTURE_KEYS))}"
        )
    name = _text(t, "name", where)
    kind = _choice(t, "type", TYPES, where)
    universe = _int(t, "universe", where, 0, 63999)
    address = _int(t, "address", where, 1, 512)
    if kind == MOVING_HEAD:
        footprint = _int(t, "footprint", where, 1, 512)
        channels = _channels(t.get("channels"), footprint, where)
    else:
        for key in ("footprint", "channels"):
            if key in t:
                raise ConfigError(f"{where}: {key}: only for type = {MOVING_HEAD!r}")
        channels = {role: offset for offset, role in enumerate(LAYOUTS[kind])}
        footprint = len(LAYOUTS[kind])
    if address + footprint - 1 > 512:
        raise ConfigError(
            f"{where}: address: {address} + {footprint} channels runs past channel 512"
        )
    follow = _choice(t, "follow", FOLLOWS, where)
    if follow == "fixed" and "colour" not in t:
        raise ConfigError(f"{where}: colour: follow = 'fixed' needs colour = [r, g, b]")
    if follow == "zone" and "zone" not in t:
        raise ConfigError(f"{where}: zone: follow = 'zone' needs zone = [x0, y0, x1, y1]")
    zone = _numbers(t.get("zone", [0.0, 0.0, 1.0, 1.0]), 4, f"{where}: zone")
    if not (zone[0] < zone[2] and zone[1] < zone[3]):
        raise ConfigError(f"{where}: zone: must be [x0, y0, x1, y1] with x0 < x1, y0 < y1")
    colour = _numbers(t.get("colour", [1.0, 1.0, 1.0]), 3, f"{where}: colour")
    low, high = _float(t, "min", where, 0.0, 0.0, 1.0), _float(t, "max", where, 1.0, 0.0, 1.0)
    if low > high:
        raise ConfigError(f"{where}: min: {low:g} is above max {high:g}")
    return Fixture(
        name=name,
        type=kind,
        universe=universe,
        address=address,
        footprint=footprint,
        channels=channels,
        follow=follow,
        zone=(zone[0], zone[1], zone[2], zone[3]),
        colour=(colour[0], colour[1], colour[2]),
        min=low,
        max=high,
        gamma=_float(t, "gamma", where, 2.2, 0.5, 4.0),
        fixed=_fixed(t.get("set", {}), footprint, where),
    )


def _check_names_and_overlaps(fixtures: list[Fixture], path: Path) -> None:
    seen: dict[str, Fixture] = {}
    for fixture in fixtures:
        if fixture.name in seen:
            raise ConfigError(f"{path}: fixture {fixture.name!r}: name used twice")
        seen[fixture.name] = fixture
    ordered = sorted(fixtures, key=lambda f: (f.universe, f.address))
    for before, after in itertools.pairwise(ordered):
        if before.universe == after.universe and after.address <= before.last:
            raise ConfigError(
                f"{path}: fixture {after.name!r}: address: {after.universe}/{after.address} "
                f"overlaps fixture {before.name!r} (channels {before.address}-{before.last} "
                f"of universe {before.universe})"
            )


def _accents(raw: Any, path: Path) -> dict[str, RGB]:
    """Each act's accent: the act table's (installation/acts.py), or the patch's own."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: accents: must be a table of act = [r, g, b]")
    accents: dict[str, RGB] = {act.name: act.accent for act in ACTS}
    for scene, value in raw.items():
        if scene not in NAMES:
            raise ConfigError(f"{path}: accents.{scene}: unknown act; allowed: {', '.join(NAMES)}")
        rgb = _numbers(value, 3, f"{path}: accents.{scene}")
        accents[scene] = (rgb[0], rgb[1], rgb[2])
    return accents


def _channels(raw: Any, footprint: int, where: str) -> dict[str, int]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(
            f"{where}: channels: a moving head needs channels = {{dimmer = 6, red = 7, ...}} "
            "(1-based within the fixture)"
        )
    channels: dict[str, int] = {}
    for role, number in raw.items():
        if role not in ROLES:
            raise ConfigError(
                f"{where}: channels.{role}: unknown role; allowed: {', '.join(ROLES)}"
            )
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= footprint:
            raise ConfigError(
                f"{where}: channels.{role}: must be a channel 1..{footprint} (got {number!r})"
            )
        channels[role] = number - 1
    if not {"red", "green", "blue"} <= set(channels) and "dimmer" not in channels:
        raise ConfigError(f"{where}: channels: needs red, green and blue, or a dimmer")
    return channels


def _fixed(raw: Any, footprint: int, where: str) -> dict[int, int]:
    if not isinstance(raw, dict):
        raise ConfigError(f'{where}: set: must be a table of channel = value, e.g. {{"5" = 255}}')
    fixed: dict[int, int] = {}
    for key, value in raw.items():
        if not str(key).isdigit() or not 1 <= int(key) <= footprint:
            raise ConfigError(f"{where}: set.{key}: must be a channel 1..{footprint}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise ConfigError(f"{where}: set.{key}: must be a DMX value 0..255 (got {value!r})")
        fixed[int(key) - 1] = value
    return fixed


def _text(t: dict[str, Any], key: str, where: str) -> str:
    value = t.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {key}: required, as text (got {value!r})")
    return value


def _choice(t: dict[str, Any], key: str, allowed: tuple[str, ...], where: str) -> str:
    value = t.get(key)
    if value not in allowed:
        raise ConfigError(f"{where}: {key}: must be one of {', '.join(allowed)} (got {value!r})")
    return str(value)


def _int(t: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = t.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{where}: {key}: must be a whole number {low}..{high} (got {value!r})")
    return value


def _float(
    t: dict[str, Any], key: str, where: str, default: float, low: float, high: float
) -> float:
    value = t.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{where}: {key}: must be a number {low:g}..{high:g} (got {value!r})")
    return float(value)


def _numbers(value: Any, count: int, where: str) -> list[float]:
    if (
        not isinstance(value, list)
        or len(value) != count
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not all(0.0 <= v <= 1.0 for v in value)
    ):
        raise ConfigError(f"{where}: must be {count} numbers 0..1 (got {value!r})")
    return [float(v) for v in value]
