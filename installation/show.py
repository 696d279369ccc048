"""The show state: a pure function of (show time, events) -> what every output shows.

No GL, no I/O, no wall clock. Live and offline runs drive the same `Show.step`, so a run
can be repeated frame for frame from its events. Who glows, how much and in what colour is
decided here, so the picture, the lights and the OSC feedback tell one story.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from installation.emotions import dominant
from installation.events import Event, FaceObservation, FacesObserved, ParamChange, SourceStatus
from installation.palette import RGB, Palette
from installation.params import Catalogue, ParamValue, ParamValueError

# Smile readings jitter from frame to frame; a short time constant calms them without
# making a new smile feel late (a smile takes ~0.3 s to form anyway).
SMILE_SMOOTHING_S = 0.25
# Emotion probabilities change more slowly than a smile and flicker more; smooth them longer.
EMOTION_SMOOTHING_S = 0.6


@dataclass(frozen=True, slots=True)
class FaceLight:
    """One face as every output sees it: where, how bright, what colour."""

    track_id: int
    x: float  # centre, fraction of the frame width (0 = left)
    y: float  # centre, fraction of the frame height (0 = top)
    size: float  # face height, fraction of the frame height
    smile: float  # smoothed smile score 0..1
    emotion: str  # dominant emotion
    presence: float  # 0..1: fades in when a face appears, out after it leaves
    glow: float  # 0..1: presence x bloom of the smile
    access: float  # 0..1: how much of the glow this person is allowed (1 = all)
    colour: RGB  # the light's colour after access (excluded faces turn grey)


@dataclass(frozen=True, slots=True)
class FrameState:
    """Everything the renderer and the outputs need for one frame."""

    time: float
    frame: int
    scene: str
    params: Mapping[str, ParamValue]
    faces: tuple[FaceLight, ...]
    mood: RGB  # glow-weighted colour of the room
    mean_smile: float
    source: str
    source_state: str

    @property
    def smiling(self) -> int:
        """Faces currently blooming (glow above half)."""
        return sum(1 for face in self.faces if face.glow >= 0.5)


@dataclass
class _Track:
    """Smoothed state of one tracked face; internal to the show."""

    track_id: int
    target: FaceObservation
    x: float
    y: float
    size: float
    smile: float
    emotions: list[float]
    presence: float = 0.0
    visible: bool = True
    # Seen for the first time in this step: its fade-in starts now, not a frame ago.
    new: bool = True


@dataclass
class Show:
    """Steps the show forward; owns the smoothed parameters and the face tracks."""

    catalogue: Catalogue
    palette: Palette
    initial: Mapping[str, ParamValue]
    max_faces: int = 64
    _targets: dict[str, ParamValue] = field(init=False)
    _values: dict[str, ParamValue] = field(init=False)
    _tracks: dict[int, _Track] = field(init=False, default_factory=dict)
    _time: float | None = field(init=False, default=None)
    _frame: int = field(init=False, default=-1)
    _source: str = field(init=False, default="none")
    _source_state: str = field(init=False, default="starting")
    rejected: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self._targets = {**self.catalogue.defaults(), **self.initial}
        self._values = dict(self._targets)

    def step(self, time: float, events: Iterable[Event] = ()) -> FrameState:
        """Apply `events`, advance every smoothed value to `time`, describe the frame."""
        dt = 0.0 if self._time is None else max(0.0, time - self._time)
        self._time = time
        self._frame += 1
        for event in events:
            self._apply(event)
        self._smooth_params(dt)
        self._update_tracks(dt)
        return self._frame_state(time)

    @property
    def values(self) -> Mapping[str, ParamValue]:
        """Current (smoothed) parameter values."""
        return self._values

    def _apply(self, event: Event) -> None:
        if isinstance(event, FacesObserved):
            self._source = event.source
            self._observe(event.faces)
        elif isinstance(event, ParamChange):
            try:
                self._targets[event.name] = self.catalogue.get(event.name).validate(event.value)
            except (KeyError, ParamValueError) as exc:
                # The producer validates; this guards a show that must not stop on a bad value.
                self.rejected.append(f"{event.origin}: {event.name}: {exc}")
        elif isinstance(event, SourceStatus):
            self._source = event.source
            self._source_state = event.state
            if event.state in ("lost", "ended", "stopped"):
                # No more readings will come: let every face fade out.
                for track in self._tracks.values():
                    track.visible = False

    def _observe(self, faces: tuple[FaceObservation, ...]) -> None:
        seen = set()
        for face in faces:
            seen.add(face.track_id)
            track = self._tracks.get(face.track_id)
            if track is None:
                cx, cy = face.centre
                self._tracks[face.track_id] = _Track(
                    track_id=face.track_id,
                    target=face,
                    x=cx,
                    y=cy,
                    size=face.h,
                    smile=face.smile,
                    emotions=list(face.emotions),
                )
            else:
                track.target = face
                track.visible = True
        for track_id, track in self._tracks.items():
            if track_id not in seen:
                track.visible = False

    def _smooth_params(self, dt: float) -> None:
        for param in self.catalogue:
            target = self._targets[param.name]
            current = self._values[param.name]
            if param.type == "float" and param.smoothing > 0 and isinstance(current, float):
                assert isinstance(target, float)
                self._values[param.name] = _approach(current, target, dt, param.smoothing)
            else:
                self._values[param.name] = target

    def _update_tracks(self, dt: float) -> None:
        follow = float(self._values["face.follow"])
        fade = float(self._values["face.fade"])
        step = 1.0 if fade <= 0 else dt / fade
        for track_id in list(self._tracks):
            track = self._tracks[track_id]
            if track.new:
                track.new = False
                track.presence = 1.0 if fade <= 0 else 0.0
            elif track.visible:
                track.presence = min(1.0, track.presence + step)
                cx, cy = track.target.centre
                track.x = _approach(track.x, cx, dt, follow)
                track.y = _approach(track.y, cy, dt, follow)
                track.size = _approach(track.size, track.target.h, dt, follow)
                track.smile = _approach(track.smile, track.target.smile, dt, SMILE_SMOOTHING_S)
                track.emotions = [
                    _approach(now, want, dt, EMOTION_SMOOTHING_S)
                    for now, want in zip(track.emotions, track.target.emotions, strict=True)
                ]
            else:
                track.presence = max(0.0, track.presence - step)
                if track.presence == 0.0:
                    del self._tracks[track_id]

    def _frame_state(self, time: float) -> FrameState:
        v = self._values
        threshold, softness = float(v["smile.threshold"]), float(v["smile.softness"])
        resting = float(v["glow.resting"])
        # Keep the most present faces when there are more than the renderer can draw.
        tracks = sorted(self._tracks.values(), key=lambda t: (-t.presence, t.track_id))
        faces = []
        for track in sorted(tracks[: self.max_faces], key=lambda t: t.track_id):
            bloom = _smoothstep(threshold - softness / 2, threshold + softness / 2, track.smile)
            access = 1.0  # Act 1, sanctuary: every smile is allowed to shine.
            colour = _mix(self.palette.muted, self._emotion_colour(track.emotions), access)
            faces.append(
                FaceLight(
                    track_id=track.track_id,
                    x=track.x,
                    y=track.y,
                    size=track.size,
                    smile=track.smile,
                    emotion=dominant(tuple(track.emotions)),
                    presence=track.presence,
                    glow=track.presence * (resting + (1.0 - resting) * bloom),
                    access=access,
                    colour=colour,
                )
            )
        return FrameState(
            time=time,
            frame=self._frame,
            scene=str(v["scene"]),
            params=dict(v),
            faces=tuple(faces),
            mood=_mood(faces, self.palette.muted),
            mean_smile=sum(f.smile for f in faces) / len(faces) if faces else 0.0,
            source=self._source,
            source_state=self._source_state,
        )

    def _emotion_colour(self, probabilities: list[float]) -> RGB:
        # Cubing the probabilities favours the dominant emotion: an even mix of saturated
        # colours turns to mud, while a clear feeling should read as a clear colour.
        weights = [max(p, 0.0) ** 3 for p in probabilities]
        total = sum(weights) or 1.0
        r = g = b = 0.0
        for weight, colour in zip(weights, self.palette.colours, strict=True):
            r += weight * colour[0]
            g += weight * colour[1]
            b += weight * colour[2]
        return (r / total, g / total, b / total)


def _approach(current: float, target: float, dt: float, time_constant: float) -> float:
    """Exponential smoothing that is independent of the frame rate."""
    if time_constant <= 0:
        return target
    return target + (current - target) * math.exp(-dt / time_constant)


def _smoothstep(edge0: float, edge1: float, x: float) -> float:
    t = min(1.0, max(0.0, (x - edge0) / (edge1 - edge0)))
    return t * t * (3.0 - 2.0 * t)


def _mix(a: RGB, b: RGB, amount: float) -> RGB:
    return (
        a[0] + (b[0] - a[0]) * amount,
        a[1] + (b[1] - a[1]) * amount,
        a[2] + (b[2] - a[2]) * amount,
    )


def _mood(faces: list[FaceLight], quiet: RGB) -> RGB:
    total = sum(face.glow for face in faces)
    if total <= 1e-6:
        return quiet
    return (
        sum(face.glow * face.colour[0] for face in faces) / total,
        sum(face.glow * face.colour[1] for face in faces) / total,
        sum(face.glow * face.colour[2] for face in faces) / total,
    )
