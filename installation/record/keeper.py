"""Kept recordings ([record]): a folder of session files within a budget, for documentation.

A new file starts each opening day (at the opening, or at local midnight for a venue open
around the clock) and when the current one passes `max_file_mb`; a file that starts mid-show
begins with the show's state, so `installation render` replays it on its own. After each new
file, the oldest whole files are deleted while the folder holds more than `keep_mb` or files
older than `keep_days`: never part of a file, never the one being written, never a file
the keeper did not name. A disk that fills pauses the recording (one warning; health says
so) and the show goes on; a new file is tried every minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from installation.config import RecordSection, Settings
from installation.errors import UserError
from installation.events import Event
from installation.frame import FrameState
from installation.params import Catalogue
from installation.record.session import SessionRecorder

log = logging.getLogger("installation")

# The names the keeper writes, and the only files it ever deletes.
NAME = re.compile(r"^nova-\d{8}-\d{6}(-\d+)?\.jsonl$")
RETRY_AFTER_S = 60.0  # show seconds between tries while paused
SIZE_CHECK_S = 5.0  # show seconds between looks at the current file's size
MB = 1024 * 1024

WallClock = Callable[[], dt.datetime]


class RecordingKeeper:
    """A StepRecorder for the frame loop that keeps `record.folder` as the section says."""

    def __init__(
        self,
        record: RecordSection,
        settings: Settings,
        catalogue: Catalogue,
        zone: ZoneInfo,
        wall: WallClock,
        scheduled: bool,
    ) -> None:
        """`scheduled`: the venue has opening hours, so a closing ends a day's file (else
        local midnight does)."""
        self.record = record
        self.folder = Path(record.folder)
        self._settings, self._catalogue = settings, catalogue
        self._zone, self._wall = zone, wall
        self._midnight_rolls = not scheduled or record.while_closed
        self._show_state: Callable[[], dict[str, Any]] | None = None
        self._current: SessionRecorder | None = None
        self._day: dt.date | None = None
        self._paused_at: float | None = None  # show time the disk refused us
        self._warned = False  # the pause was said; said again only after recording worked
        self._size_checked = 0.0
        self.deleted = 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"record.folder {self.folder}: cannot create: {exc.strerror}") from None

    def attach(self, show_state: Callable[[], dict[str, Any]]) -> None:
        """The show whose state each new file begins with (Show.state)."""
        self._show_state = show_state

    # -- StepRecorder ---------------------------------------------------------------------

    def step(self, time: float, events: Sequence[Event], frame: FrameState) -> None:
        if not frame.params.get("venue.open", True) and not self.record.while_closed:
            closed_level = float(frame.params.get("venue.closed_level", 0.0))
            if frame.house <= closed_level + 1e-6:  # the fade-out is part of the day
                self._close("the venue closed")  # the next opening starts the next file
                return
        current = self._current
        if current is not None and current.stopped_early:
            self._pause(time, f"the disk refused a write to {current.path.name}")
            return
        if current is not None and not self._roll_due(time):
            current.step(time, events, frame)
            return
        if self._paused_at is not None and time - self._paused_at < RETRY_AFTER_S:
            return
        self._close("a new file begins")
        # This step is the state's; the new file's first step is the next one.
        self._open(time)

    def close(self) -> None:
        self._close("the show ended")

    @property
    def stopped_early(self) -> bool:
        return False  # a pause is reported by health and the log, not as a lost recording

    @property
    def path(self) -> Path:
        return self.folder if self._current is None else self._current.path

    def health(self) -> dict[str, Any]:
        files = self._files()
        total = sum(_size(path) for path in files)
        state = "recording" if self._current is not None else "waiting for the venue to open"
        if self._paused_at is not None or self._warned:
            state = "paused: the disk is full"
        return {
            "state": state,
            "folder": str(self.folder),
            "file": "" if self._current is None else self._current.path.name,
            "files": len(files),
            "total_mb": round(total / MB, 2),
            "deleted": self.deleted,
        }

    # -- files ----------------------------------------------------------------------------

    def _roll_due(self, time: float) -> bool:
        local = self._wall().astimezone(self._zone)
        if self._midnight_rolls and self._day is not None and local.date() != self._day:
            return True
        if time - self._size_checked < SIZE_CHECK_S:
            return False
        self._size_checked = time
        assert self._current is not None
        if self._warned and not self._current.stopped_early:
            self._warned = False  # the disk takes writes again
            log.info("recording again, to %s", self._current.path)
        if self.record.keep_mb or self.record.keep_days:
            self._enforce_budget(keep=self._current.path)  # the file grows: keep within it
        return bool(self.record.max_file_mb) and (
            _size(self._current.path) >= self.record.max_file_mb * MB
        )

    def _open(self, time: float) -> None:
        local = self._wall().astimezone(self._zone)
        path = self._free_name(local)
        assert self._show_state is not None, "attach the show before its first step"
        try:
            state = self._show_state()
            self._current = SessionRecorder(
                path, self._settings, self._catalogue, state, announce_failure=False
            )
        except UserError as exc:
            self._pause(time, str(exc))
            return
        if not self._warned:
            log.info("recording to %s", path)
        self._paused_at = None
        self._day = local.date()
        self._size_checked = time
        self._enforce_budget(keep=path)

    def _close(self, why: str) -> None:
        current, self._current = self._current, None
        if current is None:
            return
        current.close()
        log.info("recording %s closed: %s", current.path.name, why)

    def _pause(self, time: float, why: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "recording to %s paused: %s; the show goes on, a new file is tried every "
                "%g s", self.folder, why, RETRY_AFTER_S,
            )  # fmt: skip
        self._paused_at = time
        current, self._current = self._current, None
        if current is not None:
            current.close()
        self._enforce_budget(keep=None)  # room for the next try, within the budget

    def _free_name(self, local: dt.datetime) -> Path:
        stem = f"nova-{local:%Y%m%d-%H%M%S}"
        path, n = self.folder / f"{stem}.jsonl", 2
        while path.exists():
            path, n = self.folder / f"{stem}-{n}.jsonl", n + 1
        return path

    def _files(self) -> list[Path]:
        """The keeper's own files, oldest first (the names sort by time)."""
        try:
            return sorted(p for p in self.folder.iterdir() if NAME.match(p.name) and p.is_file())
        except OSError:
            return []

    def _enforce_budget(self, keep: Path | None) -> None:
        files = [p for p in self._files() if p != keep]
        total = sum(_size(p) for p in files) + (0 if keep is None else _size(keep))
        # Ages by the files' own times, so by the system clock.
        oldest_kept = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.record.keep_days)
        for path in files:  # oldest first
            too_big = bool(self.record.keep_mb) and total > self.record.keep_mb * MB
            too_old = bool(self.record.keep_days) and _mtime(path) < oldest_kept
            if not (too_big or too_old):
                break
            size = _size(path)
            try:
                path.unlink()
            except OSError as exc:
                log.warning("recording budget: cannot delete %s: %s", path, exc.strerror)
                continue
            total -= size
            self.deleted += 1
            reason = "over record.keep_mb" if too_big else "older than record.keep_days"
            log.info("recording budget: deleted %s (%s)", path.name, reason)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except OSError:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
