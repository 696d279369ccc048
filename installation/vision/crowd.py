"""A deterministic simulated audience: faces that come, linger, feel something and go.

Artists rehearse with it and tests drive the show with it, so it needs no camera and gives
the same crowd for the same seed: `SimulatedCrowd.faces_at(t)` is a function of the
settings and `t` alone, whatever times were asked before and in whatever order.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from installation.emotions import EMOTIONS
from installation.events import FaceObservation

# A box square in pixels on a 16:9 frame is this many times taller than wide in fractions.
FRAME_ASPECT = 16.0 / 9.0
_TAU = 2.0 * math.pi

# How often each emotion leads a mood (the rest weigh 6): a gallery mostly shows happy and
# neutral faces, but every emotion must turn up so every colour of the piece gets rehearsed.
_MOOD_WEIGHT = {"happy": 34.0, "neutral": 26.0, "surprise": 12.0, "sad": 9.0, "angry": 7.0}
_MOOD_CUMULATIVE = np.cumsum([_MOOD_WEIGHT.get(name, 6.0) for name in EMOTIONS])
# Thresholds on one uniform draw: cheaper than Generator.choice, which checks p every call.
_MOOD_CDF = (_MOOD_CUMULATIVE / _MOOD_CUMULATIVE[-1])[:-1].tolist()
# How much each emotion smiles: a smile detector fires on happy faces, half on surprise.
_SMILE_LEVEL = [{"happy": 0.85, "surprise": 0.45, "neutral": 0.18}.get(n, 0.06) for n in EMOTIONS]

_BLEND = 1.0  # half-width in seconds of the crossfade between two moods
_MIN_MOOD = 3.0 * _BLEND  # a mood shorter than its own crossfades would never lead
_VISIBLE = 0.4  # a face counts once this share of its width is inside the frame
_SPOT_TRIES = 8  # candidate spots per arrival; the one farthest from the others wins
_WALK_SPEED = (0.12, 0.25)  # frame widths per second, slowest and fastest walker
_KEEP = 120.0  # seconds of the past kept cached; older questions rebuild from scratch


@dataclass(frozen=True, slots=True)
class CrowdSettings:
    """The few knobs an artist turns to shape the simulated audience."""

    seed: int
    """Same seed, same crowd: a rehearsal can be repeated exactly."""
    max_people: int = 6
    """Most faces in view at once; arrivals beyond it turn away."""
    arrival_rate: float = 0.3
    """Mean new arrivals per second (Poisson)."""
    mean_stay: float = 25.0
    """Mean seconds a person lingers at their spot (exponential)."""
    initial_people: int = 3
    """People already standing in view at t = 0."""
    mood_seconds: float = 8.0
    """Mean seconds one mood lasts before it drifts into the next."""
    min_face: float = 0.06
    """Width of the farthest face, as a fraction of the frame width."""
    max_face: float = 0.16
    """Width of the nearest face, as a fraction of the frame width."""

    def __post_init__(self) -> None:
        rules = {
            "max_people >= 0": self.max_people >= 0,
            "0 <= initial_people <= max_people": 0 <= self.initial_people <= self.max_people,
            "0 <= arrival_rate < inf": 0 <= self.arrival_rate < math.inf,
            "0 < mean_stay < inf": 0 < self.mean_stay < math.inf,
            "0 < mood_seconds < inf": 0 < self.mood_seconds < math.inf,
            "0 < min_face <= max_face <= 0.3": 0 < self.min_face <= self.max_face <= 0.3,
        }
        broken = [rule for rule, ok in rules.items() if not ok]
        if broken:
            raise ValueError(f"CrowdSettings needs {', '.join(broken)}; got {self}")


def _smoothstep(u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


class _Visitor:
    """One person: everything about them is drawn once, when they arrive."""

    # Timeline: walks in from `arrive`, stands from `settle`, walks out from `depart`, gone.
    arrive: float
    settle: float
    depart: float
    gone: float

    def __init__(
        self, settings: CrowdSettings, index: int, arrive: float | None, others: list[_Visitor]
    ) -> None:
        """Draw person `index`; `arrive=None` means they already stand in view at t = 0."""
        # Each person's own stream, keyed by (seed, index), so what they do never depends on
        # how many draws anyone else made or in which order the times were asked.
        seq = np.random.SeedSequence(settings.seed % 2**64, spawn_key=(1, index))
        rng = np.random.default_rng(seq)
        self.track_id = index + 1
        depth = rng.uniform()
        self.width = settings.min_face + (settings.max_face - settings.min_face) * depth
        stay = max(3.0, rng.exponential(settings.mean_stay))
        spot_xs = rng.uniform(self.width / 2 + 0.03, 1 - self.width / 2 - 0.03, _SPOT_TRIES)
        # Nearer (bigger) faces sit a little lower, as they would through a camera.
        spot_ys = rng.uniform(0.32, 0.45, _SPOT_TRIES) + 0.1 * depth
        self.x_in, self.x_out = (
            -self.width / 2 if side < 0.5 else 1 + self.width / 2 for side in rng.uniform(size=2)
        )
        speed = rng.uniform(*_WALK_SPEED)
        linger_fraction = rng.uniform()
        # Two sines, a slow sway and a quicker nod, for each of x, y, head size (leaning in
        # and out) and smile wobble. Plain floats: they are evaluated 30 times a second.
        amps = np.array([[0.006, 0.003], [0.004, 0.002], [0.03, 0.015], [0.05, 0.025]])
        amps *= rng.uniform(0.6, 1.4, amps.shape)
        freqs = rng.uniform(0.08, 0.3, amps.shape) * np.array([1.0, 3.0])
        phases = rng.uniform(0.0, _TAU, amps.shape)
        self.waves: list[list[tuple[float, float, float]]] = [
            list(zip(*channel, strict=True))
            for channel in zip(amps.tolist(), freqs.tolist(), phases.tolist(), strict=True)
        ]
        self.expressiveness = rng.uniform(0.8, 1.15)
        # Each emotion drifts slowly on its own, so a held mood still breathes.
        drift_freqs = rng.uniform(0.05, 0.25, len(EMOTIONS)).tolist()
        drift_phases = rng.uniform(0.0, _TAU, len(EMOTIONS)).tolist()
        self.drift = list(zip(drift_freqs, drift_phases, strict=True))

        # Everyone drawn before is still around at t = 0; an arrival meets who has not left.
        spots = list(zip(spot_xs.tolist(), spot_ys.tolist(), strict=True))
        around = [p for p in others if arrive is None or p.gone > arrive]
        self.spot_x, self.spot_y = self._roomiest(spots, around)
        self.spot_y = min(self.spot_y, 1 - self.width * FRAME_ASPECT / 2 - 0.02)
        walk_in = max(1.0, abs(self.spot_x - self.x_in) / speed)
        walk_out = max(1.0, abs(self.x_out - self.spot_x) / speed)
        # People there at the start are mid-linger, so a rehearsal never opens on an empty room.
        self.settle = arrive + walk_in if arrive is not None else -0.5 * linger_fraction * stay
        self.arrive = self.settle - walk_in
        self.depart = self.settle + stay
        self.gone = self.depart + walk_out

        self.mood_starts: list[float] = []
        self.moods: list[list[float]] = []
        t = self.arrive
        while t < self.gone:
            lead = bisect.bisect_right(_MOOD_CDF, rng.uniform())
            share = rng.uniform(0.5, 0.85)  # the leading emotion always outweighs the rest
            probs = (rng.dirichlet(np.ones(len(EMOTIONS) - 1)) * (1 - share)).tolist()
            probs.insert(lead, share)
            self.mood_starts.append(t)
            self.moods.append(probs)
            t += max(_MIN_MOOD, settings.mood_seconds * rng.uniform(0.5, 1.5))

    def _roomiest(
        self, spots: list[tuple[float, float]], others: list[_Visitor]
    ) -> tuple[float, float]:
        """The candidate spot with the most room between this face and everyone else's."""

        def room(spot: tuple[float, float]) -> float:
            # Gap between the boxes, roughly, in frame heights (where pixels are square).
            return min(
                math.hypot((spot[0] - p.spot_x) * FRAME_ASPECT, spot[1] - p.spot_y)
                - (self.width + p.width) * FRAME_ASPECT / 2
                for p in others
            )

        return max(spots, key=room) if others else spots[0]

    def _wave(self, channel: int, t: float) -> float:
        """The sway, nod, lean or smile wobble at `t` (channel 0, 1, 2 or 3)."""
        return sum(a * math.sin(_TAU * f * t + p) for a, f, p in self.waves[channel])

    def mood(self, t: float) -> tuple[float, ...]:
        """The 7 emotion probabilities at `t`: crossfaded moods with a slow drift."""
        starts, moods = self.mood_starts, self.moods
        k = bisect.bisect_right(starts, t) - 1
        # Crossfade over _BLEND seconds either side of each change of mood.
        if k > 0 and t < starts[k] + _BLEND:
            k -= 1  # still fading in from the previous mood
        probs = moods[k]
        if k + 1 < len(starts) and t > starts[k + 1] - _BLEND:
            mix = _smoothstep((t - starts[k + 1] + _BLEND) / (2 * _BLEND))
            probs = [a + (b - a) * mix for a, b in zip(moods[k], moods[k + 1], strict=True)]
        drifted = [
            p * (1 + 0.08 * math.sin(_TAU * f * t + phase))
            for p, (f, phase) in zip(probs, self.drift, strict=True)
        ]
        total = sum(drifted)
        return tuple(p / total for p in drifted)

    def observe(self, t: float) -> FaceObservation | None:
        """What a camera would report of this person at `t`, or None when out of view."""
        if not self.arrive <= t < self.gone:
            return None
        if t < self.settle:
            u = _smoothstep((t - self.arrive) / (self.settle - self.arrive))
            cx = self.x_in + (self.spot_x - self.x_in) * u
        elif t < self.depart:
            cx = self.spot_x
        else:
            u = _smoothstep((t - self.depart) / (self.gone - self.depart))
            cx = self.spot_x + (self.x_out - self.spot_x) * u
        width = self.width * (1 + self._wave(2, t))
        height = width * FRAME_ASPECT
        cx += self._wave(0, t)
        cy = self.spot_y + self._wave(1, t)
        left, right = max(cx - width / 2, 0.0), min(cx + width / 2, 1.0)
        if right - left < _VISIBLE * width:
            return None  # too little of the face in frame for a detector to find it
        top, bottom = max(cy - height / 2, 0.0), min(cy + height / 2, 1.0)
        probs = self.mood(t)
        level = sum(p * s for p, s in zip(probs, _SMILE_LEVEL, strict=True))
        smile = min(max(level * self.expressiveness + self._wave(3, t), 0.0), 1.0)
        return FaceObservation(self.track_id, left, top, right - left, bottom - top, smile, probs)


