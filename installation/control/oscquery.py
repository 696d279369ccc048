"""OSCQuery: the OSC namespace as JSON over HTTP, so clients (vvvv, ossia score, VDMX,
Chataigne) discover every address with its type, range, value, description and access.

The tree is built from the catalogue and the routes on each request (VALUE is the current
target), served over HTTP/1.1 by the show's small HTTP server (see installation/httpserve.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from installation.control.routes import (
    HEALTH_FIELDS,
    MAX_RAMP_S,
    STATUS_FIELDS,
    Namespace,
    Route,
)
from installation.httpserve import BackgroundHTTPServer, Limits, Request, Response
from installation.params import Catalogue, Param, ParamValue

log = logging.getLogger("installation.osc")

# OSCQuery ACCESS values.
NO_VALUE, READ_ONLY, WRITE_ONLY, READ_WRITE = 0, 1, 2, 3
_TYPE_TAGS = {"float": "f", "int": "i", "bool": "T", "choice": "s"}
# The node attributes of the OSCQuery proposal (an unknown one is a 400, not a 204).
_ATTRIBUTES = frozenset(
    [
        "FULL_PATH",
        "CONTENTS",
        "TYPE",
        "VALUE",
        "RANGE",
        "ACCESS",
        "DESCRIPTION",
        "TAGS",
        "EXTENDED_TYPE",
        "UNIT",
        "CRITICAL",
        "CLIPMODE",
        "OVERLOADS",
    ]
)

EXTENSIONS = {
    "ACCESS": True,
    "VALUE": True,
    "RANGE": True,
    "DESCRIPTION": True,
    "TYPE": True,
    "UNIT": True,
    "TAGS": False,
    "CLIPMODE": False,
    "CRITICAL": False,
    "LISTEN": False,
    "PATH_CHANGED": False,
}


# The catalogue's units as the OSCQuery proposal names them (its UNIT attribute follows
# libossia's dataspaces); `installation params` still shows every unit.
_UNITS = {"s": "time.second", "ms": "time.millisecond", "Hz": "time.hz"}


def param_node(param: Param, value: ParamValue) -> dict[str, Any]:
    node: dict[str, Any] = {
        "FULL_PATH": param.address,
        "TYPE": _TYPE_TAGS[param.type],
        "ACCESS": READ_WRITE,
        "VALUE": [value],
        "DESCRIPTION": param.description,
    }
    if param.type in ("float", "int"):
        node["RANGE"] = [{"MIN": param.min, "MAX": param.max}]
    elif param.type == "choice":
        node["RANGE"] = [{"VALS": list(param.choices)}]
    unit = _UNITS.get(param.unit)
    if unit is not None:  # a unit the proposal has no name for (screen heights) is left out
        node["UNIT"] = [unit]
    return node


def route_node(route: Route, values: Mapping[str, ParamValue]) -> dict[str, Any]:
    if route.kind == "param" and route.param is not None:
        return param_node(route.param, values[route.param.name])
    # Write-only nodes carry a VALUE too (what sending it now would keep): clients such as
    # python-oscquery read a node with ACCESS but no VALUE as broken.
    if route.kind == "ramp" and route.param is not None:
        return {
            "FULL_PATH": route.address,
            "TYPE": "ff",
            "ACCESS": WRITE_ONLY,
            "VALUE": [values[route.param.name], 0.0],
            "RANGE": [
                {"MIN": route.param.min, "MAX": route.param.max},
                {"MIN": 0, "MAX": MAX_RAMP_S},
            ],
            "UNIT": ["", "time.second"],
            "DESCRIPTION": f"VALUE SECONDS: ramp {route.param.name} in a straight line.",
        }
    assert route.action is not None
    action = route.action
    # An action without arguments is a bang: OSC's impulse, `I`, which the show reads as
    # the trigger itself (its VALUE is null).
    tags = action.type_tags or "I"
    current = values.get(action.sets) if action.sets else None
    value: Any = None if tags == "I" else current if current is not None else ""
    return {
        "FULL_PATH": route.address,
        "TYPE": tags,
        "ACCESS": WRITE_ONLY,
        "VALUE": [value],
        "DESCRIPTION": action.description,
    }


def build_tree(
    catalogue: Catalogue,
    namespace: Namespace,
    values: Mapping[str, ParamValue],
    name: str,
    status: Mapping[str, Any] | None = None,
    health: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole namespace as OSCQuery nodes (containers hold CONTENTS); the readable status
    and health nodes carry the VALUE last sent, once there is one."""
    root: dict[str, Any] = {"FULL_PATH": "/", "ACCESS": NO_VALUE, "DESCRIPTION": name}
    leaves = {
        route.address: route_node(route, values)
        for route in namespace.routes.values()
        if route.kind != "info" and route.listed
    }
    for field, tag, description in STATUS_FIELDS:
        address = namespace.status_address(field)
        leaves[address] = {
            "FULL_PATH": address,
            "TYPE": tag,
            "ACCESS": READ_ONLY,
            "DESCRIPTION": description + " Sent once a second to each osc.feedback target.",
        }
        if status and field in status:
            leaves[address]["VALUE"] = [status[field]]
    for field, tag, description in HEALTH_FIELDS:
        address = namespace.health_address(field)
        leaves[address] = {
            "FULL_PATH": address,
            "TYPE": tag,
            "ACCESS": READ_ONLY,
            "DESCRIPTION": description + " Health, once a second to each osc.feedback target.",
        }
        if health and field in health:
            leaves[address]["VALUE"] = [health[field]]
    for address, leaf in sorted(leaves.items()):
        node = root
        parts = address.strip("/").split("/")
        for depth, part in enumerate(parts):
            contents = node.setdefault("CONTENTS", {})
            path = "/" + "/".join(parts[: depth + 1])
            node = contents.setdefault(part, {"FULL_PATH": path, "ACCESS": NO_VALUE})
        node.update(leaf)
    return root


