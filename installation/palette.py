"""Emotion palettes: each emotion's colour of light, loaded from `configs/palettes/`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from installation.emotions import EMOTIONS
from installation.errors import ConfigError
from installation.resources import configs_dir
from installation.tomlfile import read_toml

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Palette:
    """Colours in linear-ish 0..1 RGB: one per emotion (EMOTIONS order) and one for muted light."""

    name: str
    colours: tuple[RGB, ...]
    muted: RGB

    def colour(self, emotion: str) -> RGB:
        return self.colours[EMOTIONS.index(emotion)]


def palettes_dir() -> Path:
    return configs_dir() / "palettes"


def available_palettes() -> list[str]:
    return sorted(p.stem for p in palettes_dir().glob("*.toml"))


def load_palette(name_or_path: str) -> Palette:
    """A palette by name (a file in configs/palettes/) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = palettes_dir() / f"{name_or_path}.toml"
    if not path.is_file():
        raise ConfigError(
            f"palette {name_or_path!r} not found ({path}); "
            f"shipped palettes: {', '.join(available_palettes())}"
        )
    data = read_toml(path, "palette")
    colours = data.get("colours")
    if not isinstance(colours, dict):
        raise ConfigError(f"{path}: needs a [colours] table with one entry per emotion")
    unknown = set(colours) - set(EMOTIONS) - {"muted"}
    missing = [name for name in (*EMOTIONS, "muted") if name not in colours]
    if unknown or missing:
        raise ConfigError(
            f"{path}: [colours] must name exactly {', '.join(EMOTIONS)} and muted"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(sorted(unknown))}" if unknown else "")
        )
    return Palette(
        name=path.stem,
        colours=tuple(_parse_colour(path, name, colours[name]) for name in EMOTIONS),
        muted=_parse_colour(path, "muted", colours["muted"]),
    )


def _parse_colour(path: Path, key: str, value: object) -> RGB:
    """'#rrggbb' or [r, g, b] with 0..1 components."""
    if isinstance(value, str) and len(value) == 7 and value.startswith("#"):
        try:
            return (
                int(value[1:3], 16) / 255.0,
                int(value[3:5], 16) / 255.0,
                int(value[5:7], 16) / 255.0,
            )
        except ValueError:
            pass
    if (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(c, int | float) and 0.0 <= c <= 1.0 for c in value)
    ):
        return (float(value[0]), float(value[1]), float(value[2]))
    raise ConfigError(
        f"{path}: colours.{key}: expects '#rrggbb' or [r, g, b] with 0..1 parts, got {value!r}"
    )


def turn_hues(colours: npt.NDArray[np.float64], turns: npt.NDArray[np.float64]) -> Any:
    """Rotate each row's hue by its number of turns about the grey axis (brightness kept).

    Rodrigues' rotation about (1, 1, 1): grey stays grey, and a colour keeps its mean;
    parts that would go below zero are clipped.
    """
    axis = np.full(3, 1.0 / math.sqrt(3.0))
    angle = 2.0 * math.pi * np.asarray(turns, dtype=np.float64)[:, None]
    along = (colours @ axis)[:, None] * axis
    turned = (
        colours * np.cos(angle)
        + np.cross(axis, colours) * np.sin(angle)
        + along * (1.0 - np.cos(angle))
    )
    return np.clip(turned, 0.0, None)
