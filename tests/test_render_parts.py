"""The renderer's pure parts: show time for shaders, the plankton's motes, the bent wall."""

from __future__ import annotations

import math

import numpy as np

from installation.events import FaceObservation, FacesObserved
from installation.frame import FrameState
from installation.palette import Palette
from installation.params import Catalogue
from installation.render.plankton import CELLS, CHANCE, motes
from installation.render.showclock import LOOP_RADIUS, WRAP_S, loop_point, wrapped
from installation.render.wall import wall_profile, wall_strength
from installation.show import Show
from tests.helpers import emotions


def test_shader_time_stays_small_and_runs_on_across_the_wrap() -> None:
    hour_200 = 200 * 3600.0
    assert 0 <= wrapped(hour_200) < WRAP_S
    # A sine at a whole number of hundredths of a radian a second has no jump at the wrap.
    for rate in (1.3, 2.5, 23.0, 0.3):
        before, after = WRAP_S - 1e-3, WRAP_S + 1e-3
        assert abs(math.sin(rate * wrapped(before)) - math.sin(rate * wrapped(after))) < 0.05
    # The loop is bounded and moves at unit speed.
    for t in (0.0, 10.0, hour_200):
        x, y = loop_point(t)
        assert math.isclose(math.hypot(x, y), LOOP_RADIUS)
        nx, ny = loop_point(t + 0.5)
        assert math.isclose(math.hypot(nx - x, ny - y), 0.5, rel_tol=1e-3)


def _frame(
    catalogue: Catalogue, palette: Palette, scene: str, t: float, *faces: FaceObservation
) -> FrameState:
    show = Show(catalogue, palette, {"scene": scene, "face.follow": 0.0})
    show.step(0.0, [FacesObserved(0.0, "test", faces)])
    return show.step(t, [FacesObserved(t, "test", faces)])


def test_motes_are_the_same_at_a_show_time_and_fill_the_picture(
    catalogue: Catalogue, palette: Palette
) -> None:
    frame = _frame(catalogue, palette, "sanctuary", 100.0)
    first, again = motes(frame, 16 / 9), motes(frame, 16 / 9)
    assert np.array_equal(first, again)
    cells = CELLS * CELLS * 16 / 9
    assert 0.7 * CHANCE * cells < len(first) < 1.3 * CHANCE * cells
    u, v = first[:, 0], first[:, 1]
    assert u.min() > -0.02 and u.max() < 1.02 and v.min() > -0.02 and v.max() < 1.02
    # Spread over the whole picture, not bunched: every tenth of it holds motes.
    assert len(np.unique(np.floor(np.clip(u, 0, 0.999) * 10))) == 10
    later = motes(_frame(catalogue, palette, "sanctuary", 110.0), 16 / 9)
    assert not np.array_equal(first[:50], later[:50])  # they wander and twinkle


def test_the_wall_bends_where_excluded_smiles_press(catalogue: Catalogue, palette: Palette) -> None:
    # Access on the left; one beaming excluded person just right of the line, high up.
    presser = FaceObservation(1, 0.53, 0.25, 0.08, 0.14, 0.95, emotions("happy", 0.9))
    calm = _frame(catalogue, palette, "disparity", 10.0, presser)
    straight = wall_profile(calm)
    assert np.allclose(straight[:, 0], calm.boundary)  # no strain in act 2
    assert wall_strength(calm) == 1.0
    pressed = _frame(catalogue, palette, "confrontation", 10.0, presser)
    bent = wall_profile(pressed)[:, 0] - pressed.boundary
    up = np.linspace(0.0, 1.0, len(bent))
    at_face = int(np.argmin(np.abs(up - 0.75)))  # the face is 25% down: 75% up
    far = int(np.argmin(np.abs(up - 0.1)))
    assert bent[at_face] < -0.01  # pushed into the radiant (left) side at the face's height
    assert abs(bent[far]) < 0.6 * abs(bent[at_face])
    assert wall_strength(_frame(catalogue, palette, "sanctuary", 10.0)) == 0.0
