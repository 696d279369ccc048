"""OSCQuery: the namespace JSON, checked against the catalogue, over real HTTP."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from installation.config import OscSection
from installation.control.oscquery import OscQueryServer, build_tree, find_node
from installation.control.routes import build_namespace
from installation.control.service import OscControl
from installation.events import EventQueue
from installation.palette import Palette
from installation.params import Catalogue
from installation.show import Show

TYPES = {"float": "f", "int": "i", "bool": "T", "choice": "s"}


@pytest.fixture
def server(catalogue: Catalogue) -> Iterator[OscQueryServer]:
    values = {**catalogue.defaults(), "glow.radius": 0.4}
    namespace = build_namespace(catalogue)
    query = OscQueryServer(
        ("127.0.0.1", 0),
        lambda: build_tree(catalogue, namespace, values, "Nova Sanctuary"),
        lambda: {"NAME": "Nova Sanctuary", "OSC_PORT": 9000, "OSC_TRANSPORT": "UDP"},
    )
    query.start()
    yield query
    query.stop()


def get(server: OscQueryServer, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as reply:
            body = reply.read()
            return reply.status, json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def test_every_parameter_node_matches_the_catalogue(
    server: OscQueryServer, catalogue: Catalogue
) -> None:
    status, tree = get(server, "/")
    assert status == 200 and tree["FULL_PATH"] == "/"
    for param in catalogue:
        node = find_node(tree, param.address)
        assert node is not None, param.address
        assert node["FULL_PATH"] == param.address
        assert node["TYPE"] == TYPES[param.type]
        assert node["ACCESS"] == 3
        assert node["DESCRIPTION"] == param.description
        expected = 0.4 if param.name == "glow.radius" else param.default
        assert node["VALUE"] == [expected]
        if param.type in ("float", "int"):
            assert node["RANGE"] == [{"MIN": param.min, "MAX": param.max}]
        if param.type == "choice":
            assert node["RANGE"] == [{"VALS": list(param.choices)}]


def test_actions_are_write_only_and_status_read_only(server: OscQueryServer) -> None:
    _, tree = get(server, "/")
    assert find_node(tree, "/nova/cue/go")["ACCESS"] == 2  # type: ignore[index]
    assert find_node(tree, "/nova/ramp/glow/radius")["TYPE"] == "ff"  # type: ignore[index]
    assert find_node(tree, "/nova/status/fps")["ACCESS"] == 1  # type: ignore[index]


def test_attributes_host_info_and_missing_paths(server: OscQueryServer) -> None:
    assert get(server, "/nova/glow/radius?VALUE") == (200, {"VALUE": [0.4]})
    status, node = get(server, "/nova/glow")
    assert status == 200 and "radius" in node["CONTENTS"]
    assert get(server, "/?HOST_INFO")[1]["OSC_PORT"] == 9000
    assert get(server, "/nova/nothing")[0] == 404
    # An attribute the proposal defines that this node lacks: 204; one it does not: 400.
    assert get(server, "/nova/cue/go?RANGE")[0] == 204
    assert get(server, "/nova/glow/radius?NOPE")[0] == 400


def test_any_web_page_may_read_the_namespace(server: OscQueryServer) -> None:
    for path in ("/", "/nova/glow/radius?VALUE", "/nova/nothing"):
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}")
        request.add_header("Origin", "http://tablet.local:8080")
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                headers = reply.headers
        except urllib.error.HTTPError as exc:
            headers = exc.headers
        assert headers["Access-Control-Allow-Origin"] == "*", path


def test_host_info_leaves_out_a_wildcard_osc_ip(catalogue: Catalogue) -> None:
    def host_info(listen: str) -> dict[str, Any]:
        section = OscSection.model_validate({"listen": listen, "query": "", "advertise": False})
        return OscControl(catalogue, section, catalogue.defaults())._host_info()

    assert host_info("192.168.1.20:9000")["OSC_IP"] == "192.168.1.20"
    everywhere = host_info("0.0.0.0:9000")
    # No OSC_IP: clients then send to the address they reached OSCQuery on (the proposal).
    assert "OSC_IP" not in everywhere and everywhere["OSC_PORT"] == 9000


def test_readable_status_and_health_nodes_carry_their_last_value(
    catalogue: Catalogue, palette: Palette
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    section = OscSection.model_validate({"query": f"127.0.0.1:{port}", "advertise": False})
    health = {"status": "ok", "fps": 59.5, "faces": 2, "uptime_s": 12.0}
    control = OscControl(
        catalogue,
        section,
        catalogue.defaults(),
        listen_address=("127.0.0.1", 0),
        health_source=lambda: health,
    )
    control.start(EventQueue(), lambda: 0.0)
    try:
        assert control.query is not None
        # Before the first status: the node is there, its VALUE not yet (204, not made up).
        assert get(control.query, "/nova/status/fps?VALUE")[0] == 204
        show = Show(catalogue, palette, catalogue.defaults())
        for i in range(0, 91):  # 1.5 s of frames at 60 a second: one status
            control.send(show.step(i / 60.0))
        status, body = get(control.query, "/nova/status/fps?VALUE")
        assert status == 200 and body["VALUE"][0] == pytest.approx(60.0, rel=0.05)
        assert get(control.query, "/nova/status/scene?VALUE")[1] == {"VALUE": ["sanctuary"]}
        assert get(control.query, "/nova/health/fps?VALUE")[1] == {"VALUE": [59.5]}
        assert get(control.query, "/nova/health/status?VALUE")[1] == {"VALUE": ["ok"]}
    finally:
        control.stop()


def test_python_oscquery_reads_the_whole_namespace(catalogue: Catalogue, palette: Palette) -> None:
    """python-oscquery (a third-party client) refuses a node that is both a value and a
    container, and a node with ACCESS but no VALUE; it reads every node of the show."""
    from pythonoscquery.osc_query_client import OSCQueryClient
    from zeroconf import ServiceInfo

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    section = OscSection.model_validate(
        {"query": f"127.0.0.1:{port}", "advertise": False, "name": "Gallery Two"}
    )
    control = OscControl(
        catalogue,
        section,
        catalogue.defaults(),
        listen_address=("127.0.0.1", 0),
        health_source=lambda: {"status": "ok", "fps": 60.0},
    )
    control.start(EventQueue(), lambda: 0.0)
    show = Show(catalogue, palette, catalogue.defaults())
    for i in range(0, 91):  # one status, so the status nodes have their VALUE
        control.send(show.step(i / 60.0))
    # As mDNS would hand it over (the service itself is found by browsing in a show).
    info = ServiceInfo(
        "_oscjson._tcp.local.",
        "Gallery Two._oscjson._tcp.local.",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=port,
    )
    client = OSCQueryClient(info)
    assert control.receiver is not None
    osc_port = control.receiver.address[1]
    try:
        root = client.query_node("/")
        host = client.get_host_info()
        radius = client.query_node("/nova/glow/radius")
    finally:
        control.stop()
    assert root is not None and host is not None and radius is not None
    assert host.name == "Gallery Two"
    assert host.osc_port == osc_port
    assert radius.value == [catalogue.get("glow.radius").default]

    def paths(node: Any) -> set[str]:
        return {node.full_path} | {p for child in (node.contents or []) for p in paths(child)}

    seen = paths(root)
    listed = {r.address for r in build_namespace(catalogue).routes.values() if r.listed}
    listed -= {r.address for r in build_namespace(catalogue).routes.values() if r.kind == "info"}
    assert listed <= seen  # every parameter, ramp and action, as python-oscquery sees it
    assert {"/nova/act/go", "/nova/ramp/glow/radius", "/nova/status/fps"} <= seen
