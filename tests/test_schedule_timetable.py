"""Opening hours in the venue's time zone: open or closed at an instant, and the next change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from installation.control.health_osc import health_values
from installation.events import ParamChange
from installation.lighting.output import frame_universes
from installation.lighting.patch import load_patch, resolve_patch_path
from installation.palette import Palette
from installation.params import Catalogue
from installation.show import Show
from installation.timetable import Timetable, build_timetable
from tests.conftest import run_cli

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """An instant, written in UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def london(**weekly: list[str]) -> Timetable:
    return build_timetable(LONDON, weekly)


def test_no_hours_is_open_around_the_clock() -> None:
    table = build_timetable(LONDON, {})
    assert table.always_open
    state = table.state_at(at("2026-12-07 03:00"))
    assert state.open and state.next_change is None


def test_weekday_hours_open_and_close_with_the_next_change() -> None:
    table = london(mon=["10:00-18:00"], tue=["10:00-18:00"])
    # Monday 7 December 2026, winter: London is on UTC.
    before = table.state_at(at("2026-12-07 09:59"))
    assert not before.open and before.next_change == at("2026-12-07 10:00")
    inside = table.state_at(at("2026-12-07 10:00"))
    assert inside.open and inside.next_change == at("2026-12-07 18:00")
    after = table.state_at(at("2026-12-07 18:00"))  # the closing minute is closed
    assert not after.open and after.next_change == at("2026-12-08 10:00")
    weekend = table.state_at(at("2026-12-09 12:00"))  # Wednesday: next Monday
    assert not weekend.open and weekend.next_change == at("2026-12-14 10:00")


def test_a_late_opening_runs_past_midnight_into_the_next_day() -> None:
    table = london(sat=["10:00-18:00", "19:00-01:00"])
    late = table.state_at(at("2026-12-13 00:30"))  # Sunday morning, Saturday's range
    assert late.open and late.next_change == at("2026-12-13 01:00")
    gap = table.state_at(at("2026-12-12 18:30"))
    assert not gap.open and gap.next_change == at("2026-12-12 19:00")


def test_ranges_that_touch_are_one_opening() -> None:
    table = london(mon=["10:00-14:00", "14:00-18:00"])
    assert table.state_at(at("2026-12-07 11:00")).next_change == at("2026-12-07 18:00")


def test_closed_dates_and_dated_hours_replace_the_week() -> None:
    table = build_timetable(
        LONDON,
        {"fri": ["10:00-18:00"]},
        closed=["2026-12-25"],
        dates={"2026-12-31": ["20:00-02:00"], "2027-01-01": []},
    )
    christmas = table.state_at(at("2026-12-25 12:00"))
    assert not christmas.open and christmas.next_change == at("2026-12-31 20:00")
    new_year = table.state_at(at("2027-01-01 01:30"))
    assert new_year.open and new_year.next_change == at("2027-01-01 02:00")
    lines = table.week(at("2026-12-25 12:00"))
    assert lines[0] == "Fri 2026-12-25  closed (dated)"
    assert lines[6] == "Thu 2026-12-31  20:00-02:00 (dated)"


def test_hours_keep_to_the_local_clock_across_daylight_saving() -> None:
    """London goes from GMT to BST at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on
    25 October: 10:00 local is 10:00 UTC on the Saturday before and 09:00 UTC after."""
    table = london(sat=["10:00-18:00"], sun=["10:00-18:00"])
    assert table.state_at(at("2026-03-28 09:00")).next_change == at("2026-03-28 10:00")
    assert table.state_at(at("2026-03-29 08:00")).next_change == at("2026-03-29 09:00")
    assert table.state_at(at("2026-03-29 09:30")).open
    assert table.state_at(at("2026-10-25 09:30")).next_change == at("2026-10-25 10:00")


def test_a_range_through_the_change_night_ends_on_the_new_clock() -> None:
    table = london(sat=["20:00-04:00"])
    # 20:00 GMT to 04:00 BST: seven hours, not eight.
    state = table.state_at(at("2026-03-28 21:00"))
    assert state.open and state.next_change == at("2026-03-29 03:00")


