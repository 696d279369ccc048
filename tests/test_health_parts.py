"""Health of every part (OSC counters, lighting outputs, camera) as JSON and as OSC, and UDP
peers that are absent at start: never an exception, one log line, picked up when they appear.

Real UDP on 127.0.0.1 and free ports throughout.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pythonosc.osc_message import OscMessage

from installation.config import OscSection
from installation.control import stats
from installation.control.health_osc import health_values, lighting_summary
from installation.control.routes import HEALTH_FIELDS, build_namespace, namespace_json
from installation.control.service import OscControl
from installation.events import EventQueue
from installation.lighting.osc_out import DeskOscOutput
from installation.lighting.output import DmxOutput
from installation.lighting.patch import Patch, load_patch, resolve_patch_path
from installation.lighting.transport import SacnTransport
from installation.params import Catalogue
from installation.supervise.health import KEYS, Health, HealthMonitor, report_parts
from tests.lighting_helpers import frame as lit_frame
from tests.osc_helpers import message, udp_client
from tests.polling import poll_until
from tests.supervise_helpers import frame

WAIT_S = 5.0


def free_udp_ports(count: int) -> list[int]:
    """Distinct ports nobody listens on (all bound at once, then closed)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = WAIT_S) -> bool:
    return poll_until(check, timeout, interval=0.02)


