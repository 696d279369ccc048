"""Colours to DMX bytes: channel layouts, brightness limits, response curve, master.

Pure functions, cheap enough for the frame loop (a few Python operations per fixture).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from installation.lighting.patch import Fixture
from installation.palette import RGB

Universes = dict[int, bytes]


def master_level(params: Mapping[str, object]) -> float:
    """The show's master dimmer, 0 under blackout: every fixture follows it."""
    if params.get("master.blackout", False):
        return 0.0
    value = params.get("master.brightness", 1.0)
    return min(max(float(value), 0.0), 1.0) if isinstance(value, int | float) else 1.0


def limited(fixture: Fixture, colour: RGB, master: float) -> RGB:
    """The colour after the master and the fixture's brightness limits (before the curve).

    Brightness is the strongest channel: it is mapped from 0..1 into min..max, so `max`
    caps a blinding fixture and `min` keeps a lit one from dropping below a visible glow;
    black stays black (and blackout is black whatever `min` says).
    """
    peak = max(colour)
    if peak <= 1e-6 or master <= 0.0:
        return (0.0, 0.0, 0.0)
    level = fixture.min + (fixture.max - fixture.min) * min(peak * master, 1.0)
    scale = level / peak
    return (colour[0] * scale, colour[1] * scale, colour[2] * scale)


def to_dmx(level: float, gamma: float) -> int:
    """A 0..1 level to a DMX step through the response curve (LED fades look even)."""
    return round(255.0 * math.pow(min(max(level, 0.0), 1.0), gamma))


def channel_levels(fixture: Fixture, colour: RGB) -> dict[str, float]:
    """Linear level per channel role, for the fixture's layout."""
    r, g, b = colour
    roles = fixture.channels
    levels: dict[str, float] = {}
    has_rgb = {"red", "green", "blue"} <= set(roles)
    if "dimmer" in roles and has_rgb:
        # A moving head: the dimmer carries brightness, the colour mix stays saturated.
        peak = max(colour)
        levels["dimmer"] = peak
        r, g, b = (c / peak for c in colour) if peak > 1e-6 else (0.0, 0.0, 0.0)
    elif "dimmer" in roles:
        levels["dimmer"] = max(colour)
        return levels
    if "white" in roles:
        # The part all three share goes to the white emitter: brighter and truer whites.
        white = min(r, g, b)
        levels["white"] = white
        r, g, b = r - white, g - white, b - white
    if "amber" in roles:
        # Amber is roughly red plus half green: take that common part from both.
        amber = min(r, g * 2.0)
        levels["amber"] = amber
        r, g = r - amber, g - amber / 2.0
    levels.update(red=r, green=g, blue=b)
    return levels


def fixture_bytes(fixture: Fixture, colour: RGB, master: float) -> bytes:
    """The fixture's channels, `footprint` bytes from its start address."""
    out = bytearray(fixture.footprint)
    for offset, value in fixture.fixed.items():
        out[offset] = value
    levels = channel_levels(fixture, limited(fixture, colour, master))
    for role, offset in fixture.channels.items():
        out[offset] = to_dmx(levels.get(role, 0.0), fixture.gamma)
    return bytes(out)


def universes(parts: Iterable[tuple[Fixture, bytes]]) -> Universes:
    """Each universe's 512 channels from the fixtures' bytes."""
    buffers: dict[int, bytearray] = {}
    for fixture, data in parts:
        buffer = buffers.setdefault(fixture.universe, bytearray(512))
        buffer[fixture.address - 1 : fixture.address - 1 + len(data)] = data
    return {universe: bytes(buffer) for universe, buffer in buffers.items()}