def test_a_time_the_clock_skips_happens_when_it_jumps() -> None:
    table = london(sun=["01:30-05:00"])  # 01:30 does not exist on 29 March
    state = table.state_at(at("2026-03-29 00:00"))
    assert not state.open and state.next_change == at("2026-03-29 01:00")
    # In October 01:30 comes twice: the first time (BST) opens.
    assert table.state_at(at("2026-10-25 00:00")).next_change == at("2026-10-25 00:30")


def test_nothing_in_sight_says_so() -> None:
    table = build_timetable(LONDON, {}, dates={"2026-01-01": ["10:00-12:00"]})
    state = table.state_at(at("2026-12-07 12:00"))
    assert not state.open and state.next_change is None


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("schedule.timezone=Mars/Olympus", 'must be an IANA time zone such as "Europe/London"'),
        ('schedule.mon=["10-18"]', 'times are "HH:MM"'),
        ('schedule.mon=["10:00"]', 'each range must be "HH:MM-HH:MM"'),
        ('schedule.tue=["09:00-24:30"]', "times run from 00:00 to 24:00"),
        ('schedule.closed=["25/12/2026"]', 'dates are "YYYY-MM-DD"'),
        ("schedule.weekdays=1", "unknown key in [schedule] 'weekdays'"),
    ],
)
def test_a_wrong_schedule_stops_the_start_with_one_message(setting: str, said: str) -> None:
    result = run_cli("run", "--source", "sim", "--headless", "--duration", "1", "--set", setting)
    assert result.returncode == 2 or result.returncode == 1, result.returncode
    text = result.stdout + result.stderr
    assert said in text, text
    assert "Traceback" not in text
    assert setting.split("=")[0] in text  # names the key


def _house_at(catalogue: Catalogue, palette: Palette, fps: float, seconds: float) -> list[float]:
    """The venue's light sampled each second after a closing at t = 1, stepped at `fps`."""
    show = Show(catalogue, palette, {"venue.fade": 4.0})
    samples = []
    steps = round(seconds * fps)
    for i in range(steps + 1):
        t = i / fps
        events = [ParamChange(t, "venue.open", False, "test")] if i == round(fps) else []
        frame = show.step(t, events)
        if i % round(fps) == 0:
            samples.append(round(frame.house, 6))
            assert frame.params["master.brightness"] == pytest.approx(frame.house)
    return samples


def test_the_show_fades_to_the_closed_level_in_venue_fade_seconds_at_any_frame_rate(
    catalogue: Catalogue, palette: Palette
) -> None:
    slow, fast = _house_at(catalogue, palette, 24, 7.0), _house_at(catalogue, palette, 120, 7.0)
    assert slow == fast
    assert slow == [1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0, 0.0]


def test_a_show_started_while_closed_starts_dark_at_the_closed_level(
    catalogue: Catalogue, palette: Palette
) -> None:
    show = Show(catalogue, palette, {"venue.open": False, "venue.closed_level": 0.2})
    frame = show.step(0.0)
    assert frame.house == pytest.approx(0.2)
    assert frame.params["master.brightness"] == pytest.approx(0.2)


def test_osc_health_says_open_or_closed_and_whether_forced() -> None:
    closed = health_values({"venue": {"open": False, "forced": True, "next_change": "x"}})
    assert closed["venue/state"] == "closed (forced)" and closed["venue/next_change"] == "x"
    assert health_values({})["venue/state"] == "open"


def test_the_rig_follows_the_venue_to_its_closed_level(
    catalogue: Catalogue, palette: Palette
) -> None:
    patch = load_patch(resolve_patch_path("demo"))
    show = Show(catalogue, palette, {"venue.fade": 2.0, "venue.closed_level": 0.0})
    lit = frame_universes(patch, show.step(0.0))
    assert any(any(levels) for levels in lit.values())  # the mood wash is on
    show.step(1.0, [ParamChange(1.0, "venue.open", False, "schedule")])
    dark = frame_universes(patch, show.step(3.0))
    # Every dimmer and colour channel at zero; a fixture's fixed `set` channels (a moving
    # head's pan, tilt, shutter) stay where the patch puts them, as under blackout.
    blackout = Show(catalogue, palette, {"master.blackout": True})
    assert dark == frame_universes(patch, blackout.step(0.0))
