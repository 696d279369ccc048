"""Each OSC route's handler: its arguments in, the parameter changes it asks for out.

A handler only converts (and refuses with `Refused` or `CueRefused`); it never touches the
event gate or the control state, so every message takes the same road in the dispatcher:
lookup -> handler -> gate -> state. Actions are a table, one short function each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from installation.control.cues import Cue, CuePlayer
from installation.control.routes import ACTION_BY_NAME, MAX_RAMP_S, Route
from installation.control.state import ControlState
from installation.control.values import (
    ArgError,
    Refused,
    is_release,
    one_arg,
    param_value,
    ramp_seconds,
)
from installation.params import Catalogue, ParamValue


@dataclass(frozen=True)
class Change:
    """One parameter set by a message: the value, and the ramp it asked for (None: the
    parameter's own smoothing)."""

    name: str
    value: ParamValue
    ramp: float | None = None


@dataclass(frozen=True)
class Outcome:
    """What one message asks for, before anything is applied."""

    changes: tuple[Change, ...] = ()
    cue: Cue | None = None  # a cue to run (its changes come from the cue list)
    pong: bool = False  # answer the sender with the same arguments, byte for byte
    applied: bool = True  # False: nothing to do (a button release, someone's feedback)


NOTHING = Outcome(applied=False)


@dataclass(frozen=True)
class Context:
    """What handlers read: the catalogue, the targets set so far, the cue list, the time."""

    catalogue: Catalogue
    state: ControlState
    cues: CuePlayer
    now: Callable[[], float]


Handler = Callable[[Context, Route, list[Any]], Outcome]


def handle_param(ctx: Context, route: Route, args: list[Any]) -> Outcome:
    assert route.param is not None
    value = param_value(route.param, route.address, one_arg(route.address, args, "value"))
    return Outcome((Change(route.param.name, value),))


def handle_ramp(ctx: Context, route: Route, args: list[Any]) -> Outcome:
    assert route.param is not None
    if len(args) != 2:
        raise ArgError("bad_args", f"{route.address} takes VALUE SECONDS, got {len(args)} values")
    value = param_value(route.param, route.address, args[0])
    seconds = ramp_seconds(route.address, args[1], MAX_RAMP_S)
    return Outcome((Change(route.param.name, value, seconds),))


def handle_info(ctx: Context, route: Route, args: list[Any]) -> Outcome:
    return NOTHING  # someone's feedback or pong: nothing to do


def handle_action(ctx: Context, route: Route, args: list[Any]) -> Outcome:
    assert route.action is not None
    action = ACTION_HANDLERS.get(route.action.name)
    if action is None:
        name = route.action.name
        raise ArgError("bad_args", f"{route.address}: action {name!r} is not implemented")
    return action(ctx, route.address, args)


ROUTE_HANDLERS: dict[str, Handler] = {
    "param": handle_param,
    "ramp": handle_ramp,
    "info": handle_info,
    "action": handle_action,
}


# --- actions -----------------------------------------------------------------------------

ActionHandler = Callable[[Context, str, list[Any]], Outcome]


def _switch(param: str) -> ActionHandler:
    """blackout, freeze: on with no argument, else the true/false it was given."""

    def action(ctx: Context, address: str, args: list[Any]) -> Outcome:
        value = True if not args else one_arg(address, args, "true or false")
        return Outcome((Change(param, param_value(ctx.catalogue.get(param), address, value)),))

    return action


def _button(press: ActionHandler) -> ActionHandler:
    """Buttons send 1 when pressed and 0 when released: a release is not a second press."""

    def action(ctx: Context, address: str, args: list[Any]) -> Outcome:
        return NOTHING if is_release(args) else press(ctx, address, args)

    return action


def _ping(ctx: Context, address: str, args: list[Any]) -> Outcome:
    return Outcome(pong=True)


def _scene_go(ctx: Context, address: str, args: list[Any]) -> Outcome:
    arg = one_arg(address, args, "an act number or a scene name")
    return Outcome((Change("scene", param_value(ctx.catalogue.get("scene"), address, arg)),))


def _scene_step(step: int) -> ActionHandler:
    def action(ctx: Context, address: str, args: list[Any]) -> Outcome:
        choices = ctx.catalogue.get("scene").choices
        current = str(ctx.state.get("scene"))
        index = choices.index(current) + step if current in choices else 0
        if not 0 <= index < len(choices):
            where = "last" if step > 0 else "first"
            raise Refused("scene_end", f"scene {current!r} is already the {where} act")
        return Outcome((Change("scene", choices[index]),))

    return action


def _cue_goto(ctx: Context, address: str, args: list[Any]) -> Outcome:
    arg = one_arg(address, args, "a cue number or name")
    key: int | str
    if isinstance(arg, str):
        key = arg
    elif isinstance(arg, int | float) and float(arg).is_integer():
        key = int(arg)
    else:
        raise ArgError("bad_args", f"{address} expects a cue number or name, got {arg!r}")
    return Outcome(cue=ctx.cues.goto(key))


ACTION_HANDLERS: dict[str, ActionHandler] = {
    "ping": _ping,
    "blackout": _switch(ACTION_BY_NAME["blackout"].sets),
    "freeze": _switch(ACTION_BY_NAME["freeze"].sets),
    "scene.go": _button(_scene_go),
    "scene.next": _button(_scene_step(1)),
    "scene.previous": _button(_scene_step(-1)),
    "cue.goto": _button(_cue_goto),
    "cue.go": _button(lambda ctx, _address, _args: Outcome(cue=ctx.cues.go(ctx.now()))),
    "cue.back": _button(lambda ctx, _address, _args: Outcome(cue=ctx.cues.back())),
}
