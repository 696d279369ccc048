"""The show state: a pure function of (show time, events) -> what every output shows.

No GL, no I/O, no wall clock. Live and offline runs drive the same `Show.step`, so a run
can be repeated frame for frame from its events. Who glows, how much and in what colour is
decided here, so the picture, the lights and the OSC feedback tell one story.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from installation.access import Hub, access_of, hubs_for, pushed_boundary, rule_for
from installation.emotions import dominant
from installation.events import Event, FaceObservation, FacesObserved, ParamChange, SourceStatus
from installation.palette import RGB, Palette
from installation.params import Catalogue, ParamValue, ParamValueError

# Smile readings jitter from frame to frame; a short time constant calms them without
# making a new smile feel late (a smile takes ~0.3 s to form anyway).
SMILE_SMOOTHING_S = 0.25
# Emotion probabilities change more slowly than a smile and flicker more; smooth them longer.
EMOTION_SMOOTHING_S = 0.6
# A person's access fades rather than snaps when they cross a boundary or a hub's edge.
ACCESS_SMOOTHING_S = 0.5
# The crowd's joy and pressure move the hubs and the boundary: slowly, like a mood.
CROWD_SMOOTHING_S = 2.0


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
    glow: float  # 0..1: presence x bloom of the smile, dimmed where access is denied
    access: float  # 0..1: how much of the glow this person is allowed (1 = all)
    colour: RGB  # the light's colour after access (excluded faces turn grey)
    own_colour: RGB  # the emotion's colour, before access


@dataclass(frozen=True, slots=True)
class FrameState:
    """Everything the renderer and the outputs need for one frame."""

    time: float  # show time of this frame
    scene_time: float  # time the picture animates by; stands still while frozen
    frame: int
    scene: str
    params: Mapping[str, ParamValue]
    faces: tuple[FaceLight, ...]
    mood: RGB  # glow-weighted colour of the room
    mean_smile: float
    source: str
    source_state: str
    previous_scene: str = ""  # the act fading out, while `crossfade` < 1
    crossfade: float = 1.0  # 0 = all previous scene, 1 = all `scene`
    access_rule: str = "everyone"
    boundary: float = 0.5  # where the boundary stands now (frame widths), bent by pressure
    pressure: float = 0.0  # 0..1: how hard the excluded crowd's smiles push
    hubs: tuple[Hub, ...] = ()
    access_share: float = 1.0  # share of present people who have access

    @property
    def blackout(self) -> bool:
        return bool(self.params.get("master.blackout", False))

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
    access: float = 1.0
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
    # Explicit ramps: name -> (start value, target, start time, duration).
    _ramps: dict[str, tuple[float, float, float, float]] = field(init=False, default_factory=dict)
    # Show time as the picture sees it; it stands still while the show is frozen.
    _scene_time: float = field(init=False, default=0.0)
    _scene: str = field(init=False, default="")
    _previous_scene: str = field(init=False, default="")
    _scene_changed_at: float = field(init=False, default=-1e9)
    _joy: float = field(init=False, default=0.0)
    _pressure: float = field(init=False, default=0.0)
    rejected: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self._targets = {**self.catalogue.defaults(), **self.initial}
        self._values = dict(self._targets)
        self._scene = self._previous_scene = str(self._values["scene"])

    def step(self, time: float, events: Iterable[Event] = ()) -> FrameState:
        """Apply `events`, advance every smoothed value to `time`, describe the frame."""
        dt = 0.0 if self._time is None else max(0.0, time - self._time)
        self._time = time
        self._frame += 1
        frozen = bool(self._targets["show.freeze"])
        for event in events:
            # A frozen show still takes parameter changes (or it could never thaw).
            if not frozen or isinstance(event, ParamChange):
                self._apply(event, time)
        if frozen:
            self._values["show.freeze"] = self._targets["show.freeze"]
        else:
            self._scene_time += dt
            self._smooth_params(dt, time)
            self._follow_scene()
            # Access first: a newcomer takes the access of where they appear at once.
            self._update_crowd(dt)
            self._update_tracks(dt)
        return self._frame_state(time)

    @property
    def values(self) -> Mapping[str, ParamValue]:
        """Current (smoothed) parameter values."""
        return self._values

    def _apply(self, event: Event, time: float) -> None:
        if isinstance(event, FacesObserved):
            self._source = event.source
            self._observe(event.faces)
        elif isinstance(event, ParamChange):
            try:
                value = self.catalogue.get(event.name).validate(event.value)
            except (KeyError, ParamValueError) as exc:
                # The producer validates; this guards a show that must not stop on a bad value.
                self.rejected.append(f"{event.origin}: {event.name}: {exc}")
                return
            self._targets[event.name] = value
            self._ramps.pop(event.name, None)
            current = self._values[event.name]
            if event.ramp is not None and event.ramp > 0 and isinstance(value, float):
                assert isinstance(current, float)
                self._ramps[event.name] = (current, value, time, event.ramp)
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

    def _smooth_params(self, dt: float, time: float) -> None:
        for param in self.catalogue:
            target = self._targets[param.name]
            current = self._values[param.name]
            ramp = self._ramps.get(param.name)
            if ramp is not None:
                start, end, began, length = ramp
                progress = min(1.0, (time - began) / length)
                self._values[param.name] = start + (end - start) * progress
                if progress >= 1.0:
                    del self._ramps[param.name]
            elif param.type == "float" and param.smoothing > 0 and isinstance(current, float):
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

    def _follow_scene(self) -> None:
        scene = str(self._values["scene"])
        if scene != self._scene:
            self._previous_scene, self._scene = self._scene, scene
            self._scene_changed_at = self._scene_time

    def _crossfade(self) -> float:
        length = float(self._values["scene.crossfade"])
        if length <= 0:
            return 1.0
        return min(1.0, (self._scene_time - self._scene_changed_at) / length)

    def _update_crowd(self, dt: float) -> None:
        """The crowd's joy (drives the hubs) and the excluded crowd's pressure, smoothed."""
        present = [t for t in self._tracks.values() if t.presence > 0]
        joy = sum(t.smile * t.presence for t in present) / len(present) if present else 0.0
        excluded = sum(t.smile * t.presence * (1.0 - t.access) for t in present)
        pressure = min(1.0, excluded / 3.0)  # three beaming excluded people push all the way
        self._joy = _approach(self._joy, joy, dt, CROWD_SMOOTHING_S)
        self._pressure = _approach(self._pressure, pressure, dt, CROWD_SMOOTHING_S)
        rule = rule_for(self._scene, self._values)
        boundary, hubs = self._boundary(), hubs_for(self._values, self._joy)
        for track in self._tracks.values():
            want = access_of(rule, track.x, track.y, track.track_id, self._values, boundary, hubs)
            track.access = (
                want if track.new else _approach(track.access, want, dt, ACCESS_SMOOTHING_S)
            )

    def _boundary(self) -> float:
        v = self._values
        boundary = float(v["access.boundary"])
        if self._scene != "confrontation":
            return boundary
        push = float(v["confrontation.pressure"])
        return pushed_boundary(boundary, str(v["access.side"]), self._pressure, push)

    def _frame_state(self, time: float) -> FrameState:
        v = self._values
        threshold, softness = float(v["smile.threshold"]), float(v["smile.softness"])
        resting, muted = float(v["glow.resting"]), float(v["access.muted"])
        # Keep the most present faces when there are more than the renderer can draw.
        tracks = sorted(self._tracks.values(), key=lambda t: (-t.presence, t.track_id))
        faces = []
        for track in sorted(tracks[: self.max_faces], key=lambda t: t.track_id):
            bloom = _smoothstep(threshold - softness / 2, threshold + softness / 2, track.smile)
            own = self._emotion_colour(track.emotions)
            # Excluded smiles keep only a grey, dim remnant of their light.
            allowed = track.access + (1.0 - track.access) * muted
            faces.append(
                FaceLight(
                    track_id=track.track_id,
                    x=track.x,
                    y=track.y,
                    size=track.size,
                    smile=track.smile,
                    emotion=dominant(tuple(track.emotions)),
                    presence=track.presence,
                    glow=track.presence * (resting + (1.0 - resting) * bloom) * allowed,
                    access=track.access,
                    colour=_mix(self.palette.muted, own, track.access),
                    own_colour=own,
                )
            )
        present = sum(f.presence for f in faces)
        return FrameState(
            time=time,
            scene_time=self._scene_time,
            frame=self._frame,
            scene=self._scene,
            params=dict(v),
            faces=tuple(faces),
            mood=_mood(faces, self.palette.muted),
            mean_smile=sum(f.smile for f in faces) / len(faces) if faces else 0.0,
            source=self._source,
            source_state=self._source_state,
            previous_scene=self._previous_scene,
            crossfade=self._crossfade(),
            access_rule=rule_for(self._scene, v),
            boundary=self._boundary(),
            pressure=self._pressure,
            hubs=hubs_for(v, self._joy),
            access_share=(sum(f.access * f.presence for f in faces) / present) if present else 1.0,
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