class SimulatedCrowd:
    """People arrive (Poisson, capped), walk to a spot, linger, change mood and leave.

    `faces_at(t)` depends only on the settings and `t`. People are drawn lazily in arrival
    order and cached, so asking forward in time is cheap; asking further back than the cache
    keeps rebuilds it from t = 0. Not thread-safe: one thread asks.
    """

    def __init__(self, settings: CrowdSettings) -> None:
        self.settings = settings
        self._reset()

    def _reset(self) -> None:
        seed = self.settings.seed % 2**64
        self._arrivals = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
        self._people: list[_Visitor] = []
        self._next_index = 0
        self._next_arrival = self._draw_gap(0.0)
        self._valid_from = -math.inf  # times before this were pruned from the cache
        for _ in range(self.settings.initial_people):
            self._admit(None)

    def _draw_gap(self, after: float) -> float:
        if self.settings.arrival_rate <= 0:
            return math.inf
        return after + float(self._arrivals.exponential(1.0 / self.settings.arrival_rate))

    def _admit(self, arrive: float | None) -> None:
        self._people.append(_Visitor(self.settings, self._next_index, arrive, self._people))
        self._next_index += 1

    def _extend(self, t: float) -> None:
        """Decide every arrival up to `t`; the cap counts people walking in or out too."""
        while self._next_arrival <= t:
            arrive = self._next_arrival
            present = sum(1 for p in self._people if p.arrive <= arrive < p.gone)
            if present < self.settings.max_people:
                self._admit(arrive)
            self._next_arrival = self._draw_gap(arrive)
            # A first question hours into the show (a clock that starts at the machine's
            # uptime, a seek in a timeline) meets thousands of arrivals: prune as we go, so
            # the count above stays short and the catch-up is linear, not quadratic.
            self._prune(arrive)

    def _prune(self, t: float) -> None:
        # A week of running meets ~10^5 people; keep only those who might still matter.
        if len(self._people) < 4 * self.settings.max_people + 32:
            return
        horizon = t - _KEEP
        kept = [p for p in self._people if p.gone >= horizon]
        if len(kept) < len(self._people):
            self._people = kept
            self._valid_from = max(self._valid_from, horizon)

    def faces_at(self, t: float) -> tuple[FaceObservation, ...]:
        """Every face in view at show time `t` (seconds), ordered by track id."""
        if not math.isfinite(t):
            raise ValueError(f"SimulatedCrowd.faces_at needs a finite time, got {t}")
        if t < self._valid_from:
            self._reset()
        self._extend(t)
        # Most cached people have left already; the cheap test first keeps 30 Hz cheap.
        present = [p for p in self._people if p.arrive <= t < p.gone]
        faces = [face for p in present if (face := p.observe(t)) is not None]
        self._prune(t)
        return tuple(faces)
