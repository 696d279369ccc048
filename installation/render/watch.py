"""A file watcher for hot reload: a daemon thread that only signals, never touches GL.

It polls the files a provider names, each with the digest of the content that was compiled
(`digest_lines` of what the shader resolver read), and reports a file whose content on disk
differs from it. Comparing with what was compiled, not with the watcher's last look, leaves
no gap: an edit made between a compile and the watcher's first look at a file, such as a
lib file a reload has just started to include, is still seen.

A report waits until the files have been quiet for `settle` seconds, so an editor's burst of
save events (write a temporary file, rename it over the old one, touch it) gives one reload.
`stat` is cheap and tried first; a file is only read when its mtime, size or inode moved.
A bare `touch`, or an edit undone before it settles, reloads nothing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

# What was compiled from each file: its digest, or None when unknown (the file could not be
# resolved); then the watcher's first look at it is the reference.
Expected = Mapping[Path, str | None]
_StatKey = tuple[int, int, int]  # (mtime_ns, size, inode)
MISSING = "missing"  # the digest of a file that is not there


def digest_lines(lines: Sequence[str]) -> str:
    """The digest of a text file's lines; the same whatever its line endings."""
    return hashlib.blake2b("\n".join(lines).encode("utf-8"), digest_size=16).hexdigest()


class FileWatcher:
    """Polls `expected()` every `interval` seconds from a daemon thread; see `take_changes`.

    `expected` is called from the watcher thread and must be safe there (return a snapshot).
    """

    def __init__(
        self,
        expected: Callable[[], Expected],
        interval: float = 0.1,
        settle: float = 0.15,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._expected = expected
        self.interval = interval
        self.settle = settle
        self._clock = clock
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ready: set[Path] = set()  # settled changes, waiting for take_changes()
        self._stats: dict[Path, tuple[_StatKey | None, str]] = {}
        self._first_seen: dict[Path, str] = {}  # the reference where nothing is expected
        self._reported: dict[Path, str] = {}  # so one content is reported once
        self._last_change = 0.0
        self._thread = threading.Thread(target=self._run, name="shader-watcher", daemon=True)

    def start(self) -> None:
        """Take a first look now, then poll from the thread."""
        self.check()
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and wait for it (it wakes at once: no sleeping through a stop)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the polling thread is alive."""
        return self._thread.is_alive()

    def take_changes(self) -> frozenset[Path]:
        """The files that changed and settled since the last call (empty most of the time)."""
        with self._lock:
            changes = frozenset(self._ready)
            self._ready.clear()
        return changes

    def check(self) -> None:
        """One poll: find files that differ from what was compiled; report them once quiet."""
        now = self._clock()
        expected = dict(self._expected())
        for table in (self._stats, self._first_seen, self._reported):
            for gone in table.keys() - expected.keys():  # no longer a dependency
                del table[gone]
        changed: dict[Path, str] = {}
        for path, want in expected.items():
            key = _stat(path)
            cached = self._stats.get(path)
            if cached is None or cached[0] != key:
                # Stat before reading: a write in between shows up as a move next poll.
                self._stats[path] = (key, read_digest(path))
                self._last_change = now  # activity: wait for quiet before reporting
            current = self._stats[path][1]
            reference = want if want is not None else self._first_seen.setdefault(path, current)
            if current != reference and current != self._reported.get(path):
                changed[path] = current
        if changed and now - self._last_change >= self.settle:
            # One more look: two writes within one mtime tick can leave the same stat.
            for path in changed:
                self._stats[path] = (_stat(path), read_digest(path))
                self._reported[path] = self._first_seen[path] = self._stats[path][1]
            with self._lock:
                self._ready |= changed.keys()

    def _run(self) -> None:
        # Event.wait, not sleep: stop() wakes the thread at once, and there is no busy loop.
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # a watcher that died silently would end hot reload unseen
                log.exception("shader watcher: a poll failed; trying again")


def read_digest(path: Path) -> str:
    """`digest_lines` of the file as the shader resolver reads it; MISSING if unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return MISSING
    try:
        return digest_lines(data.decode("utf-8").splitlines())
    except UnicodeDecodeError:  # the resolver refuses it too; any edit is still a change
        return "bytes:" + hashlib.blake2b(data, digest_size=16).hexdigest()


def _stat(path: Path) -> _StatKey | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)
