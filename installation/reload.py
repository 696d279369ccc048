"""Config reload while the show runs: SIGHUP reads the config files again.

Changed `[params]` values become ordinary `ParamChange` events on the event queue, so the
show glides to them as it would to an OSC fader, and a recording keeps them; the OSC side is
told too, so controllers get the new values as feedback and OSCQuery shows them. Every other
section is read once at start-up (a window, a socket, a shader tree): a change there is one
warning naming the keys. A config that is now broken is one error, and the show keeps the
config it had.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from installation.config import Config, Settings
from installation.errors import UserError
from installation.events import EventQueue, ParamChange
from installation.params import ParamValue, flatten_table

log = logging.getLogger("installation")

ORIGIN = "config reload"


@dataclass(frozen=True)
class ReloadResult:
    """What one reload did: the parameters sent to the show, the keys that wait for a restart."""

    ok: bool
    changed: dict[str, ParamValue]
    restart_keys: tuple[str, ...] = ()
    error: str = ""


class ConfigReloader:
    """Reads the config again with `load` (the same files and `--set` as at start-up)."""

    def __init__(
        self,
        load: Callable[[], Settings],
        current: Settings,
        events: EventQueue,
        now: Callable[[], float],
        on_params: Callable[[Mapping[str, ParamValue]], None] | None = None,
    ) -> None:
        self._load = load
        # Told what the reload set (the OSC control state), so feedback and OSCQuery follow.
        self._on_params = on_params
        self.current = current
        self._events = events
        self._now = now
        self._lock = threading.Lock()  # two quick SIGHUPs must not interleave their diffs

    def reload(self) -> ReloadResult:
        """Read, compare with the config in force, and send what changed; never raises."""
        with self._lock:
            try:
                new = self._load()
            except (UserError, OSError) as exc:
                # OSError: a file that became unreadable (permissions), which load_settings
                # does not turn into a ConfigError; it names the file all the same.
                log.error("config reload: %s\n(the show keeps running on the config it had)", exc)
                return ReloadResult(ok=False, changed={}, error=str(exc))
            changed = changed_params(self.current.params, new.params)
            now = self._now()
            for name, value in changed.items():
                self._events.put(ParamChange(now, name, value, ORIGIN))
            if changed and self._on_params is not None:
                self._on_params(changed)
            restart = restart_only_changes(self.current.config, new.config)
            if restart:
                log.warning("%s changed: takes effect at the next start", ", ".join(restart))
            self.current = new
            names = ", ".join(f"{name}={value!r}" for name, value in changed.items())
            log.info("config reloaded: %s", names or "no parameter changed")
            return ReloadResult(ok=True, changed=changed, restart_keys=restart)


def changed_params(
    old: Mapping[str, ParamValue], new: Mapping[str, ParamValue]
) -> dict[str, ParamValue]:
    """Parameters whose configured value differs (a type change, 1 -> 1.0, counts too)."""
    return {
        name: value
        for name, value in new.items()
        if name not in old or old[name] != value or type(old[name]) is not type(value)
    }


def restart_only_changes(old: Config, new: Config) -> tuple[str, ...]:
    """Dotted keys outside `[params]` whose value differs, in config order."""
    before = dict(flatten_table(old.model_dump(exclude={"params"})))
    after = dict(flatten_table(new.model_dump(exclude={"params"})))
    keys = list(before) + [key for key in after if key not in before]
    return tuple(key for key in keys if before.get(key) != after.get(key))


@contextmanager
def reload_on_hangup(reloader: ConfigReloader | None) -> Iterator[None]:
    """While inside, SIGHUP reloads the config (POSIX, main thread; elsewhere nothing)."""
    hangup = getattr(signal, "SIGHUP", None)
    on_main = threading.current_thread() is threading.main_thread()
    if reloader is None or hangup is None or not on_main:
        yield
        return

    def on_hangup(_signum: int, _frame: FrameType | None) -> None:
        # Reading files and logging do not belong in a signal handler (it interrupts the
        # frame loop mid-bytecode): a short thread does the work.
        threading.Thread(target=reloader.reload, name="config-reload", daemon=True).start()

    previous = signal.signal(hangup, on_hangup)
    try:
        yield
    finally:
        signal.signal(hangup, previous)
