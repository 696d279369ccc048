"""A configured camera absent at start: the simulated crowd meanwhile, probing with backoff,
and the camera once it appears (a fake probe, and a real video file that appears)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from installation.config import load_settings
from installation.events import Event, EventQueue, FacesObserved, SourceStatus
from installation.params import Catalogue
from installation.vision.camera import CameraSource
from installation.vision.crowd import CrowdSettings
from installation.vision.select import choose_source
from installation.vision.simulated import SimulatedCrowdSource
from installation.vision.source import FaceSource
from installation.vision.waiting import CameraWhenPresent
from tests.polling import poll_until
from tests.test_camera_source import make_video

WAIT_S = 10.0


class FakeSource:
    """Records start and stop; puts nothing on the queue."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.description = f"fake {name}"
        self.running = False
        self.starts = 0

    def start(self, events: EventQueue, now: Callable[[], float]) -> None:
        self.running, self.starts = True, self.starts + 1

    def stop(self) -> None:
        self.running = False


def wait_for(check: Callable[[], bool], timeout: float = WAIT_S) -> bool:
    return poll_until(check, timeout)


def test_the_stand_in_runs_until_the_probe_finds_the_camera() -> None:
    sim, camera = FakeSource("sim"), FakeSource("camera:3")
    probes: list[float] = []
    plugged = threading.Event()

    def present() -> bool:
        probes.append(time.monotonic())
        return plugged.is_set()

    source: FaceSource = CameraWhenPresent(
        "camera:3", sim, lambda: camera, present, backoff_start=0.02, backoff_max=0.08
    )
    assert isinstance(source, CameraWhenPresent)
    source.start(EventQueue(), lambda: 0.0)
    try:
        assert wait_for(lambda: len(probes) >= 5)
        assert sim.running and not camera.running and source.active is sim
        health = source.health()
        assert health["state"] == "absent" and health["source"] == "camera:3"
        assert "sim meanwhile" in health["detail"]
        gaps = [b - a for a, b in itertools.pairwise(probes)]
        assert gaps[0] >= 0.02 and max(gaps) >= 0.08  # doubles up to the cap
        plugged.set()
        assert wait_for(lambda: source.active is camera)
        assert camera.running and not sim.running and camera.starts == 1
        assert "state" not in source.health()  # the frame's own source state says the rest
        count = len(probes)
        time.sleep(0.2)
        assert len(probes) == count  # found: probing has ended
    finally:
        source.stop()
    assert not camera.running and not sim.running and source.active is None


def test_a_probe_that_raises_is_a_camera_not_found(caplog: pytest.LogCaptureFixture) -> None:
    sim, camera = FakeSource("sim"), FakeSource("camera:0")
    calls = []

    def broken() -> bool:
        calls.append(1)
        raise OSError("driver trouble")

    source = CameraWhenPresent("camera:0", sim, lambda: camera, broken, backoff_start=0.01)
    source.start(EventQueue(), lambda: 0.0)
    assert wait_for(lambda: len(calls) >= 2)
    source.stop()
    assert not camera.starts and not sim.running
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_a_video_file_that_appears_takes_over_from_the_simulated_crowd(tmp_path: Path) -> None:
    video = tmp_path / "camera.avi"
    sim = SimulatedCrowdSource(CrowdSettings(seed=3, initial_people=2), rate_hz=30.0)
    source = CameraWhenPresent(
        f"file:{video}",
        sim,
        lambda: CameraSource(str(video), loop=True),
        video.exists,
        backoff_start=0.05,
        backoff_max=0.2,
    )
    events, got = EventQueue(), list[Event]()
    began = time.monotonic()
    source.start(events, lambda: time.monotonic() - began)  # show time starts at 0, as in a show
    try:
        assert wait_for(lambda: any(isinstance(e, FacesObserved) for e in drain(events, got)))
        assert {e.source for e in got if isinstance(e, FacesObserved)} == {"sim"}
        written = make_video(tmp_path / "writing.avi", 20, 30.0)
        Path(written).rename(video)  # appears whole, as a device node does
        assert wait_for(
            lambda: any(
                isinstance(e, FacesObserved) and e.source == f"file:{video}"
                for e in drain(events, got)
            )
        )
    finally:
        source.stop()
    drain(events, got)
    statuses = [(e.source, e.state) for e in got if isinstance(e, SourceStatus)]
    assert statuses[0] == ("sim", "running")
    handover = statuses.index(("sim", "stopped"))
    assert ("file:" + str(video), "running") in statuses[handover:]
    # No sim faces after the camera's first frame: one source at a time.
    first_camera = next(
        i for i, e in enumerate(got) if isinstance(e, FacesObserved) and e.source != "sim"
    )
    assert not [e for e in got[first_camera:] if isinstance(e, FacesObserved) and e.source == "sim"]


def drain(events: EventQueue, into: list[Event]) -> list[Event]:
    into.extend(events.drain())
    return into


def test_choose_source_keeps_looking_for_a_named_camera_only(catalogue: Catalogue) -> None:
    named = load_settings(catalogue, overrides=['source.input="camera:7"']).config
    choice = choose_source(named, probe=lambda index: False)
    assert isinstance(choice.source, CameraWhenPresent) and choice.source.name == "camera:7"
    assert "camera 7 not found: using the simulated crowd instead" in choice.notices[0]
    assert "until it appears" in choice.notices[0]
    auto = load_settings(catalogue, overrides=['source.input="auto"']).config
    # "auto" asked for no camera in particular: the simulated crowd, as before.
    assert isinstance(choose_source(auto, probe=lambda index: False).source, SimulatedCrowdSource)
