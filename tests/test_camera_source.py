"""The camera path: frame grabber, cascades, face following, smile scorer and `CameraSource`.

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
from installation.vision.boxes import Box, centre_shift, iou
from installation.vision.camera import CameraSource, source_name
from installation.vision.capture import (
    Capture,
    CaptureTarget,
    FrameGrabber,
    backoff_delays,
    list_cameras,
    probe_camera,
)
from installation.vision.detect import (
    FACE_CASCADE,
    SmileScorer,
    cascade_dir,
    emotions_from_smile,
    load_cascade,
)
from installation.vision.dnn_detect import plan_tiles
from installation.vision.follow import FaceFollower
from installation.vision.pipeline import VisionPipeline, VisionSettings
from installation.vision.samples import background, crowd_frame, face_patch
from installation.vision.source import FaceSource
from installation.vision.sweep import plan_jobs
from tests.polling import poll_until
from tests.vision_helpers import blazeface_dir

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
    return poll_until(condition, timeout)


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


def test_a_still_picture_loops_as_itself_and_ends_when_it_does_not_loop(
    tmp_path: Path,
) -> None:
    picture = tmp_path / "still.png"
    assert cv2.imwrite(str(picture), np.full((120, 160, 3), 90, np.uint8))
    looping = FrameGrabber(str(picture), Clock(), loop=True)
    looping.start()
    try:
        # Well past the first frame: a still keeps coming at a video's pace, not "ended".
        assert wait_for(lambda: (f := looping.latest(0)) is not None and f.seq >= 5)
        assert looping.state == "running"
    finally:
        looping.stop()
    once = FrameGrabber(str(picture), Clock(), loop=False)
    once.start()
    try:
        assert wait_for(lambda: once.state == "ended")
        last = once.latest(0)
        assert last is not None and last.seq == 1
    finally:
        once.stop()


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


def test_a_file_that_ends_before_the_first_reading_still_shows_its_last_frame(
    videos: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = CameraSource(videos["short"], pace=False)
    reset = source._pipeline.reset

    def slow_reset() -> None:
        time.sleep(1.0)  # the worker's start, on a busy machine: the grabber reaches the end
        reset()

    monkeypatch.setattr(source._pipeline, "reset", slow_reset)
    got = run_source(source, lambda got: any(s.state == "ended" for s in statuses(got)))
    assert [s.state for s in statuses(got)] == ["starting", "running", "ended"]
    assert len(observed(got)) == 1  # the newest frame, read before the end is told
    ended = next(i for i, e in enumerate(got) if isinstance(e, SourceStatus) and e.state == "ended")
    assert all(i < ended for i, e in enumerate(got) if isinstance(e, FacesObserved))


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

    # Frames 1-100 black (a covered lens: still changing by a pixel, so not "frozen"): about
    # a second, so that a loaded machine still sees the blank outlast lost_after.
    def image(i: int) -> Image:
        frame = np.zeros((48, 64, 3), np.uint8) if i <= 100 else crowd_frame(1, i)
        frame[0, 0, 0] = i % 256
        return frame

    camera.images = image
    source = CameraSource(0, lost_after=0.3, opener=Opener(camera))
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
        load_cascade(tmp_path / "nowhere.xml")
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


def test_box_overlap_and_centre_shift() -> None:
    assert iou(Box(0, 0, 0.2, 0.2), Box(0.1, 0, 0.2, 0.2)) == pytest.approx(1 / 3)
    assert iou(Box(0, 0, 0.2, 0.2), Box(0.5, 0.5, 0.1, 0.1)) == 0.0
    assert centre_shift(Box(0, 0, 0.2, 0.1), Box(0.1, 0.02, 0.2, 0.1)) == pytest.approx(0.5)


def test_follower_gives_new_faces_new_ids_and_never_reuses_a_lost_one() -> None:
    follower = FaceFollower(load_cascade(cascade_dir() / FACE_CASCADE), timeout=0.4)
    blank = np.full((240, 320), 90, np.uint8)  # nothing to re-find: the sweep's boxes decide
    a, b = Box(0.1, 0.1, 0.2, 0.25), Box(0.6, 0.5, 0.2, 0.25)

    def ids(time: float, *found: Box) -> list[int]:
        return [face.id for face in follower.update(blank, time, found)]

    assert ids(0.0, a) == [1] and ids(0.1, a, b) == [1, 2]  # a new face: a new id
    assert ids(0.2, b) == [1, 2] and ids(0.4, b) == [1, 2]  # a missed: it coasts a while
    assert ids(0.6, b) == [2]  # a unseen for longer than the timeout: its track ended
    assert ids(0.7, a, b) == [2, 3]  # back too late: a new id, 1 never reused
    nearer = Box(0.65, 0.5625, 0.1, 0.125)  # b at half the size: little overlap, same centre
    assert ids(0.8, nearer) == [2, 3] and follower.faces[0].box == nearer
    assert ids(0.9) == [2, 3]  # nothing found this frame: both coast


def test_a_face_that_comes_in_gets_a_new_id_and_so_does_one_that_comes_back() -> None:
    left, right = face_patch(180), face_patch(180, mirror=True)

    def frame(t: int, with_left: bool, with_right: bool) -> Image:
        image = background().copy()
        if with_left:  # drifting right, 2 px a frame, from x = 40 when it comes (back) in
            x = 40 + 2 * (t if t < 100 else t - 100)
            image[150:330, x : x + 180] = left
        if with_right:
            image[150:330, 420:600] = right
        return image

    pipeline = VisionPipeline(VisionSettings(smile_model="haar"))  # 30 fps, 0.4 s timeout
    phases = [(True, False)] * 30 + [(True, True)] * 40 + [(False, True)] * 30
    phases += [(True, True)] * 40  # the left face leaves for a second, then comes back
    ids: dict[tuple[int, str], int] = {}  # (frame, "left" or "right") -> track id
    for t, (with_left, with_right) in enumerate(phases):
        for face in pipeline.process(frame(t, with_left, with_right), t / 30.0):
            side = "left" if face.x + face.w / 2 < 0.5 else "right"
            ids[(t, side)] = face.track_id

    def ids_of(side: str, frames: range) -> set[int]:
        return {i for (t, s), i in ids.items() if s == side and t in frames}

    # Each face is found within one scan (15 frames) and then reported every frame.
    assert all((t, "left") in ids for t in [*range(15, 70), *range(115, 140)])
    assert all((t, "right") in ids for t in range(45, 140))
    first, second = ids_of("left", range(0, 100)), ids_of("right", range(30, 140))
    assert len(first) == 1 and len(second) == 1 and first != second  # stable while in view
    assert ids_of("left", range(85, 100)) == set()  # gone for over 0.4 s: its track ended
    back = ids_of("left", range(100, 140))
    assert len(back) == 1 and not back & (first | second)  # a new id, never a reused one


@pytest.mark.parametrize("detector", ["blazeface", "haar"])
def test_no_faces_on_blank_frames_and_the_smile_scorer_stays_bounded(detector: str) -> None:
    if detector != "haar":
        blazeface_dir()
    pipeline = VisionPipeline(VisionSettings(smile_model="haar", face_detector=detector))  # type: ignore[arg-type]
    for blank in (np.zeros((480, 640, 3), np.uint8), np.full((240, 320), 128, np.uint8)):
        cycles = pipeline.sweep.cycles
        for i in range(_scan_frames(blank) + 2):  # a whole scan and then some
            assert pipeline.process(blank, i / 30.0) == ()
        assert pipeline.sweep.cycles > cycles
    scorer = SmileScorer()
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


def _scan_frames(frame: Image) -> int:
    """Frames one full scan of `frame` takes, with either detector (BlazeFace's tiles of the
    full frame or the Haar jobs of its 320-pixel copy)."""
    height, width = frame.shape[:2]
    small = (320, round(320 * height / width)) if width > 320 else (width, height)
    return max(len(plan_jobs(*small)), len(plan_tiles(width, height)))


@pytest.mark.parametrize("detector", ["blazeface", "haar"])
def test_real_faces_are_found_and_smiles_score_higher(detector: str) -> None:
    if detector != "haar":
        blazeface_dir()
    settings = VisionSettings(smile_model="haar", face_detector=detector)  # type: ignore[arg-type]
    pipeline, scorer = VisionPipeline(settings), SmileScorer()

    def faces_in(frame: Image) -> list[Box]:
        pipeline.reset()  # a new photo: nobody from the last one
        boxes: list[Box] = []
        for i in range(_scan_frames(frame) + 1):  # every job of the scan once, at least
            boxes = [Box(f.x, f.y, f.w, f.h) for f in pipeline.process(frame, i / 30.0)]
        return boxes

    def scores(label: str) -> list[float]:
        found = []
        for frame in map(face_frame, genki_faces(label, 40)):
            boxes = faces_in(frame)
            assert len(boxes) <= 1
            if boxes:  # where the photo was pasted: centre (328, 228) of 640x480
                assert abs(boxes[0].centre[0] - 0.51) < 0.06
                assert abs(boxes[0].centre[1] - 0.47) < 0.08
                found.append(scorer.score(frame, boxes[0]))
        # The Haar sweep finds 28 (no smile) and 34 (smile) of 40.
        assert len(found) >= 0.7 * 40
        return found

    assert np.mean(scores("1")) > np.mean(scores("0")) + 0.2
