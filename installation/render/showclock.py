"""Show time as the shaders see it: small, precise numbers, whatever the hour of the show.

A float32 holds a second to about 0.06 s at hour 200, and noise or sine of such a number
is garbage. So the shaders never see the raw show time:
- `u_time` is the scene time wrapped at 200 pi seconds: every sine whose rate is a whole
  number of hundredths of a radian a second (1.3, 2.5, 23.0 ...) runs on across the wrap
  without a jump;
- `u_loop` and `u_sea_loop` are points travelling at unit speed around a circle of radius
  LOOP_RADIUS (the scene time, and the sea's drift time): a shader that moves noise by
  `k * u_loop` drifts at speed k along a path so wide it looks straight, and the numbers
  stay bounded for ever.
"""

from __future__ import annotations

import math

import moderngl

from installation.frame import FrameState
from installation.render.geometry import set_uniform

WRAP_S = 200.0 * math.pi
LOOP_RADIUS = 100.0


def wrapped(seconds: float) -> float:
    """`seconds` modulo WRAP_S, computed in double precision."""
    return math.fmod(max(seconds, 0.0), WRAP_S)


def loop_point(distance: float) -> tuple[float, float]:
    """Where a point that has travelled `distance` along the loop stands."""
    angle = math.fmod(distance / LOOP_RADIUS, 2.0 * math.pi)
    return (LOOP_RADIUS * math.cos(angle), LOOP_RADIUS * math.sin(angle))


def set_show_clock(program: moderngl.Program, frame: FrameState) -> None:
    """Set the time uniforms a program declares (see this module's docstring)."""
    set_uniform(program, "u_time", wrapped(frame.scene_time))
    set_uniform(program, "u_loop", loop_point(frame.scene_time))
    set_uniform(program, "u_sea_loop", loop_point(frame.drift_time))
