"""The simulated crowd: deterministic, plausible, and a well-behaved face source."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter

import pytest

from installation.emotions import EMOTIONS, HAPPY, dominant
from installation.events import EventQueue, FaceObservation, FacesObserved, SourceStatus
from installation.vision.crowd import FRAME_ASPECT, CrowdSettings, SimulatedCrowd
from installation.vision.simulated import SimulatedCrowdSource
from installation.vision.source import FaceSource

TEN_MINUTES = [i * 0.5 for i in range(1200)]  # twice a second is plenty to see comings and goings


Run = list[tuple[float, tuple[FaceObservation, ...]]]


def _run(settings: CrowdSettings, times: list[float] = TEN_MINUTES) -> Run:
    crowd = SimulatedCrowd(settings)
    return [(t, crowd.faces_at(t)) for t in times]


@pytest.fixture(scope="module")
def seven() -> Run:
    """Ten minutes of the default crowd, seed 7, twice a second."""
    return _run(CrowdSettings(seed=7))


@pytest.fixture(scope="module")
def long_run() -> Run:
    """Half an hour of one crowd: long enough for rare moods to lead at least once."""
    return _run(CrowdSettings(seed=11), times=[float(i) for i in range(1800)])


@pytest.fixture(scope="module")
def video_rate() -> Run:
    """One minute at 30 samples a second, as the source delivers them."""
    return _run(CrowdSettings(seed=9), times=[i / 30 for i in range(30 * 60)])


def test_same_seed_gives_the_same_faces(seven: Run) -> None:
    assert _run(CrowdSettings(seed=7)) == seven


def test_answers_do_not_depend_on_query_order(seven: Run) -> None:
    forward = dict(seven)
    crowd = SimulatedCrowd(CrowdSettings(seed=7))
    # Backwards, jumping about, and asking the same time twice.
    for t in [599.5, 300.0, 0.0, 450.5, 12.5, 599.5, *reversed(TEN_MINUTES[::7])]:
        assert crowd.faces_at(t) == forward[t]


def test_answers_survive_pruning_and_rebuilding() -> None:
    # Long enough that the cache drops old visitors, then asks far back in time.
    settings = CrowdSettings(seed=3, arrival_rate=2.0, mean_stay=5.0)
    crowd, fresh = SimulatedCrowd(settings), SimulatedCrowd(settings)
    late = [crowd.faces_at(float(t)) for t in range(0, 400, 2)][-1]
    assert crowd._valid_from > 0  # the cache did drop the early visitors
    assert crowd.faces_at(5.0) == fresh.faces_at(5.0)  # rebuilt from the start
    assert crowd.faces_at(398.0) == fresh.faces_at(398.0) == late


def test_a_first_question_hours_in_keeps_the_cache_short() -> None:
    # A clock that starts at the machine's uptime asks hours in at once. The catch-up must
    # not hold every visitor since t = 0 (that made it quadratic: 12 s at 13 hours).
    settings = CrowdSettings(seed=3, arrival_rate=2.0, mean_stay=5.0)
    jumped, walked = SimulatedCrowd(settings), SimulatedCrowd(settings)
    held: list[int] = []
    prune = jumped._prune

    def measured_prune(t: float) -> None:
        held.append(len(jumped._people))
        prune(t)

    jumped._prune = measured_prune  # type: ignore[method-assign]
    at = 2000.0
    answer = jumped.faces_at(at)
    # About 2000 visitors come in those 2000 s; two minutes' worth may be held at once.
    assert max(held) < 400
    for t in range(0, int(at), 3):
        walked.faces_at(float(t))
    assert answer == walked.faces_at(at)


def test_different_seeds_give_different_crowds(seven: Run) -> None:
    assert _run(CrowdSettings(seed=8)) != seven


def test_people_arrive_and_leave_within_the_cap(seven: Run) -> None:
    settings = CrowdSettings(seed=7)
    run = seven
    counts = [len(faces) for _, faces in run]
    assert len(run[0][1]) == settings.initial_people
    assert max(counts) <= settings.max_people
    ids = {face.track_id for _, faces in run for face in faces}
    assert len(ids) > 3 * settings.initial_people  # new people kept coming
    assert all(track_id > 0 for track_id in ids)
    # Everyone present at the start has left by the end.
    assert not {f.track_id for f in run[0][1]} & {f.track_id for f in run[-1][1]}


def test_a_quiet_room_stays_empty() -> None:
    run = _run(CrowdSettings(seed=1, initial_people=0, arrival_rate=0.0))
    assert all(faces == () for _, faces in run)


def test_emotions_are_probability_vectors(
    long_run: Run,
) -> None:
    for _, faces in long_run:
        for face in faces:
            assert len(face.emotions) == len(EMOTIONS)
            assert all(0.0 <= p <= 1.0 for p in face.emotions)
            assert math.isclose(sum(face.emotions), 1.0, abs_tol=1e-9)
            assert 0.0 <= face.smile <= 1.0


def test_every_emotion_leads_sometimes_and_happy_and_neutral_most(
    long_run: Run,
) -> None:
    leads = Counter(dominant(face.emotions) for _, faces in long_run for face in faces)
    assert set(leads) == set(EMOTIONS)
    top_two = {name for name, _ in leads.most_common(2)}
    assert top_two == {"happy", "neutral"}


def test_smile_follows_happiness(
    long_run: Run,
) -> None:
    happy: list[float] = []
    other: list[float] = []
    for _, faces in long_run:
        for face in faces:
            (happy if dominant(face.emotions) == "happy" else other).append(face.smile)
    assert sum(happy) / len(happy) > sum(other) / len(other) + 0.25
    # And in the small: smile and P(happy) rise and fall together.
    pairs = [(face.emotions[HAPPY], face.smile) for _, faces in long_run for face in faces]
    mean_p = sum(p for p, _ in pairs) / len(pairs)
    mean_s = sum(s for _, s in pairs) / len(pairs)
    assert sum((p - mean_p) * (s - mean_s) for p, s in pairs) > 0


def test_moods_change_smoothly(video_rate: Run) -> None:
    # Between frames no probability jumps the way a hard cut would.
    last: dict[int, tuple[float, ...]] = {}
    for _, faces in video_rate:
        for face in faces:
            before = last.get(face.track_id)
            if before is not None:
                assert max(abs(a - b) for a, b in zip(face.emotions, before, strict=True)) < 0.05
            last[face.track_id] = face.emotions


def test_boxes_stay_in_frame_and_look_like_faces(
    long_run: Run,
) -> None:
    eps = 1e-9
    for _, faces in long_run:
        for f in faces:
            assert -eps <= f.x and f.x + f.w <= 1 + eps and f.w > 0
            assert -eps <= f.y and f.y + f.h <= 1 + eps and f.h > 0
            assert f.w <= 0.16 * 1.1  # the nearest face, leaning in
            # Square-ish in pixels, unless clipped at a side edge while walking in or out.
            if f.x > 0 and f.x + f.w < 1:
                assert 0.95 < f.h / (f.w * FRAME_ASPECT) < 1.05
    widths = [f.w for _, faces in long_run for f in faces if f.x > 0 and f.x + f.w < 1]
    assert min(widths) < 0.08 and max(widths) > 0.14  # faces near and far


def test_one_person_moves_smoothly_under_one_track_id(video_rate: Run) -> None:
    last: dict[int, FaceObservation] = {}
    for _, faces in video_rate:
        assert len({f.track_id for f in faces}) == len(faces)
        for face in faces:
            before = last.get(face.track_id)
            if before is not None:
                # A walker crosses the frame in seconds; a jump would mean a swapped id.
                assert abs(face.centre[0] - before.centre[0]) < 0.03
                assert abs(face.centre[1] - before.centre[1]) < 0.03
            last[face.track_id] = face


def test_lingering_faces_keep_apart(long_run: Run) -> None:
    overlaps = []
    for _, faces in long_run:
        for i, a in enumerate(faces):
            for b in faces[i + 1 :]:
                dx = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
                dy = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
                overlaps.append(max(dx, 0) * max(dy, 0) / min(a.w * a.h, b.w * b.h))
    heavy = sum(o > 0.5 for o in overlaps)
    assert heavy < 0.05 * len(overlaps)  # only passers-by, briefly


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="initial_people"):
        CrowdSettings(seed=1, max_people=2, initial_people=3)
    with pytest.raises(ValueError, match="arrival_rate"):
        CrowdSettings(seed=1, arrival_rate=-1.0)
    with pytest.raises(ValueError, match="finite"):
        SimulatedCrowd(CrowdSettings(seed=1)).faces_at(math.nan)


class _FakeClock:
    """Show time that jumps a second per reading, so each sample's time is distinct."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._t = 100.0

    def __call__(self) -> float:
        with self._lock:
            self._t += 1.0
            return self._t


