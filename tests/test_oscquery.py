"""OSCQuery: the namespace JSON, checked against the catalogue, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from installation.config import OscSection
from installation.control.oscquery import OscQueryServer, build_tree, find_node
from installation.control.routes import build_namespace
from installation.control.service import OscControl
from installation.params import Catalogue

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
    assert find_node(tree, "/nova/glow/radius/ramp")["TYPE"] == "ff"  # type: ignore[index]
    assert find_node(tree, "/nova/status/fps")["ACCESS"] == 1  # type: ignore[index]


def test_attributes_host_info_and_missing_paths(server: OscQueryServer) -> None:
    assert get(server, "/nova/glow/radius?VALUE") == (200, {"VALUE": [0.4]})
    status, node = get(server, "/nova/glow")
    assert status == 200 and "radius" in node["CONTENTS"]
    assert get(server, "/?HOST_INFO")[1]["OSC_PORT"] == 9000
    assert get(server, "/nova/nothing")[0] == 404
    # An attribute the proposal defines that this node lacks: 204; one it does not: 400.
    assert get(server, "/nova/cue/go?VALUE")[0] == 204
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
