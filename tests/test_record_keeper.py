"""Kept recordings ([record]): a new file each opening day, a budget that deletes only whole
old files of its own, a full disk that pauses, and day files that replay on their own."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from installation.config import RecordSection, load_settings
from installation.events import FacesObserved, ParamChange
from installation.palette import Palette
from installation.params import Catalogue
from installation.record.checksum import state_checksum
from installation.record.keeper import RecordingKeeper
from installation.record.replay import SessionReplay
from installation.record.session import read_session
from installation.show import Show
from installation.vision.crowd import CrowdSettings, SimulatedCrowd
from tests.conftest import run_cli
from tests.test_osc_feedback import _free_port

LONDON = ZoneInfo("Europe/London")
FPS = 30


class Wall:
    """A wall clock a test moves by hand."""

    def __init__(self, start: str) -> None:
        self.now = dt.datetime.fromisoformat(start)

    def __call__(self) -> dt.datetime:
        return self.now


def _keeper(
    catalogue: Catalogue, folder: Path, wall: Wall, scheduled: bool, **record: float
) -> RecordingKeeper:
    settings = load_settings(catalogue)
    section = RecordSection(folder=str(folder), **record)
    return RecordingKeeper(section, settings, catalogue, LONDON, wall, scheduled)


def _run(
    show: Show, keeper: RecordingKeeper, wall: Wall, seconds: float, start: float = 0.0,
    events_at: dict[int, list[ParamChange]] | None = None,
) -> float:  # fmt: skip
    """Step the show and the keeper at FPS with a simulated crowd; the next show time."""
    crowd = SimulatedCrowd(CrowdSettings(seed=5))
    frames = round(seconds * FPS)
    for i in range(frames):
        t = start + i / FPS
        events = [FacesObserved(t, "sim", crowd.faces_at(t)), *(events_at or {}).get(i, [])]
        frame = show.step(t, events)
        keeper.step(t, events, frame)
        wall.now += dt.timedelta(seconds=1 / FPS)
    return start + frames / FPS


def _replays_exactly(path: Path, catalogue: Catalogue) -> int:
    session = read_session(path, catalogue)
    replay = SessionReplay(session, catalogue)
    assert replay.verify() is None, f"{path.name} does not replay as recorded"
    return replay.checked


def test_each_opening_day_gets_its_own_file_that_replays_on_its_own(
    catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    wall = Wall("2026-12-07T10:00:00+00:00")
    keeper = _keeper(catalogue, tmp_path, wall, scheduled=True)
    show = Show(catalogue, palette, {"venue.fade": 1.0})
    keeper.attach(show.state)
    closing = {round(6 * FPS): [ParamChange(6.0, "venue.open", False, "schedule")]}
    t = _run(show, keeper, wall, 10.0, events_at=closing)  # open 6 s, then closed
    wall.now += dt.timedelta(hours=20)  # the next morning
    opening = {0: [ParamChange(t, "venue.open", True, "schedule")]}
    _run(show, keeper, wall, 6.0, start=t, events_at=opening)
    keeper.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2, [f.name for f in files]
    assert files[0].name == "nova-20261207-100000.jsonl"
    assert files[1].name.startswith("nova-20261208-0600")  # opened with the next morning
    # The second starts mid-show (faces in view, the sea drifted): its header holds the
    # show's state, and the replay from it matches every recorded checksum.
    header = json.loads(files[1].read_text().splitlines()[0])
    assert header["state"]["faces"] and header["state"]["times"][0] > 9.0
    assert all(_replays_exactly(f, catalogue) >= 4 for f in files)
    # Nothing was recorded while closed: the first file ends when the fade (1 s) is over.
    assert 6.9 < read_session(files[0], catalogue).duration < 7.2


def test_without_opening_hours_a_new_file_starts_at_local_midnight(
    catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    wall = Wall("2026-06-07T22:59:57+00:00")  # 23:59:57 in London (BST)
    keeper = _keeper(catalogue, tmp_path, wall, scheduled=False)
    show = Show(catalogue, palette, {})
    keeper.attach(show.state)
    _run(show, keeper, wall, 6.0)
    keeper.close()
    names = sorted(f.name for f in tmp_path.iterdir())
    assert names[0] == "nova-20260607-235957.jsonl" and names[1].startswith("nova-20260608-0000")
    assert all(_replays_exactly(tmp_path / name, catalogue) >= 1 for name in names)


def _old_file(folder: Path, name: str, size: int, days_old: float = 0.0) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    when = time.time() - days_old * 86400
    os.utime(path, (when, when))
    return path


def test_the_budget_deletes_only_whole_old_files_of_its_own(
    catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    mb = 1024 * 1024
    oldest = _old_file(tmp_path, "nova-20261201-100000.jsonl", mb)
    older = _old_file(tmp_path, "nova-20261202-100000.jsonl", mb)
    newer = _old_file(tmp_path, "nova-20261203-100000.jsonl", mb)
    foreign = [
        _old_file(tmp_path, "nova-20261130-100000.mp4", 3 * mb),  # a render: not ours
        _old_file(tmp_path, "notes.jsonl", 3 * mb),
        _old_file(tmp_path, "nova-ours-not.jsonl", 3 * mb),
    ]
    wall = Wall("2026-12-07T10:00:00+00:00")
    keeper = _keeper(catalogue, tmp_path, wall, scheduled=True, keep_mb=2.5)
    show = Show(catalogue, palette, {})
    keeper.attach(show.state)
    _run(show, keeper, wall, 1.0)
    # 3 MB of ours plus the new file: the oldest whole file goes, no more.
    assert not oldest.exists()
    assert older.stat().st_size == mb and newer.stat().st_size == mb  # whole, untouched
    assert all(f.exists() and f.stat().st_size == 3 * mb for f in foreign)
    current = keeper.path
    assert current.exists() and current.name.startswith("nova-20261207-")
    assert keeper.health()["deleted"] == 1
    keeper.close()


def test_files_older_than_keep_days_go(
    catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    stale = _old_file(tmp_path, "nova-20261001-100000.jsonl", 100, days_old=40)
    recent = _old_file(tmp_path, "nova-20261201-100000.jsonl", 100, days_old=2)
    wall = Wall("2026-12-07T10:00:00+00:00")
    keeper = _keeper(catalogue, tmp_path, wall, scheduled=True, keep_days=30)
    show = Show(catalogue, palette, {})
    keeper.attach(show.state)
    _run(show, keeper, wall, 0.5)
    keeper.close()
    assert not stale.exists() and recent.exists()


@pytest.mark.gl
def test_a_disk_that_fills_pauses_the_recording_and_the_show_goes_on(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    folder = tmp_path / "kept"
    result = run_cli(
        "run", "--source", "sim", "--headless", "--duration", "6", "--size", "160x90",
        "--set", f"record.folder={folder}", "--set", "health.listen=''",
        "--set", f"osc.listen=127.0.0.1:{_free_port()}", "--set", "osc.query=''",
        "--set", "osc.advertise=false",
        max_file_bytes=60_000,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("paused") == 1, result.stderr  # one warning, not one a frame
    (kept,) = folder.iterdir()
    assert read_session(kept, catalogue).step_count > 10  # what it took stays


@pytest.mark.gl
def test_render_takes_a_days_file(catalogue: Catalogue, palette: Palette, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    wall = Wall("2026-06-07T22:59:58+00:00")
    keeper = _keeper(catalogue, folder, wall, scheduled=False)
    show = Show(catalogue, palette, {})
    keeper.attach(show.state)
    _run(show, keeper, wall, 5.0)
    keeper.close()
    day = sorted(folder.iterdir())[-1]  # the one that starts mid-show, after midnight
    sheet = tmp_path / "sheet.png"
    result = run_cli("render", str(day), "--contact-sheet", str(sheet), "--size", "160x90",
                     "--frames-in-sheet", "4")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "differs" not in result.stderr, result.stderr  # checksums held
    assert sheet.exists()


def test_a_restored_show_goes_on_exactly_as_the_original(
    catalogue: Catalogue, palette: Palette
) -> None:
    """Show.state through JSON and back, mid-ramp, mid-crossfade and mid-fade: every later
    step's checksum is the original's."""
    crowd = SimulatedCrowd(CrowdSettings(seed=3))
    changes = {
        100: ParamChange(0, "scene", "disparity", "test"),
        200: ParamChange(0, "glow.radius", 0.4, "test", ramp=3.0),
        240: ParamChange(0, "venue.open", False, "test"),
        260: ParamChange(0, "show.freeze", True, "test"),
        400: ParamChange(0, "show.freeze", False, "test"),
    }
    steps = []
    for i in range(600):
        t = i / 60
        events: list[FacesObserved | ParamChange] = [FacesObserved(t, "sim", crowd.faces_at(t))]
        if i in changes:
            change = changes[i]
            events.append(ParamChange(t, change.name, change.value, "test", change.ramp))
        steps.append((t, events))
    original = Show(catalogue, palette, {"venue.fade": 4.0})
    for t, events in steps[:250]:
        original.step(t, events)
    copy = Show(catalogue, palette, {})
    copy.restore(json.loads(json.dumps(original.state())))
    for t, events in steps[250:]:
        assert state_checksum(copy.step(t, events), catalogue) == state_checksum(
            original.step(t, events), catalogue
        ), t


class _RefusedWrites:
    """Stands in for a SessionRecorder on a full disk: every file fails at once."""

    opened = 0

    def __init__(self, path: Path, *args: object, **kwargs: object) -> None:
        type(self).opened += 1
        self.path = path
        self.stopped_early = True

    def step(self, *args: object) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_full_disk_is_one_warning_however_often_a_new_file_is_tried(
    catalogue: Catalogue,
    palette: Palette,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("installation.record.keeper.SessionRecorder", _RefusedWrites)
    wall = Wall("2026-12-07T10:00:00+00:00")
    keeper = _keeper(catalogue, tmp_path, wall, scheduled=True)
    show = Show(catalogue, palette, {})
    keeper.attach(show.state)
    _run(show, keeper, wall, 200.0)  # a new file tried every 60 s
    assert _RefusedWrites.opened >= 3
    paused = [r for r in caplog.records if "paused" in r.getMessage()]
    assert len(paused) == 1, [r.getMessage() for r in paused]
    assert keeper.health()["state"] == "paused: the disk is full"
