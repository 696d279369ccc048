"""Session files: a live show's config, every event with its step time, and checksums.

JSON Lines, one object a line:

- the header (first line): `{"nova_session": 1, "version", "catalogue", "config", "params"}`,
  the validated settings in force, so a replay starts from the same place;
- a step: `{"t": TIME, "e": [EVENT, ...]}` for every frame the show stepped, also with no
  events, because smoothing depends on the time between steps;
- a checksum: `{"t": TIME, "sum": HEX}`, the show state after the step at TIME, once a second.

Events are numbers and short names only (never pixels): faces as
`["f", time, source, [[track id, x, y, w, h, smile, 7 emotion probabilities], ...]]`,
parameter changes as `["p", time, name, value, origin, ramp]` and source statuses as
`["s", time, source, state, detail]`. Floats are written with repr, so they read back exactly.

The writer appends from its own thread and flushes (and syncs to disk) once a second: a
crash or power cut loses at most the last second, and a half-written last line is skipped
by the reader.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import queue
import threading
import time as wallclock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from installation import __version__
from installation.config import Settings, validate_config
from installation.errors import ConfigError, UserError
from installation.events import (
    Event,
    FaceObservation,
    FacesObserved,
    ParamChange,
    SourceStatus,
)
from installation.frame import FrameState
from installation.params import Catalogue, ParamValueError
from installation.record.checksum import state_checksum

log = logging.getLogger("installation")

FORMAT = 1
CHECK_INTERVAL_S = 1.0
FLUSH_INTERVAL_S = 1.0
_SOURCE_STATES = ("starting", "running", "lost", "ended", "stopped")


def encode_event(event: Event) -> list[Any] | None:
    """An event as a JSON list; None for events that do not change the show (a stop)."""
    if isinstance(event, FacesObserved):
        faces = [[f.track_id, f.x, f.y, f.w, f.h, f.smile, *f.emotions] for f in event.faces]
        return ["f", event.time, event.source, faces]
    if isinstance(event, ParamChange):
        return ["p", event.time, event.name, event.value, event.origin, event.ramp]
    if isinstance(event, SourceStatus):
        return ["s", event.time, event.source, event.state, event.detail]
    return None


def decode_event(data: Any) -> Event:
    """The inverse of `encode_event`; ValueError (or TypeError) for anything else."""
    kind = data[0]
    if kind == "f":
        _, time, source, rows = data
        faces = tuple(
            FaceObservation(
                int(r[0]),
                float(r[1]),
                float(r[2]),
                float(r[3]),
                float(r[4]),
                float(r[5]),
                tuple(float(v) for v in r[6:]),
            )
            for r in rows
        )
        return FacesObserved(float(time), str(source), faces)
    if kind == "p":
        _, time, name, value, origin, ramp = data
        if not isinstance(value, bool | int | float | str):
            raise ValueError(f"parameter value {value!r}")
        return ParamChange(
            float(time), str(name), value, str(origin), None if ramp is None else float(ramp)
        )
    if kind == "s":
        _, time, source, state, detail = data
        if state not in _SOURCE_STATES:
            raise ValueError(f"source state {state!r}")
        return SourceStatus(float(time), str(source), state, str(detail))
    raise ValueError(f"event kind {kind!r}")


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), allow_nan=False) + "\n"


class SessionRecorder:
    """Writes a session file as the show runs (a `StepRecorder` for the frame loop).

    `step` runs on the frame loop's thread: it only encodes a line and queues it; a thread
    of its own does the writing and the once-a-second flush, so a slow disk never holds a
    frame back.
    """

    def __init__(
        self,
        path: Path,
        settings: Settings,
        catalogue: Catalogue,
        state: dict[str, Any] | None = None,
        announce_failure: bool = True,
    ) -> None:
        """`state`: the show's state (Show.state) where the file starts mid-show, after the
        step before its first; the replay restores it and goes on exactly from there.
        `announce_failure`: log a failed write (else the owner says it, see keeper.py)."""
        if path.exists() and path.stat().st_size > 0:
            # A recording is evidence of a night's show: never overwrite one by accident.
            raise UserError(f"--record {path}: the file exists; choose a new name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # as --snapshot and render do
            self._file = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise UserError(f"--record {path}: cannot write: {exc.strerror}") from None
        self.path = path
        self._catalogue = catalogue
        self._next_check = 0.0
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._failed = False
        self._announce = announce_failure
        header = {
            "nova_session": FORMAT,
            "version": __version__,
            "recorded": wallclock.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "catalogue": [param.name for param in catalogue],
            "config": settings.config.model_dump(mode="json"),
            "params": settings.params,
            "files": list(settings.files),
            **({} if state is None else {"state": state}),
        }
        # The header reaches the disk at once: a run that dies at start still says what it was.
        self._file.write(_dumps(header))
        self._sync()
        self._thread = threading.Thread(target=self._write_loop, name="recorder", daemon=True)
        self._thread.start()

    def step(self, time: float, events: Sequence[Event], frame: FrameState) -> None:
        """Record one show step: its time, its events, and now and then a checksum."""
        encoded = [e for e in map(encode_event, events) if e is not None]
        self._lines.put(_dumps({"t": time, "e": encoded} if encoded else {"t": time}))
        if time >= self._next_check:
            self._next_check = time + CHECK_INTERVAL_S
            self._lines.put(_dumps({"t": time, "sum": state_checksum(frame, self._catalogue)}))

    @property
    def stopped_early(self) -> bool:
        """True when a write failed (a full disk): the file holds the show up to then."""
        return self._failed

    def close(self) -> None:
        """Write what is queued, sync and close; never raises (the show's summary follows)."""
        self._lines.put(None)
        self._thread.join()
        try:
            self._file.close()
        except OSError as exc:
            # What the full disk would not take is gone; what it took stays, readable.
            if not self._failed:
                self._fail(exc)

    def _write_loop(self) -> None:
        flushed = wallclock.monotonic()
        while True:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line and not self._failed:
                try:
                    self._file.write(line)
                except OSError as exc:
                    self._fail(exc)
            if wallclock.monotonic() - flushed >= FLUSH_INTERVAL_S:
                flushed = wallclock.monotonic()
                self._sync()
        self._sync()

    def _sync(self) -> None:
        if self._failed:
            return
        try:
            self._file.flush()
            # fsync: flushing alone leaves the data in the OS cache, lost in a power cut.
            os.fsync(self._file.fileno())
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        # A full disk must not stop the show: say so once and record nothing more.
        self._failed = True
        if self._announce:
            log.error("recording to %s stopped: %s (the show goes on)", self.path, exc.strerror)


@dataclass
class Step:
    """One recorded show step: its time, its events, and the checksum after it if any."""

    time: float
    events: tuple[Event, ...]
    checksum: str | None = None


@dataclass
class Session:
    """A session file read back: its header, and its steps read from the file on demand.

    `read_session` reads the whole file once to check it and to learn its length; `steps()`
    reads it again as the replay goes, so a night's recording never sits in memory.
    """

    path: Path
    settings: Settings
    version: str
    catalogue: tuple[str, ...]
    step_count: int = 0
    duration: float = 0.0
    # Lines left out at the end (a half-written last line after a crash), for a notice.
    dropped: int = 0
    # The step lines read (after the header): a file that grows while it is replayed (a show
    # still recording) replays as it was when it was read.
    lines: int = 0
    # A file that starts mid-show (a new day's file, record.folder) holds the show's state
    # at its start; its show time starts at `start` (the first step), not at 0.
    state: dict[str, Any] | None = None
    start: float = 0.0

    def steps(self) -> Iterator[Step]:
        """Every step in order, read from the file as they are asked for."""
        return _steps(self.path, self.lines)


def read_session(path: Path, catalogue: Catalogue) -> Session:
    """Read a session file; a missing, foreign or damaged file is one ConfigError."""
    header, lines, dropped = _scan(path)
    session = _header(path, header, catalogue)
    session.lines, session.dropped = lines, dropped
    for step in session.steps():
        if not session.step_count and session.state is not None:
            session.start = step.time
        session.step_count += 1
        session.duration = step.time - session.start
    if not session.step_count:
        raise ConfigError(f"{path}: the recording holds no show steps")
    return session


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _scan(path: Path) -> tuple[Any, int, int]:
    """The header, how many complete lines follow it, and how many are left out at the end
    (a line cut off mid-write, or garbage on the very last line after a power cut)."""
    with _open(path) as file:
        first = file.readline()
        try:
            header = json.loads(first) if first.endswith(b"\n") else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            header = None
        if not isinstance(header, dict) or "nova_session" not in header:
            raise ConfigError(
                f"{path}: not a Nova Sanctuary session recording "
                "(expected one written by `installation run --record`)"
            )
        lines, dropped, last = 0, 0, b""
        for line in file:
            if not line.endswith(b"\n"):
                dropped = 1  # everything after the last newline was cut off mid-write
                break
            lines, last = lines + 1, line
    if lines and not _is_json(last):
        lines, dropped = lines - 1, dropped + 1  # garbage after a power cut: only ever the last
    return header, lines, dropped


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return True


def _steps(path: Path, lines: int) -> Iterator[Step]:
    """The steps in the first `lines` lines after the header, each with its checksum."""
    step: Step | None = None
    with _open(path) as file:
        file.readline()  # the header
        for number, line in enumerate(itertools.islice(file, lines), 2):
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise ConfigError(
                    f"{path}: line {number} is not JSON: the recording is damaged"
                ) from None
            try:
                if not isinstance(data, dict):
                    raise ValueError('expected {"t": TIME, "e": [EVENT, ...]}')
                if "sum" in data:
                    if step is None or float(data["t"]) != step.time:
                        raise ValueError("a checksum for a time with no step")
                    step.checksum = str(data["sum"])
                    continue
                events = tuple(decode_event(e) for e in data.get("e", ()))
                following = Step(float(data["t"]), events)
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise ConfigError(f"{path}: line {number} is not a recorded step: {exc}") from None
            if step is not None:
                yield step
            step = following
    if step is not None:
        yield step


def _header(path: Path, data: dict[str, Any], catalogue: Catalogue) -> Session:
    if data.get("nova_session") != FORMAT:
        raise ConfigError(
            f"{path}: session format {data.get('nova_session')!r}; this version reads {FORMAT}"
        )
    if "config" not in data:
        raise ConfigError(f"{path}: the header has no config (line 1)")
    config = validate_config(data["config"], f"{path}: the header's config (line 1)")
    try:
        params = dict(catalogue.defaults())
        for name, value in dict(data["params"]).items():
            params[name] = catalogue.get(name).validate(value)
        names = tuple(str(name) for name in data["catalogue"])
        version = str(data["version"])
    except (KeyError, TypeError, ValueError, ParamValueError) as exc:
        raise ConfigError(
            f"{path}: the header's settings do not fit this version of the software: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    settings = Settings(config=config, params=params, files=tuple(data.get("files", ())))
    state = data.get("state")
    if state is not None and not isinstance(state, dict):
        raise ConfigError(f"{path}: the header's show state is not a table (line 1)")
    return Session(path, settings, version, names, state=state)
