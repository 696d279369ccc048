"""Choosing the face source at start-up from the config, saying what was chosen and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from installation.config import Config, SmileModelName
from installation.errors import ConfigError, MissingPartError
from installation.vision.blazeface_files import FaceDetectorError
from installation.vision.camera import CameraSource
from installation.vision.capture import BACKOFF_MAX_S, CaptureTarget, open_capture, probe_camera
from installation.vision.crowd import CrowdSettings
from installation.vision.models import ModelError
from installation.vision.pipeline import DETECTOR_NAMES, VisionPipeline, VisionSettings
from installation.vision.simulated import SimulatedCrowdSource
from installation.vision.source import FaceSource
from installation.vision.waiting import CameraWhenPresent


@dataclass
class SourceChoice:
    source: FaceSource
    notices: list[str] = field(default_factory=list)


def simulated_source(config: Config) -> SimulatedCrowdSource:
    sim = config.sim
    settings = CrowdSettings(
        seed=sim.seed,
        max_people=sim.max_people,
        initial_people=min(sim.initial_people, sim.max_people),
        arrival_rate=sim.arrival_rate,
        mean_stay=sim.mean_stay,
    )
    return SimulatedCrowdSource(settings, rate_hz=sim.rate_hz)


def choose_source(config: Config, probe: Callable[[int], bool] = probe_camera) -> SourceChoice:
    """The source the config asks for, or the simulated crowd when a camera is missing.

    A missing camera is a notice and the simulated crowd, unless `source.required` is true;
    a camera named in the config (`camera:N`) is looked for again until it appears. A
    missing video file is a config error (a typo should not silently become a rehearsal).
    """
    spec = config.source.spec
    if spec.kind == "sim":
        sim = simulated_source(config)
        return SourceChoice(sim, [f"source: {sim.description}"])
    if spec.kind == "file":
        if Path(spec.path).is_dir():
            raise ConfigError(f"source.input: {spec.path} is a folder; {_files_in(spec.path)}")
        if not Path(spec.path).is_file():
            raise ConfigError(f"source.input: video file not found: {spec.path}")
        if not is_video(spec.path):
            raise ConfigError(
                f"source.input: {spec.path} is not a video OpenCV can read "
                "(not a video, damaged, or a codec this OpenCV build lacks)"
            )
        return _camera_choice(config, spec.path, loop=config.source.loop)
    if spec.kind == "url":
        return _camera_choice(config, spec.path)

    index = spec.index
    if probe(index):
        return _camera_choice(config, index)
    missing = f"camera {index} not found"
    if config.source.required:
        raise MissingPartError(
            f"{missing}, and the config says it is required (source.required = true); "
            "connect a camera, pick another with --source camera:N, or allow the simulated crowd "
            "with --set source.required=false"
        )
    sim = simulated_source(config)
    if spec.kind == "camera":
        # Asked for by name: keep looking for it, so a camera plugged in (or a USB hub that
        # powers up) after the computer booted is picked up without a restart.
        camera = _camera_choice(config, index)
        waiting = CameraWhenPresent(
            camera.source.name, sim, lambda: camera.source, lambda: probe(index)
        )
        return SourceChoice(
            waiting,
            [
                f"{missing}: using the simulated crowd instead ({sim.description}) until it "
                "appears; "
                f"looking for it again every {BACKOFF_MAX_S:g} s at most",
                *camera.notices[1:],
            ],
        )
    return SourceChoice(sim, [f"{missing}: using the simulated crowd instead ({sim.description})"])


# The next lighter smile reading when a model file is missing (Haar needs none).
_LIGHTER: dict[SmileModelName, SmileModelName] = {
    "smilenet": "ensemble",
    "ensemble": "cnn",
    "cnn": "haar",
    "haar": "haar",
}
_READING_NAMES: dict[SmileModelName, str] = {
    "smilenet": "the smile network, emotions by two emotion CNNs (fer and face-api.js)",
    "ensemble": "two emotion CNNs (fer and face-api.js)",
    "cnn": "the fer emotion CNN",
    "haar": "the Haar smile cascade",
}


def _files_in(folder: str) -> str:
    """What to write instead of a folder: `file:` takes one video (or picture) file."""
    try:
        names = sorted(p.name for p in Path(folder).iterdir() if p.is_file())
    except OSError:  # unreadable: say what file: takes all the same
        names = []
    if not names:
        return "file: takes one video file, and this folder holds none"
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"file: takes one video file, e.g. file:{Path(folder) / names[0]} (in it: {shown})"


def is_video(path: str) -> bool:
    """Whether OpenCV opens `path` and reads a first frame from it."""
    capture = open_capture(path)
    if capture is None:
        return False
    try:
        ok, image = capture.read()
        return bool(ok) and image is not None
    finally:
        capture.release()


def _camera_choice(config: Config, target: CaptureTarget, loop: bool = False) -> SourceChoice:
    """A camera source with the configured vision; a lighter smile reading if a model is missing.

    A missing model must not keep a gallery dark: without face-api's the ensemble becomes
    fer's CNN alone, without fer's the Haar smile cascade; without BlazeFace's, faces are
    found by the Haar face cascade. Each step is said at start-up, and `installation
    doctor` says how to get the model.
    """
    settings = VisionSettings.from_config(config.vision)
    notices = []
    while True:
        try:
            pipeline = VisionPipeline(settings)
            break
        except FaceDetectorError as exc:
            if settings.face_detector == "haar":
                raise
            notices.append(f"{exc}; finding faces with {DETECTOR_NAMES['haar']} meanwhile")
            settings = replace(settings, face_detector="haar")
        except ModelError as exc:
            lighter = _LIGHTER[settings.smile_model]
            if lighter == settings.smile_model:
                raise
            notices.append(f"{exc}; reading smiles with {_READING_NAMES[lighter]} meanwhile")
            settings = replace(settings, smile_model=lighter)
    camera = CameraSource(target, loop=loop, pipeline=pipeline)
    reading = _READING_NAMES[settings.smile_model]
    faces = DETECTOR_NAMES[settings.face_detector]
    notice = f"source: {camera.description}, faces by {faces}, smiles by {reading}"
    return SourceChoice(camera, [notice, *notices])
