"""One parsed OSC message to its effect: validated parameter changes, actions, ping.

Runs on the receiver's thread and does no I/O except the pong reply; the show only ever
sees typed `ParamChange` events, handed over through the event gate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder

from installation.control.cues import Cue, CuePlayer, CueRefused, cue_events
from installation.control.datagram import Message
from installation.control.gate import EventGate
from installation.control.routes import MAX_RAMP_S, Namespace, Route
from installation.control.state import ControlState
from installation.control.stats import OscCounters, RateLimitedLog
from installation.control.values import (
    ArgError,
    Refused,
    is_release,
    one_arg,
    param_value,
    ramp_seconds,
)
from installation.events import ParamChange
from installation.params import Catalogue, ParamValue

log = logging.getLogger("installation.osc")

Address = tuple[str, int]
Reply = Callable[[bytes, Address], None]


class Dispatcher:
    """Applies messages; every refusal is counted by reason and logged (rate-limited)."""

    def __init__(
        self,
        catalogue: Catalogue,
        namespace: Namespace,
        state: ControlState,
        gate: EventGate,
        cues: CuePlayer,
        counters: OscCounters,
        now: Callable[[], float],
        reply: Reply,
        problems: RateLimitedLog | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.namespace = namespace
        self.state = state
        self.gate = gate
        self.cues = cues
        self.counters = counters
        self.now = now
        self.reply = reply
        self.problems = problems or RateLimitedLog(log)

    def handle(self, message: Message, sender: Address) -> None:
        """Apply one message from `sender`; never raises for anything the sender controls."""
        self.counters.count_message()
        route = self.namespace.lookup(message.address)
        if route is None:
            self.refuse(
                "unknown_address",
                f"OSC from {_who(sender)}: no such address {message.address[:80]!r}; "
                "`installation params` lists them",
            )
            return
        try:
            applied = self._apply(route, message.args, sender)
        except (Refused, CueRefused) as exc:
            self.refuse(exc.reason, f"OSC from {_who(sender)}: {exc}")
            return
        if applied:
            self.counters.count_applied()

    def refuse(self, reason: str, message: str) -> None:
        self.counters.reject(reason)
        self.problems.warning(reason, message)

    def _apply(self, route: Route, args: list[Any], sender: Address) -> bool:
        if route.param is not None and route.kind == "param":
            value = param_value(route.param, route.address, one_arg(route.address, args, "value"))
            return self._set(route.param.name, value, sender)
        if route.param is not None and route.kind == "ramp":
            if len(args) != 2:
                raise ArgError(
                    "bad_args", f"{route.address} takes VALUE SECONDS, got {len(args)} values"
                )
            value = param_value(route.param, route.address, args[0])
            seconds = ramp_seconds(route.address, args[1], MAX_RAMP_S)
            return self._set(route.param.name, value, sender, ramp=seconds)
        if route.kind == "info":
            return False  # someone's feedback or pong: nothing to do
        assert route.action is not None
        return self._action(route.action.name, route.address, args, sender)

    def _action(self, name: str, address: str, args: list[Any], sender: Address) -> bool:
        if name == "ping":
            self._pong(args, sender)
            return True
        if name in ("blackout", "freeze"):
            param = "master.blackout" if name == "blackout" else "show.freeze"
            value = True if not args else one_arg(address, args, "true or false")
            checked = param_value(self.catalogue.get(param), address, value)
            return self._set(param, checked, sender)
        # Buttons send 1 when pressed and 0 when released: a release is not a second press.
        if is_release(args):
            return False
        if name == "scene.go":
            arg = one_arg(address, args, "an act number or a scene name")
            scene = param_value(self.catalogue.get("scene"), address, arg)
            return self._set("scene", scene, sender)
        if name in ("scene.next", "scene.previous"):
            return self._step_scene(1 if name == "scene.next" else -1, sender)
        if name == "cue.goto":
            arg = one_arg(address, args, "a cue number or name")
            key: int | str
            if isinstance(arg, str):
                key = arg
            elif isinstance(arg, int | float) and float(arg).is_integer():
                key = int(arg)
            else:
                raise ArgError("bad_args", f"{address} expects a cue number or name, got {arg!r}")
            return self._run_cue(self.cues.goto(key))
        if name == "cue.go":
            return self._run_cue(self.cues.go(self.now()))
        if name == "cue.back":
            return self._run_cue(self.cues.back())
        raise ArgError("bad_args", f"{address}: action {name!r} is not implemented")

    def _set(
        self, name: str, value: ParamValue, sender: Address | None, ramp: float | None = None
    ) -> bool:
        origin = "osc" if sender is None else f"osc {_who(sender)}"
        if not self.gate.put(ParamChange(self.now(), name, value, origin, ramp=ramp)):
            raise Refused("overload", "overloaded: the frame loop is not draining events")
        self.state.set(name, value, sender)
        return True

    def _step_scene(self, step: int, sender: Address) -> bool:
        choices = self.catalogue.get("scene").choices
        current = str(self.state.get("scene"))
        index = choices.index(current) + step if current in choices else 0
        if not 0 <= index < len(choices):
            where = "last" if step > 0 else "first"
            raise Refused("scene_end", f"scene {current!r} is already the {where} act")
        return self._set("scene", choices[index], sender)

    def _run_cue(self, cue: Cue) -> bool:
        for event in cue_events(cue, self.catalogue, self.now()):
            if not self.gate.put(event):
                raise Refused("overload", "overloaded: the frame loop is not draining events")
            self.state.set(event.name, event.value, None)
        self.state.set_cue(cue.number, cue.name)
        log.info("cue %d (%s)", cue.number, cue.name)
        return True

    def _pong(self, args: list[Any], sender: Address) -> None:
        builder = OscMessageBuilder(self.namespace.pong_address)
        # Echo simple arguments back so a controller can match replies and time round trips.
        for arg in args[:8]:
            if isinstance(arg, bool | int | float | str) and not (
                isinstance(arg, int) and not isinstance(arg, bool) and arg.bit_length() > 63
            ):
                builder.add_arg(arg)
        self.reply(builder.build().dgram, sender)


def _who(sender: Address) -> str:
    host, port = sender[0], sender[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