def test_source_emits_faces_on_the_queue_and_stops_promptly() -> None:
    settings = CrowdSettings(seed=7)
    source: FaceSource = SimulatedCrowdSource(settings, rate_hz=200.0)  # mypy checks the fit
    assert source.name == "sim"
    assert source.description == "simulated crowd (seed 7, up to 6 people)"
    source.stop()  # safe before start
    events = EventQueue()
    source.start(events, _FakeClock())
    seen: list[object] = []
    deadline = time.monotonic() + 2.0
    while sum(isinstance(e, FacesObserved) for e in seen) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
        seen += events.drain()
    started = time.monotonic()
    source.stop()
    assert time.monotonic() - started < 0.5
    source.stop()  # and twice
    seen += events.drain()

    assert isinstance(seen[0], SourceStatus) and seen[0].state == "running"
    samples = [e for e in seen if isinstance(e, FacesObserved)]
    assert len(samples) >= 5
    reference = SimulatedCrowd(settings)
    for sample in samples:
        assert sample.source == "sim"
        assert sample.faces == reference.faces_at(sample.time)  # one clock reading per sample
    times = [s.time for s in samples]
    assert times == sorted(times)
    assert isinstance(seen[-1], SourceStatus) and seen[-1].state == "stopped"
    time.sleep(0.05)
    assert events.drain() == []  # nothing after stop


def test_source_can_start_again_after_stop() -> None:
    source = SimulatedCrowdSource(CrowdSettings(seed=2), rate_hz=100.0)
    for _ in range(2):
        events = EventQueue()
        source.start(events, _FakeClock())
        with pytest.raises(RuntimeError):
            source.start(events, _FakeClock())
        source.stop()
        states = [e.state for e in events.drain() if isinstance(e, SourceStatus)]
        assert states == ["running", "stopped"]


def test_a_failing_clock_is_reported_not_raised() -> None:
    readings = iter([1.0, 2.0, 3.0])

    def clock() -> float:
        return next(readings)  # StopIteration on the fourth reading: a broken clock

    source = SimulatedCrowdSource(CrowdSettings(seed=2), rate_hz=500.0)
    events = EventQueue()
    source.start(events, clock)
    deadline = time.monotonic() + 2.0
    seen: list[object] = []
    while not any(isinstance(e, SourceStatus) and e.state == "lost" for e in seen):
        assert time.monotonic() < deadline
        time.sleep(0.01)
        seen += events.drain()
    source.stop()
    lost = seen[-1]
    assert isinstance(lost, SourceStatus) and lost.time == 3.0 and "failed" in lost.detail
    assert [e.time for e in seen if isinstance(e, FacesObserved)] == [2.0, 3.0]
