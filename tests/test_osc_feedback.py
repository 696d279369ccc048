"""OSC feedback: changes at most 30 times a second, a status a second, and two
installations pointing at each other settle instead of echoing for ever."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from pythonosc.osc_message import OscMessage

from installation.bench.osc import Rig
from installation.control.feedback import FeedbackOutput, Transport
from installation.control.routes import STATUS_FIELDS, build_namespace
from installation.control.state import ControlState
from installation.control.stats import OscCounters
from installation.palette import Palette
from installation.params import Catalogue
from installation.show import Show
from tests.osc_helpers import message, receive_messages, udp_client

A = ("127.0.0.1", 7001)
B = ("127.0.0.1", 7002)


class Captured(Transport):
    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[tuple[str, list[Any], tuple[str, int]]] = []

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        message = OscMessage(data)
        self.sent.append((message.address, message.params, address))


def make_feedback(
    catalogue: Catalogue, targets: list[tuple[str, int]]
) -> tuple[FeedbackOutput, ControlState, Captured]:
    state = ControlState(catalogue.defaults())
    transport = Captured()
    feedback = FeedbackOutput(
        targets, catalogue, build_namespace(catalogue), state, OscCounters(), transport
    )
    feedback.start()
    return feedback, state, transport


def flush(feedback: FeedbackOutput) -> None:
    feedback.stop()  # the sender thread sends everything queued, then ends


def test_changes_are_rate_limited_and_the_last_value_is_sent(
    catalogue: Catalogue, palette: Palette
) -> None:
    feedback, state, transport = make_feedback(catalogue, [A])
    show = Show(catalogue, palette, catalogue.defaults())
    # A fader moved at 120 Hz for half a second: 60 changes.
    for i in range(60):
        state.set("glow.radius", 0.1 + i * 0.005, ("127.0.0.1", 5555))
        feedback.send(show.step(i / 120.0))
    for i in range(60, 70):  # the fader rests; frames go on
        feedback.send(show.step(i / 120.0))
    flush(feedback)
    radius = [params[0] for address, params, _ in transport.sent if address == "/nova/glow/radius"]
    assert 14 <= len(radius) <= 17  # 30 a second over half a second
    assert radius[-1] == pytest.approx(0.1 + 59 * 0.005)


def test_a_change_is_not_sent_back_to_the_peer_it_came_from(
    catalogue: Catalogue, palette: Palette
) -> None:
    feedback, state, transport = make_feedback(catalogue, [A, B])
    show = Show(catalogue, palette, catalogue.defaults())
    state.set("sea.level", 0.9, A)
    state.set("sea.drift", 0.9, None)
    feedback.send(show.step(0.0))
    flush(feedback)
    sent = {(address, target) for address, _, target in transport.sent}
    assert sent == {("/nova/sea/level", B), ("/nova/sea/drift", A), ("/nova/sea/drift", B)}


def test_status_once_a_second_with_every_field(catalogue: Catalogue, palette: Palette) -> None:
    feedback, _, transport = make_feedback(catalogue, [A])
    show = Show(catalogue, palette, catalogue.defaults())
    for i in range(0, 151):  # 2.5 s at 60 frames a second
        feedback.send(show.step(i / 60.0))
    flush(feedback)
    fps = [params[0] for address, params, _ in transport.sent if address == "/nova/status/fps"]
    assert len(fps) == 2 and fps[0] == pytest.approx(60.0, rel=0.05)
    addresses = {address for address, _, _ in transport.sent}
    assert {f"/nova/status/{field}" for field, _, _ in STATUS_FIELDS} <= addresses


def test_feedback_over_udp_shows_a_change_with_its_new_value(catalogue: Catalogue) -> None:
    listener = udp_client()
    rig = Rig(catalogue, feedback=(listener.getsockname(),)).start()
    client = udp_client()
    try:
        client.sendto(message("/nova/glow/radius", 0.5), rig.address)
        got = receive_messages(
            listener, lambda got: any(m.address == "/nova/glow/radius" for m in got)
        )
        values = [m.params[0] for m in got if m.address == "/nova/glow/radius"]
        assert values == [pytest.approx(0.5)]
    finally:
        rig.stop()
        listener.close()
        client.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_installations_pointing_at_each_other_settle(catalogue: Catalogue) -> None:
    port_a, port_b = _free_port(), _free_port()
    a = Rig(catalogue, port=port_a, feedback=(("127.0.0.1", port_b),)).start()
    b = Rig(catalogue, port=port_b, feedback=(("127.0.0.1", port_a),)).start()
    client = udp_client()
    try:
        # A performer sweeps a fader on A (faster than feedback's 30 Hz), and sets B too.
        for i in range(40):
            client.sendto(message("/nova/glow/radius", 0.1 + i * 0.01), a.address)
            time.sleep(0.002)
        client.sendto(message("/nova/sea/level", 0.8), b.address)
        deadline = time.monotonic() + 5
        last = (-1, -1)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            # Applied messages only: the once-a-second status is information, not a change.
            now = (a.control.counters.applied, b.control.counters.applied)
            if now == last:
                break  # no traffic for half a second: settled
            last = now
        assert now == last, "feedback kept bouncing between the two installations"
        for rig in (a, b):
            assert rig.control.state.get("glow.radius") == pytest.approx(0.49, rel=1e-6)
            assert rig.control.state.get("sea.level") == pytest.approx(0.8)
        # Each change crossed once, at most 30 times a second: a handful of messages.
        assert b.control.counters.applied < 40
    finally:
        a.stop()
        b.stop()
        client.close()
