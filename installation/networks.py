"""Networks as the config writes them (`osc.allow`): parsing, and the default list."""

from __future__ import annotations

import ipaddress

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


def parse_network(text: str) -> IPNetwork:
    """'192.168.1.0/24' or a single address; ValueError says what is allowed."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a network; write a network like 192.168.1.0/24 or fd00::/8, "
            "or a single address like 10.0.0.5"
        ) from None
