"""Aligned crops: a tilted face comes out level, its eyes where the smile network expects."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from installation.vision.align import EYE_HEIGHT, EYE_SPAN, MIN_SIDE, aligned_crop
from installation.vision.boxes import Box
from installation.vision.reading import crop_face

WIDTH, HEIGHT = 640, 480


def _eyes_frame(left: tuple[int, int], right: tuple[int, int]) -> np.ndarray:
    frame = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(frame, left, 4, 255, -1)
    cv2.circle(frame, right, 4, 255, -1)
    return frame


def _fractions(point: tuple[int, int]) -> tuple[float, float]:
    return point[0] / WIDTH, point[1] / HEIGHT


def _blob_centres(crop: np.ndarray) -> list[tuple[float, float]]:
    side = crop.shape[0]
    ys, xs = np.nonzero(crop > 128)
    left = xs < side / 2
    return [(float(xs[m].mean()) / side, float(ys[m].mean()) / side) for m in (left, ~left)]


@pytest.mark.parametrize("tilt", [-30.0, -8.0, 0.0, 12.0, 35.0])
def test_a_tilted_face_is_levelled_with_its_eyes_at_the_trained_place(tilt: float) -> None:
    centre, half = np.array([320.0, 220.0]), 34.0
    direction = np.array([np.cos(np.radians(tilt)), np.sin(np.radians(tilt))])
    left = tuple(int(v) for v in np.round(centre - half * direction))
    right = tuple(int(v) for v in np.round(centre + half * direction))
    frame = _eyes_frame(left, right)  # type: ignore[arg-type]
    box = Box(0.42, 0.38, 0.18, 0.26)
    # Either order of the two eyes gives the same crop.
    for eyes in ((_fractions(left), _fractions(right)), (_fractions(right), _fractions(left))):  # type: ignore[arg-type]
        crop = aligned_crop(frame, box, eyes)
        assert crop.shape[0] == crop.shape[1]
        assert abs(crop.shape[0] - 2 * half / EYE_SPAN) <= 3  # the eyes sit on whole pixels
        (lx, ly), (rx, ry) = _blob_centres(crop)
        assert ly == pytest.approx(EYE_HEIGHT, abs=0.02) and ry == pytest.approx(
            EYE_HEIGHT, abs=0.02
        )
        assert lx == pytest.approx(0.5 - EYE_SPAN / 2, abs=0.02)
        assert rx == pytest.approx(0.5 + EYE_SPAN / 2, abs=0.02)


def test_without_eyes_or_with_eyes_too_close_the_crop_is_the_boxs_square() -> None:
    frame = np.random.default_rng(0).integers(0, 255, (HEIGHT, WIDTH), np.uint8)
    box = Box(0.4, 0.3, 0.2, 0.3)
    expected = crop_face(frame, box)
    assert np.array_equal(aligned_crop(frame, box, None), expected)
    close = ((0.50, 0.4), (0.505, 0.4))  # a profile: the eyes nearly on one another
    assert np.array_equal(aligned_crop(frame, box, close), expected)


def test_a_tiny_face_still_gives_a_crop_the_reader_can_use() -> None:
    frame = _eyes_frame((318, 200), (326, 200))
    crop = aligned_crop(
        frame, Box(0.495, 0.4, 0.03, 0.04), ((318 / WIDTH, 0.4167), (326 / WIDTH, 0.4167))
    )
    assert crop.shape == (MIN_SIDE, MIN_SIDE)
