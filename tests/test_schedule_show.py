"""The schedule on a real headless show, on a test wall clock (NOVA_TEST_WALL_CLOCK): it opens
and closes on time, in the venue's zone across a daylight-saving change, boots dark when the
venue is shut, can be forced open over OSC, and really lets the camera go while closed.

The "camera" is a video file, read through the same capture path as a camera: while it is
released, the show process holds no descriptor on it (read from /proc).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest

from installation.schedule.testclock import WALL_CLOCK_ENV
from tests.conftest import ROOT
from tests.test_camera_source import make_video
from tests.test_liblo_clients import _oscsend
from tests.test_osc_feedback import _free_port

pytestmark = pytest.mark.gl


class ScheduledShow:
    def __init__(self, video: Path, wall: str, hours: list[str], seconds: int, tmp: Path) -> None:
        self.video = video
        self.osc_port, self.health_port = _free_port(), _free_port()
        self.snapshot = tmp / "last.png"
        env = {**os.environ, WALL_CLOCK_ENV: wall}
        env.pop("DISPLAY", None)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "installation", "run", "--source", f"file:{video}",
                "--headless", "--duration", str(seconds), "--size", "160x90",
                "--snapshot", str(self.snapshot),
                "--set", "schedule.timezone=Europe/London", *hours,
                "--set", "params.venue.fade=1.0",
                "--set", f"osc.listen=127.0.0.1:{self.osc_port}", "--set", "osc.query=''",
                "--set", "osc.advertise=false",
                "--set", f"health.listen=127.0.0.1:{self.health_port}",
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def health(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.health_port}/health"
        with urllib.request.urlopen(url, timeout=2) as reply:
            return dict(json.load(reply))

    def wait_for(self, test: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                last = self.health()
                if test(last):
                    return last
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"never came: last health {last.get('venue')} {last.get('camera')}")

    def holds_the_video(self) -> bool:
        """Whether the show process has the video file open (a camera would be /dev/video*)."""
        folder = Path(f"/proc/{self.process.pid}/fd")
        held = False
        for entry in folder.iterdir():
            try:
                held = held or os.readlink(entry) == str(self.video)
            except OSError:
                continue  # closed while we looked
        return held

    def finish(self) -> str:
        try:
            _, err = self.process.communicate(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.communicate()
        assert self.process.returncode == 0, err
        assert "Traceback" not in err, err
        return err


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(make_video(tmp_path_factory.mktemp("venue") / "room.avi", 60, 15.0))


@pytest.fixture
def show_factory(video: Path, tmp_path: Path) -> Iterator[Callable[..., ScheduledShow]]:
    shows: list[ScheduledShow] = []

    def start(wall: str, hours: list[str], seconds: int) -> ScheduledShow:
        show = ScheduledShow(video, wall, hours, seconds, tmp_path)
        shows.append(show)
        return show

    yield start
    for show in shows:
        if show.process.poll() is None:
            show.process.kill()
            show.process.communicate()


def _watching(doc: dict[str, Any]) -> bool:
    return bool(doc["venue"]["camera"] == "watching" and doc["camera"]["state"] == "running")


def test_booted_while_closed_it_stays_dark_without_the_camera_until_forced_open(
    show_factory: Callable[..., ScheduledShow],
) -> None:
    # Monday 7 December 2026 08:00 in London (GMT); open 10:00-18:00.
    show = show_factory("2026-12-07T08:00:00+00:00", ["--set", 'schedule.mon=["10:00-18:00"]'], 9)
    closed = show.wait_for(lambda doc: doc["frames"] > 10, timeout=30.0)
    assert closed["venue"]["open"] is False and closed["venue"]["forced"] is False
    assert closed["venue"]["next_change"] == "2026-12-07T10:00:00+00:00"
    assert closed["camera"]["state"] == "released"
    assert not show.holds_the_video(), "the camera was opened while the venue is closed"
    _oscsend(show.osc_port, "/nova/venue/open", "T")  # an operator forces it open
    forced = show.wait_for(_watching, timeout=10.0)
    assert forced["venue"]["open"] is True and forced["venue"]["forced"] is True
    assert show.holds_the_video()
    err = show.finish()
    assert "venue: opening the camera" in err


def test_at_closing_time_the_light_fades_out_and_the_camera_is_released(
    show_factory: Callable[..., ScheduledShow],
) -> None:
    show = show_factory("2026-12-07T10:01:50+00:00", ["--set", 'schedule.mon=["10:00-10:02"]'], 16)
    open_ = show.wait_for(_watching, timeout=30.0)
    assert open_["venue"]["open"] is True
    assert open_["venue"]["next_change"] == "2026-12-07T10:02:00+00:00"
    assert show.holds_the_video()
    shut = show.wait_for(lambda doc: doc["venue"]["camera"] == "released", timeout=20.0)
    assert shut["venue"]["open"] is False and shut["camera"]["state"] == "released"
    assert shut["venue"]["next_change"] == "2026-12-14T10:00:00+00:00"
    assert not show.holds_the_video(), "the camera is still open while the venue is closed"
    err = show.finish()
    assert "closed by the schedule" in err and "camera released" in err
    picture = cv2.imread(str(show.snapshot))
    assert picture is not None and picture.max() == 0  # faded out to black


def test_it_opens_on_the_local_clock_across_the_spring_forward_jump(
    show_factory: Callable[..., ScheduledShow],
) -> None:
    """Sunday 29 March 2026: at 01:00 GMT London's clocks jump to 02:00 BST. Open from 02:00
    local: a time the clock skips, so the venue opens at the jump (01:00 UTC), and closes at
    05:00 BST. The test clock starts 14 s before the jump and runs at twice real time."""
    show = show_factory(
        "2026-03-29T00:59:46+00:00@2", ["--set", 'schedule.sun=["02:00-05:00"]'], 14
    )
    before = show.wait_for(lambda doc: doc["frames"] > 10, timeout=30.0)
    assert before["venue"]["open"] is False
    assert before["venue"]["next_change"] == "2026-03-29T02:00:00+01:00"
    after = show.wait_for(_watching, timeout=20.0)
    assert after["venue"]["open"] is True and after["venue"]["forced"] is False
    assert after["venue"]["next_change"] == "2026-03-29T05:00:00+01:00"
    show.finish()
