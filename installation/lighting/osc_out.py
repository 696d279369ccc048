"""OSC to lighting desks and media servers: the room's mood colour, access share and scene.

For rigs run from a desk (ETC Eos, grandMA, QLC+): the desk maps these to its own
faders or cues. Values go out when they change, at most `rate` times a second each, after
`delay` seconds, built and sent with the OSC feedback's own encoder and transport.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from installation.control.feedback import Address, Transport, encode
from installation.control.stats import RateLimitedLog
from installation.events import EventQueue
from installation.frame import FrameState
from installation.lighting.pump import Pump

log = logging.getLogger("installation.lighting")

Message = tuple[str, tuple[Any, ...]]


def desk_messages(prefix: str, frame: FrameState) -> dict[str, tuple[Any, ...]]:
    """What a desk receives for a frame, by address."""
    r, g, b = (round(float(c), 4) for c in frame.mood)
    return {
        f"{prefix}/light/mood": (r, g, b),
        f"{prefix}/light/access": (round(float(frame.access_share), 4),),
        f"{prefix}/light/scene": (frame.scene,),
    }


class DeskOscOutput:
    """A Service and a FrameOutput sending desk messages to each target."""

    def __init__(
        self,
        targets: Sequence[Address],
        prefix: str,
        *,
        rate: float = 30.0,
        delay: float = 0.0,
    ) -> None:
        self.targets = tuple(targets)
        self.prefix = prefix
        self._min_interval = 1.0 / rate
        self._delay = delay
        self._sent: dict[str, tuple[Any, ...]] = {}
        self._held: dict[str, tuple[Any, ...]] = {}
        self._last_time: dict[str, float] = {}
        self._transport = Transport(what="lighting: OSC to", logger=log)
        self._transport.problems = RateLimitedLog(log, interval=10.0)
        self._pump: Pump[Message] | None = None

    def start(
        self, events: EventQueue | None = None, now: Callable[[], float] | None = None
    ) -> None:
        if not self.targets:
            return
        self._pump = Pump("lighting-osc", self._deliver, delay=self._delay)
        self._pump.start()

    def send(self, frame: FrameState) -> None:
        """Once a frame: compare, rate-limit and queue; never blocks."""
        if self._pump is None:
            return
        for address, args in desk_messages(self.prefix, frame).items():
            if args != self._sent.get(address):
                self._held[address] = args
        for address in list(self._held):
            last = self._last_time.get(address)
            if last is not None and frame.time - last < self._min_interval:
                continue  # held: the latest value goes out once the interval has passed
            args = self._held.pop(address)
            self._sent[address], self._last_time[address] = args, frame.time
            self._pump.put((address, args))

    def stop(self) -> None:
        if self._pump is not None:
            for address, args in self._held.items():  # the show's last values reach the desk
                self._pump.put((address, args))
            self._held.clear()
            self._pump.stop()
            self._pump = None
        self._transport.close()

    def health(self) -> dict[str, Any]:
        """Protocol, targets and state for the health page; safe from any thread."""
        return {
            "protocol": "OSC",
            "target": ", ".join(f"{host}:{port}" for host, port in self.targets),
            **(
                self._transport.health.snapshot()
                if self._pump is not None
                else {"state": "off", "sent": 0, "failed": 0, "last_error": ""}
            ),
        }

    def _deliver(self, message: Message) -> None:
        data = encode(*message)
        for target in self.targets:
            self._transport.sendto(data, target)
