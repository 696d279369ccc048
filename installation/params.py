"""The parameter catalogue: the single source of every live parameter.

`configs/params.toml` lists each parameter once (name, type, default, range, smoothing,
description); config validation, shader uniforms, OSC addresses and `installation params`
all derive from it, so nothing repeats it by hand.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from installation.errors import ConfigError
from installation.resources import configs_dir
from installation.tomlfile import read_toml

ParamType = Literal["float", "int", "bool", "choice"]
ParamValue = float | int | bool | str
_TYPES: tuple[ParamType, ...] = ("float", "int", "bool", "choice")


class ParamValueError(ValueError):
    """A value that a parameter does not allow; the message says what is allowed."""


@dataclass(frozen=True)
class Param:
    """One live parameter of the show."""

    name: str
    type: ParamType
    default: ParamValue
    description: str
    address: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    smoothing: float = 0.0
    unit: str = ""

    @property
    def uniform(self) -> str:
        """GLSL uniform name: `glow.radius` becomes `u_glow_radius`."""
        return "u_" + self.name.replace(".", "_")

    def allowed(self) -> str:
        """What this parameter accepts, in words."""
        if self.type == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type == "bool":
            return "true or false"
        kind = "a number" if self.type == "float" else "a whole number"
        return f"{kind} from {_fmt(self.min)} to {_fmt(self.max)}"

    def validate(self, value: Any) -> ParamValue:
        """Return `value` as this parameter's type, or raise ParamValueError."""
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise ParamValueError(f"expects {self.allowed()}, got {value!r}")
        if self.type == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise ParamValueError(f"expects {self.allowed()}, got {value!r}")
        number = self._as_number(value)
        assert self.min is not None and self.max is not None  # checked when loaded
        if not self.min <= number <= self.max:
            raise ParamValueError(f"expects {self.allowed()}, got {value!r}")
        return int(number) if self.type == "int" else float(number)

    def _as_number(self, value: Any) -> float:
        # bool is an int in Python, but `true` for a brightness is a mistake, not 1.0.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamValueError(f"expects {self.allowed()}, got {value!r}")
        if not math.isfinite(value):
            raise ParamValueError(f"expects {self.allowed()}, got {value!r}")
        if self.type == "int" and not float(value).is_integer():
            raise ParamValueError(f"expects {self.allowed()}, got {value!r}")
        return float(value)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "type": self.type,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) if self.choices else None,
            "smoothing": self.smoothing,
            "unit": self.unit,
            "description": self.description,
        }


@dataclass(frozen=True)
class Catalogue:
    """Every parameter, in catalogue order, with look-ups by name and OSC address."""

    prefix: str
    params: tuple[Param, ...]
    _by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Param:
        """The parameter called `name`; KeyError names close matches."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(unknown_name_message(name, list(self._by_name), "parameter")) from None

    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.params}

    def to_json(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.params]


def unknown_name_message(name: str, known: list[str], what: str) -> str:
    """'unknown parameter 'x'; did you mean 'y'?' with the allowed names when few."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    message = f"unknown {what} {name!r}"
    if close:
        return message + "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    if len(known) <= 12:
        return message + "; allowed: " + ", ".join(known)
    return message + "; `installation params` lists them all"


def flatten_table(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """{'glow': {'radius': 1}} -> [('glow.radius', 1)]; TOML dotted keys nest like this."""
    items: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            items.extend(flatten_table(value, f"{prefix}{key}."))
        else:
            items.append((f"{prefix}{key}", value))
    return items


def check_param_table(
    where: str, table: Any, catalogue: Catalogue, *, allow_scene: bool = True
) -> list[tuple[str, ParamValue]]:
    """Parameter values from a `[params]`-like table, each checked; the first mistake is a
    ConfigError starting with `where` (cue lists and timelines use this)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table of parameter = value")
    checked: list[tuple[str, ParamValue]] = []
    for key, value in flatten_table(table):
        if key not in catalogue:
            known = [p.name for p in catalogue]
            raise ConfigError(f"{where}: {unknown_name_message(key, known, 'parameter')}")
        if key == "scene" and not allow_scene:
            raise ConfigError(f"{where}: set the scene with the cue's own `scene` key")
        try:
            checked.append((key, catalogue.get(key).validate(value)))
        except ParamValueError as exc:
            raise ConfigError(f"{where}.{key}: {exc}") from None
    return checked


def default_catalogue_path() -> Path:
    return configs_dir() / "params.toml"


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue file; any mistake in it is a ConfigError."""
    path = path or default_catalogue_path()
    data = read_toml(path, "parameter catalogue")
    prefix = data.get("prefix", "/nova")
    if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/"):
        raise ConfigError(f"{path}: prefix must look like '/nova' (got {prefix!r})")
    entries = data.get("param", [])
    params = tuple(_param_from_entry(path, i, entry, prefix) for i, entry in enumerate(entries))
    _check_unique(path, params)
    return Catalogue(prefix=prefix, params=params)


_ENTRY_KEYS = {
    "name",
    "type",
    "default",
    "min",
    "max",
    "choices",
    "smoothing",
    "unit",
    "description",
    "address",
}


def _param_from_entry(path: Path, index: int, entry: dict[str, Any], prefix: str) -> Param:
    where = f"{path}: param #{index + 1} ({entry.get('name', '?')})"
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}"
        )
    for required in ("name", "type", "default", "description"):
        if required not in entry:
            raise ConfigError(f"{where}: missing '{required}'")
    name, kind = entry["name"], entry["type"]
    if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
        raise ConfigError(f"{where}: name must be dotted identifiers like 'glow.radius'")
    if kind not in _TYPES:
        raise ConfigError(f"{where}: type must be one of {', '.join(_TYPES)} (got {kind!r})")
    if kind in ("float", "int") and ("min" not in entry or "max" not in entry):
        raise ConfigError(f"{where}: a {kind} parameter needs 'min' and 'max'")
    if kind == "choice" and not entry.get("choices"):
        raise ConfigError(f"{where}: a choice parameter needs a non-empty 'choices' list")
    smoothing = entry.get("smoothing", 0.0)
    if not isinstance(smoothing, int | float) or smoothing < 0:
        raise ConfigError(f"{where}: smoothing must be seconds >= 0 (got {smoothing!r})")
    param = Param(
        name=name,
        type=kind,
        default=entry["default"],
        description=str(entry["description"]).strip(),
        address=entry.get("address", prefix + "/" + name.replace(".", "/")),
        min=entry.get("min"),
        max=entry.get("max"),
        choices=tuple(entry.get("choices", ())),
        smoothing=float(smoothing),
        unit=str(entry.get("unit", "")),
    )
    try:
        default = param.validate(param.default)
    except ParamValueError as exc:
        raise ConfigError(f"{where}: default {exc}") from None
    # Store the default in its canonical type (a TOML `1` for a float becomes 1.0).
    return Param(**{**param.__dict__, "default": default})


def _check_unique(path: Path, params: tuple[Param, ...]) -> None:
    seen_names: set[str] = set()
    seen_addresses: set[str] = set()
    for param in params:
        if param.name in seen_names:
            raise ConfigError(f"{path}: parameter {param.name!r} is listed twice")
        if param.address in seen_addresses:
            raise ConfigError(f"{path}: OSC address {param.address!r} is used twice")
        seen_names.add(param.name)
        seen_addresses.add(param.address)


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"
