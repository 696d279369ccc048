"""Malformed input never stops the show: hypothesis, a kept corpus, and 100,000 datagrams.

After each bad datagram a valid message must still apply (here: reach the frame loop's
queue, in order).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from installation.bench.malformed import float_message, malformed
from installation.control.datagram import Malformed, parse_datagram
from installation.control.receiver import UdpReceiver
from installation.params import Catalogue
from tests.osc_helpers import changes
from tests.test_osc_receiver import Live, start_live

CORPUS = Path(__file__).resolve().parent / "data" / "osc_corpus"
VALID = float_message("/nova/glow/radius", 0.25)


@given(st.binary(max_size=512))
def test_any_bytes_parse_or_are_refused_with_a_reason(data: bytes) -> None:
    try:
        parse_datagram(data)
    except Malformed as exc:
        assert exc.reason


@given(st.data())
def test_mutated_valid_datagrams_parse_or_are_refused(data: st.DataObject) -> None:
    base = data.draw(
        st.sampled_from(
            [VALID, b"#bundle\x00" + b"\x00" * 7 + b"\x01" + struct.pack(">i", len(VALID)) + VALID]
        )
    )
    cut = data.draw(st.integers(0, len(base)))
    flips = data.draw(
        st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), max_size=4)
    )
    mutated = bytearray(base[:cut] if data.draw(st.booleans()) else base)
    for index, byte in flips:
        if index < len(mutated):
            mutated[index] = byte
    try:
        parse_datagram(bytes(mutated))
    except Malformed as exc:
        assert exc.reason


@pytest.fixture(scope="module")
def live(catalogue: Catalogue) -> Live:  # type: ignore[misc]
    rig = start_live(catalogue, max_datagram=65507)
    yield rig
    rig.control.stop()
    rig.client.close()


def _receiver(live: Live) -> UdpReceiver:
    assert live.control.receiver is not None
    return live.control.receiver


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=256))
def test_receiver_survives_any_bytes_and_applies_the_next_message(live: Live, data: bytes) -> None:
    receiver = _receiver(live)
    live.events.drain()
    receiver.receive(data, ("127.0.0.1", 9))
    receiver.receive(float_message("/nova/sea/level", 0.125), ("127.0.0.1", 9))
    got = changes(live.events.drain())
    assert got and got[-1].name == "sea.level" and got[-1].value == 0.125


def test_corpus_over_udp_each_followed_by_a_valid_message(live: Live) -> None:
    files = sorted(CORPUS.glob("*.bin"))
    assert len(files) >= 40, "run `python -m tests.make_osc_corpus`"
    live.events.drain()
    for number, path in enumerate(files):
        live.send(path.read_bytes())
        live.send(float_message("/nova/face/fade", number / 10.0))
    live.settle()
    marks = [
        round(float(e.value) * 10) for e in changes(live.events.drain()) if e.name == "face.fade"
    ]
    assert marks == list(range(len(files)))


def test_100000_malformed_datagrams_each_followed_by_a_valid_one(live: Live) -> None:
    # Through the receiver's own datagram path (no socket, so it is quick); the benchmark
    # sends the same over UDP.
    receiver = _receiver(live)
    live.events.drain()
    seen = 0
    for number, (_, data) in enumerate(malformed(100_000, seed=3)):
        receiver.receive(data, ("127.0.0.1", 9))
        receiver.receive(
            float_message("/nova/face/fade", (number % 1000) / 100.0), ("127.0.0.1", 9)
        )
        if number % 1000 == 999:
            events = [e for e in changes(live.events.drain()) if e.name == "face.fade"]
            live.control.frame_done()  # as the frame loop does after each drain
            assert [round(float(e.value) * 100) for e in events][-1000:] == list(range(1000))
            seen += 1000
    assert seen == 100_000
    counters = live.control.counters.snapshot()
    assert counters["rejected"]
