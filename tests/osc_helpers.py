"""Helpers for the OSC tests: real UDP on 127.0.0.1, messages built with python-osc."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from installation.events import Event, EventQueue, ParamChange

# Generous: these bound how long a test waits for something that should take a frame,
# they are not timings the tests assert.
WAIT_S = 5.0


def message(address: str, *args: Any, types: str | None = None) -> bytes:
    builder = OscMessageBuilder(address)
    for i, arg in enumerate(args):
        builder.add_arg(arg, types[i] if types else None)
    return bytes(builder.build().dgram)


def udp_client() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(WAIT_S)
    return sock


def receive_messages(
    sock: socket.socket, until: Callable[[list[OscMessage]], bool]
) -> list[OscMessage]:
    """Read messages from `sock` until `until(all so far)` or the wait runs out."""
    got: list[OscMessage] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not until(got):
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        got.append(OscMessage(data))
    return got


def wait_for_events(events: EventQueue, count: int) -> list[Event]:
    """Drain `events` until `count` have arrived or the wait runs out."""
    got: list[Event] = []
    deadline = time.monotonic() + WAIT_S
    while len(got) < count and time.monotonic() < deadline:
        got.extend(events.drain())
        time.sleep(0.002)
    return got


def changes(events: list[Event]) -> list[ParamChange]:
    return [e for e in events if isinstance(e, ParamChange)]
