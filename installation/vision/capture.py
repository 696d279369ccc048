"""Frames from a camera, a video file or a stream, on a thread of their own, newest wins.

Privacy: frames live only in memory, in the one `Frame` the grabber holds; never written.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import cv2
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

GrabberState = Literal["starting", "running", "lost", "ended", "stopped"]
CaptureTarget = int | str

BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 5.0
# Files whose header gives no usable frame rate are paced at this one.
FALLBACK_FPS = 25.0


class Capture(Protocol):
    """The part of `cv2.VideoCapture` the grabber uses (a seam for tests and other backends)."""

    def isOpened(self) -> bool: ...
    def read(self) -> tuple[bool, Any]: ...
    def get(self, prop_id: int, /) -> float: ...
    def set(self, prop_id: int, value: float, /) -> bool: ...
    def release(self) -> None: ...


Opener = Callable[[CaptureTarget], Capture | None]


@dataclass(frozen=True, slots=True)
class StateChange:
    """One health transition: numbered from 1, stamped with show time, with a reason."""

    index: int
    time: float
    state: GrabberState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured image (BGR, uint8), its capture time (show time) and sequence number."""

    image: npt.NDArray[np.uint8]
    time: float
    seq: int


def backoff_delays(
    start: float = BACKOFF_START_S, maximum: float = BACKOFF_MAX_S
) -> Iterator[float]:
    """Waits between reconnect attempts: start, doubling, capped at maximum, forever."""
    delay = start
    while True:
        yield delay
        delay = min(delay * 2.0, maximum)


def is_stream_url(target: CaptureTarget) -> bool:
    """True for "rtsp://...", "http://..." and other URLs OpenCV opens as live streams."""
    return isinstance(target, str) and "://" in target


def _device_missing(index: int) -> bool:
    # On Linux a camera is a /dev/videoN node; checking it first is instant, where asking
    # OpenCV to open a missing index tries several backends and prints warnings each time.
    return sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists()


def open_capture(target: CaptureTarget) -> Capture | None:
    """Open a device index, file path or stream URL; None if it cannot be opened."""
    if isinstance(target, int):
        if target < 0 or _device_missing(target):
            return None
        # V4L2 directly on Linux: the default (any backend) falls through to FFmpeg and
        # others on failure, each logging its own warning.
        api = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        cap = cv2.VideoCapture(target, api)
    else:
        cap = cv2.VideoCapture(target)
    if not cap.isOpened():
        cap.release()
        return None
    return cap


def probe_camera(index: int) -> bool:
    """Whether camera `index` opens and delivers a frame."""
    cap = open_capture(index)
    if cap is None:
        return False
    try:
        ok, image = cap.read()
        return bool(ok) and image is not None
    finally:
        cap.release()


def list_cameras(max_index: int = 4) -> list[int]:
    """Indices 0..max_index (inclusive) of the cameras that open and deliver a frame."""
    return [index for index in range(max_index + 1) if probe_camera(index)]


