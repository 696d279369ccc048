"""Health over HTTP: a small JSON document for monitoring a show that runs for weeks.

The frame loop updates a snapshot each frame (a few numbers under a lock); the HTTP server
answers from that snapshot on its own thread and never touches GL or the show, so a slow
or stuck client cannot slow a frame, and a stuck frame loop shows as a stale snapshot.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from installation.config import parse_host_port
from installation.events import EventQueue
from installation.frame import FrameState
from installation.httpserve import BackgroundHTTPServer, Limits, Request, Response

log = logging.getLogger("installation.supervise")

WINDOW_S = 5.0  # fps and frame time p99 are over the last few seconds
STALLED_AFTER_S = 5.0  # no frame for this long: the loop is stuck (HTTP 503)
KEPT_ERRORS = 5

KEYS = (
    "status",
    "fps",
    "frame_time_p99_ms",
    "dropped_frames",
    "frames",
    "faces",
    "scene",
    "source",
    "source_state",
    "rejected_values",
    "camera",
    "osc",
    "lighting",
    "venue",
    "recording",
    "uptime_s",
    "last_frame_age_s",
    "memory_mb",
    "errors",
)
# Parts that report on themselves (each a small thread-safe `health()` of its own service):
# the name in the document, and what it holds while no such part was added.
PARTS = ("camera", "osc", "lighting", "venue", "recording")


@dataclass
class _Latest:
    frames: int = 0
    faces: int = 0
    scene: str = ""
    source: str = ""
    source_state: str = ""
    rejected_values: int = 0
    last_frame: float | None = None


class HealthMonitor(logging.Handler):
    """Keeps what /health reports: fed by the frame loop (`send`) and by log warnings.

    As a logging handler it keeps the last few warnings and errors, so a camera that keeps
    failing shows up in /health without reading the journal.
    """

    def __init__(
        self, target_fps: float, *, source: str = "", clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(logging.WARNING)
        # A frame longer than twice the target period missed at least one display slot.
        self.drop_after = 2.0 / target_fps
        self.source = source
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._latest = _Latest(source=source)
        self._times: deque[tuple[float, float]] = deque()  # (when, frame time) in the window
        self._dropped = 0
        self._errors: deque[str] = deque(maxlen=KEPT_ERRORS)
        self._parts: dict[str, Callable[[], Any]] = {}

    def add_part(self, name: str, report: Callable[[], Any]) -> None:
        """Report `name` (one of PARTS) from `report()`, called on the reader's thread."""
        if name not in PARTS:
            raise ValueError(f"health part must be one of {', '.join(PARTS)} (got {name!r})")
        self._parts[name] = report

    def send(self, frame: FrameState) -> None:
        """FrameOutput: note the frame (cheap: no formatting, no system calls)."""
        now = self._clock()
        with self._lock:
            latest = self._latest
            if latest.last_frame is not None:
                period = now - latest.last_frame
                self._times.append((now, period))
                if period > self.drop_after:
                    self._dropped += 1
            while self._times and now - self._times[0][0] > WINDOW_S:
                self._times.popleft()
            latest.frames += 1
            latest.faces = len(frame.faces)
            latest.scene = frame.scene
            latest.source = self.source or frame.source
            latest.source_state = frame.source_state
            latest.rejected_values = frame.rejected_values
            latest.last_frame = now

    def emit(self, record: logging.LogRecord) -> None:
        """logging.Handler: keep the last few warnings and errors, one line each."""
        try:
            line = f"{record.levelname.lower()}: {record.getMessage()}".splitlines()[0]
        except Exception:  # a bad log call must not break the thread that made it
            return
        with self._lock:
            self._errors.append(line)

    def snapshot(self) -> dict[str, Any]:
        """The health document (see KEYS); safe to call from any thread."""
        now = self._clock()
        with self._lock:
            latest = _Latest(**vars(self._latest))
            periods = [p for _, p in self._times]
            dropped = self._dropped
            errors = list(self._errors)
        span = sum(periods)
        age = None if latest.last_frame is None else now - latest.last_frame
        if age is None:
            status = "starting"
        elif age > STALLED_AFTER_S:
            status = "stalled"
        else:
            status = "ok"
        return {
            "status": status,
            "fps": round(len(periods) / span, 2) if span > 0 else 0.0,
            "frame_time_p99_ms": round(_p99(periods) * 1000.0, 2),
            "dropped_frames": dropped,
            "frames": latest.frames,
            "faces": latest.faces,
            "scene": latest.scene,
            "source": latest.source,
            "source_state": latest.source_state,
            "rejected_values": latest.rejected_values,
            **self._part_reports(latest),
            "uptime_s": round(now - self._started, 2),
            "last_frame_age_s": None if age is None else round(age, 3),
            "memory_mb": resident_mb(),
            "errors": errors,
        }

    def _part_reports(self, latest: _Latest) -> dict[str, Any]:
        defaults: dict[str, Any] = {
            "camera": {"source": latest.source, "state": latest.source_state},
            "osc": {"state": "off"},
            "lighting": [],
            "venue": {"open": True, "forced": False, "scheduled": "around the clock"},
            "recording": {"state": "off"},
        }
        reports = {}
        for name in PARTS:
            report = self._parts.get(name)
            try:
                reports[name] = defaults[name] if report is None else report()
            except Exception as exc:  # one part's bug costs its entry, not the page
                reports[name] = {"error": f"{type(exc).__name__}: {exc}"}
        # The frame says what the source reports; the part may say more (or correct it).
        reports["camera"] = {**defaults["camera"], **reports["camera"]}
        return reports


