"""A file saved in Latin-1 (`# Galerie Frédéric`) is a message, never a traceback.

Every TOML file the operator writes (config, palette, patch, catalogue, cue list, timeline)
goes through one reader; these tests hold each command that reads one (run, doctor, render,
SIGHUP) to the same clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from installation.config import Settings, load_settings
from installation.control.cues import load_cue_list
from installation.errors import ConfigError
from installation.events import EventQueue
from installation.lighting.patch import load_patch
from installation.offline.timeline import load_timeline
from installation.palette import load_palette
from installation.params import Catalogue, load_catalogue
from installation.referenced import check_referenced_files
from installation.reload import ConfigReloader
from installation.tomlfile import read_toml
from tests.conftest import run_cli

LATIN_1 = "# Galerie Frédéric\n".encode("latin-1")


def _latin1_file(path: Path, rest: str = "") -> Path:
    path.write_bytes(LATIN_1 + rest.encode("ascii"))
    return path


def _assert_names_the_byte(message: str, path: Path, what: str) -> None:
    assert str(path) in message
    assert "line 1, column 13" in message  # the é of Frédéric, where an editor shows it
    assert "0xe9" in message and "'é'" in message
    assert f"save the {what} as UTF-8" in message


def test_the_reader_names_the_file_the_place_and_the_fix(tmp_path: Path) -> None:
    path = _latin1_file(tmp_path / "show.toml")
    with pytest.raises(ConfigError) as caught:
        read_toml(path, "config file")
    _assert_names_the_byte(str(caught.value), path, "config file")


def test_the_reader_finds_a_bad_byte_on_a_later_line(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_bytes(b"[params]\nsea.level = 0.4 # caf\xe9\n")
    with pytest.raises(ConfigError, match=r"line 2, column 22: byte 0xe9"):
        read_toml(path, "config file")


def test_the_reader_still_reads_utf8_and_reports_other_failures(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("# Galerie Frédéric\nname = 'Frédéric'\n", encoding="utf-8")
    assert read_toml(good, "config file") == {"name": "Frédéric"}
    with pytest.raises(ConfigError, match="config file not found"):
        read_toml(tmp_path / "nope.toml", "config file")
    with pytest.raises(ConfigError, match="is a folder, not a config file"):
        read_toml(tmp_path, "config file")
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(bad, "config file")


def _loaders(catalogue: Catalogue) -> dict[str, Callable[[Path], object]]:
    return {
        "config file": lambda path: load_settings(catalogue, str(path)),
        "palette": lambda path: load_palette(str(path)),
        "patch": load_patch,
        "parameter catalogue": load_catalogue,
        "cue list": lambda path: load_cue_list(path, catalogue),
        "timeline": lambda path: load_timeline(path, catalogue),
    }


@pytest.mark.parametrize(
    "what", ["config file", "palette", "patch", "parameter catalogue", "cue list", "timeline"]
)
def test_every_file_kind_gives_the_message(catalogue: Catalogue, tmp_path: Path, what: str) -> None:
    path = _latin1_file(tmp_path / "file.toml")
    with pytest.raises(ConfigError) as caught:
        _loaders(catalogue)[what](path)
    _assert_names_the_byte(str(caught.value), path, what)


def _config_naming_a_latin1_palette(tmp_path: Path) -> tuple[Path, Path]:
    """A Latin-1 palette, and a good config that names it."""
    palette = _latin1_file(tmp_path / "palette.toml")
    config = tmp_path / "uses-palette.toml"
    config.write_text(f"[show]\npalette = '{palette}'\n")
    return palette, config


def _no_traceback(result: object) -> None:
    assert "Traceback" not in getattr(result, "stderr", "")
    assert "UnicodeDecodeError" not in getattr(result, "stderr", "")


def test_run_stops_with_the_message_for_a_latin1_config_and_palette(tmp_path: Path) -> None:
    config = _latin1_file(tmp_path / "show.toml")
    result = run_cli("run", "--config", str(config), "--headless", "--duration", "1")
    assert result.returncode == 2
    _no_traceback(result)
    _assert_names_the_byte(result.stderr, config, "config file")

    palette, uses_it = _config_naming_a_latin1_palette(tmp_path)
    result = run_cli("run", "--config", str(uses_it), "--headless", "--duration", "1")
    assert result.returncode == 2
    _no_traceback(result)
    _assert_names_the_byte(result.stderr, palette, "palette")


def test_run_stops_with_the_message_for_a_latin1_patch(tmp_path: Path) -> None:
    patch = _latin1_file(tmp_path / "rig.toml")
    result = run_cli(
        "run",
        "--headless",
        "--duration",
        "1",
        "--set",
        "lighting.protocol=sacn",
        "--set",
        f"lighting.patch={patch}",
    )
    assert result.returncode == 2
    _no_traceback(result)
    _assert_names_the_byte(result.stderr, patch, "patch")


def test_doctor_reports_a_latin1_config_and_palette_as_missing(tmp_path: Path) -> None:
    config = _latin1_file(tmp_path / "show.toml")
    result = run_cli("doctor", "--config", str(config), timeout=120)
    assert result.returncode == 1
    _no_traceback(result)
    _assert_names_the_byte(result.stdout, config, "config file")

    palette, uses_it = _config_naming_a_latin1_palette(tmp_path)
    result = run_cli("doctor", "--config", str(uses_it), timeout=120)
    assert result.returncode == 1
    _no_traceback(result)
    assert "MISSING palette" in result.stdout
    _assert_names_the_byte(result.stdout, palette, "palette")


def test_render_stops_with_the_message_for_a_latin1_timeline_and_config(tmp_path: Path) -> None:
    timeline = _latin1_file(tmp_path / "piece.toml")
    result = run_cli("render", str(timeline), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 2
    _no_traceback(result)
    _assert_names_the_byte(result.stderr, timeline, "timeline")
    config = _latin1_file(tmp_path / "show.toml")
    result = run_cli("render", "demo", "--config", str(config), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 2
    _no_traceback(result)
    _assert_names_the_byte(result.stderr, config, "config file")
    assert not (tmp_path / "out.mp4").exists()


def test_a_reload_of_a_latin1_config_or_palette_is_refused(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    path = tmp_path / "show.toml"
    path.write_text("[params]\nsea.level = 0.35\n")

    def load() -> Settings:
        return check_referenced_files(catalogue, load_settings(catalogue, str(path)))

    reloader = ConfigReloader(load, load(), EventQueue(), now=lambda: 1.0)
    _latin1_file(path, "[params]\nsea.level = 0.6\n")
    result = reloader.reload()
    assert not result.ok
    _assert_names_the_byte(result.error, path, "config file")

    palette = _latin1_file(tmp_path / "palette.toml")
    path.write_text(f"[show]\npalette = '{palette}'\n")
    result = reloader.reload()
    assert not result.ok
    _assert_names_the_byte(result.error, palette, "palette")
    assert reloader.current.params["sea.level"] == 0.35  # the show keeps the config it had
