"""OSC arguments to catalogue values: what controllers really send, checked strictly.

Controllers differ: TouchOSC sends every fader and button as a float, Max sends ints,
QLab strings. A value is accepted when it means one thing for the parameter (1.0 for a
bool is true, 3 for a float is 3.0) and refused otherwise, NaN and infinity included.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from installation.params import Param, ParamValue, ParamValueError

Reason = Literal["bad_args", "bad_value"]
# Relative precision of a 32-bit float (2^-23 is 1.2e-7), with room to spare.
FLOAT32_SLACK = 1e-6


class Refused(ValueError):
    """A message that did nothing; `reason` is the counter it goes under."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArgError(Refused):
    """Arguments an address does not take."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(reason, message)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_release(args: list[Any]) -> bool:
    """A button's release: a single 0 / 0.0 / false. Triggers ignore it."""
    return len(args) == 1 and (args[0] is False or (is_number(args[0]) and args[0] == 0))


def one_arg(address: str, args: list[Any], what: str) -> Any:
    if len(args) != 1:
        raise ArgError("bad_args", f"{address} takes one value ({what}), got {len(args)}")
    return args[0]


def param_value(param: Param, address: str, value: Any) -> ParamValue:
    """One OSC argument as `param`'s value, or ArgError saying what is allowed."""
    if isinstance(value, list | tuple | bytes | bytearray) or value is None:
        raise ArgError("bad_args", f"{address} expects {param.allowed()}, got {_describe(value)}")
    candidate: Any = value
    if param.type == "bool" and is_number(value) and value in (0, 1):
        candidate = bool(value)
    elif param.type == "choice" and is_number(value):
        candidate = _choice_by_number(param, address, value)
    elif param.type == "float" and isinstance(value, float):
        candidate = _snap_float32(param, value)
    elif param.type in ("float", "int") and isinstance(value, str):
        raise ArgError("bad_args", f"{address} expects {param.allowed()}, got {value!r}")
    try:
        return param.validate(candidate)
    except ParamValueError as exc:
        # A number out of range, or a name that is not a choice, is the right kind of
        # argument with a wrong value; anything else is the wrong kind.
        right_kind = is_number(value) or (param.type == "choice" and isinstance(value, str))
        reason: Reason = "bad_value" if right_kind else "bad_args"
        raise ArgError(reason, f"{address} {exc}") from None


def _snap_float32(param: Param, value: float) -> float:
    """A fader at its end sends the range's bound as a 32-bit float (0.03 arrives as
    0.0299999993); snap such values to the bound instead of refusing them."""
    for bound in (param.min, param.max):
        near = bound is not None and abs(value - bound) <= FLOAT32_SLACK * max(1.0, abs(bound))
        if near and bound is not None:
            return float(bound)
    return value


def ramp_seconds(address: str, value: Any, limit: float) -> float:
    if not is_number(value) or not math.isfinite(value) or not 0 <= value <= limit:
        raise ArgError(
            "bad_value", f"{address} ramp time must be seconds from 0 to {limit:g}, got {value!r}"
        )
    return float(value)


def _choice_by_number(param: Param, address: str, value: float) -> str:
    # Performers count acts from 1, as the story does.
    if math.isfinite(value) and float(value).is_integer() and 1 <= value <= len(param.choices):
        return param.choices[int(value) - 1]
    raise ArgError(
        "bad_value",
        f"{address} expects {param.allowed()} or a number 1..{len(param.choices)}, got {value!r}",
    )


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bytes | bytearray):
        return "a blob"
    if value is None:
        return "nil"
    return repr(value)
