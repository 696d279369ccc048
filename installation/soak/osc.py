"""OSC during a soak: steady valid traffic from a thread, and bursts of garbage as a fault."""

from __future__ import annotations

import itertools
import random
import socket
import threading
from collections.abc import Iterator

from installation.bench.malformed import float_message, malformed
from installation.frame import FrameState
from installation.params import Catalogue

# The traffic moves these; the garbage fault checks another one, the config reload a third.
TRAFFIC_PARAMS = ("sea.drift", "glow.intensity")
GARBAGE_CHECK_PARAM = "glow.resting"
_TOLERANCE = 0.01  # smoothed values settle within this of their target
_RESEND_EVERY = 0.5  # seconds: UDP may drop a datagram, a controller sends again


class OscTraffic:
    """Sends valid parameter changes `rate` times a second to the show, on its own thread."""

    def __init__(self, catalogue: Catalogue, port: int, rate: float = 5.0, seed: int = 1) -> None:
        self.params = [catalogue.get(name) for name in TRAFFIC_PARAMS]
        self.address = ("127.0.0.1", port)
        self.rate = rate
        self.sent = 0
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="soak-osc-traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    def _run(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            while not self._stop.wait(1.0 / self.rate):
                param = self.params[self.sent % len(self.params)]
                low, high = param.min or 0.0, param.max or 1.0
                value = self._rng.uniform(low, low + (high - low) * 0.6)
                sock.sendto(float_message(param.address, value), self.address)
                self.sent += 1


class GarbageOscFault:
    """Malformed datagrams for the whole fault; then one valid change must still apply."""

    kind = "osc_garbage"

    def __init__(self, catalogue: Catalogue, port: int, burst: int = 200, per_frame: int = 4):
        self.address = ("127.0.0.1", port)
        self.param = catalogue.get(GARBAGE_CHECK_PARAM)
        self.burst = burst
        self.per_frame = per_frame
        self.sent = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._seed = 0
        # Made one at a time: a list of them (some are 64 KB) would weigh on the memory fit.
        self._datagrams: Iterator[tuple[str, bytes]] = iter(())
        self._value = 0.0
        self._last_send = 0.0

    def begin(self, frame: FrameState) -> None:
        self._seed += 1
        self._datagrams = malformed(1_000_000, seed=self._seed)
        self._send_garbage(self.burst)

    def during(self, frame: FrameState) -> bool:
        self._send_garbage(self.per_frame)
        return self.sent > 0

    def end(self, frame: FrameState) -> None:
        current = float(frame.params[self.param.name])
        self._value = 0.6 if current < 0.4 else 0.2  # far from where it is, inside its range
        self._send_valid(frame.time)

    def recovered(self, frame: FrameState) -> bool:
        if abs(float(frame.params[self.param.name]) - self._value) < _TOLERANCE:
            return True
        if frame.time - self._last_send >= _RESEND_EVERY:
            self._send_valid(frame.time)
        return False

    def close(self) -> None:
        self._sock.close()

    def _send_valid(self, time: float) -> None:
        self._sock.sendto(float_message(self.param.address, self._value), self.address)
        self._last_send = time

    def _send_garbage(self, count: int) -> None:
        for _, datagram in itertools.islice(self._datagrams, count):
            try:
                self._sock.sendto(datagram, self.address)
            except OSError:
                continue  # a datagram too large for this system's UDP is garbage too
            self.sent += 1
