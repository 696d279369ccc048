"""Which senders may control the show: a list of networks, checked before any parsing."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Loopback, the private ranges stage networks use, and link-local (a laptop plugged straight
# into the installation's machine with no DHCP): the public internet is refused.
DEFAULT_ALLOW: tuple[str, ...] = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
)
# Senders remembered; a sweep of spoofed addresses must not grow memory without limit.
_CACHE_LIMIT = 4096


def parse_network(text: str) -> IPNetwork:
    """'192.168.1.0/24' or a single address; ValueError says what is allowed."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a network; write a network like 192.168.1.0/24 or fd00::/8, "
            "or a single address like 10.0.0.5"
        ) from None


class AllowList:
    """Answers 'may this host send to us?' quickly, for every datagram."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = tuple(parse_network(n) for n in networks)
        self._cache: dict[str, bool] = {}

    def allows(self, host: str) -> bool:
        known = self._cache.get(host)
        if known is not None:
            return known
        verdict = self._check(host)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[host] = verdict
        return verdict

    def _check(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 scope id
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address.version == net.version and address in net for net in self.networks)
