"""The living light over time: stable, bounded, paced by show time, the same at any size.

A gallery leaves the piece running for weeks, so these tests look at minutes of show
time, not a first frame: the degraded renderer this project once had passed every early
test while the room filled with grey after ten seconds.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import moderngl
import numpy as np
import pytest

from installation.acts import NAMES
from installation.events import FaceObservation, ParamChange
from installation.palette import Palette
from installation.params import Catalogue
from installation.render import lights
from installation.render.geometry import fullscreen_triangle
from installation.render.growth import Growth, grid_size, steps_due
from installation.render.programs import ProgramLibrary
from installation.resources import shaders_dir
from tests.helpers import emotions
from tests.scenes_helpers import Image, crowd, dark_share, flat_share, luma, sample_show

# The picture of a dark room with light in it (0..255 luma): what the README stills show.
MOST_MEAN_LUMA = 45.0
LEAST_DARK_SHARE = 0.6
MOST_FLAT_SHARE = 0.1  # lit 8x8 blocks that are one flat colour
LEAST_MOTION = 0.3  # mean luma change between pictures one second apart


def test_steps_follow_show_time() -> None:
    # Whatever the frames, the steps taken by a show time are the same.
    for fps in (15, 24, 30, 60, 144):
        assert steps_due(round(10 * fps) / fps, 60.0) == 600
    assert steps_due(3 * (1 / 3), 60.0) == 60  # float sums must not lose a step
    assert steps_due(0.0, 60.0) == 0


def test_the_grid_follows_the_aspect_ratio_only() -> None:
    assert grid_size(144, 16 / 9) == (256, 144)
    assert grid_size(144, 1920 / 1080) == grid_size(144, 3840 / 2160)
    assert grid_size(144, 4 / 3) == (192, 144)


@pytest.mark.gl
def test_a_checkerboard_ripple_dies_out_in_the_dark(gl_ctx: moderngl.Context) -> None:
    # The finest mode of the grid is the one an unstable kernel amplifies (the grey wash).
    programs = ProgramLibrary(gl_ctx, shaders_dir())
    triangle = fullscreen_triangle(gl_ctx)
    growth = Growth(gl_ctx, programs, triangle, rows=32, rate=60.0)
    glow = gl_ctx.texture((32, 32), 4, dtype="f4")
    sea = gl_ctx.texture((32, 32), 4, dtype="f1")
    try:
        width, height = growth.ensure(1.0)
        checker = np.indices((height, width)).sum(axis=0) % 2 * 2.0 - 1.0
        state = np.zeros((height, width, 4), dtype=np.float32)
        state[..., 0] = 0.99 + 1e-3 * checker
        state[..., 1] = 1e-3 * (checker + 1.0)
        growth.texture.write(state.tobytes())
        glow.write(np.zeros((32, 32, 4), dtype=np.float32).tobytes())
        still = np.zeros((32, 32, 4), dtype=np.uint8)
        still[..., 1] = 128  # a still current, no hubs
        sea.write(still.tobytes())
        for step in range(1, 101):  # 100 steps, one a frame
            texture = growth.advance(step / 60, glow, sea, 1.0)
        after = np.frombuffer(texture.read(), dtype=np.float32).reshape(height, width, 4)
        ripple = float(np.abs(((after[..., 0] - after[..., 0].mean()) * checker).mean()))
        assert ripple < 1e-5, f"the ripple grew or stayed: {ripple:.2e} (started at 1e-3)"
        assert float(after[..., 1].max()) < 1e-4, "living light appeared where no one feeds it"
    finally:
        glow.release()
        sea.release()
        growth.release()
        programs.release()
        triangle.release()


def _picture_is_a_dark_room(image: Image, where: str) -> None:
    mean, dark, flat = float(luma(image).mean()), dark_share(image), flat_share(image)
    assert mean <= MOST_MEAN_LUMA, f"{where}: mean luma {mean:.1f}"
    assert dark >= LEAST_DARK_SHARE, f"{where}: dark share {dark:.2f}"
    assert flat <= MOST_FLAT_SHARE, f"{where}: flat share {flat:.2f}"


def test_the_checks_see_a_grey_wash_and_flat_disks() -> None:
    # What the degraded renderer showed after ten seconds: a mid-grey field with large flat
    # pastel disks (../shared/evidence/acts-1280x720-30fps-decay.png). The checks must fail.
    wash = np.full((90, 160, 3), 118, dtype=np.uint8)
    cv2.circle(wash, (40, 45), 25, (90, 200, 170), -1)
    cv2.circle(wash, (110, 40), 22, (120, 150, 200), -1)
    with pytest.raises(AssertionError, match="mean luma"):
        _picture_is_a_dark_room(wash, "wash")
    # Dark around them, the disks alone are still flat cut-outs, not light.
    disks = np.zeros_like(wash)
    cv2.circle(disks, (40, 45), 25, (90, 200, 170), -1)
    cv2.circle(disks, (110, 40), 22, (120, 150, 200), -1)
    with pytest.raises(AssertionError, match="flat share"):
        _picture_is_a_dark_room(disks, "disks")


@pytest.mark.gl
@pytest.mark.parametrize("scene", NAMES)
def test_each_act_holds_its_character_for_five_minutes(
    long_run: Callable[[str], dict[float, Image]], scene: str
) -> None:
    # The seeded simulated crowd comes and goes; every 30 s a picture and one a second later.
    pictures = sorted(long_run(scene).items())
    brightest = []
    for (t, a), (_, b) in zip(pictures[::2], pictures[1::2], strict=True):
        _picture_is_a_dark_room(a, f"{scene} at {t:.0f} s")
        motion = float(np.abs(luma(a) - luma(b)).mean())
        assert motion >= LEAST_MOTION, f"{scene} at {t:.0f} s: still ({motion:.2f})"
        brightest.append(float(np.percentile(luma(a), 99.5)))
    # Light in the dark: people glow in every sampled half minute (dimmest when only resting
    # or excluded people are in: 74 of 255 in disparity at 150 s).
    assert min(brightest) > 60, f"{scene}: brightest parts {brightest}"


@pytest.mark.gl
def test_the_room_returns_to_dark_when_it_empties(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    def faces(t: float) -> tuple[FaceObservation, ...]:
        return crowd() if t < 60 else ()

    (_, crowded), (_, after) = sample_show(
        gl_ctx, catalogue, palette, {}, [59.0, 100.0], faces=faces, size=(160, 90), fps=6
    )
    ((_, empty),) = sample_show(
        gl_ctx, catalogue, palette, {}, [100.0], faces=lambda t: (), size=(160, 90), fps=6
    )
    assert luma(crowded).mean() > luma(empty).mean() + 4
    # 40 s after the last person left: the living light and the trails are gone.
    assert abs(luma(after).mean() - luma(empty).mean()) < 1.5


def _packed_crowd(t: float) -> tuple[FaceObservation, ...]:
    """Sixteen beaming people shoulder to shoulder across the picture."""
    return tuple(
        FaceObservation(i + 1, 0.1 + 0.8 * (i % 8) / 7, 0.25 + 0.3 * (i // 8), 0.07, 0.13, 0.95,
                        emotions(("happy", "surprise", "neutral", "sad")[i % 4], 0.9))
        for i in range(16)
    )  # fmt: skip


@pytest.mark.gl
def test_a_packed_crowd_does_not_fill_the_room(
    gl_ctx: moderngl.Context,
    catalogue: Catalogue,
    palette: Palette,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = {"glow.radius": 0.35, "glow.intensity": 1.5}
    ((_, packed),) = sample_show(
        gl_ctx, catalogue, palette, params, [40.0], faces=_packed_crowd, size=(160, 90), fps=6
    )
    # Wall to wall, their halos and the living light between them cover most of the room
    # (a dark share of about 0.55), but the light stays light in the dark, not a wash.
    assert luma(packed).mean() <= MOST_MEAN_LUMA
    assert flat_share(packed) <= MOST_FLAT_SHARE
    # Without the crowd's exposure (render/lights.py) their halos would flood the room.
    monkeypatch.setattr(lights, "COVERED", 1e9)
    ((_, flooded),) = sample_show(
        gl_ctx, catalogue, palette, params, [40.0], faces=_packed_crowd, size=(160, 90), fps=6
    )
    assert luma(flooded).mean() > luma(packed).mean() + 10


def _compare(a: Image, b: Image) -> tuple[float, float]:
    difference = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return float(difference.mean()), float(np.percentile(difference, 99))


# Same show time, another frame rate or size (8-bit levels): the living light takes the same
# steps on the same grid, so only the faces' light between steps and the sharpness differ.
# Measured on llvmpipe at 20 s: 15 vs 30 fps mean 0.2-0.8, p99 4-17; 320x180 vs 640x360
# shrunk, mean 0.5-1.2, p99 8-16; the same show 10 s later: mean 3.2-5.4, p99 40-49.
SAME_MEAN = 1.5
SAME_P99 = 24.0


@pytest.mark.gl
@pytest.mark.parametrize("scene", ["sanctuary", "biohubs"])
def test_the_same_show_time_looks_the_same_at_any_frame_rate_and_size(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette, scene: str
) -> None:
    params = {"scene": scene}
    at = [20.0]
    ((_, slow),) = sample_show(gl_ctx, catalogue, palette, params, at, fps=15.0)
    ((_, fast),) = sample_show(gl_ctx, catalogue, palette, params, at, fps=30.0)
    ((_, large),) = sample_show(gl_ctx, catalogue, palette, params, at, size=(640, 360))
    ((_, later),) = sample_show(gl_ctx, catalogue, palette, params, [30.0], fps=15.0)
    shrunk = cv2.resize(large, (320, 180), interpolation=cv2.INTER_AREA)
    for name, other in (("30 fps", fast), ("640x360", shrunk)):
        mean, p99 = _compare(slow, other)
        assert mean <= SAME_MEAN and p99 <= SAME_P99, f"{name}: mean {mean:.2f}, p99 {p99:.1f}"
    mean, p99 = _compare(slow, later)
    assert mean > SAME_MEAN or p99 > SAME_P99, "the tolerance would not see ten seconds pass"


@pytest.mark.gl
def test_a_frozen_show_holds_its_picture(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    freeze = [(4.0, ParamChange(4.0, "show.freeze", True, "test"))]
    (_, first), (_, last) = sample_show(gl_ctx, catalogue, palette, {}, [5.0, 9.0], events=freeze)
    assert np.abs(first.astype(int) - last.astype(int)).max() <= 1
    # The same seconds without the freeze: the light lives on.
    (_, first), (_, last) = sample_show(gl_ctx, catalogue, palette, {}, [5.0, 9.0])
    assert np.abs(first.astype(int) - last.astype(int)).mean() > LEAST_MOTION
