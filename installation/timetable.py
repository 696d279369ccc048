"""Opening hours: when the venue is open, in its own time zone, and when that next changes.

Hours are local wall-clock times per weekday, with dated exceptions (a closed day, a late
opening); a range may run past midnight ("18:00-02:00"). Every range becomes a pair of
instants in UTC through the venue's zone, so a daylight-saving change moves nothing but
the clock on the wall: a day with "10:00-18:00" is open from 10:00 to 18:00 local time on
both sides of the change. A local time the change skips (the spring-forward hour) happens
at the moment the clock jumps over it; a time it repeats happens the first time round.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead `state_at` looks for the next change: past this, "no change in sight".
LOOKAHEAD_DAYS = 15


@dataclass(frozen=True)
class Span:
    """Opening hours on one local day: start and end minutes after midnight (end may pass
    1440 when the range runs into the next day)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def parse_spans(ranges: Sequence[str]) -> tuple[Span, ...]:
    """["10:00-18:00", "19:30-23:00"] -> spans; ValueError says what is wrong and allowed."""
    spans = []
    for text in ranges:
        start_text, sep, end_text = text.partition("-")
        if not sep:
            raise ValueError(
                f'each range must be "HH:MM-HH:MM", such as "10:00-18:00" (got {text!r})'
            )
        start, end = _minutes(start_text, text), _minutes(end_text, text)
        if start >= 1440:
            raise ValueError(f"a range starts by 23:59 (got {text!r})")
        if end <= start:
            end += 1440  # past midnight: "18:00-02:00" closes at 2 the next morning
        spans.append(Span(start, end))
    return tuple(sorted(spans, key=lambda s: s.start))


@dataclass(frozen=True)
class VenueState:
    """Open or not at one instant, and the next instant that changes (None: none in sight)."""

    open: bool
    next_change: dt.datetime | None

    def next_text(self, zone: ZoneInfo) -> str:
        """The next change for people: "closes Mon 2026-12-07 18:00 GMT"."""
        if self.next_change is None:
            return "no change in the coming two weeks"
        local = self.next_change.astimezone(zone)
        return f"{'closes' if self.open else 'opens'} {local:%a %Y-%m-%d %H:%M %Z}"


@dataclass(frozen=True)
class Timetable:
    """The venue's opening hours. `weekly` has seven entries, Monday first; `dates` replace a
    day's weekly hours (an empty tuple: closed that day)."""

    zone: ZoneInfo
    weekly: tuple[tuple[Span, ...], ...]
    dates: Mapping[dt.date, tuple[Span, ...]]

    @property
    def always_open(self) -> bool:
        """No hours given at all: the show runs around the clock (the default)."""
        return not any(self.weekly) and not self.dates

    def spans_on(self, day: dt.date) -> tuple[Span, ...]:
        return self.dates.get(day, self.weekly[day.weekday()])

    def windows(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Open intervals (UTC, merged where they touch) overlapping start..end."""
        first = start.astimezone(self.zone).date() - dt.timedelta(days=1)  # last night's range
        last = end.astimezone(self.zone).date()
        raw = []
        day = first
        while day <= last:
            for span in self.spans_on(day):
                opens, closes = self._instant(day, span.start), self._instant(day, span.end)
                if closes > start and opens < end:
                    raw.append((opens, closes))
            day += dt.timedelta(days=1)
        return _merged(raw)

    def state_at(self, now: dt.datetime) -> VenueState:
        if self.always_open:
            return VenueState(True, None)
        horizon = now + dt.timedelta(days=LOOKAHEAD_DAYS)
        for opens, closes in self.windows(now, horizon):
            if opens <= now < closes:
                return VenueState(True, closes)
            if opens > now:
                return VenueState(False, opens)
        return VenueState(False, None)

    def week(self, now: dt.datetime) -> list[str]:
        """The coming seven days, one line each, in local time (for `installation doctor`)."""
        if self.always_open:
            return ["no opening hours set: the show runs around the clock"]
        today = now.astimezone(self.zone).date()
        lines = []
        for offset in range(7):
            day = today + dt.timedelta(days=offset)
            spans = self.spans_on(day)
            hours = ", ".join(str(s) for s in spans) if spans else "closed"
            special = " (dated)" if day in self.dates else ""
            lines.append(f"{day:%a %Y-%m-%d}  {hours}{special}")
        return lines

    def _instant(self, day: dt.date, minutes: int) -> dt.datetime:
        # Wall-clock time of that local day: the zone is attached after the arithmetic, so
        # "02:00 the next morning" is 02:00 on the clock whatever the night's offset change.
        moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
        # A time the clock skips happens when the clock jumps: the first minute after the
        # gap, found by stepping back to the last minute that exists (gaps are whole minutes).
        skipped = 0
        while not self._exists(moment - dt.timedelta(minutes=skipped)):
            skipped += 1
        if skipped:
            moment = moment - dt.timedelta(minutes=skipped - 1)
            before = (moment - dt.timedelta(minutes=1)).replace(tzinfo=self.zone)
            return before.astimezone(dt.UTC) + dt.timedelta(minutes=1)
        return moment.replace(tzinfo=self.zone).astimezone(dt.UTC)

    def _exists(self, local: dt.datetime) -> bool:
        aware = local.replace(tzinfo=self.zone)
        return aware.astimezone(dt.UTC).astimezone(self.zone).replace(tzinfo=None) == local


def build_timetable(
    zone: ZoneInfo,
    weekly: Mapping[str, Sequence[str]],
    closed: Iterable[str] = (),
    dates: Mapping[str, Sequence[str]] | None = None,
) -> Timetable:
    """From config values (checked there): weekday name -> ranges, closed dates, dated hours."""
    week = tuple(parse_spans(weekly.get(name, ())) for name in WEEKDAYS)
    special: dict[dt.date, tuple[Span, ...]] = {}
    for text, ranges in (dates or {}).items():
        special[parse_date(text)] = parse_spans(ranges)
    for text in closed:
        special[parse_date(text)] = ()
    return Timetable(zone, week, special)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'dates are "YYYY-MM-DD", such as "2026-12-25" (got {text!r})') from None


def _minutes(text: str, whole: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f'times are "HH:MM", such as "09:30" (got {whole!r})')
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 1440:
        raise ValueError(f"times run from 00:00 to 24:00 (got {whole!r})")
    return value


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24 if minutes != 1440 else 24:02d}:{minutes % 60:02d}"


def _merged(
    windows: list[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for opens, closes in sorted(windows):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


def venue_zone(name: str) -> ZoneInfo:
    """The IANA zone `name` ("Europe/London"), or with "" this machine's own zone (TZ, then
    /etc/localtime); ValueError for a name the zone database does not have."""
    if name:
        try:
            return ZoneInfo(name)
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(
                f'must be an IANA time zone such as "Europe/London" (got {name!r})'
            ) from None
    return _machine_zone()


def _machine_zone() -> ZoneInfo:
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for key in candidates:
        if key:
            with contextlib.suppress(ValueError, OSError, KeyError):
                return ZoneInfo(key)
    return ZoneInfo("UTC")
