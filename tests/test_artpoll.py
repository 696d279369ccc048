"""Desks and node lists find the show over Art-Net: ArtPoll in, ArtPollReply out.

The poll and the reply are built and read here by the byte offsets of the Art-Net 4
specification (ArtPoll, ArtPollReply), not through the code that writes them.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time

import pytest

from installation.lighting.transport import ArtnetTransport
from tests.conftest import ROOT
from tests.test_osc_feedback import _free_port


def artpoll() -> bytes:
    # ID, OpCode 0x2000 (little-endian), ProtVer 14 (big-endian), Flags, DiagPriority.
    return b"Art-Net\x00" + struct.pack("<H", 0x2000) + struct.pack(">H", 14) + b"\x02\x10"


def read_reply(data: bytes) -> dict[str, object]:
    assert data[:8] == b"Art-Net\x00" and struct.unpack_from("<H", data, 8)[0] == 0x2100
    assert len(data) >= 207
    return {
        "ip": socket.inet_ntoa(data[10:14]),
        "port": struct.unpack_from("<H", data, 14)[0],
        "net": data[18],
        "sub": data[19],
        "short": data[26:44].split(b"\x00")[0].decode(),
        "long": data[44:108].split(b"\x00")[0].decode(),
        "ports": struct.unpack_from(">H", data, 172)[0],
        "port_type": data[174],
        "sw_in": data[186],
        "style": data[200],
        "bind_index": data[211],
        "status2": data[212],
    }


@pytest.fixture
def show_port() -> int:
    return _free_port()


def test_a_poll_gets_one_reply_per_universe(show_port: int) -> None:
    # Universes 1 and 0x123 (net 1, sub-net 2, universe 3), as a patch would name them.
    transport = ArtnetTransport((1, 0x123), "127.0.0.1", show_port, show_name="Gallery Two")
    desk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    desk.bind(("127.0.0.1", 0))
    desk.settimeout(0.2)
    try:
        desk.sendto(artpoll(), ("127.0.0.1", show_port))
        replies: list[bytes] = []
        deadline = time.monotonic() + 3.0  # Art-Net 4: a node replies within 3 s
        while len(replies) < 2 and time.monotonic() < deadline:
            transport.tick()  # the pump's tick, 44 times a second in a show
            try:
                replies.append(desk.recv(1024))
            except TimeoutError:
                continue
    finally:
        transport.close("hold")
        desk.close()
    read = sorted((read_reply(data) for data in replies), key=lambda r: int(r["bind_index"]))  # type: ignore[call-overload]
    assert [r["bind_index"] for r in read] == [1, 2]
    first, second = read
    assert first["ip"] == "127.0.0.1" and first["port"] == show_port
    assert (first["net"], first["sub"], first["sw_in"]) == (0, 0, 1)
    assert (second["net"], second["sub"], second["sw_in"]) == (1, 2, 3)
    for reply in read:
        assert reply["short"] == "Gallery Two" and str(reply["long"]).startswith("Gallery Two")
        assert reply["ports"] == 1 and reply["port_type"] == 0x40  # a DMX input onto the net
        assert reply["style"] == 0x02 and int(reply["status2"]) & 0x08  # 15-bit addresses


def test_other_traffic_is_not_answered(show_port: int) -> None:
    transport = ArtnetTransport((1,), "127.0.0.1", show_port)
    desk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    desk.bind(("127.0.0.1", 0))
    desk.settimeout(0.3)
    try:
        for junk in (b"", b"Art-Net\x00", artpoll()[:10], b"Art-Net\x00" + b"\x00\x50" + bytes(8)):
            desk.sendto(junk, ("127.0.0.1", show_port))
        old_version = artpoll()[:10] + struct.pack(">H", 13) + b"\x00\x00"
        desk.sendto(old_version, ("127.0.0.1", show_port))
        for _ in range(5):
            transport.tick()
        with pytest.raises(TimeoutError):
            desk.recv(1024)
        assert transport.polls.answered == 0
    finally:
        transport.close("hold")
        desk.close()


def test_a_taken_art_net_port_costs_discovery_not_the_output(
    show_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other_program:
        other_program.bind(("0.0.0.0", show_port))  # no SO_REUSEPORT: the port is its own
        transport = ArtnetTransport((1,), "127.0.0.1", show_port)
        try:
            transport.write(1, bytes([255]) + bytes(511))
            assert transport.tick()  # DMX still goes out
        finally:
            transport.close("hold")
    assert any("cannot listen for ArtPoll" in r.getMessage() for r in caplog.records)


@pytest.mark.gl
def test_a_running_show_answers_a_desks_poll(show_port: int) -> None:
    osc = _free_port()
    show = subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--source", "sim", "--headless",
            "--duration", "6", "--size", "160x90",
            "--set", "lighting.protocol=artnet", "--set", "lighting.target=127.0.0.1",
            "--set", f"lighting.port={show_port}", "--set", "osc.name=Gallery Two",
            "--set", f"osc.listen=127.0.0.1:{osc}", "--set", "osc.query=''",
            "--set", "osc.advertise=false", "--set", "health.listen=''",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    desk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    desk.bind(("127.0.0.1", 0))
    desk.settimeout(0.5)
    replies: list[dict[str, object]] = []
    try:
        deadline = time.monotonic() + 30.0
        while not replies and time.monotonic() < deadline:  # a desk polls every 2.5-3 s
            desk.sendto(artpoll(), ("127.0.0.1", show_port))
            try:
                data = desk.recv(1024)
            except TimeoutError:
                continue
            if data[8:10] == struct.pack("<H", 0x2100):
                replies.append(read_reply(data))
        _, err = show.communicate(timeout=60)
    finally:
        if show.poll() is None:
            show.kill()
        desk.close()
    assert show.returncode == 0, err
    assert replies and replies[0]["short"] == "Gallery Two"
