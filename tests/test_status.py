"""The status lines and the summary name the source that really fed the show."""

from __future__ import annotations

import dataclasses

from installation.status import StatusReporter, running_source
from tests.supervise_helpers import frame


def _reporter(wanted: str, lines: list[str]) -> StatusReporter:
    return StatusReporter(1.0, wanted, "offscreen:160x90", emit=lines.append)


def test_a_stand_in_for_an_absent_camera_is_named_as_what_runs() -> None:
    lines: list[str] = []
    status = _reporter("camera:0", lines)
    for t in range(4):  # the simulated crowd stands in all along
        status.send(frame(faces=2, time_=float(t)))

    assert lines and all("source=sim (running, standing in for camera:0)" in x for x in lines)
    summary = status.summary(4.0, "duration reached")
    assert " source=sim wanted=camera:0 output=offscreen:160x90 " in summary


def test_a_camera_that_appears_later_is_named_after_its_stand_in() -> None:
    lines: list[str] = []
    status = _reporter("camera:0", lines)
    status.send(frame(time_=0.0))
    camera = dataclasses.replace(frame(time_=2.0), source="camera:0")
    status.send(camera)

    assert lines[-1].endswith("source=camera:0 (running)")
    assert " source=sim,camera:0 output=" in status.summary(2.0, "duration reached")


def test_the_source_asked_for_is_named_alone_when_it_ran() -> None:
    status = _reporter("sim", [])
    status.send(frame(time_=0.0))
    assert " source=sim output=" in status.summary(1.0, "duration reached")
    # Before any frame named its source, the wanted one is what there is to say.
    before = dataclasses.replace(frame(), source="none", source_state="starting")
    assert running_source("camera:0", before) == "camera:0 (starting)"


def test_values_the_show_refused_are_counted_in_the_status_and_summary() -> None:
    lines: list[str] = []
    status = _reporter("sim", lines)
    status.send(frame(time_=0.0))
    status.send(dataclasses.replace(frame(time_=1.5), rejected_values=3))
    assert lines[-1].endswith("rejected_values=3")
    assert " rejected_values=3 ended_by=" in status.summary(1.5, "duration reached")
    calm = _reporter("sim", [])
    calm.send(frame(time_=0.0))
    assert " rejected_values=0 " in calm.summary(1.0, "duration reached")
