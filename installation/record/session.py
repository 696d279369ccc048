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

import json
import logging
import os
import queue
import threading
import time as wallclock
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from installation import __version__
from installation.config import Config, Settings
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

    def __init__(self, path: Path, settings: Settings, catalogue: Catalogue) -> None:
        if path.exists() and path.stat().st_size > 0:
            # A recording is evidence of a night's show: never overwrite one by accident.
            raise UserError(f"--record {path}: the file exists; choose a new name")
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise UserError(f"--record {path}: cannot write: {exc.strerror}") from None
        self.path = path
        self._catalogue = catalogue
        self._next_check = 0.0
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._failed = False
        header = {
            "nova_session": FORMAT,
            "version": __version__,
            "recorded": wallclock.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "catalogue": [param.name for param in catalogue],
            "config": settings.config.model_dump(mode="json"),
            "params": settings.params,
            "files": list(settings.files),
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

    def close(self) -> None:
        """Write what is queued, sync and close."""
        self._lines.put(None)
        self._thread.join()
        self._file.close()

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
        log.error("recording to %s stopped: %s (the show goes on)", self.path, exc.strerror)


@dataclass
class Step:
    """One recorded show step: its time, its events, and the checksum after it if any."""

    time: float
    events: tuple[Event, ...]
    checksum: str | None = None


@dataclass
class Session:
    """A session file read back."""

    path: Path
    settings: Settings
    version: str
    catalogue: tuple[str, ...]
    steps: list[Step] = field(default_factory=list)
    # Lines left out at the end (a half-written last line after a crash), for a notice.
    dropped: int = 0

    @property
    def duration(self) -> float:
        return self.steps[-1].time if self.steps else 0.0


def read_session(path: Path, catalogue: Catalogue) -> Session:
    """Read a session file; a missing, foreign or damaged file is one ConfigError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    lines = raw.split(b"\n")
    # Everything after the last newline was cut off mid-write (a crash): not a line yet.
    dropped = 1 if lines[-1].strip() else 0
    lines = lines[:-1]
    parsed: list[Any] = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError):
            if number == 1:
                break
            if number == len(lines):
                dropped += 1  # garbage after a power cut: only ever the last line
                continue
            raise ConfigError(
                f"{path}: line {number} is not JSON: the recording is damaged"
            ) from None
    if not parsed or not isinstance(parsed[0], dict) or "nova_session" not in parsed[0]:
        raise ConfigError(
            f"{path}: not a Nova Sanctuary session recording "
            "(expected one written by `installation run --record`)"
        )
    session = _header(path, parsed[0], catalogue)
    session.dropped = dropped
    for number, data in enumerate(parsed[1:], 2):
        try:
            if "sum" in data:
                step = session.steps[-1]
                if float(data["t"]) != step.time:
                    raise ValueError("a checksum for a time with no step")
                step.checksum = str(data["sum"])
            else:
                events = tuple(decode_event(e) for e in data.get("e", ()))
                session.steps.append(Step(float(data["t"]), events))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: line {number} is not a recorded step: {exc}") from None
    if not session.steps:
        raise ConfigError(f"{path}: the recording holds no show steps")
    return session


def _header(path: Path, data: dict[str, Any], catalogue: Catalogue) -> Session:
    if data.get("nova_session") != FORMAT:
        raise ConfigError(
            f"{path}: session format {data.get('nova_session')!r}; this version reads {FORMAT}"
        )
    try:
        config = Config.model_validate(data["config"])
        params = dict(catalogue.defaults())
        for name, value in dict(data["params"]).items():
            params[name] = catalogue.get(name).validate(value)
        names = tuple(str(name) for name in data["catalogue"])
        version = str(data["version"])
    except (KeyError, TypeError, ValueError, ValidationError, ParamValueError) as exc:
        raise ConfigError(
            f"{path}: the header's settings do not fit this version of the software: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    settings = Settings(config=config, params=params, files=tuple(data.get("files", ())))
    return Session(path, settings, version, names)
