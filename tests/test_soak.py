"""`installation soak`: its schedule, measurements and fault injectors, and one real run."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import moderngl
import pytest

from installation.events import EventQueue, FacesObserved, SourceStatus
from installation.render.globjects import count_live_objects, difference
from installation.render.programs import ProgramLibrary
from installation.soak.camera import VanishingSource
from installation.soak.configfile import with_param
from installation.soak.metrics import ExceptionCounter, FrameMeter, MemoryTrend, slope_per_hour
from installation.soak.schedule import (
    GAP_SECONDS,
    KINDS,
    MINIMUM_MINUTES,
    active,
    build_schedule,
    memory_fit_start,
    warmup_seconds,
)
from installation.vision.source import ShowTime
from tests.conftest import run_cli

# -- schedule ---------------------------------------------------------------------------------


def test_a_two_minute_run_injects_every_kind_after_the_warmup() -> None:
    duration = 120.0
    warmup = warmup_seconds(duration)
    windows = build_schedule(duration, warmup, fault_seconds=6.0, gap_seconds=7.0)

    assert warmup == 30.0  # a quarter of a short run
    assert {w.kind for w in windows} == set(KINDS)
    assert windows[0].start == warmup
    assert [w.kind for w in windows[: len(KINDS)]] == list(KINDS)  # one cycle, in order
    for before, after in itertools.pairwise(windows):
        assert after.start - before.end == 7.0  # every fault gets its full gap
    assert windows[-1].end + 7.0 <= duration  # ... the last one too
    assert active(windows, windows[1].start + 1.0) == windows[1]
    assert active(windows, windows[1].end + 0.5) is None


def test_the_warmup_is_a_minute_for_long_runs() -> None:
    assert warmup_seconds(30 * 60.0) == 60.0


def test_memory_is_fitted_after_the_first_round_of_faults_and_quarter() -> None:
    medium = build_schedule(400.0, 60.0)
    first_round_over = medium[len(KINDS) - 1].end + GAP_SECONDS
    assert first_round_over > 100.0
    assert memory_fit_start(medium, 60.0, 400.0) == first_round_over
    long = build_schedule(1800.0, 60.0)
    assert memory_fit_start(long, 60.0, 1800.0) == 450.0  # the first quarter is later
    short = build_schedule(120.0, 30.0)
    assert memory_fit_start(short, 30.0, 120.0) == 90.0  # the last quarter at least
    assert memory_fit_start([], 30.0, 120.0) == 30.0


def test_the_minimum_the_help_states_is_the_shortest_run_with_every_fault() -> None:
    def kinds(minutes: float) -> set[str]:
        duration = minutes * 60.0
        return {w.kind for w in build_schedule(duration, warmup_seconds(duration))}

    assert kinds(MINIMUM_MINUTES) == set(KINDS)
    assert kinds(MINIMUM_MINUTES - 0.1) != set(KINDS)  # MINIMUM_MINUTES, rounded up


def test_a_soak_shorter_than_the_minimum_is_refused_saying_why() -> None:
    result = run_cli("soak", "--minutes", "1")
    assert result.returncode == 2
    said = result.stderr.strip()
    assert said.startswith("installation: error: --minutes 1: too short")
    assert f"at least {MINIMUM_MINUTES:g} minutes" in said and "warm-up" in said
    assert "Traceback" not in said


def test_no_room_no_faults() -> None:
    assert build_schedule(20.0, 10.0, fault_seconds=6.0, gap_seconds=7.0) == []
    with pytest.raises(ValueError, match="at least one fault kind"):
        build_schedule(100.0, 10.0, kinds=())


# -- measurements -----------------------------------------------------------------------------


def test_slope_of_a_straight_line_in_units_per_hour() -> None:
    samples = [(t, 100.0 + 0.001 * t) for t in range(0, 600, 5)]  # 1 kB/s = 3.6 MB/h
    assert slope_per_hour(samples) == pytest.approx(3.6)


def test_slope_of_noise_around_a_level_is_near_zero() -> None:
    samples = [(float(t), 50.0 + (0.5 if t % 2 else -0.5)) for t in range(100)]
    assert abs(slope_per_hour(samples)) < 0.5 * 3600 / 100  # far below one step per sample
    assert slope_per_hour([(1.0, 5.0)]) == 0.0
    assert slope_per_hour([(1.0, 5.0), (1.0, 9.0)]) == 0.0


def test_memory_fit_leaves_out_the_warmup() -> None:
    trend = MemoryTrend(interval=2.0, warmup=10.0)
    for t in range(0, 30, 2):
        if trend.due(float(t)):
            trend.add(float(t), 200.0 if t < 10 else 100.0)  # start-up growth, then flat
    assert trend.fitted[0][0] == 10.0
    assert trend.slope_per_hour == 0.0


def test_frame_meter_splits_fps_by_fault() -> None:
    meter = FrameMeter()
    t = 0.0
    for _ in range(100):  # warm-up: not counted
        t += 0.01
        meter.frame(t, in_fault=False, counted=False)
    for _ in range(50):
        t += 0.02
        meter.frame(t, in_fault=False, counted=True)
    for _ in range(50):
        t += 0.025
        meter.frame(t, in_fault=True, counted=True)
    assert meter.fps_outside == pytest.approx(50.0)
    assert meter.fps_during == pytest.approx(40.0)
    assert meter.ratio == pytest.approx(0.8)


def test_exception_counter_counts_thread_deaths_and_tracebacks_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def quiet(args: threading.ExceptHookArgs) -> None:
        pass  # the thread below fails on purpose

    monkeypatch.setattr(threading, "excepthook", quiet)
    counter = ExceptionCounter()
    counter.install()
    try:
        logging.getLogger("installation.test").error("a message for people")  # not counted

        def fail() -> None:
            raise RuntimeError("boom")

        thread = threading.Thread(target=fail, name="doomed")
        thread.start()
        thread.join()
        try:
            raise ValueError("caught and logged")
        except ValueError:
            logging.getLogger("installation.test").exception("logged with its traceback")
    finally:
        counter.uninstall()
    assert counter.count == 2
    assert counter.last[0] == "thread doomed: RuntimeError: boom"
    assert threading.excepthook is quiet  # put back


# -- fault injectors --------------------------------------------------------------------------


def test_with_param_replaces_inserts_or_appends() -> None:
    replaced = with_param('[params]\nsea.level = 0.1\n[window]\nsize = "8x8"\n', "sea.level", 0.5)
    assert replaced == '[params]\nsea.level = 0.5\n[window]\nsize = "8x8"\n'
    inserted = with_param("[params]\nglow.radius = 0.2\n", "sea.level", 0.5)
    assert inserted == "[params]\nsea.level = 0.5\nglow.radius = 0.2\n"
    # A key of the same name in another table is not the parameter.
    appended = with_param("[other]\nsea.level = 1\n", "sea.level", 0.5)
    assert appended == "[other]\nsea.level = 1\n\n[params]\nsea.level = 0.5\n"


class _Steady:
    """A face source that reports an empty room 100 times a second."""

    name = "steady"
    description = "an empty room"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, events: EventQueue, now: ShowTime) -> None:
        def run() -> None:
            events.put(SourceStatus(now(), self.name, "running"))
            while not self._stop.wait(0.01):
                events.put(FacesObserved(now(), self.name, ()))

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _wait_for(events: EventQueue, wanted: Callable[[object], bool]) -> list[object]:
    seen: list[object] = []
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        seen.extend(events.drain())
        if any(wanted(event) for event in seen):
            return seen
        time.sleep(0.01)
    return seen


def test_a_vanished_source_is_reported_lost_then_running() -> None:
    events = EventQueue()
    source = VanishingSource(_Steady(), lost_after=0.2)
    source.start(events, time.monotonic)
    try:
        seen = _wait_for(events, lambda e: isinstance(e, FacesObserved))
        assert any(isinstance(e, FacesObserved) for e in seen)
        source.vanish()
        seen = _wait_for(events, lambda e: isinstance(e, SourceStatus) and e.state == "lost")
        lost = [e for e in seen if isinstance(e, SourceStatus) and e.state == "lost"]
        assert len(lost) == 1 and "no new frame" in lost[0].detail
        after = events.drain()
        assert not any(isinstance(e, FacesObserved) for e in after)  # silence while gone
        source.reappear()
        seen = _wait_for(events, lambda e: isinstance(e, SourceStatus) and e.state == "running")
        back = [e for e in seen if isinstance(e, SourceStatus)]
        assert [e.state for e in back] == ["running"]
    finally:
        source.stop()


@pytest.mark.gl
def test_broken_saves_under_hot_reload_leave_no_gl_objects(
    gl_ctx: moderngl.Context, tmp_path: Path
) -> None:
    # moderngl keeps a failed compile's program and shader alive; compile_program deletes them.
    (tmp_path / "v.vert").write_text(
        "#version 330 core\nin vec2 p;\nvoid main() { gl_Position = vec4(p, 0.0, 1.0); }\n"
    )
    good = "#version 330 core\nout vec4 c;\nvoid main() { c = vec4(1.0); }\n"
    fragment = tmp_path / "f.frag"
    fragment.write_text(good)
    with ProgramLibrary(gl_ctx, tmp_path) as library:
        library.get("v.vert", "f.frag")
        before = count_live_objects(gl_ctx)
        for _ in range(5):
            fragment.write_text(good + "this is not GLSL\n")
            assert library.reload() is False and library.errors
            fragment.write_text(good)
            assert library.reload() is True and not library.errors
        assert difference(before, count_live_objects(gl_ctx)) == {}


# -- the real thing ---------------------------------------------------------------------------


@pytest.mark.gl
def test_a_two_minute_soak_recovers_from_every_fault() -> None:
    result = run_cli(
        "soak", "--minutes", "2", "--json", "--set", "window.size=320x180", timeout=600.0
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    for key in (
        "memory_slope_mb_per_hour",
        "gl_objects_start",
        "gl_objects_end",
        "fps_ratio_during_faults",
        "exceptions",
        "faults",
        "recoveries",
        "per_kind",
        "machine",
    ):
        assert key in report, key
    assert report["ended_by"] == "soak finished"
    assert report["exceptions"] == 0, report["exception_lines"]
    assert report["faults"] >= len(KINDS)
    assert report["recoveries"] == report["faults"], report["fault_log"]
    for kind in KINDS:
        detail = report["per_kind"][kind]
        assert detail["injected"] >= 1, kind
        assert detail["recovered"] == detail["injected"], (kind, report["fault_log"])
    assert isinstance(report["gl_objects_start"], int)
    assert report["gl_objects_end"] == report["gl_objects_start"], report["gl_objects_change"]
    # Between faults, after a round of six (a venue closing and opening among them), the
    # show holds as many descriptors and threads as before it.
    assert report["quiet_samples"] >= 2
    assert report["descriptors_end"] == report["descriptors_start"] > 0
    assert report["threads_end"] == report["threads_start"] > 0
    assert report["fps_ratio_during_faults"] > 0
    # Where memory goes: the C heap in use (glibc) and Python's blocks, beside the RSS.
    assert report["native_heap_mb_end"] > 1.0 and report["python_blocks_end"] > 10_000
    assert isinstance(report["native_heap_slope_mb_per_hour"], float)
    assert report["lighting_packets_received"] > 0
    assert "soak [" in result.stderr  # progress lines