class Listener:
    """A UDP receiver that appears on a given port, keeping every OSC message."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.05)

    def messages(self, until: Callable[[list[OscMessage]], bool]) -> list[OscMessage]:
        got: list[OscMessage] = []
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and not until(got):
            try:
                got.append(OscMessage(self.sock.recv(65536)))
            except TimeoutError:
                continue
        return got

    def datagrams(self, seconds: float) -> int:
        count, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.sock.recv(65536)
                count += 1
            except TimeoutError:
                continue
        return count

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def patch() -> Patch:
    return load_patch(resolve_patch_path("demo"))


@pytest.fixture(autouse=True)
def quick_vanish(monkeypatch: pytest.MonkeyPatch) -> None:
    # A failed send marks a receiver vanished for this long; short, so tests see it return.
    monkeypatch.setattr(stats, "VANISHED_FOR_S", 0.5)


def start_control(
    catalogue: Catalogue, feedback: tuple[tuple[str, int], ...] = ()
) -> tuple[OscControl, EventQueue]:
    section = OscSection.model_validate({"query": "", "advertise": False, "status_interval": 0.1})
    control = OscControl(
        catalogue,
        section,
        catalogue.defaults(),
        feedback_targets=feedback,
        listen_address=("127.0.0.1", 0),
    )
    events = EventQueue()
    return control, events


@pytest.fixture
def parts(catalogue: Catalogue, patch: Patch) -> Iterator[dict[str, Any]]:
    """A control service, an sACN output and a desk output, nobody listening to either."""
    feedback_port, dmx_port, desk_port = free_udp_ports(3)
    control, events = start_control(catalogue, (("127.0.0.1", feedback_port),))
    dmx = DmxOutput(
        patch,
        lambda: SacnTransport(patch.universes, "127.0.0.1", dmx_port),
        protocol="sACN",
        target=f"127.0.0.1:{dmx_port}",
    )
    desk = DeskOscOutput((("127.0.0.1", desk_port),), catalogue.prefix)
    monitor = HealthMonitor(50.0, source="sim")
    report_parts(monitor, osc=control, lighting=[dmx, desk], source=object())
    control.health_source = monitor.snapshot
    control.start(events, lambda: 1.0)
    dmx.start()
    desk.start()
    yield {
        "control": control,
        "dmx": dmx,
        "desk": desk,
        "monitor": monitor,
        "ports": (feedback_port, dmx_port, desk_port),
        "t0": time.monotonic(),
    }
    for part in (desk, dmx, control):
        part.stop()


def drive(parts: dict[str, Any], seconds: float) -> None:
    """Frames at about 50 a second, the wash changing colour, for `seconds` of show time."""
    start = time.monotonic()
    step = 0
    while time.monotonic() - start < seconds:
        t = time.monotonic() - parts["t0"]  # show time goes on across calls
        shown = lit_frame(((step % 50) / 50, 0.2, 0.4), time_=t)
        parts["monitor"].send(frame(faces=2, time_=t))
        parts["control"].send(shown)
        parts["dmx"].send(shown)
        parts["desk"].send(shown)
        step += 1
        time.sleep(0.02)


def test_health_json_holds_every_part_the_issue_lists(
    parts: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    control: OscControl = parts["control"]
    client = udp_client()
    address = control.receiver.address if control.receiver else ("127.0.0.1", 0)
    client.sendto(message("/nova/glow/radius", 0.3), address)  # applied
    client.sendto(message("/nova/no/such/thing", 1.0), address)  # refused: unknown address
    client.sendto(b"not osc at all", address)  # refused: malformed
    client.close()
    assert wait_for(lambda: control.counters.snapshot()["applied"] == 1)
    assert wait_for(lambda: control.counters.rejected_total >= 2)
    health = Health(f"127.0.0.1:{free_tcp_port()}", parts["monitor"])
    health.start(EventQueue(), time.monotonic)
    try:
        logging.getLogger("installation.test").warning("a warning the page keeps")
        drive(parts, 1.2)
        assert health.server is not None
        url = f"http://127.0.0.1:{health.server.port}/health"
        with urllib.request.urlopen(url, timeout=2.0) as response:
            body = json.loads(response.read())
    finally:
        health.stop()

    assert set(body) == set(KEYS)
    for key in ("fps", "dropped_frames", "frame_time_p99_ms", "faces", "memory_mb", "uptime_s"):
        assert isinstance(body[key], int | float), key
    assert body["fps"] > 5 and body["faces"] == 2 and body["memory_mb"] > 10
    assert body["camera"] == {"source": "sim", "state": "running"}
    osc = body["osc"]
    assert osc["received"] == 3 and osc["applied"] == 1
    assert osc["rejected_total"] >= 2 and sum(osc["rejected"].values()) == osc["rejected_total"]
    assert osc["listening"].startswith("127.0.0.1:")
    assert osc["feedback"]["state"] == "sending"  # UDP from the listening socket: no news
    dmx_port, desk_port = parts["ports"][1:]
    sacn, desk = body["lighting"]
    assert (sacn["protocol"], sacn["target"]) == ("sACN", f"127.0.0.1:{dmx_port}")
    assert (desk["protocol"], desk["target"]) == ("OSC", f"127.0.0.1:{desk_port}")
    # Loopback answers "port unreachable": both know nobody listens.
    assert sacn["state"] == desk["state"] == "receiver vanished"
    assert sacn["failed"] >= 1 and "refused" in sacn["last_error"].lower()
    assert any("a warning the page keeps" in line for line in body["errors"])


def test_absent_receivers_cost_one_line_each_then_are_picked_up(
    parts: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="installation")
    feedback_port, dmx_port, desk_port = parts["ports"]
    drive(parts, 1.5)  # sends to nobody: no exception reaches the frame loop
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([w for w in warnings if "sACN to" in w]) == 1, warnings
    assert len([w for w in warnings if "lighting: OSC to" in w]) == 1, warnings
    assert not [w for w in warnings if "OSC feedback" in w], warnings

    listeners = [Listener(port) for port in (feedback_port, dmx_port, desk_port)]
    try:
        drive(parts, 1.5)
        feedback, dmx, desk = listeners
        got = feedback.messages(lambda got: any("/health/" in m.address for m in got))
        assert any(m.address == "/nova/health/status" for m in got)
        assert dmx.datagrams(1.2) >= 1  # keep-alives at least once a second
        assert desk.messages(lambda got: bool(got))
        assert wait_for(
            lambda: (
                [p.health()["state"] for p in (parts["dmx"], parts["desk"])]
                == ["sending", "sending"]
            )
        )
    finally:
        for listener in listeners:
            listener.close()
    later = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert later == warnings  # the return is news at INFO, not another warning
    assert any("sends go through again" in r.getMessage() for r in caplog.records)


def test_health_goes_out_over_osc_one_typed_message_per_field(
    catalogue: Catalogue, parts: dict[str, Any]
) -> None:
    listener = Listener(parts["ports"][0])
    try:
        drive(parts, 0.5)
        fields = {field for field, _, _ in HEALTH_FIELDS}
        got = listener.messages(
            lambda got: fields <= {m.address.removeprefix("/nova/health/") for m in got}
        )
    finally:
        listener.close()
    by_address = {m.address: m for m in got}
    tags = {field: tag for field, tag, _ in HEALTH_FIELDS}
    python = {"i": int, "f": float, "s": str}
    for field, tag in tags.items():
        sent = by_address[f"/nova/health/{field}"]
        assert len(sent.params) == 1 and type(sent.params[0]) is python[tag], field
    assert by_address["/nova/health/faces"].params == [2]
    assert "receiver vanished" in by_address["/nova/health/lighting"].params[0]
    # Status goes out as before, beside the health.
    assert "/nova/status/fps" in by_address


def test_health_fields_flatten_rejections_and_the_lighting_rig() -> None:
    doc = {
        "status": "ok",
        "fps": 60,
        "osc": {"received": 4, "applied": 1, "rejected": {"malformed": 2, "denied": 1}},
        "lighting": [{"protocol": "sACN", "target": "10.0.0.5:5568", "state": "sending"}],
        "errors": ["warning: one", "error: two"],
        "camera": {"source": "camera:0", "state": "absent"},
    }
    values = health_values(doc)
    assert values["fps"] == 60.0 and isinstance(values["fps"], float)
    assert values["osc/rejected/malformed"] == 2 and values["osc/rejected/denied"] == 1
    assert values["lighting"] == "sACN to 10.0.0.5:5568: sending"
    assert (values["errors"], values["last_error"]) == (2, "error: two")
    assert values["camera"] == "camera:0 absent"
    assert health_values({})["lighting"] == "off" == lighting_summary([])


def test_health_addresses_are_listed_and_accepted_from_peers(catalogue: Catalogue) -> None:
    entries = {e["address"]: e for e in namespace_json(catalogue)}
    for field, _, _ in HEALTH_FIELDS:
        assert entries[f"/nova/health/{field}"]["kind"] == "health"
        # Another installation's health, mirrored to us, is accepted and ignored.
        route = build_namespace(catalogue).lookup(f"/nova/health/{field}")
        assert route is not None and route.kind == "info"


def test_a_part_that_fails_costs_its_entry_not_the_page() -> None:
    monitor = HealthMonitor(50.0, source="sim")

    def broken() -> dict[str, Any]:
        raise RuntimeError("bug")

    monitor.add_part("osc", broken)
    monitor.send(frame())
    body = monitor.snapshot()
    assert body["osc"] == {"error": "RuntimeError: bug"} and body["lighting"] == []
    with pytest.raises(ValueError, match="camera, osc, lighting"):
        monitor.add_part("disk", dict)
