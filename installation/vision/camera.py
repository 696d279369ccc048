"""A face source fed by a real camera, a video file or a stream.

A vision worker thread takes the grabber's newest frame, finds faces, scores smiles,
tracks ids and puts anonymous numbers on the event queue; pixels never leave this process
and are never written anywhere.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from installation.events import (
    EventQueue,
    FaceObservation,
    FacesObserved,
    SourceStatus,
)
from installation.vision.capture import (
    BACKOFF_MAX_S,
    BACKOFF_START_S,
    CaptureTarget,
    Frame,
    FrameGrabber,
    GrabberState,
    Opener,
    is_stream_url,
    open_capture,
)
from installation.vision.pipeline import VisionPipeline, VisionSettings, is_blank, to_gray
from installation.vision.source import ShowTime

log = logging.getLogger(__name__)

_BLANK = "frames are blank (one colour): lens covered, lights off or the camera is failing"
# How long the worker waits for a frame before it looks at the grabber's health again;
# also bounds how long stop() waits for the worker.
_POLL_S = 0.1


def source_name(target: CaptureTarget) -> str:
    """ "camera:N", "file:PATH" or "stream:URL" (credentials in a URL are left out)."""
    if isinstance(target, int):
        return f"camera:{target}"
    if is_stream_url(target):
        # Names go into events and session recordings: keep passwords out of them.
        parts = urlsplit(target)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return "stream:" + urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return f"file:{target}"


class _RateLimitedLog:
    """Logs a repeating failure once, then at most once per interval with a count."""

    def __init__(self, logger: logging.Logger, interval: float = 10.0) -> None:
        self._logger = logger
        self._interval = interval
        self._last = -float("inf")
        self._suppressed = 0

    def exception(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < self._interval:
            self._suppressed += 1
            return
        if self._suppressed:
            message += f" ({self._suppressed} more since the last report)"
        self._logger.exception(message, *args)
        self._last = now
        self._suppressed = 0


class CameraSource:
    """`FaceSource` over a camera index, a video file path or a stream URL."""

    def __init__(
        self,
        target: CaptureTarget,
        *,
        loop: bool = False,
        pace: bool = True,
        lost_after: float = 2.0,
        backoff_start: float = BACKOFF_START_S,
        backoff_max: float = BACKOFF_MAX_S,
        vision: VisionSettings | None = None,
        pipeline: VisionPipeline | None = None,
        opener: Opener = open_capture,
    ) -> None:
        if isinstance(target, str) and not is_stream_url(target) and not Path(target).exists():
            raise FileNotFoundError(f"video file not found: {target}")
        self.target = target
        self.loop = loop
        self.pace = pace
        self.lost_after = lost_after
        self._backoff = (backoff_start, backoff_max)
        self._opener = opener
        # Cascades and the emotion model load here, so a missing file fails at setup
        # rather than mid-show.
        self._pipeline = pipeline or VisionPipeline(vision)
        self._name = source_name(target)
        self._stop = threading.Event()
        self._grabber: FrameGrabber | None = None
        self._worker: threading.Thread | None = None
        self._errors = _RateLimitedLog(log)

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        kind = self._name.split(":", 1)[0]
        if kind == "file":
            return f"video file {self.target} ({'looping' if self.loop else 'plays once'})"
        if kind == "stream":
            return f"video stream {self._name[len('stream:') :]}"
        return f"camera {self.target}"

    def start(self, events: EventQueue, now: ShowTime) -> None:
        """Open the capture and start the vision worker; returns at once."""
        if self._worker is not None and self._worker.is_alive():
            raise RuntimeError(f"{self._name} is already running")
        self._stop.clear()
        grabber = FrameGrabber(
            self.target,
            now,
            loop=self.loop,
            pace=self.pace,
            lost_after=self.lost_after,
            backoff_start=self._backoff[0],
            backoff_max=self._backoff[1],
            opener=self._opener,
        )
        self._grabber = grabber
        self._worker = threading.Thread(
            target=self._run,
            args=(grabber, events, now),
            name=f"vision-worker:{self._name}",
            daemon=True,
        )
        grabber.start()
        self._worker.start()

    def stop(self) -> None:
        """Stop the worker and the capture; returns within about a second."""
        self._stop.set()
        if self._grabber is not None:
            self._grabber.stop(timeout=0.5)
        if self._worker is not None and self._worker is not threading.current_thread():
            # The worker notices within one poll plus one frame's processing.
            self._worker.join(timeout=0.5)

    # -- worker ---------------------------------------------------------------------------

    def _run(self, grabber: FrameGrabber, events: EventQueue, now: ShowTime) -> None:
        pipeline = self._pipeline
        pipeline.reset()
        reported: GrabberState | None = None
        change_index = seq = 0
        blank_since: float | None = None  # monotonic time the frames went blank
        blank_reported = False

        def read(frame: Frame) -> None:
            nonlocal blank_since, blank_reported
            try:
                gray = to_gray(frame.image)
                if is_blank(gray):
                    # A covered lens or a dead sensor still delivers frames, so the grabber
                    # sees a healthy source; say so once it has lasted, and show nobody.
                    blank_since = blank_since or time.monotonic()
                    if not blank_reported and time.monotonic() - blank_since > self.lost_after:
                        blank_reported = True
                        pipeline.reset()
                        self._report(events, frame.time, "lost", _BLANK)
                    faces: tuple[FaceObservation, ...] = ()
                else:
                    if blank_reported:
                        self._report(events, frame.time, "running", "frames show a picture again")
                    blank_since, blank_reported = None, False
                    faces = pipeline.process_gray(gray, frame.time)
            except Exception:
                # One bad frame must not end the show; the next frame gets a fresh try.
                self._errors.exception("%s: frame %d failed", self._name, frame.seq)
                return
            events.put(FacesObserved(time=frame.time, source=self._name, faces=faces))

        while not self._stop.is_set():
            changes = grabber.changes(change_index)
            if any(change.state == "ended" for change in changes):
                # The newest frame before the end is still read, before the end is told: a
                # file shorter than one reading would otherwise end having shown nobody.
                last = grabber.latest(seq, timeout=0.0)
                if last is not None:
                    read(last)
            for change in changes:
                change_index = change.index
                reported = change.state
                if change.state == "lost":
                    pipeline.reset()  # whoever is there when it returns is seen anew
                if change.state != "stopped":  # the final "stopped" is sent once, below
                    self._report(events, change.time, change.state, change.detail)
            if reported in ("ended", "stopped"):
                break
            frame = grabber.latest(seq, timeout=_POLL_S)
            if frame is None or self._stop.is_set():
                continue
            seq = frame.seq
            read(frame)
        if reported != "ended":
            self._report(events, now(), "stopped", "stopped by its owner")

    def _report(self, events: EventQueue, when: float, state: GrabberState, detail: str) -> None:
        events.put(SourceStatus(time=when, source=self._name, state=state, detail=detail))
