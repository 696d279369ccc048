"""The error overlay: text changes pixels in its box only, no text draws nothing."""

from __future__ import annotations

from collections.abc import Iterator

import moderngl
import numpy as np
import numpy.typing as npt
import pytest

from installation.render import overlay as overlay_module
from installation.render.globjects import RawGL, count_live_objects, difference
from installation.render.offscreen import OffscreenTarget
from installation.render.overlay import TextOverlay, rasterise

SIZE = (480, 200)
GREY = 0.4  # a mid-grey picture: text is brighter, the box behind it darker
ERROR = "shaders/lib/fbm.glsl:12: error: `k' undeclared\n    sum += k;"


@pytest.fixture
def target(gl_ctx: moderngl.Context) -> Iterator[OffscreenTarget]:
    offscreen = OffscreenTarget(gl_ctx, SIZE)
    yield offscreen
    offscreen.release()


@pytest.fixture
def overlay(gl_ctx: moderngl.Context) -> Iterator[TextOverlay]:
    text = TextOverlay(gl_ctx)
    yield text
    text.release()


def picture(target: OffscreenTarget) -> npt.NDArray[np.uint8]:
    target.framebuffer.clear(GREY, GREY, GREY, 1.0)
    return target.read_rgb()


def test_rasterised_text_is_light_on_a_translucent_dark_box() -> None:
    image = rasterise(["abc", "de"], 0.45, (255, 176, 150), (8, 4, 10, 200), 8)
    assert image.dtype == np.uint8 and image.shape[2] == 4
    assert image[0, 0].tolist() == [8, 4, 10, 200]  # a corner is background
    assert image[..., 3].max() > 240 and image[..., 0].max() > 240  # the glyphs


@pytest.mark.gl
def test_text_changes_pixels_only_inside_its_box(
    gl_ctx: moderngl.Context, target: OffscreenTarget, overlay: TextOverlay
) -> None:
    before = picture(target)
    overlay.draw(target.framebuffer, [ERROR])
    after = target.read_rgb()

    lines = ERROR.splitlines()
    box = rasterise(lines, overlay.scale, overlay.colour, overlay.background, overlay.padding)
    height, width = box.shape[:2]
    assert 0 < width < SIZE[0] and 0 < height < SIZE[1]
    outside = np.ones(after.shape[:2], dtype=bool)
    outside[:height, :width] = False
    assert np.array_equal(after[outside], before[outside])

    inside = after[:height, :width].astype(int)
    grey = int(before[0, 0, 0])
    assert inside[0, 0].max() < grey // 2  # the box darkens the picture ...
    assert inside[..., 0].max() > 200  # ... and the text is bright on it
    assert (inside.sum(axis=2) > 3 * grey).mean() > 0.02  # real glyphs, not a stray pixel


@pytest.mark.gl
def test_a_line_wider_than_the_picture_is_wrapped(
    target: OffscreenTarget, overlay: TextOverlay
) -> None:
    before = picture(target)
    overlay.draw(target.framebuffer, ["scenes/sanctuary.frag:48: error: " + "too long " * 20])
    after = target.read_rgb()
    changed_rows = np.flatnonzero((after != before).any(axis=(1, 2)))
    line_height = rasterise(["x"], overlay.scale, overlay.colour, overlay.background, 0).shape[0]
    assert changed_rows.max() > 3 * line_height  # several lines, at full size
    assert changed_rows.max() < SIZE[1] // 2
    assert not np.array_equal(after[:, -40:], before[:, -40:])  # the box spans the width


@pytest.mark.gl
@pytest.mark.parametrize("lines", [[], [""], ["   ", ""]])
def test_no_text_draws_nothing(
    target: OffscreenTarget, overlay: TextOverlay, lines: list[str]
) -> None:
    before = picture(target)
    overlay.draw(target.framebuffer, lines)
    assert np.array_equal(target.read_rgb(), before)


@pytest.mark.gl
def test_the_texture_is_uploaded_only_when_the_text_changes(
    target: OffscreenTarget, overlay: TextOverlay, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, ...]] = []
    real = overlay_module.rasterise

    def counting(lines: tuple[str, ...], *args: object) -> npt.NDArray[np.uint8]:
        calls.append(tuple(lines))
        return real(lines, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(overlay_module, "rasterise", counting)
    for _ in range(5):
        overlay.draw(target.framebuffer, ["one error"])
    overlay.draw(target.framebuffer, ["another error"])
    overlay.draw(target.framebuffer, ["another error"])
    assert calls == [("one error",), ("another error",)]


@pytest.mark.gl
@pytest.mark.parametrize("blending", [True, False])
def test_blend_state_is_restored(
    gl_ctx: moderngl.Context, target: OffscreenTarget, overlay: TextOverlay, blending: bool
) -> None:
    gl = RawGL(gl_ctx)
    queries = (0x80C9, 0x80C8, 0x80CB, 0x80CA, 0x8009, 0x883D)  # blend factors, equations

    def state() -> tuple[object, ...]:
        return (gl.is_enabled(0x0BE2), *(gl.get_integer(q) for q in queries))

    gl_ctx.blend_func = moderngl.ONE, moderngl.ONE
    gl_ctx.blend_equation = moderngl.MAX, moderngl.MAX
    if blending:
        gl_ctx.enable(moderngl.BLEND)
    before = state()
    try:
        overlay.draw(target.framebuffer, [ERROR])
        assert state() == before
    finally:
        gl_ctx.disable(moderngl.BLEND)
        gl_ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        gl_ctx.blend_equation = moderngl.FUNC_ADD, moderngl.FUNC_ADD


@pytest.mark.gl
def test_release_leaves_no_gl_objects(gl_ctx: moderngl.Context, target: OffscreenTarget) -> None:
    before = count_live_objects(gl_ctx)
    text = TextOverlay(gl_ctx)
    text.draw(target.framebuffer, ["one"])
    text.draw(target.framebuffer, ["a longer line, so a bigger texture"])
    text.release()
    target.framebuffer.use()
    assert difference(before, count_live_objects(gl_ctx)).keys() <= {"program", "shader"}