class FrameGrabber:
    """Owns one capture on a daemon thread and keeps only its newest frame.

    Older frames are dropped, never queued: the vision worker always sees the present.
    Files are paced to their frame rate (read as fast as possible otherwise) and either
    loop or end. Live sources (cameras, streams) are judged by frame age and by frames
    changing, because OpenCV can block for seconds or repeat the last frame after an
    unplug; a lost source is reopened with backoff.
    """

    def __init__(
        self,
        target: CaptureTarget,
        now: Callable[[], float],
        *,
        loop: bool = False,
        pace: bool = True,
        lost_after: float = 2.0,
        backoff_start: float = BACKOFF_START_S,
        backoff_max: float = BACKOFF_MAX_S,
        opener: Opener = open_capture,
    ) -> None:
        self.target = target
        self.is_file = isinstance(target, str) and not is_stream_url(target)
        self.loop = loop
        self.pace = pace
        self.lost_after = lost_after
        self._now = now
        self._backoff = (backoff_start, backoff_max)
        self._opener = opener
        # Reentrant, so state changes can be recorded with or without the lock held.
        self._cond = threading.Condition(threading.RLock())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._frame: Frame | None = None
        self._seq = 0
        # Monotonic time of the last sign of life (opened, or a new frame): health is about
        # the device's real time, not show time, which may be paused or scaled.
        self._alive_at = time.monotonic()
        self._state: GrabberState = "starting"
        # Transitions are kept, not only the current state, so a reader that polls now and
        # then still sees a short "lost" between two "running"s.
        self._changes: deque[StateChange] = deque(maxlen=64)
        self._changes.append(StateChange(1, now(), "starting"))

    def start(self) -> None:
        """Start the capture thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError("FrameGrabber.start() called twice; make a new grabber")
        self._thread = threading.Thread(
            target=self._run, name=f"frame-grabber:{self.target}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 0.5) -> None:
        """Stop the thread. A read blocked inside OpenCV may outlive this; it is a daemon."""
        self._stop.set()
        self._change("stopped", "stopped by its owner")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def state(self) -> GrabberState:
        """One of "starting", "running", "lost", "ended", "stopped"."""
        with self._cond:
            self._check_alive()
            return self._state

    def changes(self, after: int = 0) -> list[StateChange]:
        """State changes (with why) whose index > after, oldest first; the last 64 are kept."""
        with self._cond:
            self._check_alive()
            return [change for change in self._changes if change.index > after]

    def latest(self, after_seq: int = 0, timeout: float = 0.0) -> Frame | None:
        """The newest frame with seq > after_seq, waiting up to `timeout` s; else None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                frame = self._frame
                if frame is not None and frame.seq > after_seq:
                    return frame
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._state in ("ended", "stopped"):
                    return None
                self._cond.wait(remaining)

    def _check_alive(self) -> None:
        # The capture thread may be stuck inside a read and unable to say so itself, so
        # whoever looks judges the age of the last frame. Files are exempt: they do not
        # block that way, and a still scene is legitimate in one.
        stale = time.monotonic() - self._alive_at > self.lost_after
        if stale and not self.is_file and self._state in ("starting", "running"):
            self._change("lost", f"no new frame for more than {self.lost_after:g} s")

    def _change(self, state: GrabberState, detail: str = "") -> None:
        with self._cond:
            if self._state == "stopped" or state == self._state:
                return  # stop() is final; a late thread must not revive the state
            log.info("%s: %s%s", self.target, state, f" ({detail})" if detail else "")
            self._state = state
            index = self._changes[-1].index + 1
            self._changes.append(StateChange(index, self._now(), state, detail))
            self._cond.notify_all()

    def _publish(self, image: npt.NDArray[np.uint8], captured: float) -> None:
        with self._cond:
            self._seq += 1
            self._frame = Frame(image=image, time=captured, seq=self._seq)
            self._alive_at = time.monotonic()
            self._change("running")
            self._cond.notify_all()

    def _run(self) -> None:
        delays = backoff_delays(*self._backoff)
        while not self._stop.is_set():
            cap = self._opener(self.target)
            if cap is None:
                outcome, detail = "lost", f"cannot open {self.target!r}"
            else:
                with self._cond:
                    self._alive_at = time.monotonic()
                    seq_before = self._seq
                try:
                    outcome, detail = self._read_loop(cap)
                finally:
                    cap.release()
                if self._seq > seq_before:
                    delays = backoff_delays(*self._backoff)  # it worked: start over
            if outcome == "stopped":
                return
            if outcome == "ended":
                self._change("ended", detail)
                return
            self._change("lost", detail)
            if self._stop.wait(next(delays)):
                return

    def _read_loop(self, cap: Capture) -> tuple[str, str]:
        """Read until stopped, ended or lost; returns (outcome, detail)."""
        period = 0.0  # live sources pace themselves; unpaced files read at full speed
        if self.is_file and self.pace:
            fps = cap.get(cv2.CAP_PROP_FPS)
            period = 1.0 / (fps if 0.5 <= fps <= 1000.0 else FALLBACK_FPS)  # NaN, 0: broken header
        due = time.monotonic()
        last_sample: npt.NDArray[np.uint8] | None = None
        frames = 0  # read in this pass
        last_image: npt.NDArray[np.uint8] | None = None
        still: npt.NDArray[np.uint8] | None = None  # a picture file: one frame, shown on
        while not self._stop.is_set():
            if period > 0.0:
                delay = due - time.monotonic()
                if delay > 0.0 and self._stop.wait(delay):
                    break
                if delay < -1.0:
                    due = time.monotonic()  # fell far behind (slow disk): don't burst to catch up
                due += period
            ok, image = (True, still) if still is not None else cap.read()
            if self._stop.is_set():
                break
            if (not ok or image is None) and self.is_file:
                if not self.loop:
                    return "ended", "end of file"
                # Rewind; a container that cannot seek ends rather than spinning.
                ok, image = cap.read() if cap.set(cv2.CAP_PROP_POS_FRAMES, 0) else (False, None)
                if (not ok or image is None) and frames == 1 and last_image is not None:
                    # A still picture (PNG, JPEG) cannot rewind: looping it is showing it on,
                    # at the pace of a video with no frame rate.
                    ok, image = True, last_image
                    still = last_image
                    period = period or 1.0 / FALLBACK_FPS
                if not ok or image is None:
                    return "ended", "end of file (could not rewind to loop)"
            elif not ok or image is None:
                return "lost", "read failed (unplugged?)"
            frames += 1
            last_image = image
            captured = self._now()
            if not self.is_file:
                # A frozen driver repeats the last frame exactly; real sensors always differ
                # by noise. A sparse sample keeps this cheap.
                sample = np.ascontiguousarray(image[::16, ::16])
                if last_sample is not None and np.array_equal(sample, last_sample):
                    if time.monotonic() - self._alive_at > self.lost_after:
                        return "lost", "frames stopped changing"
                    continue  # a repeat carries nothing new; don't publish it
                last_sample = sample
            self._publish(image, captured)
        return "stopped", ""