def find_node(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    node = tree
    for part in [p for p in path.strip("/").split("/") if p]:
        child = node.get("CONTENTS", {}).get(part)
        if child is None:
            return None
        node = child
    return node


class OscQueryServer:
    """Serves the namespace at http://HOST:PORT/ (and /?HOST_INFO) on its own thread."""

    def __init__(
        self,
        address: tuple[str, int],
        tree: Callable[[], dict[str, Any]],
        host_info: Callable[[], dict[str, Any]],
        limits: Limits | None = None,
    ) -> None:
        self._tree = tree
        self._host_info = host_info
        # OSError when the port is taken.
        self._server = BackgroundHTTPServer(address, self.respond, "oscquery", limits)

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def answer(self, path: str, query: str) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, JSON body) for a decoded path and query such as '/nova/glow', 'VALUE'."""
        if query == "HOST_INFO":
            return 200, self._host_info()
        node = find_node(self._tree(), path)
        if node is None:
            return 404, None
        if not query:
            return 200, node
        if query in node:
            return 200, {query: node[query]}
        if query in _ATTRIBUTES:
            return 204, None  # an attribute OSCQuery knows, which this node does not have
        return 400, None  # not an OSCQuery attribute at all

    def respond(self, request: Request) -> Response:
        """The HTTP answer (GET and HEAD alike; the server drops HEAD's body)."""
        try:
            status, body = self.answer(request.path, request.query)
        except Exception:  # a bug here must not take the show down; answer 500
            log.debug("OSCQuery request failed", exc_info=True)
            status, body = 500, None
        # Any web page may read the namespace (a browser-based controller on another
        # origin): it is what the show publishes anyway, and nothing here writes.
        cors = ("Access-Control-Allow-Origin", "*")
        if body is None:
            return Response(status, b"", (cors,))
        return Response(
            status, json.dumps(body).encode(), (("Content-Type", "application/json"), cors)
        )
