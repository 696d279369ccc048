"""Fixture patches, colours to DMX, and what each fixture follows: pure logic, no network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from installation.config import load_settings
from installation.errors import ConfigError
from installation.frame import COLUMNS, FaceTable
from installation.lighting.build import build_lighting
from installation.lighting.dmx import fixture_bytes, master_level, to_dmx
from installation.lighting.follow import fixture_colour
from installation.lighting.output import frame_universes
from installation.lighting.patch import load_patch, resolve_patch_path
from installation.params import Catalogue
from tests.conftest import run_cli
from tests.lighting_helpers import expected_rgb, frame

RGB_FIXTURE = """
[[fixture]]
name = "{name}"
type = "{type}"
universe = {universe}
address = {address}
follow = "{follow}"
"""


def write_patch(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rig.toml"
    path.write_text(text)
    return path


def one(name: str = "a", type: str = "rgb", universe: int = 1, address: int = 1,
        follow: str = "mood") -> str:  # fmt: skip
    return RGB_FIXTURE.format(
        name=name, type=type, universe=universe, address=address, follow=follow
    )


def test_the_demo_patch_starts_with_an_rgb_wash_on_universe_1_address_1_following_the_mood() -> (
    None
):
    patch = load_patch(resolve_patch_path("demo"))
    first = patch.fixtures[0]
    assert (first.type, first.universe, first.address, first.follow) == ("rgb", 1, 1, "mood")
    assert {f.type for f in patch.fixtures} >= {"dimmer", "rgb", "rgbw", "rgba", "moving_head"}
    assert {f.follow for f in patch.fixtures} == {
        "mood", "zone", "access", "excluded", "accent", "fixed"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (one("a") + one("b", address=3), ["'b'", "overlaps fixture 'a'", "address"]),
        (one("a", address=511), ["'a'", "address", "past channel 512"]),
        (one("a", type="laser"), ["'a'", "type", "dimmer, rgb, rgbw, rgba, moving_head"]),
        (one("a", follow="weather"), ["'a'", "follow", "mood, zone"]),
        (one("a", universe=70000), ["'a'", "universe"]),
        (one("a") + one("a", address=10), ["'a'", "name used twice"]),
        (one("a") + "[accents]\nencore = [1, 0, 0]\n", ["accents.encore", "unknown act"]),
        (one("a") + "colour = [2, 0, 0]\n", ["'a'", "colour", "0..1"]),
        (one("a") + "gama = 2\n", ["'a'", "unknown key 'gama'"]),
        ("[[fixture]\n", ["not valid TOML"]),
        ("", ["no fixtures"]),
    ],
)
def test_a_bad_patch_is_one_config_error_naming_file_fixture_and_key(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    path = write_patch(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_patch(path)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_a_missing_patch_names_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match=r"lighting.patch: nothere.*demo"):
        resolve_patch_path("nothere")


def test_lighting_off_reads_no_patch_and_opens_nothing(catalogue: Catalogue) -> None:
    settings = load_settings(catalogue, overrides=["lighting.patch=/does/not/exist.toml"])
    assert build_lighting(catalogue, settings) == []


def test_lighting_config_mistakes_name_the_key(catalogue: Catalogue) -> None:
    with pytest.raises(ConfigError, match=r"--set: lighting.protocol: must be"):
        load_settings(catalogue, overrides=["lighting.protocol=dmx"])
    with pytest.raises(ConfigError, match=r"lighting: .*broadcast.*Art-Net"):
        load_settings(catalogue, overrides=["lighting.protocol=sacn", "lighting.target=broadcast"])
    settings = load_settings(
        catalogue, overrides=["lighting.protocol=sacn", "lighting.patch=nothere"]
    )
    with pytest.raises(ConfigError, match="patch file not found"):
        build_lighting(catalogue, settings)


def test_the_cli_reports_a_bad_patch_without_a_traceback(tmp_path: Path) -> None:
    path = write_patch(tmp_path, one("a") + one("b", address=2))
    result = run_cli(
        "run", "--headless", "--duration", "1",
        "--set", "lighting.protocol=sacn", "--set", f"lighting.patch={path}",
    )  # fmt: skip
    assert result.returncode == 2
    assert "fixture 'b'" in result.stderr and "overlaps" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_curve_limits_and_master(tmp_path: Path) -> None:
    path = write_patch(tmp_path, one("a") + "min = 0.2\nmax = 0.8\ngamma = 2.0\n")
    fixture = load_patch(path).fixtures[0]
    assert to_dmx(0.5, 2.2) == round(255 * 0.5**2.2)
    # Peak 0.5 maps into min..max: 0.2 + 0.6 * 0.5 = 0.5; channels keep their ratio.
    assert list(fixture_bytes(fixture, (0.5, 0.25, 0.0), 1.0)) == [
        round(255 * 0.5**2),
        round(255 * 0.25**2),
        0,
    ]
    # Full colour is capped at max.
    assert fixture_bytes(fixture, (1.0, 0.0, 0.0), 1.0)[0] == round(255 * 0.8**2)
    # Black stays black despite min; master halves the level before the limits.
    assert fixture_bytes(fixture, (0.0, 0.0, 0.0), 1.0) == bytes(3)
    assert fixture_bytes(fixture, (1.0, 0.0, 0.0), 0.5)[0] == round(255 * 0.5**2)
    assert master_level({"master.brightness": 0.3, "master.blackout": False}) == 0.3
    assert master_level({"master.brightness": 1.0, "master.blackout": True}) == 0.0


def test_channel_layouts(tmp_path: Path) -> None:
    text = (
        one("w", type="rgbw", address=1)
        + "gamma = 1.0\n"
        + one("a", type="rgba", address=5)
        + "gamma = 1.0\n"
        + one("d", type="dimmer", address=9)
        + "gamma = 1.0\n"
        + """
