"""Checks a process's network log (tests/netaudit/sitecustomize.py) against its config.

Every address a show used must be one it was configured to use:
- binds: a configured listening address, or port 0 (a sending socket's own port);
- sends and connects: a configured target, or a listening address of its own (the OSC
  receiver wakes itself with an empty datagram to stop);
- name lookups: only of configured hosts;
- mDNS, when allowed: the mDNS group (224.0.0.251 or ff02::fb, port 5353) and port 5353 on a
  configured host; when not allowed, any of these is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Address = tuple[str, int]

MDNS_PORT = 5353
MDNS_GROUPS = ("224.0.0.251", "ff02::fb")
_WILDCARDS = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class NetEvent:
    """One logged use of the network: the audit event and the address it named."""

    event: str
    address: Any

    def __str__(self) -> str:
        return f"{self.event} {self.address!r}"


@dataclass(frozen=True)
class Allowed:
    """What a config allows: where it listens, where it sends, and whether mDNS is on."""

    listen: frozenset[Address]
    send: frozenset[Address]
    mdns: bool = False

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(host for host, _ in self.listen | self.send)


def read_log(path: Path) -> list[NetEvent]:
    """The events a run logged ([] when it used no network at all)."""
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        events.append(NetEvent(record["event"], record["address"]))
    return events


def unexpected(events: Iterable[NetEvent], allowed: Allowed) -> list[str]:
    """Each event that went somewhere the config did not name, as a line for a report."""
    return [str(e) for e in events if e.event.startswith("socket.") and not _is_allowed(e, allowed)]


def _is_allowed(event: NetEvent, allowed: Allowed) -> bool:
    kind = event.event.removeprefix("socket.")
    if kind in ("getaddrinfo", "gethostbyname", "gethostbyaddr"):
        host = event.address[0]
        return host in allowed.hosts or (allowed.mdns and host in _WILDCARDS)
    address = _inet(event.address)
    if address is None:
        # sendmsg on a connected socket names no address (its connect was logged); anything
        # else here is a Unix socket, which the show only uses for systemd's NOTIFY_SOCKET.
        return kind == "sendmsg" and event.address is None
    host, port = address
    if allowed.mdns and port == MDNS_PORT and (host in MDNS_GROUPS or host in allowed.hosts):
        return True
    if allowed.mdns and kind == "bind" and port == MDNS_PORT and host in _WILDCARDS:
        return True  # zeroconf listens for the group's answers
    if kind == "bind":
        return port == 0 or address in allowed.listen
    return address in allowed.send or address in allowed.listen


def _inet(address: Any) -> Address | None:
    """(host, port) of an IPv4 or IPv6 socket address as logged (a JSON list); else None."""
    if isinstance(address, list) and len(address) >= 2 and isinstance(address[0], str):
        return address[0], int(address[1])
    return None
