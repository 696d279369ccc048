"""Which senders may control the show: a list of networks, checked before any parsing."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from installation.networks import parse_network

# Senders remembered; a sweep of spoofed addresses must not grow memory without limit.
_CACHE_LIMIT = 4096


class AllowList:
    """Answers 'may this host send to us?' quickly, for every datagram."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = tuple(parse_network(n) for n in networks)
        self._cache: dict[str, bool] = {}

    @property
    def only_this_machine(self) -> bool:
        """True when no network but loopback is admitted."""
        return all(network.is_loopback for network in self.networks)

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
