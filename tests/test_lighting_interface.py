"""`lighting.interface`: the rig's traffic leaves on the lighting network's interface."""

from __future__ import annotations

import socket

import pytest

from installation.lighting.interface import directed_broadcast, local_ipv4
from installation.lighting.transport import ArtnetTransport, SacnTransport
from tests.conftest import run_cli


def _lan_address() -> str:
    """This machine's address on a network (not loopback); skip where there is none."""
    lan = [address for address in local_ipv4() if not address.startswith("127.")]
    if not lan:
        pytest.skip("this machine has no network interface besides loopback")
    return sorted(lan)[0]


def test_directed_broadcast() -> None:
    assert directed_broadcast("192.168.1.20", 24) == "192.168.1.255"
    assert directed_broadcast("2.0.0.7", 8) == "2.255.255.255"  # Art-Net's classic 2.x net


def test_a_value_that_is_no_address_and_one_not_on_this_machine_are_messages() -> None:
    bad = run_cli(
        "lighting", "test", "--set", "lighting.protocol=sacn", "--set", "lighting.interface=eth1"
    )
    assert bad.returncode == 2 and "lighting.interface: must be this machine's IPv4" in bad.stderr
    absent = run_cli(
        "lighting", "test", "--set", "lighting.protocol=sacn",
        "--set", "lighting.interface=10.254.254.254",
    )  # fmt: skip
    assert absent.returncode == 2
    assert "10.254.254.254 is not an address of this machine" in absent.stderr
    assert "127.0.0.1" in absent.stderr  # the addresses it has are named
    assert "Traceback" not in bad.stderr + absent.stderr


def test_sacn_leaves_from_the_interface_and_multicasts_on_it() -> None:
    lan = _lan_address()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(2.0)
        transport = SacnTransport((1,), "127.0.0.1", receiver.getsockname()[1], interface=lan)
        try:
            transport.write(1, bytes([200]) + bytes(511))
            transport.tick()
            _, sender = receiver.recvfrom(1024)
            chosen = transport._socket._socket.getsockopt(
                socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4
            )
        finally:
            transport.close("hold")
    assert sender[0] == lan  # unicast from the lighting network's address
    assert socket.inet_ntoa(chosen) == lan  # multicast out of its interface


def test_art_net_broadcast_is_the_interfaces_own() -> None:
    lan = _lan_address()
    prefix = local_ipv4()[lan]
    transport = ArtnetTransport((1, 2), "broadcast", 0, interface=lan)
    try:
        senders = list(transport._senders.values())
        assert {s.target_ip for s in senders} == {directed_broadcast(lan, prefix)}
        assert {s.socket_client._sock.getsockname()[0] for s in senders} == {lan}
    finally:
        transport.close("hold")
