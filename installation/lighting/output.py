"""The rig as a frame output: fixture values computed per frame, sent on a pump thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from installation.events import EventQueue
from installation.frame import FrameState
from installation.lighting.dmx import Universes, fixture_bytes, master_level, universes
from installation.lighting.follow import fixture_colour
from installation.lighting.patch import Patch
from installation.lighting.pump import Pump
from installation.lighting.transport import DmxTransport

log = logging.getLogger("installation.lighting")


def frame_universes(patch: Patch, frame: FrameState) -> Universes:
    """Every universe of the patch for one frame (a few operations per fixture)."""
    master = master_level(frame.params)
    return universes(
        (f, fixture_bytes(f, fixture_colour(f, frame, patch), master)) for f in patch.fixtures
    )


class DmxOutput:
    """A Service and a FrameOutput: the fixtures follow the show over sACN or Art-Net.

    `send` computes the universes (cheap) and queues them only when they changed; the pump
    applies them `delay` seconds later and paces the transport.
    """

    def __init__(
        self,
        patch: Patch,
        open_transport: Callable[[], DmxTransport],
        *,
        delay: float = 0.0,
        rate: float = 44.0,
        on_exit: str = "terminate",
        description: str = "",
        protocol: str = "",
        target: str = "",
    ) -> None:
        self.patch = patch
        self.protocol = protocol
        self.target = target
        self.on_exit = on_exit
        self._open = open_transport
        self._delay = delay
        self._rate = rate
        self._description = description
        self._transport: DmxTransport | None = None
        self._pump: Pump[Universes] | None = None
        self._last: Universes | None = None

    def start(
        self, events: EventQueue | None = None, now: Callable[[], float] | None = None
    ) -> None:
        try:
            transport = self._open()
        except OSError as exc:
            log.warning("lighting: cannot open %s (%s); lights are off", self._description, exc)
            return
        self._transport = transport
        self._pump = Pump(
            "lighting-dmx",
            self._write,
            delay=self._delay,
            tick=transport.tick,
            min_interval=1.0 / self._rate,
        )
        self._pump.start()
        log.info("lighting: %d fixtures, %s", len(self.patch.fixtures), self._description)

    def send(self, frame: FrameState) -> None:
        """Once a frame, on the frame loop's thread: never blocks."""
        if self._pump is None:
            return
        values = frame_universes(self.patch, frame)
        if values != self._last:
            self._last = values
            self._pump.put(values)

    def stop(self) -> None:
        if self._pump is not None:
            self._pump.stop()  # the latest values go out first
        if self._transport is not None:
            self._transport.close(self.on_exit)
        self._pump = self._transport = None

    def health(self) -> dict[str, Any]:
        """Protocol, target and state for the health page; safe from any thread.

        "off" when the transport could not open (or before start, after stop).
        """
        transport = self._transport
        state: dict[str, Any] = (
            {"state": "off", "sent": 0, "failed": 0, "last_error": ""}
            if transport is None
            else transport.health.snapshot()
        )
        return {"protocol": self.protocol, "target": self.target, **state}

    def _write(self, values: Universes) -> None:
        assert self._transport is not None
        for universe, data in values.items():
            self._transport.write(universe, data)
