"""Golden images: each act 30 s and 5 min into a seeded crowd, against committed references.

Early frames hide what a room sees after minutes (this project once passed golden tests at
2 s while its picture turned into a grey wash by 10 s), so the references are late: the
session's long runs (tests/conftest.py `long_run`, 160x90, the simulated crowd of seed
2137). They were rendered by this project on Mesa llvmpipe. Update them on purpose (after a
deliberate change to a scene) with:

    UPDATE_GOLDEN=1 ./test.sh tests/test_golden.py

then look at the new PNGs before committing them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from installation.acts import NAMES

pytestmark = pytest.mark.gl
GOLDEN = Path(__file__).parent / "golden"
TIMES = (30.0, 300.0)
# Tolerance, in 8-bit levels. GPU drivers and llvmpipe builds differ in float rounding and
# in texture filtering, and five minutes of living light amplify tiny differences a little;
# a real change to a scene (a colour, a shape, a missing pass) moves the mean by far more
# than 2 levels or many pixels by far more than 40 (checked below with another act).
MEAN_TOLERANCE = 2.0
PIXEL_TOLERANCE = 40
PIXEL_SHARE = 0.01  # at most 1% of pixels may differ by more than PIXEL_TOLERANCE

Pictures = Callable[[str], dict[float, npt.NDArray[np.uint8]]]


def _reference(scene: str, at: float) -> Path:
    return GOLDEN / f"{scene}-{at:.0f}s.png"


def _differs(image: npt.NDArray[np.uint8], reference: Path) -> tuple[float, float]:
    expected = cv2.imread(str(reference))
    assert expected is not None, f"missing {reference}; see this module's docstring"
    difference = np.abs(image.astype(np.int16) - expected[:, :, ::-1].astype(np.int16))
    return float(difference.mean()), float((difference.max(axis=2) > PIXEL_TOLERANCE).mean())


@pytest.mark.parametrize("at", TIMES)
@pytest.mark.parametrize("scene", NAMES)
def test_scene_matches_its_golden_image(long_run: Pictures, scene: str, at: float) -> None:
    image = long_run(scene)[at]
    reference = _reference(scene, at)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        cv2.imwrite(str(reference), np.ascontiguousarray(image[:, :, ::-1]))
        pytest.skip(f"reference updated: {reference} (look at it before committing)")
    mean, far = _differs(image, reference)
    assert mean <= MEAN_TOLERANCE, f"mean difference {mean:.2f}"
    assert far <= PIXEL_SHARE, f"{far:.1%} of pixels differ by more than {PIXEL_TOLERANCE}"


def test_a_changed_scene_fails_the_comparison(long_run: Pictures) -> None:
    # The tolerance must not swallow real changes: another act is far outside it.
    mean, far = _differs(long_run("disparity")[30.0], _reference("sanctuary", 30.0))
    assert mean > MEAN_TOLERANCE or far > PIXEL_SHARE
