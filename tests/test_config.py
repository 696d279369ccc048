"""Configuration: layering, --set parsing, and errors that name file, key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from installation.config import load_settings, parse_override, parse_size
from installation.errors import ConfigError
from installation.params import Catalogue


def test_defaults_load(catalogue: Catalogue) -> None:
    settings = load_settings(catalogue)
    assert settings.config.window.size_px == (1280, 720)
    assert settings.config.source.spec.kind == "auto"
    assert settings.params == catalogue.defaults()


@pytest.mark.parametrize("name", ["gallery", "performance", "documentation"])
def test_shipped_configs_are_valid(catalogue: Catalogue, name: str) -> None:
    settings = load_settings(catalogue, name)
    assert settings.files[-1].endswith(f"{name}.toml")


def test_gallery_is_fullscreen_on_a_camera(catalogue: Catalogue) -> None:
    config = load_settings(catalogue, "gallery").config
    assert config.window.fullscreen is True
    assert config.source.spec.kind == "camera"


def test_layers_override_in_order(catalogue: Catalogue, tmp_path: Path) -> None:
    file = tmp_path / "mine.toml"
    file.write_text('[window]\nsize = "800x600"\nvsync = false\n[params]\nglow.radius = 0.3\n')
    settings = load_settings(
        catalogue,
        str(file),
        ["window.size=1024x768", "params.glow.intensity=2"],
        [("--size", "window.size", "640x360")],
    )
    assert settings.config.window.size_px == (640, 360)  # flag beats --set beats file
    assert settings.config.window.vsync is False  # file beats default
    assert settings.params["glow.radius"] == 0.3
    assert settings.params["glow.intensity"] == 2.0


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("window.vsync=false", "window.vsync", False),
        ("render.fps=30", "render.fps", 30),
        ("show.palette=bioluminescent", "show.palette", "bioluminescent"),
        ('show.palette="a b"', "show.palette", "a b"),
        ("window.size=1920x1080", "window.size", "1920x1080"),
        ("sim.seed = 7", "sim.seed", 7),
    ],
)
def test_set_values_read_as_toml_or_bare_words(text: str, key: str, value: object) -> None:
    assert parse_override(text) == (key, value)


@pytest.mark.parametrize("text", ["novalue", "=3", "a..b=1"])
def test_set_needs_key_and_value(text: str) -> None:
    with pytest.raises(ConfigError, match=r"expected dotted\.key=value"):
        parse_override(text)


def _error(catalogue: Catalogue, path: Path | None = None, sets: list[str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(catalogue, str(path) if path else None, sets or [])
    return str(info.value)


def test_unknown_key_in_file_names_file_key_and_allowed(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    file = tmp_path / "broken.toml"
    file.write_text("[window]\nsise = '800x600'\n")
    message = _error(catalogue, file)
    assert str(file) in message
    assert "window.sise" in message
    assert "did you mean 'size'" in message
    assert "allowed: size, fullscreen, screen, vsync, headless" in message


def test_wrong_type_names_what_is_allowed(catalogue: Catalogue, tmp_path: Path) -> None:
    file = tmp_path / "broken.toml"
    file.write_text("[render]\nfps = 'fast'\n")
    message = _error(catalogue, file)
    assert f"{file}: render.fps: must be a number (got 'fast')" == message


def test_out_of_range(catalogue: Catalogue) -> None:
    assert (
        _error(catalogue, sets=["render.fps=1000"])
        == "--set: render.fps: must be at most 240 (got 1000)"
    )


def test_unknown_section(catalogue: Catalogue) -> None:
    assert "unknown section 'windw'; did you mean 'window'?" in _error(
        catalogue, sets=["windw.size=1"]
    )


def test_unknown_and_bad_params(catalogue: Catalogue) -> None:
    message = _error(catalogue, sets=["params.glow.radus=0.2", "params.glow.intensity=-1"])
    assert (
        "params.glow.radus: unknown parameter 'glow.radus'; did you mean 'glow.radius'" in message
    )
    assert "params.glow.intensity: expects a number from 0 to 3, got -1" in message


def test_bad_size_and_source(catalogue: Catalogue) -> None:
    assert "WIDTHxHEIGHT" in _error(catalogue, sets=["window.size=big"])
    assert "unknown source 'webcam'" in _error(catalogue, sets=["source.input=webcam"])
    assert 'must be true, false or "auto"' in _error(catalogue, sets=["window.headless=maybe"])


def test_missing_and_invalid_files(catalogue: Catalogue, tmp_path: Path) -> None:
    assert "config file not found" in _error(catalogue, tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[window\n")
    assert f"{bad}: not valid TOML" in _error(catalogue, bad)


def test_a_value_where_a_section_is_expected(catalogue: Catalogue) -> None:
    with pytest.raises(ConfigError, match="'window' is a value, not a section"):
        load_settings(catalogue, None, ["window=1", "window.size=800x600"])


@pytest.mark.parametrize("text", ["12x", "x", "1280", "1280x720x3", "10x10", "-5x100"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_a_key_of_an_earlier_version_says_what_took_its_place(catalogue: Catalogue) -> None:
    message = _error(catalogue, sets=["render.growth_steps=3"])
    assert "render.growth_steps" in message
    assert "steps by show time" in message and "growth_rate" in message
