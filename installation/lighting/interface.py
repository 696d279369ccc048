"""Which network the rig's traffic leaves on (`lighting.interface`), for machines with two.

A show computer often has the gallery's network and a lighting network on separate ports:
multicast (sACN) and broadcast (Art-Net) must go out on the lighting one, not wherever the
default route points. The interface is named by this machine's IPv4 address on it.
"""

from __future__ import annotations

import ipaddress

import ifaddr

from installation.errors import ConfigError


def local_ipv4() -> dict[str, int]:
    """This machine's IPv4 addresses and their prefix lengths."""
    found: dict[str, int] = {}
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):  # IPv4 (IPv6 addresses come as tuples)
                found[ip.ip] = ip.network_prefix
    return found


def check_interface(address: str) -> int:
    """The prefix length of `address` on this machine; ConfigError naming the ones there are."""
    addresses = local_ipv4()
    if address not in addresses:
        listed = ", ".join(sorted(addresses)) or "none"
        raise ConfigError(
            f"lighting.interface: {address} is not an address of this machine "
            f'(its IPv4 addresses: {listed}); use one of them, or "" for the system\'s choice'
        )
    return addresses[address]


def directed_broadcast(address: str, prefix: int) -> str:
    """The broadcast address of the interface's network (192.168.1.20/24 -> 192.168.1.255)."""
    return str(ipaddress.IPv4Network(f"{address}/{prefix}", strict=False).broadcast_address)