[[fixture]]
name = "head"
type = "moving_head"
universe = 1
address = 20
footprint = 8
channels = { dimmer = 2, red = 4, green = 5, blue = 6 }
set = { "8" = 255 }
follow = "mood"
gamma = 1.0
"""
    )
    rgbw, rgba, dimmer, head = load_patch(write_patch(tmp_path, text)).fixtures
    assert list(fixture_bytes(rgbw, (1.0, 1.0, 0.5), 1.0)) == [128, 128, 0, 128]
    assert list(fixture_bytes(rgba, (1.0, 0.5, 0.0), 1.0)) == [0, 0, 0, 255]
    assert list(fixture_bytes(dimmer, (0.2, 0.6, 0.4), 1.0)) == [153]
    assert list(fixture_bytes(head, (0.0, 0.25, 0.5), 1.0)) == [0, 128, 0, 0, 128, 255, 0, 255]


def test_what_fixtures_follow() -> None:
    patch = load_patch(resolve_patch_path("demo"))
    by_name = {f.name: f for f in patch.fixtures}
    rows = np.zeros((2, COLUMNS))
    # A bright face with access on the left, a dim excluded grey face on the right.
    rows[0, [0, 1, 5, 6]] = [0.2, 0.5, 1.0, 1.0]
    rows[0, 9:12] = [1.0, 0.5, 0.0]
    rows[1, [0, 1, 5, 6]] = [0.8, 0.5, 0.4, 0.0]
    rows[1, 9:12] = [0.5, 0.5, 0.5]
    state = frame((0.3, 0.2, 0.1), faces=FaceTable(rows), scene="confrontation")
    assert fixture_colour(by_name["wash"], state, patch) == (0.3, 0.2, 0.1)
    assert fixture_colour(by_name["left"], state, patch) == (1.0, 0.5, 0.0)
    assert fixture_colour(by_name["radiant"], state, patch) == (1.0, 0.5, 0.0)
    assert fixture_colour(by_name["right"], state, patch) == pytest.approx((0.2, 0.2, 0.2))
    assert fixture_colour(by_name["muted"], state, patch) == pytest.approx((0.2, 0.2, 0.2))
    assert fixture_colour(by_name["spot"], state, patch) == patch.accents["confrontation"]
    assert fixture_colour(by_name["house"], state, patch) == (0.3, 0.3, 0.3)
    empty = frame((0.3, 0.2, 0.1))
    assert fixture_colour(by_name["left"], empty, patch) == (0.0, 0.0, 0.0)


def test_blackout_darkens_every_fixture_but_keeps_constant_channels() -> None:
    patch = load_patch(resolve_patch_path("demo"))
    values = frame_universes(patch, frame(params={"master.blackout": True}))
    assert values[1] == bytes(512)
    spot = values[2]
    assert (spot[0], spot[2], spot[6]) == (128, 128, 255)  # pan, tilt, shutter: the `set`
    assert spot[5] == 0 and spot[19] == 0
    lit = frame_universes(patch, frame((0.2, 0.4, 0.6)))
    assert list(lit[1][:3]) == expected_rgb((0.2, 0.4, 0.6))
