"""The parameter catalogue: loading, checking, validation of values, JSON export."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from installation.errors import ConfigError
from installation.params import Catalogue, ParamValueError, load_catalogue


def test_shipped_catalogue_is_consistent(catalogue: Catalogue) -> None:
    assert len(catalogue) >= 10
    names = [p.name for p in catalogue]
    assert len(names) == len(set(names))
    for param in catalogue:
        assert param.address.startswith(catalogue.prefix + "/")
        assert param.description
        assert param.validate(param.default) == param.default
        if param.type in ("float", "int"):
            assert param.min is not None and param.max is not None
            assert param.min <= param.default <= param.max  # type: ignore[operator]


def test_addresses_and_uniforms_derive_from_names(catalogue: Catalogue) -> None:
    radius = catalogue.get("glow.radius")
    assert radius.address == "/nova/glow/radius"
    assert radius.uniform == "u_glow_radius"


@pytest.mark.parametrize(
    "value",
    [5.0, -0.1, "0.5", True, None, math.nan, math.inf, -math.inf, [0.5]],
)
def test_float_param_refuses_bad_values(catalogue: Catalogue, value: object) -> None:
    with pytest.raises(ParamValueError, match="expects a number from 0 to 3"):
        catalogue.get("glow.intensity").validate(value)


def test_float_param_accepts_ints_and_returns_floats(catalogue: Catalogue) -> None:
    assert catalogue.get("glow.intensity").validate(2) == 2.0
    assert isinstance(catalogue.get("glow.intensity").validate(2), float)


def test_choice_param(catalogue: Catalogue) -> None:
    scene = catalogue.get("scene")
    assert scene.validate("sanctuary") == "sanctuary"
    with pytest.raises(ParamValueError, match="one of 'sanctuary'"):
        scene.validate("nowhere")


def test_unknown_name_suggests_close_match(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match=r"did you mean 'glow\.radius'"):
        catalogue.get("glow.raduis")


def test_json_has_the_documented_keys(catalogue: Catalogue) -> None:
    for entry in catalogue.to_json():
        assert {"name", "address", "type", "default", "min", "max", "description"} <= set(entry)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.toml"
    path.write_text(text)
    return path


ENTRY = """
[[param]]
name = "a.b"
type = "float"
default = 0.5
min = 0.0
max = 1.0
description = "x"
"""


def test_catalogue_refuses_duplicates(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'a\.b' is listed twice"):
        load_catalogue(_write(tmp_path, ENTRY + ENTRY))


def test_catalogue_refuses_default_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="default expects a number from 0 to 1"):
        load_catalogue(_write(tmp_path, ENTRY.replace("default = 0.5", "default = 7.0")))


def test_catalogue_refuses_number_without_range(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs 'min' and 'max'"):
        load_catalogue(_write(tmp_path, ENTRY.replace("max = 1.0\n", "")))


def test_catalogue_refuses_unknown_entry_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown keys \['colour'\]"):
        load_catalogue(_write(tmp_path, ENTRY + 'colour = "red"\n'))
