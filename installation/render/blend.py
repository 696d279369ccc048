"""Blend state for a draw: one context manager, so every pass leaves GL as it found it.

Passes draw with blending off unless they say otherwise: `with blending(ctx, ADDITIVE):`.
moderngl's blend properties are write-only, so a pass cannot read back what was set; where
something outside the renderer may have set it (a window library, under the text overlay),
`RawGL` reads it back and it is restored exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import moderngl

from installation.render.globjects import RawGL

ADDITIVE = (moderngl.ONE, moderngl.ONE)  # light adds up where it overlaps
OVER = (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA)  # straight alpha over
_ADD = (moderngl.FUNC_ADD, moderngl.FUNC_ADD)

# GL enums moderngl cannot read back.
_GL_BLEND = 0x0BE2
_FUNC_QUERIES = (0x80C9, 0x80C8, 0x80CB, 0x80CA)  # SRC_RGB, DST_RGB, SRC_ALPHA, DST_ALPHA
_EQUATION_QUERIES = (0x8009, 0x883D)  # BLEND_EQUATION_RGB, BLEND_EQUATION_ALPHA

# (enabled, factors for glBlendFuncSeparate, equations for glBlendEquationSeparate)
BlendState = tuple[bool, tuple[int, ...], tuple[int, int]]
# Off with moderngl's default factors: the state every pass may assume.
NEUTRAL: BlendState = (False, (*OVER, *OVER), _ADD)


@contextmanager
def blending(
    ctx: moderngl.Context,
    func: tuple[int, ...] = ADDITIVE,
    *,
    enabled: bool = True,
    gl: RawGL | None = None,
) -> Iterator[None]:
    """Inside: blending with `func` (two factors, or four for separate alpha), added.
    Afterwards: as it was before when `gl` can read it back, else the neutral state.
    `enabled=False` draws unblended and still leaves the neutral state."""
    saved = read_blend(gl) if gl is not None else NEUTRAL
    try:
        if enabled:
            _set(ctx, (True, func, _ADD))
        else:
            ctx.disable(moderngl.BLEND)
        yield
    finally:
        _set(ctx, saved)


def read_blend(gl: RawGL) -> BlendState:
    """The blend state GL holds now."""
    func = tuple(gl.get_integer(query) for query in _FUNC_QUERIES)
    rgb, alpha = (gl.get_integer(query) for query in _EQUATION_QUERIES)
    return gl.is_enabled(_GL_BLEND), func, (rgb, alpha)


def _set(ctx: moderngl.Context, state: BlendState) -> None:
    enabled, func, equation = state
    # The stubs allow two factors; moderngl takes four as well (glBlendFuncSeparate).
    ctx.blend_func = func  # type: ignore[assignment]
    ctx.blend_equation = equation
    if enabled:
        ctx.enable(moderngl.BLEND)
    else:
        ctx.disable(moderngl.BLEND)
