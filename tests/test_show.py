"""The show state: a pure function of (time, events); no GL, no I/O."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from installation.events import FaceObservation, FacesObserved, ParamChange, SourceStatus
from installation.palette import Palette
from installation.params import Catalogue
from installation.show import Show
from installation.vision.crowd import CrowdSettings, SimulatedCrowd
from tests.helpers import emotions


def face(
    track_id: int = 1, smile: float = 0.9, emotion: str = "happy", x: float = 0.4
) -> FaceObservation:
    return FaceObservation(track_id, x, 0.3, 0.1, 0.18, smile, emotions(emotion))


def seen(t: float, *faces: FaceObservation) -> FacesObserved:
    return FacesObserved(t, "test", tuple(faces))


@pytest.fixture
def show(catalogue: Catalogue, palette: Palette) -> Show:
    return Show(catalogue, palette, {"face.fade": 1.0, "face.follow": 0.0})


def test_a_face_fades_in_and_out(show: Show) -> None:
    frame = show.step(0.0, [seen(0.0, face())])
    assert frame.faces[0].presence == 0.0
    frame = show.step(0.5, [])
    assert frame.faces[0].presence == pytest.approx(0.5)
    frame = show.step(1.0, [])
    assert frame.faces[0].presence == pytest.approx(1.0)
    frame = show.step(1.1, [seen(1.1)])  # the face is gone from the camera
    assert frame.faces[0].presence == pytest.approx(0.9)
    frame = show.step(2.2, [])
    assert frame.faces == ()


def test_a_smile_blooms_and_a_neutral_face_rests(show: Show, catalogue: Catalogue) -> None:
    show.step(0.0, [seen(0.0, face(1, smile=0.95), face(2, smile=0.05, emotion="neutral", x=0.7))])
    frame = show.step(5.0, [])
    smiling, resting = frame.faces
    assert smiling.glow == pytest.approx(1.0, abs=1e-3)
    assert resting.glow == pytest.approx(catalogue.get("glow.resting").default, abs=1e-3)
    assert frame.smiling == 1


def test_colour_follows_the_dominant_emotion(show: Show, palette: Palette) -> None:
    show.step(0.0, [seen(0.0, face(1, emotion="sad", smile=0.1))])
    frame = show.step(10.0, [])
    colour = frame.faces[0].colour
    sad = palette.colour("sad")
    assert colour == pytest.approx(sad, abs=0.02)
    assert frame.faces[0].emotion == "sad"
    assert frame.mood == pytest.approx(colour)


def test_every_face_has_access_in_the_sanctuary(show: Show) -> None:
    frame = show.step(0.0, [seen(0.0, face(1), face(2, x=0.8))])
    assert all(f.access == 1.0 for f in frame.faces)


def test_param_changes_are_smoothed_by_their_time_constant(
    show: Show, catalogue: Catalogue
) -> None:
    tau = catalogue.get("glow.intensity").smoothing
    show.step(0.0, [ParamChange(0.0, "glow.intensity", 3.0, "test")])
    value = show.step(tau, []).params["glow.intensity"]
    # After one time constant, 1 - 1/e of the way from 1.0 to 3.0.
    assert value == pytest.approx(1.0 + 2.0 * (1 - math.exp(-1)), rel=1e-6)


def test_smoothing_does_not_depend_on_frame_rate(catalogue: Catalogue, palette: Palette) -> None:
    results = []
    for fps in (24, 60, 144):
        show = Show(catalogue, palette, {})
        show.step(0.0, [ParamChange(0.0, "sea.level", 1.0, "test")])
        for n in range(1, fps + 1):
            frame = show.step(n / fps, [])
        results.append(frame.params["sea.level"])
    assert results == pytest.approx([results[0]] * 3, rel=1e-9)


def test_bad_param_change_is_rejected_not_raised(show: Show) -> None:
    frame = show.step(
        0.0,
        [ParamChange(0.0, "glow.intensity", math.nan, "osc"), ParamChange(0.0, "nope", 1, "osc")],
    )
    assert frame.params["glow.intensity"] == 1.0
    assert len(show.rejected) == 2
    assert "osc: glow.intensity" in show.rejected[0]


def test_lost_source_fades_every_face(show: Show) -> None:
    show.step(0.0, [seen(0.0, face(1), face(2, x=0.8))])
    show.step(1.0, [])
    frame = show.step(1.5, [SourceStatus(1.5, "camera:0", "lost", "unplugged")])
    assert frame.source_state == "lost"
    assert all(f.presence == pytest.approx(0.5) for f in frame.faces)


def test_most_present_faces_are_kept_when_over_the_limit(
    catalogue: Catalogue, palette: Palette
) -> None:
    show = Show(catalogue, palette, {}, max_faces=2)
    show.step(0.0, [seen(0.0, face(3, x=0.8))])
    frame = show.step(1.0, [seen(1.0, face(1), face(2, x=0.6), face(3, x=0.8))])
    # Face 3 has been glowing for a second; of the newcomers the lower id is kept.
    assert {f.track_id for f in frame.faces} == {1, 3}


def test_same_events_give_the_same_frames(catalogue: Catalogue, palette: Palette) -> None:
    crowd = SimulatedCrowd(CrowdSettings(seed=5))

    def replay() -> list[object]:
        show = Show(catalogue, palette, {})
        return [
            show.step(n / 30, [FacesObserved(n / 30, "sim", crowd.faces_at(n / 30))])
            for n in range(300)
        ]

    assert replay() == replay()


def test_no_fade_means_faces_appear_and_vanish_at_once(
    catalogue: Catalogue, palette: Palette
) -> None:
    show = Show(catalogue, palette, {"face.fade": 0.0})
    assert show.step(0.0, [seen(0.0, face())]).faces[0].presence == 1.0
    assert show.step(0.1, [seen(0.1)]).faces == ()


def test_an_id_reported_twice_in_one_frame_is_one_face(show: Show) -> None:
    frame = show.step(0.0, [seen(0.0, face(7), face(7, x=0.5), face(8, x=0.8))])
    assert [f.track_id for f in frame.faces] == [7, 8]
    frame = show.step(0.1, [seen(0.1, face(8, x=0.8), face(7), face(7))])
    assert [f.track_id for f in frame.faces] == [7, 8]


def test_in_solidarity_each_person_has_a_hue_of_their_own(
    catalogue: Catalogue, palette: Palette
) -> None:
    happy = [
        FaceObservation(i, 0.2 * i, 0.5, 0.1, 0.1, 0.9, emotions("happy", 0.95)) for i in (1, 2, 3)
    ]

    def colours(scene: str) -> npt.NDArray[np.float64]:
        show = Show(catalogue, palette, {"scene": scene})
        show.step(0.0, [FacesObserved(0.0, "test", tuple(happy))])
        frame = show.step(5.0, [FacesObserved(5.0, "test", tuple(happy))])
        return np.array([face.own_colour for face in frame.faces])

    same = colours("sanctuary")
    assert np.allclose(same, same[0])  # one emotion, one colour
    own = colours("solidarity")
    assert min(np.abs(own[i] - own[j]).max() for i, j in ((0, 1), (0, 2), (1, 2))) > 0.02
    # Still near the emotion's colour: the same brightness, a hue turned a little.
    assert np.allclose(own.mean(axis=1), same.mean(axis=1), atol=0.03)


def test_the_frame_carries_how_many_values_the_show_refused(show: Show) -> None:
    first = show.step(0.0, [ParamChange(0.0, "nope", 1, "osc")])
    second = show.step(0.1, [ParamChange(0.1, "glow.intensity", math.inf, "osc")])
    assert (first.rejected_values, second.rejected_values) == (1, 2)


def test_a_frozen_show_still_takes_blackout_and_dimmer_at_once(show: Show) -> None:
    show.step(0.0, [seen(0.0, face(1))])
    before = show.step(1.0, [seen(1.0, face(1))])
    show.step(1.1, [ParamChange(1.1, "show.freeze", True, "osc")])
    frozen = show.step(1.5, [ParamChange(1.5, "master.blackout", True, "osc")])
    assert frozen.params["master.blackout"] is True  # at once, not at the thaw
    dimmed = show.step(4.0, [ParamChange(2.0, "master.brightness", 0.2, "osc")])
    later = show.step(9.0)
    assert float(later.params["master.brightness"]) == pytest.approx(0.2, abs=0.01)
    assert float(dimmed.params["master.brightness"]) < 1.0
    # ...while the picture holds still: show time and the faces stand where they were.
    assert later.scene_time == frozen.scene_time
    assert np.array_equal(later.faces.columns, frozen.faces.columns)
    thawed = show.step(9.5, [ParamChange(9.5, "show.freeze", False, "osc")])
    assert thawed.params["show.freeze"] is False and before.params["master.blackout"] is False