class ReportsHealth(Protocol):
    def health(self) -> Any: ...


def report_parts(
    monitor: HealthMonitor,
    *,
    osc: ReportsHealth | None,
    lighting: Sequence[ReportsHealth],
    source: object,
) -> None:
    """Add the services' own `health()` to the document (the source's only if it has one)."""
    if osc is not None:
        monitor.add_part("osc", osc.health)
    outputs = tuple(lighting)
    monitor.add_part("lighting", lambda: [output.health() for output in outputs])
    camera = getattr(source, "health", None)
    if callable(camera):
        monitor.add_part("camera", camera)


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def resident_mb() -> float:
    """Resident memory now (Linux /proc), else the peak that `resource` knows of."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError):
        # ru_maxrss is in KiB on Linux (bytes on macOS; close enough for a health page).
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class HealthServer:
    """Serves the monitor's snapshot as JSON at GET (or HEAD) /health and / on its own thread."""

    def __init__(
        self, address: tuple[str, int], monitor: HealthMonitor, limits: Limits | None = None
    ) -> None:
        self.monitor = monitor
        # OSError when the port is taken.
        self._server = BackgroundHTTPServer(address, self.respond, "health", limits)

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def respond(self, request: Request) -> Response:
        """The health document; 503 while stalled; 404 (not naming the path) elsewhere."""
        if request.path not in ("/", "/health"):
            status, body = 404, {"error": "no such page; try /health"}
        else:
            try:
                body = self.monitor.snapshot()
                status = 503 if body["status"] == "stalled" else 200
            except Exception:  # a bug here must not take the show down; answer 500
                log.debug("health request failed", exc_info=True)
                status, body = 500, {"error": "health snapshot failed"}
        headers = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
        return Response(status, json.dumps(body).encode(), headers)


class Health:
    """The health endpoint as a Service (the HTTP thread) and FrameOutput (the snapshot)."""

    def __init__(self, listen: str, monitor: HealthMonitor) -> None:
        self.listen = listen
        self.monitor = monitor
        self.server: HealthServer | None = None

    def start(self, events: EventQueue, now: Callable[[], float]) -> None:
        if not self.listen:  # "" turns it off
            return
        try:
            self.server = HealthServer(parse_host_port(self.listen), self.monitor)
        except OSError as exc:
            # A taken port costs the health page, never the show.
            log.warning(
                "health: cannot serve on %s (%s); not served", self.listen, exc.strerror or exc
            )
            return
        self.server.start()
        logging.getLogger("installation").addHandler(self.monitor)
        log.info("health: http://%s/health", self.listen)

    def stop(self) -> None:
        logging.getLogger("installation").removeHandler(self.monitor)
        if self.server is not None:
            self.server.stop()
            self.server = None

    def send(self, frame: FrameState) -> None:
        self.monitor.send(frame)
