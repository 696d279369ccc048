"""The five acts on real GL: access split, keystone, crossfades, and GL objects that stay flat."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from installation.events import ParamChange
from installation.palette import Palette
from installation.params import Catalogue
from installation.render.globjects import count_live_objects
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer, all_programs
from installation.render.shaders import compile_program, load_shader
from installation.resources import shaders_dir
from installation.show import Show
from tests.scenes_helpers import crowd, region, render_show, saturation

pytestmark = pytest.mark.gl


def test_every_program_compiles(gl_ctx: moderngl.Context) -> None:
    for vertex, fragment in all_programs():
        program = compile_program(
            gl_ctx, load_shader(shaders_dir(), vertex), load_shader(shaders_dir(), fragment)
        )
        program.release()


@pytest.mark.parametrize(
    "scene", ["sanctuary", "disparity", "confrontation", "biohubs", "solidarity"]
)
def test_every_scene_draws_its_crowd(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette, scene: str
) -> None:
    image, frame = render_show(gl_ctx, catalogue, palette, {"scene": scene}, seconds=1.0)
    assert frame.scene == scene
    assert image.max() > 120  # light, not a dark or black frame
    assert region(image, 0.0, 0.2, 0.2, 0.5).mean() > 3 * region(image, 0.3, 0.7, 0.8, 1.0).mean()


def test_disparity_mutes_the_side_without_access(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    # The crowd is symmetric in smiles: people 1, 2 on the left; 4, 5 on the right.
    image, frame = render_show(
        gl_ctx, catalogue, palette, {"scene": "disparity", "access.side": "left"}
    )
    assert [round(f.access) for f in frame.faces] == [1, 1, 1, 0, 0]
    radiant, muted = region(image, 0.0, 0.45), region(image, 0.55, 1.0)
    assert saturation(muted) < 0.5 * saturation(radiant)
    assert muted.mean() < 0.7 * radiant.mean()
    # And the story turns with the side: now the right is radiant.
    flipped, _ = render_show(
        gl_ctx, catalogue, palette, {"scene": "disparity", "access.side": "right"}
    )
    assert saturation(region(flipped, 0.55, 1.0)) > 2 * saturation(region(flipped, 0.0, 0.45))


def test_keystone_pins_a_corner_to_its_pixel(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    # The picture's top-left corner is pinned at 25% across and 20% down the output.
    corners = ((0.25, 0.2), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    image, _ = render_show(
        gl_ctx, catalogue, palette, {"output.black_level": 0.2}, keystone=corners, seconds=0.2
    )
    height, width = image.shape[:2]
    cx, cy = round(0.25 * width), round(0.2 * height)
    lifted = 0.2 * 255 * 0.5  # black level: inside the picture nothing is darker than this
    assert image[cy + 2, cx + 2].max() > lifted  # just inside the corner: picture
    assert image[cy - 2, cx - 2].max() == 0  # just outside: the projector's black
    assert image[cy + 2, cx - 3].max() == 0  # left of the corner: outside too
    assert image[2, 2].max() == 0
    assert image[height - 2, 2].max() > lifted  # the bottom-left corner stays where it was


def test_crossfade_blends_two_acts(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    params = {"scene": "sanctuary", "scene.crossfade": 2.0, "access.side": "left"}
    change = (1.0, ParamChange(1.0, "scene", "disparity", "test"))
    midway, frame = render_show(gl_ctx, catalogue, palette, params, seconds=2.0, events=[change])
    assert frame.previous_scene == "sanctuary" and 0.4 < frame.crossfade < 0.6
    after, _ = render_show(gl_ctx, catalogue, palette, params, seconds=3.4, events=[change])
    before, _ = render_show(gl_ctx, catalogue, palette, params, seconds=0.9)
    right = [saturation(region(image, 0.55, 1.0)) for image in (before, midway, after)]
    assert right[0] > right[1] > right[2]  # the right side drains gradually, not at once


def test_blackout(gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette) -> None:
    image, frame = render_show(gl_ctx, catalogue, palette, {"master.blackout": True}, seconds=0.2)
    assert frame.params["master.blackout"] is True
    assert image.max() == 0


def test_switching_scenes_a_thousand_times_leaves_gl_objects_flat(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    scenes = catalogue.get("scene").choices
    show = Show(catalogue, palette, {"scene.crossfade": 0.0})
    target = OffscreenTarget(gl_ctx, (64, 36))
    renderer = Renderer(gl_ctx, shaders_dir(), catalogue)
    try:

        def switch(n: int) -> None:
            t = n / 30
            events = [ParamChange(t, "scene", scenes[n % len(scenes)], "test")]
            frame = show.step(t, [*events])
            renderer.render(frame, target.framebuffer)

        for n in range(len(scenes) * 2):  # every program built once
            switch(n)
        ours, driver = renderer.live_objects(), count_live_objects(gl_ctx)
        for n in range(1000):
            switch(n)
        assert renderer.live_objects() == ours
        assert count_live_objects(gl_ctx) == driver
    finally:
        renderer.release()
        target.release()


def test_the_crowd_is_symmetric_for_the_split_test() -> None:
    people = crowd()
    left = [p for p in people if p.centre[0] < 0.45]
    right = [p for p in people if p.centre[0] > 0.55]
    assert len(left) == len(right) == 2
    assert np.isclose(sum(p.smile for p in left), sum(p.smile for p in right), atol=0.1)
