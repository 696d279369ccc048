"""`installation bench vision`: speed of the whole vision path, and capture-to-event latency.

Frames: 640x480, holding 1, 4 and 8 real faces (scikit-image's astronaut photo, drifting),
made in memory beforehand, so decoding is excluded. Speed: the vision pipeline (grey,
detection sweep, following, smile and emotion reading, smoothing) on one thread, OpenCV
limited to one thread. Latency: the real threaded path (frame grabber and vision worker)
fed those frames at 30 fps by an in-memory camera; each face event's capture time against
the moment it is put on the event queue.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from typing import Any, get_args

import cv2
import numpy as np

from installation.bench.machine import describe_machine, machine_info
from installation.bench.stages import stage
from installation.cliargs import amount, whole
from installation.config import FaceDetectorName, SmileModelName, VisionSection
from installation.events import Event, EventQueue, FacesObserved
from installation.vision.camera import CameraSource
from installation.vision.capture import CaptureTarget
from installation.vision.pipeline import DETECTOR_NAMES, VisionPipeline, VisionSettings
from installation.vision.samples import crowd_frame

FACE_COUNTS = (1, 4, 8)
CLIP_FRAMES = 120  # distinct frames per clip, played in a loop


_DEFAULT_MODEL = VisionSection().smile_model  # the show's own defaults
_DEFAULT_DETECTOR = VisionSection().face_detector


def register(benchmarks: Any) -> None:
    parser = benchmarks.add_parser(
        "vision",
        help="frames per second of the vision path with 1, 4, 8 faces; capture-to-event latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--frames",
        type=whole("frames", least=1),
        default=600,
        metavar="N",
        help="frames timed per face count (default 600)",
    )
    parser.add_argument(
        "--latency-seconds",
        type=amount("seconds", "4"),
        default=4.0,
        metavar="S",
        help="length of the latency run in seconds (default 4)",
    )
    parser.add_argument(
        "--smile-model",
        choices=get_args(SmileModelName),
        default=_DEFAULT_MODEL,
        help=f"the smile reading to time (default {_DEFAULT_MODEL}, as vision.smile_model)",
    )
    parser.add_argument(
        "--face-detector",
        choices=get_args(FaceDetectorName),
        default=_DEFAULT_DETECTOR,
        help=f"the face detector to time (default {_DEFAULT_DETECTOR}, as vision.face_detector)",
    )
    parser.set_defaults(handler=_run)


def measure_speed(faces: int, frames: int, settings: VisionSettings) -> dict[str, float]:
    """Frames per second and per-frame times of the pipeline on one thread."""
    clip = [crowd_frame(faces, t) for t in range(CLIP_FRAMES)]
    pipeline = VisionPipeline(settings)
    period = 1.0 / 60.0
    # Warm-up: two full detection sweeps, so every face is found before timing starts.
    warm = 0
    while pipeline.sweep.cycles < 2 and warm < 2000:
        pipeline.process(clip[warm % CLIP_FRAMES], warm * period)
        warm += 1
    times = []
    found = []
    started = time.perf_counter()
    for i in range(frames):
        t0 = time.perf_counter()
        observed = pipeline.process(clip[(warm + i) % CLIP_FRAMES], (warm + i) * period)
        times.append(time.perf_counter() - t0)
        found.append(len(observed))
    total = time.perf_counter() - started
    ms = np.array(times) * 1000.0
    return {
        "fps": frames / total,
        "ms_p50": float(np.percentile(ms, 50)),
        "ms_p99": float(np.percentile(ms, 99)),
        "faces_found_mean": float(statistics.fmean(found)),
    }


class _Camera:
    """An in-memory live camera: the clip's frames at 30 fps, each a fresh copy."""

    def __init__(self, clip: list[Any]) -> None:
        self._clip, self._i, self._due = clip, 0, time.monotonic()

    def read(self) -> tuple[bool, Any]:
        self._due += 1.0 / 30.0
        time.sleep(max(0.0, self._due - time.monotonic()))
        self._i += 1
        return True, self._clip[self._i % len(self._clip)].copy()

    def isOpened(self) -> bool:
        return True

    def get(self, prop_id: int, /) -> float:
        return 30.0

    def set(self, prop_id: int, value: float, /) -> bool:
        return False

    def release(self) -> None:
        pass


