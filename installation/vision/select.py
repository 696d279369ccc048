"""Choosing the face source at start-up from the config, saying what was chosen and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from installation.config import Config
from installation.errors import ConfigError, MissingPartError
from installation.vision.camera import CameraSource
from installation.vision.capture import probe_camera
from installation.vision.crowd import CrowdSettings
from installation.vision.simulated import SimulatedCrowdSource
from installation.vision.source import FaceSource


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
    a missing video file is a config error (a typo should not silently become a rehearsal).
    """
    spec = config.source.spec
    if spec.kind == "sim":
        sim = simulated_source(config)
        return SourceChoice(sim, [f"source: {sim.description}"])
    if spec.kind == "file":
        if not Path(spec.path).is_file():
            raise ConfigError(f"source.input: video file not found: {spec.path}")
        camera = CameraSource(spec.path, loop=config.source.loop)
        return SourceChoice(camera, [f"source: {camera.description}"])
    if spec.kind == "url":
        camera = CameraSource(spec.path)
        return SourceChoice(camera, [f"source: {camera.description}"])

    index = spec.index
    if probe(index):
        camera = CameraSource(index)
        return SourceChoice(camera, [f"source: {camera.description}"])
    missing = f"camera {index} not found"
    if config.source.required:
        raise MissingPartError(
            f"{missing}, and the config says it is required (source.required = true); "
            "connect a camera, pick another with --source camera:N, or allow the simulated crowd "
            "with --set source.required=false"
        )
    sim = simulated_source(config)
    return SourceChoice(sim, [f"{missing}: using the simulated crowd instead ({sim.description})"])
