"""The restart-storm guard: too many failed starts lately, and the show starts in safe idle.

Every `installation run` records its start (time, pid) in a small JSON file and marks it
clean when it ends normally (duration reached, window closed, SIGTERM or Ctrl-C). A start
never marked clean (a crash, kill -9, a watchdog kill, a non-zero exit) is a failure. When
`storm_failures` failures fall within `storm_window_s`, the show starts in a safe idle look:
no camera, no network input, no lighting, a calm scene; it ends cleanly after `safe_idle_s`
so that the service manager tries a normal start again. It never fails forever, and never
idles forever: a safe idle start resets the count.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from installation.acts import CALM
from installation.atomic import write_atomically
from installation.config import Settings, SuperviseSection
from installation.errors import ConfigError, UserError
from installation.events import EventQueue, SourceStatus
from installation.vision.source import ShowTime

log = logging.getLogger("installation.supervise")

FILE_NAME = "starts.json"
KEPT_STARTS = 50  # the file stays a few kilobytes however long the show runs
SAFE_IDLE = "safe idle"


def state_dir(configured: str = "", environ: Mapping[str, str] | None = None) -> Path:
    """Where the list of starts lives: the config's, systemd's StateDirectory, XDG, home."""
    env = os.environ if environ is None else environ
    if configured:
        return Path(configured).expanduser()
    if env.get("STATE_DIRECTORY"):
        # systemd may list several folders, separated by colons; the first is ours.
        return Path(env["STATE_DIRECTORY"].split(":")[0])
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "nova-sanctuary"
    return Path.home() / ".local" / "state" / "nova-sanctuary"


@dataclass(frozen=True)
class Start:
    """One start: when (wall clock, seconds), which process, and how it ended."""

    at: float
    pid: int
    clean: bool = False
    idle: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at, "pid": self.pid, "clean": self.clean, "idle": self.idle}


def _pid_alive(pid: int) -> bool:
    """Whether `pid` runs now (another show still running is not a failure). POSIX only:
    on Windows os.kill would end the process."""
    if os.name != "posix" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def count_failures(
    starts: list[Start], now: float, window: float, alive: Callable[[int], bool] = _pid_alive
) -> list[Start]:
    """Failed starts within `window` seconds before `now`, since the last safe idle start."""
    since = now - window
    idles = [s.at for s in starts if s.idle]
    if idles:
        since = max(since, max(idles))
    return [s for s in starts if not s.clean and not s.idle and s.at >= since and not alive(s.pid)]


class StartLog:
    """The JSON file of recent starts: atomic writes, a missing or broken file starts fresh."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Held around a read and the write that follows it, so that two shows starting at
        once (two projectors on one machine) both count. POSIX advisory lock on a file
        beside the list; where there is no fcntl (Windows) nothing is locked."""
        try:
            import fcntl
        except ImportError:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(FILE_NAME + ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self) -> list[Start]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [
                Start(float(e["at"]), int(e["pid"]), bool(e["clean"]), bool(e.get("idle", False)))
                for e in data["starts"]
            ]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "restart-storm guard: %s is unreadable (%s); starting a fresh list", self.path, exc
            )
            return []

    def write(self, starts: list[Start]) -> None:
        """Replace the file in one step (temp file and rename): a kill mid-write leaves
        the old list or the new one, never half of one."""
        text = json.dumps({"starts": [s.as_json() for s in starts[-KEPT_STARTS:]]}, indent=1)
        write_atomically(self.path, text)


@dataclass
class StormGuard:
    """Records this start, decides on safe idle, and marks the start clean at a clean end."""

    section: SuperviseSection
    folder: Path
    clock: Callable[[], float] = time.time
    pid: int = field(default_factory=os.getpid)

    @classmethod
    def from_config(cls, section: SuperviseSection) -> StormGuard:
        return cls(section, state_dir(section.state_dir), pid=os.getpid())

    def begin(self) -> Start | None:
        """Record this start; a Start with idle=True means: run in safe idle. None: off, or
        the file cannot be written (a warning; the show runs as usual)."""
        if self.section.storm_failures == 0:
            return None
        journal = StartLog(self.folder)
        try:
            with journal.locked():
                starts = journal.read()
                now = self.clock()
                failures = count_failures(starts, now, self.section.storm_window_s)
                idle = len(failures) >= self.section.storm_failures
                start = Start(now, self.pid, idle=idle)
                journal.write([*starts, start])
        except OSError as exc:
            log.warning(
                "restart-storm guard: cannot write %s (%s); the guard is off for this run",
                journal.path,
                exc.strerror or exc,
            )
            return None
        if idle:
            self._explain(failures, now)
        return start

    def end(self, start: Start | None, clean: bool) -> None:
        """Mark `start` clean (nothing to do for an unclean end: it stays a failure)."""
        if start is None or not clean:
            return
        journal = StartLog(self.folder)
        try:
            with journal.locked():
                starts = [replace(s, clean=True) if s == start else s for s in journal.read()]
                journal.write(starts)
        except OSError as exc:
            log.warning("restart-storm guard: cannot write %s (%s)", journal.path, exc)

    def forget(self, start: Start | None) -> None:
        """Take `start` off the list: it was neither a show nor a crash (a mistake the
        person at the keyboard has just been told about)."""
        if start is None:
            return
        journal = StartLog(self.folder)
        try:
            with journal.locked():
                journal.write([s for s in journal.read() if s != start])
        except OSError as exc:
            log.warning("restart-storm guard: cannot write %s (%s)", journal.path, exc)

    def _explain(self, failures: list[Start], now: float) -> None:
        last = max(failures, key=lambda s: s.at)
        log.warning(
            "%s: %d failed starts in the last %g minutes (the last %.0f s ago, pid %d: it "
            "crashed, was killed, froze or exited with an error); starting in safe idle for up to "
            "%g s: no camera, no OSC, no lighting, a calm scene. Read the log of those runs to "
            "find why (journalctl -u nova-sanctuary, or [log] file); a normal start is tried "
            "after this. State: %s",
            SAFE_IDLE,
            len(failures),
            self.section.storm_window_s / 60,
            now - last.at,
            last.pid,
            self.section.safe_idle_s,
            StartLog(self.folder).path,
        )


def safe_idle_settings(settings: Settings) -> Settings:
    """The settings of a safe idle run: no network output or input, no lighting, no cues,
    the calm first act, ending after safe_idle_s (or the run's own duration, if sooner)."""
    config = settings.config
    seconds = config.supervise.safe_idle_s
    if config.show.duration > 0:
        seconds = min(seconds, config.show.duration)
    quiet = config.model_copy(
        update={
            "show": config.show.model_copy(update={"duration": seconds}),
            "osc": config.osc.model_copy(update={"feedback": [], "query": "", "advertise": False}),
            "cues": config.cues.model_copy(update={"file": ""}),
            "lighting": config.lighting.model_copy(update={"protocol": "off", "osc": []}),
        }
    )
    return replace(settings, config=quiet, params={**settings.params, "scene": CALM.name})


class IdleSource:
    """A face source with nobody in front of it: the camera stays closed in safe idle."""

    name = SAFE_IDLE
    description = "safe idle: no camera, nobody shown"

    def start(self, events: EventQueue, now: ShowTime) -> None:
        events.put(SourceStatus(now(), self.name, "running", self.description))

    def stop(self) -> None:
        """Nothing runs: no thread to end."""


def guarded_run(settings: Settings, run: Callable[[Settings, bool], int]) -> int:
    """Run `run(settings, safe_idle)` with this start recorded; the exit code of `run`.

    A return of 0 and Ctrl-C are clean ends; a non-zero code or any other exception is not,
    except a start-up mistake (a UserError: a broken palette, patch, cue list, a recording
    that cannot be written) in a show run by hand: it stops with its message and is not
    counted, so a few typos never send the next good run into safe idle. Under a service
    manager it counts, as a config error does (see `run_despite_config_error`).
    """
    guard = StormGuard.from_config(settings.config.supervise)
    start = guard.begin()
    idle = start is not None and start.idle
    try:
        code = run(safe_idle_settings(settings) if idle else settings, idle)
    except KeyboardInterrupt:
        guard.end(start, clean=True)
        raise
    except UserError:
        if not under_service_manager():
            guard.forget(start)
        raise
    guard.end(start, clean=code == 0)
    return code


def under_service_manager(environ: Mapping[str, str] | None = None) -> bool:
    """Whether systemd (or `installation supervise`) runs the show and restarts it when it
    exits: both hand it a NOTIFY_SOCKET."""
    env = os.environ if environ is None else environ
    return bool(env.get("NOTIFY_SOCKET"))


def run_despite_config_error(
    error: ConfigError,
    defaults: Callable[[], Settings],
    run: Callable[[Settings, bool], int],
) -> int:
    """A config error at start-up: stop with its message, unless a service manager would
    only start the show again into the same error, forever.

    Under one, this start counts as a failure (with the built-in [supervise] settings: the
    config that would say otherwise is the broken one); once the failures make a storm, the
    show runs in safe idle on the built-in defaults, saying which config error to fix, and a
    normal start is tried again after it. Raises `error` when the show should just stop.
    """
    if not under_service_manager():
        raise error
    guard = StormGuard.from_config(SuperviseSection())
    start = guard.begin()
    if start is None or not start.idle:
        raise error  # exit 2: an unclean end, one more failure towards safe idle
    log.error(
        "%s: the config cannot be used: %s. Safe idle runs on the built-in defaults until "
        "the config is fixed.",
        SAFE_IDLE,
        error,
    )
    code = run(safe_idle_settings(defaults()), True)
    guard.end(start, clean=code == 0)
    return code
