"""The OSC address space, derived from the catalogue: one address per parameter, plus actions.

Parameters keep the catalogue's address (`/nova/glow/radius`); float parameters also get
`<prefix>/ramp/<name> VALUE SECONDS`. Actions (act go/next/previous, cue go/back/goto,
blackout, freeze, ping) live under the same prefix. Older spellings (`<address>/ramp`,
`/nova/scene/go`) are still routed but not listed, so that no node is both a value and a
container in OSCQuery. Nothing here is written by hand twice:
the receiver, feedback, OSCQuery, the controller layout and `installation params` all read
this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from installation.control.pattern import compile_pattern, is_pattern
from installation.params import Catalogue, Param

RouteKind = Literal["param", "ramp", "action", "info"]

# Longest explicit ramp; a longer one is almost certainly a typo (ms for s).
MAX_RAMP_S = 3600.0


@dataclass(frozen=True)
class Action:
    """An OSC address that does something rather than set one parameter."""

    name: str  # also its older address below the prefix, dots as slashes
    args: str  # what it takes, in words
    description: str
    type_tags: str  # OSCQuery TYPE ("" for none)
    sets: str = ""  # the parameter it sets (its OSCQuery VALUE shows that parameter's)
    # Where it is listed, below the prefix, when not at its name: `/nova/scene` is the act's
    # parameter, so the act's actions are listed at `/nova/act/...` (`/nova/scene/go` works).
    listed_at: str = ""

    @property
    def path(self) -> str:
        return self.listed_at or self.name.replace(".", "/")


ACTIONS: tuple[Action, ...] = (
    Action(
        "scene.go",
        "an act number 1..N or a scene name",
        "Go to a scene by act number (1 = the first act) or by name; 0 is a button release "
        "and is ignored.",
        "s",
        sets="scene",
        listed_at="act/go",
    ),
    Action(
        "scene.next",
        "nothing (or 1)",
        "Go to the next act; stays on the last.",
        "",
        listed_at="act/next",
    ),
    Action(
        "scene.previous",
        "nothing (or 1)",
        "Go to the previous act; stays on the first.",
        "",
        listed_at="act/previous",
    ),
    Action(
        "cue.go",
        "nothing (or 1)",
        "Run the next cue of the cue list. A second go within the guard time (250 ms) is "
        "ignored, so a double tap never skips a cue.",
        "",
    ),
    Action("cue.back", "nothing (or 1)", "Run the previous cue again.", ""),
    Action("cue.goto", "a cue number 1..N or a cue name", "Run this cue.", "s"),
    Action(
        "blackout",
        "true/false or 1/0 (nothing = on)",
        "Black out the projection at once (master.blackout).",
        "T",
        sets="master.blackout",
    ),
    Action(
        "freeze",
        "true/false or 1/0 (nothing = on)",
        "Hold the picture still (show.freeze).",
        "T",
        sets="show.freeze",
    ),
    Action("ping", "anything", "Answered with <prefix>/pong to the sender's address and port.", ""),
)
ACTION_BY_NAME = {action.name: action for action in ACTIONS}

# Read-only addresses the feedback sends once a second (name below <prefix>/status, type).
STATUS_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("fps", "f", "Frames a second the show is rendering."),
    ("faces", "i", "Faces in view."),
    ("mean_smile", "f", "Mean smile score of the faces in view (0..1)."),
    ("emotion", "s", "Dominant emotion in the room, weighted by glow ('none' when empty)."),
    ("scene", "s", "The act on screen."),
    ("camera", "s", "Face source and its state, e.g. 'sim running'."),
    ("cue", "i", "Number of the last cue run (0 = none yet)."),
    ("received", "i", "OSC datagrams received."),
    ("applied", "i", "OSC messages applied."),
    ("rejected", "i", "OSC datagrams or messages refused (all reasons)."),
)


# The health document (installation/supervise/health.py) as OSC, once a second to each
# osc.feedback target, one message per field below <prefix>/health (name, type, what).
HEALTH_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("status", "s", "ok, starting, or stalled (no frame for 5 s)."),
    ("fps", "f", "Frames a second over the last 5 s."),
    ("frame_time_p99_ms", "f", "99th percentile frame time over the last 5 s, in ms."),
    ("dropped_frames", "i", "Frames since start that took over twice the target period."),
    ("faces", "i", "Faces in view."),
    ("camera", "s", "The face source and its state, e.g. 'camera:0 absent'."),
    ("uptime_s", "f", "Seconds since the show started."),
    ("memory_mb", "f", "Resident memory in MB."),
    ("osc/received", "i", "OSC datagrams received."),
    ("osc/applied", "i", "OSC messages applied."),
    (
        "osc/rejected",
        "i",
        "OSC datagrams or messages refused; each reason also as osc/rejected/<reason>.",
    ),
    (
        "lighting",
        "s",
        "Each lighting output and its state (sending, receiver vanished, waiting, off); "
        "'off' with none.",
    ),
    ("venue/state", "s", "open or closed; ' (forced)' where an operator overrode the schedule."),
    (
        "venue/next_change",
        "s",
        "Local time of the next scheduled opening or closing ('' for none).",
    ),
    ("errors", "i", "Warnings and errors kept (the last 5)."),
    ("last_error", "s", "The last warning or error logged ('' for none)."),
)


@dataclass(frozen=True)
class Route:
    """One address the receiver answers."""

    address: str
    kind: RouteKind
    param: Param | None = None
    action: Action | None = None
    # False for an older spelling that is still accepted (`/nova/glow/radius/ramp`,
    # `/nova/scene/go`) but not listed in OSCQuery nor reached by address patterns: under
    # its parameter it would make one node both a value and a container.
    listed: bool = True


@dataclass(frozen=True)
class Namespace:
    """Every OSC address of the piece, by address."""

    prefix: str
    routes: dict[str, Route]

    def lookup(self, address: str) -> Route | None:
        return self.routes.get(address)

    def matching(self, address: str) -> list[Route]:
        """The routes an address names: itself, or every one an OSC pattern matches (in the
        namespace's order). Only what a controller may set or trigger is matched: a pattern
        never reaches the addresses the show sends out (status, health, pong)."""
        route = self.routes.get(address)
        if route is not None or not is_pattern(address):
            return [] if route is None else [route]
        regex = compile_pattern(address)
        if regex is None:
            return []
        return [
            r for a, r in self.routes.items() if r.kind != "info" and r.listed and regex.match(a)
        ]

    def action_address(self, name: str) -> str:
        return self.prefix + "/" + ACTION_BY_NAME[name].path

    @property
    def pong_address(self) -> str:
        return self.prefix + "/pong"

    def status_address(self, field: str) -> str:
        return f"{self.prefix}/status/{field}"

    def health_address(self, field: str) -> str:
        return f"{self.prefix}/health/{field}"


def build_namespace(catalogue: Catalogue) -> Namespace:
    """All routes: parameters, their ramps (floats only), then actions."""
    routes: dict[str, Route] = {}
    prefix = catalogue.prefix
    for param in catalogue:
        routes[param.address] = Route(param.address, "param", param=param)
    for param in catalogue:
        # A parameter listed elsewhere (`address` in the catalogue) keeps its name's address.
        by_name = prefix + "/" + param.name.replace(".", "/")
        if by_name != param.address and by_name not in routes:
            routes[by_name] = Route(by_name, "param", param=param, listed=False)
    for param in catalogue:
        if param.type == "float":
            ramp = prefix + "/ramp" + param.address[len(prefix) :]
            routes[ramp] = Route(ramp, "ramp", param=param)
            older = param.address + "/ramp"
            routes[older] = Route(older, "ramp", param=param, listed=False)
    for action in ACTIONS:
        dotted = prefix + "/" + action.name.replace(".", "/")
        address = prefix + "/" + action.path
        if address in routes:
            raise ValueError(f"OSC action {address} collides with a parameter's address")
        routes[address] = Route(address, "action", action=action)
        if dotted != address:
            routes[dotted] = Route(dotted, "action", action=action, listed=False)
    # What we send out (another installation's feedback may send it to us): accepted and
    # ignored, so two installations mirroring each other do not log each other's status.
    for address in (
        [catalogue.prefix + "/pong"]
        + [f"{catalogue.prefix}/status/{field}" for field, _, _ in STATUS_FIELDS]
        + [f"{catalogue.prefix}/health/{field}" for field, _, _ in HEALTH_FIELDS]
    ):
        routes.setdefault(address, Route(address, "info"))
    return Namespace(prefix=catalogue.prefix, routes=routes)


def namespace_json(catalogue: Catalogue) -> list[dict[str, Any]]:
    """`installation params --json`: every parameter (as before), then ramps and actions.

    Each entry has the same keys; `kind` says which it is ("param", "ramp", "action").
    """
    namespace = build_namespace(catalogue)
    entries: list[dict[str, Any]] = []
    for route in namespace.routes.values():
        if route.param is not None and route.kind == "param" and route.listed:
            entries.append({**route.param.to_json(), "kind": "param"})
    for route in namespace.routes.values():
        if route.kind == "ramp" and route.param is not None and route.listed:
            p = route.param
            entries.append(
                _entry(
                    p.name + ".ramp",
                    route.address,
                    "ramp",
                    f"VALUE SECONDS: move {p.name} in a straight line to VALUE "
                    f"({p.allowed()}) over SECONDS (0..{MAX_RAMP_S:g}).",
                    min=p.min,
                    max=p.max,
                )
            )
    for route in namespace.routes.values():
        if route.action is not None and route.listed:
            entries.append(
                _entry(
                    route.action.name,
                    route.address,
                    "action",
                    f"{route.action.description} Takes {route.action.args}.",
                )
            )
    entries.append(
        _entry(
            "pong",
            namespace.pong_address,
            "reply",
            "Sent back to whoever sent <prefix>/ping.",
        )
    )
    for field, _, description in STATUS_FIELDS:
        entries.append(
            _entry(f"status.{field}", namespace.status_address(field), "status", description)
        )
    for field, _, description in HEALTH_FIELDS:
        name = "health." + field.replace("/", ".")
        entries.append(_entry(name, namespace.health_address(field), "health", description))
    return entries


def _entry(
    name: str,
    address: str,
    kind: str,
    description: str,
    min: float | None = None,
    max: float | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "address": address,
        "type": kind,
        "default": None,
        "min": min,
        "max": max,
        "choices": None,
        "smoothing": None,
        "unit": "",
        "description": description,
        "kind": kind,
    }
