"""The show state: a pure function of (show time, events) -> what every output shows.

No GL, no I/O, no wall clock. Live and offline runs drive the same `Show.step`, so a run
can be repeated frame for frame from its events. Who glows, how much, in what colour and
with how much access is decided here, so the picture, the lights and the OSC feedback tell
one story.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from installation.access import (
    Hub,
    access_of,
    hubs_for,
    person_draw,
    pushed_boundary,
    rule_for,
)
from installation.acts import act_named
from installation.events import Event, FacesObserved, ParamChange, SourceStatus
from installation.frame import COLUMNS, FaceLight, FaceTable, FrameState
from installation.palette import Palette, turn_hues
from installation.params import Catalogue, ParamValue, ParamValueError
from installation.tracks import SIZE, FaceTracks, X, Y

__all__ = ["FaceLight", "FrameState", "Show"]  # FaceLight and FrameState live in frame.py

# Smile readings jitter from frame to frame; a short time constant calms them without
# making a new smile feel late (a smile takes ~0.3 s to form anyway).
SMILE_SMOOTHING_S = 0.25
# Emotion probabilities change more slowly than a smile and flicker more; smooth them longer.
EMOTION_SMOOTHING_S = 0.6
# A person's access fades rather than snaps when they cross a boundary or a hub's edge.
ACCESS_SMOOTHING_S = 0.5
# The crowd's joy and pressure move the hubs and the boundary: slowly, like a mood.
CROWD_SMOOTHING_S = 2.0
# Three beaming people without access push the boundary as hard as it goes.
FULL_PRESSURE = 3.0


@dataclass
class Show:
    """Steps the show forward; owns the smoothed parameters and the face tracks."""

    catalogue: Catalogue
    palette: Palette
    initial: Mapping[str, ParamValue]
    max_faces: int = 64
    _targets: dict[str, ParamValue] = field(init=False)
    _values: dict[str, ParamValue] = field(init=False)
    _tracks: FaceTracks = field(init=False, default_factory=FaceTracks)
    _time: float | None = field(init=False, default=None)
    _frame: int = field(init=False, default=-1)
    _source: str = field(init=False, default="none")
    _source_state: str = field(init=False, default="starting")
    # Explicit ramps: name -> (start value, target, start time, duration).
    _ramps: dict[str, tuple[float, float, float, float]] = field(init=False, default_factory=dict)
    # Show time as the picture sees it; it stands still while the show is frozen.
    _scene_time: float = field(init=False, default=0.0)
    # How far the plankton sea has drifted: scene time at the speed of `sea.drift`, so a
    # change of speed changes the pace from now on instead of jumping the whole sea.
    _drift_time: float = field(init=False, default=0.0)
    _scene: str = field(init=False, default="")
    _previous_scene: str = field(init=False, default="")
    _scene_changed_at: float = field(init=False, default=-1e9)
    _joy: float = field(init=False, default=0.0)
    _pressure: float = field(init=False, default=0.0)
    _hubs: tuple[Hub, ...] = field(init=False, default=())
    # The latest refused changes (bounded: weeks of bad input must not grow memory).
    rejected: deque[str] = field(init=False, default_factory=lambda: deque(maxlen=100))
    rejected_count: int = field(init=False, default=0)
    # The venue's light (see FrameState.house); it starts where the venue is.
    _house: float = field(init=False, default=1.0)
    _house_aim: tuple[float, float] = field(init=False, default=(1.0, 0.0))  # target, fade
    _house_from: float = field(init=False, default=1.0)  # the light when the aim last changed
    _house_since: float = field(init=False, default=0.0)  # ... and when

    def __post_init__(self) -> None:
        self._targets = {**self.catalogue.defaults(), **self.initial}
        self._values = dict(self._targets)
        self._house = self._house_from = self._house_target()
        self._house_aim = (self._house, float(self._values["venue.fade"]))
        self._scene = self._previous_scene = str(self._values["scene"])
        self._hubs = hubs_for(self._values, 0.0)
        self._colours = np.array(self.palette.colours)
        self._muted = np.array(self.palette.muted)

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
        # Parameters move while frozen too: a blackout, a dimmer or a thaw must take effect
        # on the picture and the rig at once, not when the show thaws.
        self._smooth_params(dt, time)
        self._fade_house(time)
        if not frozen:
            self._scene_time += dt
            self._drift_time += dt * float(self._values["sea.drift"])
            self._follow_scene()
            # Access first: a newcomer takes the access of where they appear at once.
            self._update_crowd(dt)
            tracks = self._tracks
            tracks.follow(
                dt, float(self._values["face.follow"]), SMILE_SMOOTHING_S, EMOTION_SMOOTHING_S
            )
            tracks.fade(dt, float(self._values["face.fade"]))
        return self._frame_state(time)

    def state(self) -> dict[str, Any]:
        """Everything the next step depends on, as JSON numbers and names: a recording that
        starts mid-show (a new day's file) begins with it, and `restore` continues from it
        exactly. Face rows are numbers, as in the events: no picture."""
        return {
            "time": self._time,
            "frame": self._frame,
            "targets": dict(self._targets),
            "values": dict(self._values),
            "ramps": {name: list(ramp) for name, ramp in self._ramps.items()},
            "faces": self._tracks.rows(),
            "source": [self._source, self._source_state],
            "scene": [self._scene, self._previous_scene, self._scene_changed_at],
            "times": [self._scene_time, self._drift_time],
            "crowd": [self._joy, self._pressure],
            "hubs": [[hub.x, hub.y, hub.reach] for hub in self._hubs],
            "house": [self._house, *self._house_aim, self._house_from, self._house_since],
            "rejected": [self.rejected_count, list(self.rejected)],
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Continue from `state()`; KeyError, TypeError or ValueError for one that does not fit."""
        self._time = None if state["time"] is None else float(state["time"])
        self._frame = int(state["frame"])
        for name in self._targets:
            param = self.catalogue.get(name)
            self._targets[name] = param.validate(state["targets"][name])
            self._values[name] = param.validate(state["values"][name])
        self._ramps = {
            str(name): (float(a), float(b), float(c), float(d))
            for name, (a, b, c, d) in dict(state["ramps"]).items()
        }
        self._tracks.load_rows([list(map(float, row)) for row in state["faces"]])
        self._source, self._source_state = (str(v) for v in state["source"])
        scene, previous, changed = state["scene"]
        self._scene, self._previous_scene = str(scene), str(previous)
        self._scene_changed_at = float(changed)
        self._scene_time, self._drift_time = (float(v) for v in state["times"])
        self._joy, self._pressure = (float(v) for v in state["crowd"])
        self._hubs = tuple(Hub(float(x), float(y), float(r)) for x, y, r in state["hubs"])
        house, target, fade, start, since = (float(v) for v in state["house"])
        self._house, self._house_aim = house, (target, fade)
        self._house_from, self._house_since = start, since
        count, kept = state["rejected"]
        self.rejected_count = int(count)
        self.rejected.clear()
        self.rejected.extend(str(line) for line in kept)

    @property
    def values(self) -> Mapping[str, ParamValue]:
        """Current (smoothed) parameter values."""
        return self._values

    def _apply(self, event: Event, time: float) -> None:
        if isinstance(event, FacesObserved):
            self._source = event.source
            self._tracks.observe(event.faces)
        elif isinstance(event, ParamChange):
            self._change(event, time)
        elif isinstance(event, SourceStatus):
            self._source = event.source
            self._source_state = event.state
            if event.state in ("lost", "ended", "stopped"):
                self._tracks.hide_all()  # no more readings will come: let every face fade

    def _change(self, event: ParamChange, time: float) -> None:
        try:
            value = self.catalogue.get(event.name).validate(event.value)
        except (KeyError, ParamValueError) as exc:
            # The producer validates; this guards a show that must not stop on a bad value.
            self.rejected.append(f"{event.origin}: {event.name}: {exc}")
            self.rejected_count += 1
            return
        self._targets[event.name] = value
        self._ramps.pop(event.name, None)
        current = self._values[event.name]
        if event.ramp is not None and event.ramp > 0 and isinstance(value, float):
            assert isinstance(current, float)
            self._ramps[event.name] = (current, value, time, event.ramp)

    def _smooth_params(self, dt: float, time: float) -> None:
        for param in self.catalogue:
            target = self._targets[param.name]
            current = self._values[param.name]
            ramp = self._ramps.get(param.name)
            if ramp is None and current == target:
                continue  # settled: most parameters, most of the time
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

    def _house_target(self) -> float:
        v = self._values
        return 1.0 if v["venue.open"] else float(v["venue.closed_level"])

    def _fade_house(self, time: float) -> None:
        """Towards the venue's level in a straight line, the whole way (0 to 1) in venue.fade
        seconds from the step that took the change: the same light at the same show time
        whatever the frame rate."""
        target, fade = self._house_target(), float(self._values["venue.fade"])
        if (target, fade) != self._house_aim:
            self._house_aim = (target, fade)
            self._house_from, self._house_since = self._house, time
        moved = (time - self._house_since) / fade if fade > 0 else 1.0
        start = self._house_from
        self._house = max(target, start - moved) if target < start else min(target, start + moved)

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

    def _hue_spread(self) -> float:
        """The act's hue spread, passing from the previous act's over the crossfade."""
        now = act_named(self._scene).hue_spread
        before = act_named(self._previous_scene).hue_spread
        return before + (now - before) * self._crossfade()

    def _update_crowd(self, dt: float) -> None:
        """The crowd's joy (drives the hubs), the excluded crowd's pressure, and access."""
        t = self._tracks
        present = t.presence > 0
        joy = float(np.mean(t.smile[present] * t.presence[present])) if present.any() else 0.0
        excluded = float(np.sum(t.smile * t.presence * (1.0 - t.access)))
        self._joy = _approach(self._joy, joy, dt, CROWD_SMOOTHING_S)
        self._pressure = _approach(
            self._pressure, min(1.0, excluded / FULL_PRESSURE), dt, CROWD_SMOOTHING_S
        )
        self._hubs = hubs_for(self._values, self._joy)
        if len(t):
            rule = rule_for(self._scene, self._values)
            x, y = t.place[:, X], t.place[:, Y]
            wanted = access_of(rule, x, y, t.ids, self._values, self._boundary(), self._hubs)
            t.approach_access(np.asarray(wanted, dtype=np.float64), dt, ACCESS_SMOOTHING_S)

    def _boundary(self) -> float:
        v = self._values
        boundary = float(v["access.boundary"])
        if not act_named(self._scene).strain:
            return boundary
        push = float(v["confrontation.pressure"])
        return pushed_boundary(boundary, str(v["access.side"]), self._pressure, push)

    def _frame_state(self, time: float) -> FrameState:
        v = self._values
        t = self._tracks
        # Keep the most present faces when there are more than the renderer can draw.
        rows = np.lexsort((t.ids, -t.presence))[: self.max_faces]
        rows = rows[np.argsort(t.ids[rows])]
        threshold, softness = float(v["smile.threshold"]), float(v["smile.softness"])
        resting, muted = float(v["glow.resting"]), float(v["access.muted"])
        smile, presence, access = t.smile[rows], t.presence[rows], t.access[rows]
        edge = softness / 2
        bloom = np.clip((smile - (threshold - edge)) / (2 * edge), 0.0, 1.0)
        bloom = bloom * bloom * (3.0 - 2.0 * bloom)
        # Excluded smiles keep only a grey, dim remnant of their light.
        glow = presence * (resting + (1.0 - resting) * bloom) * (access + (1.0 - access) * muted)
        # Cubing the probabilities favours the dominant emotion: an even mix of saturated
        # colours turns to mud, while a clear feeling should read as a clear colour.
        weights = np.clip(t.emotions[rows], 0.0, None) ** 3
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        own = weights @ self._colours
        spread = self._hue_spread()
        if spread > 0:
            # Each person's own hue near their emotion's: solidarity shows every one of them.
            own = turn_hues(own, (person_draw(t.ids[rows]) - 0.5) * 2.0 * spread)
        colour = self._muted + (own - self._muted) * access[:, None]
        faces = FaceTable(
            np.column_stack(
                [
                    t.place[rows][:, [X, Y, SIZE]],
                    smile,
                    presence,
                    glow,
                    access,
                    t.ids[rows],
                    np.argmax(t.emotions[rows], axis=1),
                    colour,
                    own,
                ]
            ).reshape(-1, COLUMNS)
        )
        total_glow, total_presence = float(glow.sum()), float(presence.sum())
        mood = (
            tuple((glow @ colour / total_glow).tolist())
            if total_glow > 1e-6
            else self.palette.muted
        )
        return FrameState(
            time=time,
            scene_time=self._scene_time,
            drift_time=self._drift_time,
            rejected_values=self.rejected_count,
            frame=self._frame,
            scene=self._scene,
            params={**v, "master.brightness": float(v["master.brightness"]) * self._house},
            faces=faces,
            mood=mood,
            mean_smile=float(smile.mean()) if len(rows) else 0.0,
            source=self._source,
            source_state=self._source_state,
            previous_scene=self._previous_scene,
            crossfade=self._crossfade(),
            access_rule=rule_for(self._scene, v),
            boundary=self._boundary(),
            pressure=self._pressure,
            hubs=self._hubs,
            access_share=float(access @ presence / total_presence) if total_presence else 1.0,
            house=self._house,
        )


def _approach(current: float, target: float, dt: float, time_constant: float) -> float:
    """Exponential smoothing that is independent of the frame rate."""
    if time_constant <= 0:
        return target
    return target + (current - target) * math.exp(-dt / time_constant)