class _StampingQueue(EventQueue):
    """Notes when each face event is put, on the same clock as the capture stamps."""

    def __init__(self) -> None:
        super().__init__()
        self.latencies: list[float] = []
        self.faces: list[int] = []
        self._lock = threading.Lock()

    def put(self, event: Event) -> None:
        if isinstance(event, FacesObserved):
            with self._lock:
                self.latencies.append(time.monotonic() - event.time)
                self.faces.append(len(event.faces))
        super().put(event)


def measure_latency(faces: int, seconds: float, settings: VisionSettings) -> dict[str, float]:
    clip = [crowd_frame(faces, t) for t in range(CLIP_FRAMES)]

    def opener(target: CaptureTarget) -> _Camera:
        return _Camera(clip)

    source = CameraSource(0, pipeline=VisionPipeline(settings), opener=opener)
    events = _StampingQueue()
    source.start(events, time.monotonic)
    time.sleep(seconds)
    source.stop()
    # The first second finds the faces; what is measured is the steady state after it.
    skip = min(len(events.latencies) // 2, 30)
    ms = np.array(events.latencies[skip:] or [float("nan")]) * 1000.0
    return {
        "latency_ms_p50": float(np.percentile(ms, 50)),
        "latency_ms_p99": float(np.percentile(ms, 99)),
        "latency_events": len(ms),
        "latency_faces_mean": float(statistics.fmean(events.faces[skip:] or [0])),
    }


def run_bench(
    frames: int,
    latency_seconds: float,
    smile_model: SmileModelName = _DEFAULT_MODEL,
    face_detector: FaceDetectorName = _DEFAULT_DETECTOR,
) -> dict[str, Any]:
    cv2.setNumThreads(1)  # one core: the figure the target is set for
    settings = VisionSettings(smile_model=smile_model, face_detector=face_detector)
    by_faces = {}
    for count in FACE_COUNTS:
        stage("vision", f"{count} face(s), {frames} frames")
        by_faces[str(count)] = measure_speed(count, frames, settings)
    stage("vision", f"latency, 4 faces, {latency_seconds:g} s")
    latency = measure_latency(4, latency_seconds, settings)
    return {
        "fps": by_faces["4"]["fps"],
        **latency,
        "by_faces": by_faces,
        "frame_size": "640x480",
        "settings": {
            "face_detector": settings.face_detector,
            "detect_width": settings.detect_width,
            "smile_model": settings.smile_model,
            "faces_per_frame": settings.faces_per_frame,
        },
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "machine": machine_info(opencv_threads=cv2.getNumThreads()),
    }


def _run(args: argparse.Namespace) -> int:
    result = run_bench(
        max(10, args.frames), max(1.0, args.latency_seconds), args.smile_model, args.face_detector
    )
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        "vision path, 640x480, one thread (decode excluded), "
        f"faces by {DETECTOR_NAMES[args.face_detector]}, smiles by {args.smile_model}:"
    )
    for count, figures in result["by_faces"].items():
        print(
            f"  {count} face(s): {figures['fps']:6.1f} fps  median {figures['ms_p50']:5.1f} ms"
            f"  p99 {figures['ms_p99']:5.1f} ms  faces found {figures['faces_found_mean']:.1f}"
        )
    print(
        f"capture to face event (4 faces, camera at 30 fps): p50 {result['latency_ms_p50']:.1f} ms"
        f"  p99 {result['latency_ms_p99']:.1f} ms over {result['latency_events']} frames"
    )
    print(f"load average while measuring: {result['load_average']}")
    print(f"machine: {describe_machine(result['machine'])}")
    return 0
