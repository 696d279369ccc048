"""Headless GL renders (Mesa llvmpipe through EGL) whose pixels are checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import moderngl
import numpy as np
import numpy.typing as npt
import pytest

from installation.events import FaceObservation, FacesObserved
from installation.frame import FrameState
from installation.palette import Palette
from installation.params import Catalogue
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.resources import shaders_dir
from installation.show import Show
from tests.helpers import emotions

pytestmark = pytest.mark.gl
SIZE = (320, 180)


def frame_with(
    catalogue: Catalogue, palette: Palette, *faces: FaceObservation, settle: float = 5.0
) -> FrameState:
    show = Show(catalogue, palette, {})
    show.step(0.0, [FacesObserved(0.0, "test", faces)])
    return show.step(settle, [])


def render(
    ctx: moderngl.Context, catalogue: Catalogue, frame: FrameState, root: Path | None = None
) -> tuple[npt.NDArray[np.uint8], list[str]]:
    target = OffscreenTarget(ctx, SIZE)
    renderer = Renderer(ctx, root or shaders_dir(), catalogue)
    try:
        renderer.render(frame, target.framebuffer)
        return target.read_rgb(), list(renderer.errors)
    finally:
        renderer.release()
        target.release()


def patch(image: npt.NDArray[np.uint8], x: float, y: float, r: int = 4) -> npt.NDArray[np.float64]:
    """Mean RGB around a point given as fractions (origin top-left)."""
    cx, cy = int(x * image.shape[1]), int(y * image.shape[0])
    return image[cy - r : cy + r, cx - r : cx + r].reshape(-1, 3).mean(axis=0)


def test_an_empty_room_is_a_dark_sea(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    image, errors = render(gl_ctx, catalogue, frame_with(catalogue, palette))
    assert errors == []
    assert image.shape == (SIZE[1], SIZE[0], 3)
    assert image.mean() < 20  # dark, but ...
    assert image.max() > 0  # ... not a black screen


@pytest.mark.parametrize(("emotion", "channel"), [("happy", 1), ("sad", 2), ("angry", 0)])
def test_a_smiling_face_glows_in_its_emotions_colour(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette, emotion: str, channel: int
) -> None:
    person = FaceObservation(1, 0.2, 0.35, 0.1, 0.18, 0.95, emotions(emotion))
    image, _ = render(gl_ctx, catalogue, frame_with(catalogue, palette, person))
    cx, cy = person.centre
    at_face = patch(image, cx, cy)
    far_away = patch(image, 0.85, 0.8)
    assert at_face.max() > 90  # a real glow, not a faint tint
    assert at_face.sum() > 4 * far_away.sum()
    # The strongest channel of the glow is the strongest channel of the emotion's colour.
    assert int(np.argmax(at_face)) == channel == int(np.argmax(palette.colour(emotion)))


def test_the_glow_is_where_the_face_is(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    # Image coordinates: a face at the top left must light the top left of the picture.
    person = FaceObservation(1, 0.1, 0.1, 0.1, 0.18, 0.95, emotions("happy"))
    image, _ = render(gl_ctx, catalogue, frame_with(catalogue, palette, person))
    assert patch(image, 0.15, 0.19).sum() > 3 * patch(image, 0.15, 0.81).sum()
    assert patch(image, 0.15, 0.19).sum() > 3 * patch(image, 0.85, 0.19).sum()


def test_brightness_zero_is_black(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    show = Show(catalogue, palette, {"master.brightness": 0.0})
    frame = show.step(
        0.0,
        [
            FacesObserved(
                0.0, "t", (FaceObservation(1, 0.4, 0.3, 0.1, 0.2, 1.0, emotions("happy")),)
            )
        ],
    )
    image, _ = render(gl_ctx, catalogue, frame)
    assert image.max() == 0


def test_a_broken_scene_shows_the_fallback_and_says_where(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    root = tmp_path / "shaders"
    shutil.copytree(shaders_dir(), root)
    scene = root / "scenes" / "sanctuary.frag"
    lines = scene.read_text().splitlines()
    broken_line = next(i for i, line in enumerate(lines) if "void main" in line) + 2
    lines.insert(broken_line - 1, "    float oops = undefined_thing;")
    scene.write_text("\n".join(lines) + "\n")

    image, errors = render(gl_ctx, catalogue, frame_with(catalogue, palette), root)
    assert len(errors) == 1
    assert f"shaders/scenes/sanctuary.frag:{broken_line}:" in errors[0]
    assert "undefined_thing" in errors[0]
    assert image.mean() > 10  # the deliberate fallback, never black


def test_renderer_follows_the_target_size(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette
) -> None:
    renderer = Renderer(gl_ctx, shaders_dir(), catalogue)
    frame = frame_with(catalogue, palette)
    try:
        for size in [(64, 36), (200, 100)]:
            target = OffscreenTarget(gl_ctx, size)
            renderer.render(frame, target.framebuffer)
            assert target.read_rgb().shape == (size[1], size[0], 3)
            target.release()
    finally:
        renderer.release()


def test_a_broken_edit_keeps_the_show_and_puts_the_error_on_screen(
    gl_ctx: moderngl.Context, catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    root = tmp_path / "shaders"
    shutil.copytree(shaders_dir(), root)
    scene = root / "scenes" / "sanctuary.frag"
    good = scene.read_text()
    person = FaceObservation(1, 0.4, 0.35, 0.1, 0.18, 0.95, emotions("happy"))
    frame = frame_with(catalogue, palette, person)
    target = OffscreenTarget(gl_ctx, (640, 360))
    renderer = Renderer(gl_ctx, root, catalogue)
    try:
        renderer.render(frame, target.framebuffer)
        before = target.read_rgb()
        scene.write_text(good.replace("void main() {", "void main() {\n    oops;", 1))
        assert renderer.programs.reload()  # what the watcher triggers at a frame boundary
        renderer.render(frame, target.framebuffer)
        broken = target.read_rgb()
        assert renderer.errors and "shaders/scenes/sanctuary.frag" in renderer.errors[0]
        # The last good program still draws the show (only the living pattern moved on a
        # step); the error text is written on top, in the top-left corner.
        bottom = slice(int(0.6 * broken.shape[0]), None)
        assert _difference(broken[bottom], before[bottom]) < 1.0
        corner = (slice(0, 40), slice(0, 200))
        assert _difference(broken[corner], before[corner]) > 20
        scene.write_text(good)
        renderer.programs.reload()
        renderer.render(frame, target.framebuffer)
        assert renderer.errors == ()
        assert _difference(target.read_rgb(), before) < 1.0  # recovered by itself
    finally:
        renderer.release()
        target.release()


def _difference(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
