"""The camera path: frame grabber, detector, smile scorer, tracker and `CameraSource`.

Videos are made here from synthetic shapes; real faces come from scikit-image's astronaut
photo (in memory) and, where present, the GENKI-4K folder (skipped where it is absent).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from installation.emotions import EMOTIONS, HAPPY, NEUTRAL
from installation.events import Event, EventQueue, FaceObservation, FacesObserved, SourceStatus
from installation.vision.camera import CameraSource, source_name
from installation.vision.capture import (
    Capture,
    CaptureTarget,
    FrameGrabber,
    backoff_delays,
    list_cameras,
    probe_camera,
)
from installation.vision.detect import FaceDetector, SmileScorer, emotions_from_smile
from installation.vision.pipeline import VisionPipeline, VisionSettings
from installation.vision.samples import crowd_frame
from installation.vision.source import FaceSource
from installation.vision.tracking import Box, FaceTracker, iou

Image = npt.NDArray[np.uint8]
GENKI = Path("/work/shared/data/genki4k-dev")


def make_video(path: Path, frames: int, fps: float) -> str:
    """A 160x120 MJPG .avi of a moving disc (MJPG needs no codec beyond OpenCV's wheel)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (160, 120))
    assert writer.isOpened(), "cv2.VideoWriter cannot write MJPG .avi here"
    for i in range(frames):
        image = np.zeros((120, 160, 3), np.uint8)
        writer.write(cv2.circle(image, (10 + 9 * i, 60), 10, (255, 200, 50), -1))
    writer.release()
    return str(path)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("videos")
    return {  # 10 frames at 20 fps; 15 frames at 30 fps (half a second)
        "short": make_video(folder / "short.avi", 10, 20.0),
        "paced": make_video(folder / "paced.avi", 15, 30.0),
    }


class Clock:
    """Show time that records which thread asked, to tell capture stamps from others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stamps: list[tuple[float, str]] = []

    def __call__(self) -> float:
        with self._lock:
            self.stamps.append((100.0 + time.monotonic(), threading.current_thread().name))
            return self.stamps[-1][0]

    def values_from(self, thread_prefix: str) -> set[float]:
        with self._lock:
            return {v for v, name in self.stamps if name.startswith(thread_prefix)}


class FakeCamera:
    """A live capture in memory: distinct frames at ~100 fps, then a chosen failure."""

    def __init__(self, fail_after: int = 10**9, frozen: bool = False, block_s: float = 0.0) -> None:
        self.fail_after, self.frozen, self.block_s = fail_after, frozen, block_s
        self.images: Callable[[int], Image] = lambda i: np.full((48, 64, 3), i % 256, np.uint8)
        self.count = 0

    def read(self) -> tuple[bool, Any]:
        time.sleep(0.01)
        if self.count >= self.fail_after:
            time.sleep(self.block_s)  # OpenCV can block for seconds after an unplug
            return False, None
        self.count += 1
        return True, self.images(0 if self.frozen else self.count)

    def isOpened(self) -> bool:
        return True

    def get(self, prop_id: int, /) -> float:
        return 0.0

    def set(self, prop_id: int, value: float, /) -> bool:
        return False

    def release(self) -> None:
        pass


class Opener:
    """Hands out the given captures (None: cannot open) in turn, then fresh FakeCameras."""

    def __init__(self, *captures: Capture | None) -> None:
        self.script, self.calls = list(captures), list[float]()

    def __call__(self, target: CaptureTarget) -> Capture | None:
        self.calls.append(time.monotonic())
        return self.script.pop(0) if self.script else FakeCamera()


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def states(grabber: FrameGrabber) -> list[str]:
    return [change.state for change in grabber.changes()]


def genki_faces(label: str, count: int) -> list[Image]:
    if not (GENKI / label).is_dir():
        pytest.skip(f"GENKI-4K face photos not present at {GENKI / label}")
    paths = sorted((GENKI / label).glob("*.jpg"))[:count]
    return [np.asarray(cv2.imread(str(p)), np.uint8) for p in paths]


def face_frame(face: Image, left: int = 200) -> Image:
    """A 640x480 frame with a face photo upscaled 4x pasted in at (left, 100)."""
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[100:356, left : left + 256] = cv2.resize(face, (256, 256), interpolation=cv2.INTER_CUBIC)
    return frame


def run_source(source: CameraSource, until: Callable[[list[Event]], bool]) -> list[Event]:
    """Run until `until(events so far)`; stop() must return within about a second."""
    queue, got = EventQueue(), list[Event]()
    source.start(queue, Clock())
    wait_for(lambda: until(drain_into(got, queue)), timeout=4.0)
    started = time.monotonic()
    source.stop()
    assert time.monotonic() - started < 1.2
    return got + queue.drain()


def drain_into(got: list[Event], queue: EventQueue) -> list[Event]:
    got.extend(queue.drain())
    return got


def statuses(events: list[Event]) -> list[SourceStatus]:
    return [e for e in events if isinstance(e, SourceStatus)]


def observed(events: list[Event]) -> list[FacesObserved]:
    return [e for e in events if isinstance(e, FacesObserved)]


def test_mjpg_avi_round_trips(videos: dict[str, str]) -> None:
    cap = cv2.VideoCapture(videos["short"])
    assert cap.isOpened() and cap.get(cv2.CAP_PROP_FPS) == pytest.approx(20.0)
    assert sum(1 for _ in iter(lambda: cap.read()[0], False)) == 10
    cap.release()


def test_grabber_keeps_the_newest_frame_stamped_with_capture_time(videos: dict[str, str]) -> None:
    clock = Clock()
    grabber = FrameGrabber(videos["short"], clock, loop=True, pace=False)
    grabber.start()
    first = grabber.latest(0, timeout=2.0)
    assert first is not None and first.seq >= 1 and first.image.shape == (120, 160, 3)
    time.sleep(0.2)  # the grabber keeps reading while nobody consumes
    newest = grabber.latest(first.seq, timeout=2.0)
    assert newest is not None and newest.seq > first.seq + 1  # in between: dropped, not queued
    assert {first.time, newest.time} <= clock.values_from("frame-grabber")
    assert wait_for(lambda: (f := grabber.latest(0)) is not None and f.seq > 30)  # it loops
    assert grabber.state == "running"
    grabber.stop()
    assert states(grabber)[-1] == "stopped"


def test_grabber_reports_the_end_of_a_file_that_does_not_loop(videos: dict[str, str]) -> None:
    grabber = FrameGrabber(videos["short"], Clock(), pace=False)
    grabber.start()
    assert wait_for(lambda: grabber.state == "ended")
    last = grabber.latest(0)
    assert last is not None and last.seq == 10  # every frame once
    started = time.monotonic()
    assert grabber.latest(last.seq, timeout=2.0) is None
    assert time.monotonic() - started < 0.2  # an ended source does not keep callers waiting
    assert states(grabber) == ["starting", "running", "ended"]
    assert "end of file" in grabber.changes()[-1].detail
    grabber.stop()


def test_grabber_paces_file_playback_to_its_frame_rate(videos: dict[str, str]) -> None:
    def play(pace: bool) -> float:
        grabber = FrameGrabber(videos["paced"], Clock(), pace=pace)
        started = time.monotonic()
        grabber.start()
        assert wait_for(lambda: grabber.state == "ended", timeout=5.0)
        grabber.stop()
        return time.monotonic() - started

    paced, unpaced = play(True), play(False)
    assert 0.4 <= paced < 1.5 and unpaced < paced / 2  # 15 frames at 30 fps: 0.5 s


def test_grabber_reopens_a_lost_camera_with_backoff() -> None:
    assert list(itertools.islice(backoff_delays(), 6)) == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    opener = Opener(FakeCamera(fail_after=3), None)  # unplugged, still gone, back
    grabber = FrameGrabber(0, Clock(), backoff_start=0.05, backoff_max=0.2, opener=opener)
    grabber.start()
    assert wait_for(lambda: states(grabber) == ["starting", "running", "lost", "running"])
    assert "read failed" in grabber.changes()[2].detail
    gaps = np.diff(opener.calls)
    assert len(opener.calls) == 3 and gaps[0] >= 0.05 and gaps[1] >= 0.1  # doubled
    grabber.stop()


def test_grabber_calls_a_camera_repeating_one_frame_lost() -> None:
    opener = Opener(FakeCamera(frozen=True))
    grabber = FrameGrabber(0, Clock(), lost_after=0.2, backoff_start=0.05, opener=opener)
    grabber.start()
    assert wait_for(lambda: states(grabber)[-2:] == ["lost", "running"])  # reopened
    assert len(opener.calls) == 2 and grabber.latest(0) is not None
    grabber.stop()


def test_grabber_calls_a_blocked_camera_lost_and_still_stops_promptly() -> None:
    opener = Opener(FakeCamera(fail_after=2, block_s=1.5))
    grabber = FrameGrabber(0, Clock(), lost_after=0.2, opener=opener)
    grabber.start()
    assert wait_for(lambda: grabber.state == "lost", timeout=1.0)  # judged by frame age
    assert "no new frame" in grabber.changes()[-1].detail
    started = time.monotonic()
    grabber.stop()
    assert time.monotonic() - started < 1.0 and grabber.state == "stopped"


def test_probe_camera_on_a_missing_index_is_false_and_fast() -> None:
    started = time.monotonic()
    assert probe_camera(97) is False and probe_camera(-1) is False
    assert time.monotonic() - started < 1.0
    assert set(list_cameras(max_index=1)) <= {0, 1}


def test_source_emits_faces_observed_stamped_with_capture_time(videos: dict[str, str]) -> None:
    clock, queue, got = Clock(), EventQueue(), list[Event]()
    source: FaceSource = CameraSource(videos["short"], loop=True)  # the contract, for mypy
    assert source.name == f"file:{videos['short']}"
    source.start(queue, clock)
    wait_for(lambda: len(observed(drain_into(got, queue))) >= 5)
    source.stop()
    got += queue.drain()
    faces = observed(got)
    assert len(faces) >= 5
    assert all(e.time in clock.values_from("frame-grabber") for e in faces)  # capture time
    assert [e.time for e in faces] == sorted(e.time for e in faces)
    assert all(e.source == source.name and e.faces == () for e in faces)  # no people drawn
    assert [s.state for s in statuses(got)] == ["starting", "running", "stopped"]


def test_source_reports_the_end_of_a_file(videos: dict[str, str]) -> None:
    source = CameraSource(videos["short"], pace=False)
    got = run_source(source, lambda got: any(s.state == "ended" for s in statuses(got)))
    assert [s.state for s in statuses(got)] == ["starting", "running", "ended"]
    assert 1 <= len(observed(got)) <= 10


def test_source_reports_a_lost_camera_and_its_return() -> None:
    source = CameraSource(0, backoff_start=0.05, opener=Opener(FakeCamera(fail_after=10)))
    assert source.name == "camera:0"
    got = run_source(source, lambda got: len(statuses(got)) >= 4)
    assert [s.state for s in statuses(got)] == ["starting", "running", "lost", "running", "stopped"]


def test_worker_logs_a_failing_frame_and_carries_on(
    videos: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    class Flaky(VisionPipeline):
        calls = 0

        def process_gray(self, gray: Image, time: float) -> tuple[FaceObservation, ...]:
            Flaky.calls += 1
            if Flaky.calls <= 3:
                raise RuntimeError("bad frame")
            return super().process_gray(gray, time)

    flaky = Flaky(VisionSettings(smile_model="haar"))
    source = CameraSource(videos["short"], loop=True, pace=False, pipeline=flaky)
    with caplog.at_level(logging.ERROR, logger="installation.vision.camera"):
        got = run_source(source, lambda got: len(observed(got)) >= 3)
    assert len(observed(got)) >= 3
    assert len([r for r in caplog.records if "failed" in r.getMessage()]) == 1  # rate-limited


def test_a_blank_camera_is_reported_and_its_return_noticed() -> None:
    camera = FakeCamera()

    # Frames 1-40 black (a covered lens: still changing by a pixel, so not "frozen").
    def image(i: int) -> Image:
        frame = np.zeros((48, 64, 3), np.uint8) if i <= 40 else crowd_frame(1, i)
        frame[0, 0, 0] = i % 256
        return frame

    camera.images = image
    source = CameraSource(0, lost_after=0.15, opener=Opener(camera))
    got = run_source(
        source,
        lambda got: (
            [s.state for s in statuses(got)][-1:] == ["running"] and len(statuses(got)) >= 4
        ),
    )
    states_seen = [(s.state, s.detail) for s in statuses(got)]
    assert [state for state, _ in states_seen][:4] == ["starting", "running", "lost", "running"]
    assert "blank" in states_seen[2][1]


def test_source_names_and_setup_errors(tmp_path: Path) -> None:
    assert source_name(2) == "camera:2" and source_name("a/b.avi") == "file:a/b.avi"
    assert source_name("rtsp://ann:pw@10.0.0.5:554/live") == "stream:rtsp://10.0.0.5:554/live"
    with pytest.raises(FileNotFoundError, match=r"missing\.avi"):
        CameraSource(str(tmp_path / "missing.avi"))
    with pytest.raises(FileNotFoundError, match=r"nowhere\.xml"):
        FaceDetector(cascade_path=tmp_path / "nowhere.xml")
    (tmp_path / "broken.xml").write_text("not a cascade")
    with pytest.raises(ValueError, match=r"broken\.xml"):
        SmileScorer(cascade_path=tmp_path / "broken.xml")


def test_source_finds_a_real_face_and_keeps_its_id() -> None:
    frames = [crowd_frame(1, i) for i in range(40)]  # the astronaut, drifting, in memory
    camera = FakeCamera()
    camera.images = lambda i: frames[i % len(frames)]
    got = run_source(CameraSource(0, opener=Opener(camera)), lambda got: len(observed(got)) >= 20)
    seen = [face for e in observed(got) for face in e.faces]
    assert len(seen) >= 4 and {f.track_id for f in seen} == {seen[0].track_id}
    assert all(0.0 <= f.smile <= 1.0 and sum(f.emotions) == pytest.approx(1.0) for f in seen)
    assert seen[-1].smile > 0.5


def test_tracker_keeps_ids_of_moving_faces() -> None:
    assert iou(Box(0, 0, 0.2, 0.2), Box(0.1, 0, 0.2, 0.2)) == pytest.approx(1 / 3)
    assert iou(Box(0, 0, 0.2, 0.2), Box(0.5, 0.5, 0.1, 0.1)) == 0.0
    tracker, left_ids, right_ids = FaceTracker(), set(), set()
    for step in range(20):
        left = Box(0.1 + 0.01 * step, 0.3, 0.15, 0.2)
        right = Box(0.7 - 0.01 * step, 0.35 + 0.005 * step, 0.12, 0.16)
        if step % 2:  # detectors list faces in no fixed order
            right_id, left_id = tracker.update([right, left])
        else:
            left_id, right_id = tracker.update([left, right])
        left_ids.add(left_id)
        right_ids.add(right_id)
    assert left_ids == {1} and right_ids == {2}
    assert tracker.update([Box(0.36, 0.3, 0.15, 0.2)]) == [1]  # a jump past any overlap


def test_tracker_gives_new_faces_new_ids_and_drops_lost_ones() -> None:
    tracker = FaceTracker(max_missed=2)
    a, b = Box(0.1, 0.1, 0.1, 0.1), Box(0.6, 0.6, 0.1, 0.1)
    results = [tracker.update(boxes) for boxes in ([a], [a, b], [b], [b], [a, b])]
    assert results == [[1], [1, 2], [2], [2], [1, 2]]  # a missed twice: still remembered
    for _ in range(3):
        tracker.update([b])
    assert [t.id for t in tracker.tracks] == [2]
    assert tracker.update([a, b]) == [3, 2]  # back too late: a new id, never reused
    assert tracker.update([]) == []


def test_detector_and_smile_scorer_on_frames_without_faces() -> None:
    detector, scorer = FaceDetector(), SmileScorer()
    assert detector.detect(np.zeros((480, 640, 3), np.uint8)) == []
    assert detector.detect(np.full((240, 320), 128, np.uint8)) == []
    noise = np.random.default_rng(3).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    for image in (np.zeros_like(noise), noise):
        for box in (Box(0.3, 0.2, 0.4, 0.5), Box(0.9, 0.9, 0.5, 0.5), Box(0.5, 0.5, 0, 0)):
            assert 0.0 <= scorer.score(image, box) <= 1.0
    assert scorer.score_count(0) == 0.0 and scorer.score_count(1000) == 1.0
    assert scorer.score_count(8) < scorer.score_count(12)


def test_emotions_from_smile_is_the_honest_light_reading() -> None:
    probabilities = emotions_from_smile(0.75)
    assert len(probabilities) == len(EMOTIONS) and sum(probabilities) == pytest.approx(1.0)
    assert probabilities[HAPPY] == 0.75 and probabilities[NEUTRAL] == 0.25
    assert emotions_from_smile(7.0)[HAPPY] == 1.0


def test_real_faces_are_found_and_smiles_score_higher() -> None:
    detector, scorer = FaceDetector(), SmileScorer()

    def scores(label: str) -> list[float]:
        found = []
        for frame in map(face_frame, genki_faces(label, 40)):
            boxes = detector.detect(frame)
            assert len(boxes) <= 1
            if boxes:  # where the photo was pasted: centre (328, 228) of 640x480
                assert abs(boxes[0].centre[0] - 0.51) < 0.06
                assert abs(boxes[0].centre[1] - 0.47) < 0.08
                found.append(scorer.score(frame, boxes[0]))
        assert len(found) >= 0.7 * 40
        return found

    assert np.mean(scores("1")) > np.mean(scores("0")) + 0.2
