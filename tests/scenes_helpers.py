"""A fixed little crowd and a fixed-step render of it, shared by the scene tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import moderngl
import numpy as np
import numpy.typing as npt

from installation.clock import FixedStepClock
from installation.corners import SQUARE, Corners
from installation.events import Event, FaceObservation, FacesObserved
from installation.frame import FrameState
from installation.palette import Palette
from installation.params import Catalogue, ParamValue
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.resources import shaders_dir
from installation.show import Show
from tests.helpers import emotions

Image = npt.NDArray[np.uint8]


def crowd() -> tuple[FaceObservation, ...]:
    """Two smiling people on the left, two on the right, one neutral in the middle."""
    return (
        FaceObservation(1, 0.08, 0.30, 0.10, 0.18, 0.95, emotions("happy", 0.9)),
        FaceObservation(2, 0.28, 0.45, 0.09, 0.16, 0.90, emotions("surprise", 0.8)),
        FaceObservation(3, 0.45, 0.20, 0.08, 0.14, 0.10, emotions("neutral", 0.8)),
        FaceObservation(4, 0.62, 0.40, 0.10, 0.18, 0.95, emotions("happy", 0.9)),
        FaceObservation(5, 0.82, 0.30, 0.09, 0.16, 0.90, emotions("sad", 0.7)),
    )


def render_show(
    ctx: moderngl.Context,
    catalogue: Catalogue,
    palette: Palette,
    params: Mapping[str, ParamValue],
    *,
    size: tuple[int, int] = (320, 180),
    seconds: float = 2.0,
    fps: float = 15.0,
    keystone: Corners = SQUARE,
    root: Path | None = None,
    events: Iterable[tuple[float, Event]] = (),
) -> tuple[Image, FrameState]:
    """Render `seconds` of the fixed crowd at a fixed step; return the last frame."""
    show = Show(catalogue, palette, {"face.follow": 0.0, **params})
    clock = FixedStepClock(fps)
    target = OffscreenTarget(ctx, size)
    renderer = Renderer(ctx, root or shaders_dir(), catalogue, keystone=keystone)
    pending = sorted(events, key=lambda item: item[0])
    try:
        frame = None
        for _ in range(round(seconds * fps) + 1):
            t = clock.tick()
            due = [e for when, e in pending if when <= t]
            pending = [(when, e) for when, e in pending if when > t]
            frame = show.step(t, [FacesObserved(t, "test", crowd()), *due])
            renderer.render(frame, target.framebuffer)
        assert frame is not None
        return target.read_rgb(), frame
    finally:
        renderer.release()
        target.release()


def region(image: Image, x0: float, x1: float, y0: float = 0.0, y1: float = 1.0) -> Image:
    """A part of the image by fractions (origin top-left)."""
    h, w = image.shape[:2]
    return image[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]


def saturation(pixels: Image) -> float:
    """Mean chroma (max - min channel) of the pixels, 0..255."""
    values = pixels.reshape(-1, 3).astype(np.float64)
    return float((values.max(axis=1) - values.min(axis=1)).mean())


def luma(image: Image) -> npt.NDArray[np.float64]:
    """Rec. 601 luma of an RGB image, 0..255."""
    return image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def dark_share(image: Image, below: float = 40.0) -> float:
    """Share of pixels darker than `below` (luma, 0..255)."""
    return float((luma(image) < below).mean())


def flat_share(image: Image, block: int = 8, lit: float = 40.0, spread: float = 1.0) -> float:
    """Share of lit blocks (mean luma >= `lit`) that are one flat colour (std < `spread`).

    Light in a dark room falls off or moves; a large evenly lit region is a painted
    cut-out (the grey wash and the flat disks this project once showed).
    """
    values = luma(image)
    h, w = (values.shape[0] // block) * block, (values.shape[1] // block) * block
    blocks = values[:h, :w].reshape(h // block, block, w // block, block).swapaxes(1, 2)
    means, stds = blocks.mean(axis=(2, 3)), blocks.std(axis=(2, 3))
    lit_blocks = means >= lit
    return float((stds[lit_blocks] < spread).mean()) if lit_blocks.any() else 0.0


def sample_show(
    ctx: moderngl.Context,
    catalogue: Catalogue,
    palette: Palette,
    params: Mapping[str, ParamValue],
    times: Iterable[float],
    *,
    faces: Callable[[float], tuple[FaceObservation, ...]] = lambda t: crowd(),
    size: tuple[int, int] = (320, 180),
    fps: float = 15.0,
    events: Iterable[tuple[float, Event]] = (),
) -> Iterator[tuple[float, Image]]:
    """Step a show at `fps` and yield (time, picture) at each of `times` (ascending)."""
    pending = sorted(events, key=lambda item: item[0])
    show = Show(catalogue, palette, {"face.follow": 0.0, **params})
    clock = FixedStepClock(fps)
    target = OffscreenTarget(ctx, size)
    renderer = Renderer(ctx, shaders_dir(), catalogue)
    try:
        t = clock.tick()
        for wanted in times:
            while True:
                due = [e for when, e in pending if when <= t]
                pending = [(when, e) for when, e in pending if when > t]
                frame = show.step(t, [FacesObserved(t, "test", faces(t)), *due])
                renderer.render(frame, target.framebuffer)
                if t >= wanted - 1e-9:
                    break
                t = clock.tick()
            yield t, target.read_rgb()
            t = clock.tick()
    finally:
        renderer.release()
        target.release()
