"""The rig's parts from the validated config; every mistake is a ConfigError before the show.

Lighting off (the default) reads no patch and opens no socket.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from installation.config import LightingSection, Settings, parse_host_port
from installation.errors import ConfigError
from installation.events import EventQueue
from installation.frame import FrameState
from installation.lighting.identity import source_cid
from installation.lighting.interface import check_interface
from installation.lighting.osc_out import DeskOscOutput
from installation.lighting.output import DmxOutput
from installation.lighting.patch import Patch, load_patch, resolve_patch_path
from installation.lighting.transport import (
    ARTNET_PORT,
    SACN_PORT,
    ArtnetTransport,
    DmxTransport,
    SacnTransport,
)
from installation.params import Catalogue


class LightingPart(Protocol):
    """Both a Service (start/stop) and a FrameOutput (send)."""

    def start(self, events: EventQueue, now: Callable[[], float]) -> None: ...

    def stop(self) -> None: ...

    def send(self, frame: FrameState) -> None: ...

    def health(self) -> dict[str, Any]:
        """Protocol, target and state (sending, receiver vanished, waiting, off)."""
        ...


def build_lighting(catalogue: Catalogue, settings: Settings) -> list[LightingPart]:
    """The DMX output and the desk OSC output the config asks for (none by default)."""
    lighting = settings.config.lighting
    parts: list[LightingPart] = []
    if lighting.protocol != "off":
        patch = load_patch(resolve_patch_path(lighting.patch))
        parts.append(dmx_output(lighting, patch, settings.config.osc.name))
    if lighting.osc:
        targets = tuple(_resolve(text, "lighting.osc") for text in lighting.osc)
        parts.append(
            DeskOscOutput(
                targets,
                catalogue.prefix,
                rate=lighting.osc_rate,
                delay=lighting.osc_delay_ms / 1000.0,
            )
        )
    return parts


def dmx_output(lighting: LightingSection, patch: Patch, show_name: str) -> DmxOutput:
    """The DMX output for `patch` (protocol must not be "off")."""
    return DmxOutput(
        patch,
        transport_opener(lighting, patch, show_name),
        delay=lighting.delay_ms / 1000.0,
        rate=lighting.rate,
        on_exit=lighting.on_exit,
        description=describe(lighting),
        protocol={"sacn": "sACN", "artnet": "Art-Net"}.get(lighting.protocol, lighting.protocol),
        target=f"{lighting.target}:{_port(lighting)}",
    )


def transport_opener(
    lighting: LightingSection, patch: Patch, show_name: str
) -> Callable[[], DmxTransport]:
    """A function opening the transport (sockets open only when the show starts).

    sACN goes out under the show's name (`osc.name`) and a CID that stays the same from
    start to start (lighting/identity.py), so a desk sees one source across restarts."""
    check_universes(lighting.protocol, patch)
    if lighting.interface:
        check_interface(lighting.interface)  # at start: a typo is a message, not silence
    target = lighting.target
    if target not in ("multicast", "broadcast"):
        target = _resolve(f"{target}:1", "lighting.target")[0]
    if lighting.protocol == "sacn":
        port = lighting.port or SACN_PORT
        cid = source_cid(lighting.cid, show_name)
        return partial(
            SacnTransport,
            patch.universes,
            target,
            port,
            lighting.priority,
            show_name,
            cid,
            lighting.interface,
        )
    port = lighting.port or ARTNET_PORT
    return partial(ArtnetTransport, patch.universes, target, port, show_name, lighting.interface)


def _port(lighting: LightingSection) -> int:
    return lighting.port or (SACN_PORT if lighting.protocol == "sacn" else ARTNET_PORT)


def describe(lighting: LightingSection) -> str:
    name = {"sacn": "sACN", "artnet": "Art-Net"}.get(lighting.protocol, lighting.protocol)
    port = _port(lighting)
    delay = f", delay {lighting.delay_ms:g} ms" if lighting.delay_ms else ""
    return f"{name} to {lighting.target} port {port}{delay}"


def check_universes(protocol: str, patch: Patch) -> None:
    """sACN universes are 1..63999; Art-Net port-addresses 0..32767."""
    low, high = (1, 63999) if protocol == "sacn" else (0, 32767)
    for fixture in patch.fixtures:
        if not low <= fixture.universe <= high:
            raise ConfigError(
                f"{patch.path}: fixture {fixture.name!r}: universe: {protocol} universes are "
                f"{low}..{high} (got {fixture.universe})"
            )


def _resolve(text: str, key: str) -> tuple[str, int]:
    try:
        host, port = parse_host_port(text)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None
    try:
        info = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0]
    except OSError as exc:
        raise ConfigError(f"{key}: cannot resolve {host!r}: {exc.strerror or exc}") from None
    return str(info[4][0]), int(info[4][1])
