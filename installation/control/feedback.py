"""OSC feedback: what changed (at most `rate` times a second a parameter) and a status a second.

`send(frame)` runs on the frame loop's thread: it only compares, rate-limits and queues;
a thread of its own builds the datagrams and sends them. Feedback goes out from the
listening port, so a peer installation can tell it apart (see `ControlState`): a change is
never sent back to the peer it came from, and two installations pointing at each other
settle after one message instead of echoing for ever.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import queue
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder

from installation.control.health_osc import health_values
from installation.control.routes import Namespace
from installation.control.state import ControlState, Origin
from installation.control.stats import OscCounters, RateLimitedLog, SendHealth, report_refusals
from installation.emotions import EMOTIONS, dominant
from installation.frame import FrameState
from installation.params import Catalogue, ParamValue

log = logging.getLogger("installation.osc")

Address = tuple[str, int]
# (address, args, targets): one OSC message to some of the targets.
Outgoing = tuple[str, tuple[Any, ...], tuple[Address, ...]]
HealthSource = Callable[[], Mapping[str, Any]]
_QUEUE_LIMIT = 4096
_UNREACHABLE_FROM_BOUND = {errno.EINVAL, errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}


class Transport:
    """Sends from the listening socket when it can, else from a socket of its own.

    A socket bound to 127.0.0.1 cannot reach another machine; those targets fall back to
    an unbound socket (a peer then cannot recognise our feedback, but it still arrives).
    """

    def __init__(
        self,
        primary: socket.socket | None = None,
        what: str = "OSC feedback to",
        logger: logging.Logger = log,
    ) -> None:
        self._primary = primary
        self._fallback: set[Address] = set()
        self._own: socket.socket | None = None
        self.problems = RateLimitedLog(logger)
        # A peer that is absent costs a line when it goes and one when it answers again.
        self.health = SendHealth(logger, what)

    def sendto(self, data: bytes, address: Address) -> None:
        """Send one datagram; never raises (an absent peer is noted in `health`)."""
        try:
            if self._primary is not None and address not in self._fallback:
                try:
                    self._primary.sendto(data, address)
                    self.health.ok()
                    return
                except OSError as exc:
                    if exc.errno not in _UNREACHABLE_FROM_BOUND:
                        raise
                    self._fallback.add(address)
            if self._own is None:
                family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
                self._own = socket.socket(family, socket.SOCK_DGRAM)
                self._own.setblocking(False)
                # Send-only, so it may hear "nobody listens" (the listening one must not).
                report_refusals(self._own)
            self._own.sendto(data, address)
            self.health.ok()
        except OSError as exc:
            self.health.error(f"{address[0]}:{address[1]}", exc)

    def close(self) -> None:
        if self._own is not None:
            self._own.close()


class FeedbackOutput:
    """A FrameOutput: queues feedback for each target in `osc.feedback`."""

    def __init__(
        self,
        targets: Sequence[Address],
        catalogue: Catalogue,
        namespace: Namespace,
        state: ControlState,
        counters: OscCounters,
        transport: Transport,
        rate: float = 30.0,
        status_interval: float = 1.0,
        health: HealthSource | None = None,
    ) -> None:
        self.targets = tuple(targets)
        # The health document (installation/supervise/health.py), read on this output's
        # thread once a status interval: the frame loop never waits for it.
        self.health = health
        self.catalogue = catalogue
        self.namespace = namespace
        self.state = state
        self.counters = counters
        self.transport = transport
        self.min_interval = 1.0 / rate
        self.status_interval = status_interval
        self.dropped = 0
        self._pending: dict[str, tuple[ParamValue, Origin]] = {}
        self._last_sent: dict[str, float] = {}
        self._last_status: float | None = None
        # The last status sent (empty until the first), for OSCQuery's VALUE.
        self.latest_status: dict[str, Any] = {}
        self._frames_since_status = 0
        self._queue: queue.Queue[Outgoing | _HealthDue | None] = queue.Queue(maxsize=_QUEUE_LIMIT)
        self._thread = threading.Thread(target=self._run, name="osc-feedback", daemon=True)

    def start(self) -> None:
        if self.targets:
            self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=1.0)
            self._thread.join(timeout=2.0)
        self.transport.close()

    def send(self, frame: FrameState) -> None:
        """Called every frame; never blocks."""
        self._pending.update(self.state.take_changes())
        if self.targets:
            self._send_changes(frame)
        # The status is kept with no target too: OSCQuery serves it as the nodes' VALUE.
        self._frames_since_status += 1
        if self._last_status is None:
            self._last_status = frame.time
        elif frame.time - self._last_status >= self.status_interval:
            fps = self._frames_since_status / (frame.time - self._last_status)
            status = status_values(frame, fps, self.state, self.counters)
            self.latest_status = status  # one assignment: OSCQuery's thread reads it whole
            if self.targets:
                for field, value in status.items():
                    address = self.namespace.status_address(field)
                    self._queue_message(address, (value,), self.targets)
                if self.health is not None:
                    self._queue_item(_HealthDue())
            self._last_status, self._frames_since_status = frame.time, 0

    def _send_changes(self, frame: FrameState) -> None:
        for name in list(self._pending):
            last = self._last_sent.get(name)
            if last is not None and frame.time - last < self.min_interval:
                continue  # held: the latest value goes out when the interval has passed
            value, origin = self._pending.pop(name)
            self._last_sent[name] = frame.time
            # Split horizon: the peer a change came from already has it.
            targets = tuple(t for t in self.targets if t != origin)
            if targets:
                self._queue_message(self.catalogue.get(name).address, (value,), targets)

    def _queue_message(
        self, address: str, args: tuple[Any, ...], targets: tuple[Address, ...]
    ) -> None:
        self._queue_item((address, args, targets))

    def _queue_item(self, item: Outgoing | _HealthDue) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1  # the network is slower than the show; never wait for it

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, _HealthDue):
                self._send_health()
                continue
            address, args, targets = item
            self._send(address, args, targets)

    def _send_health(self) -> None:
        """One message per health field to every target (see routes.HEALTH_FIELDS)."""
        assert self.health is not None
        try:
            values = health_values(self.health())
        except Exception as exc:  # a bug in a health part must not end the feedback
            self.transport.problems.warning("health", f"OSC health: {exc}")
            return
        for field, value in values.items():
            self._send(self.namespace.health_address(field), (value,), self.targets)

    def _send(self, address: str, args: tuple[Any, ...], targets: tuple[Address, ...]) -> None:
        try:
            data = encode(address, args)
        except Exception as exc:  # a value python-osc cannot encode: skip it, keep going
            self.transport.problems.warning("encode", f"OSC feedback {address}: {exc}")
            return
        for target in targets:
            self.transport.sendto(data, target)


class _HealthDue:
    """Queued once a status interval: the sender thread reads and sends the health."""


def encode(address: str, args: tuple[Any, ...]) -> bytes:
    """An OSC message with explicit types (a bool is T/F, never an int)."""
    builder = OscMessageBuilder(address)
    for arg in args:
        if isinstance(arg, bool):
            builder.add_arg(arg, "T" if arg else "F")
        elif isinstance(arg, int):
            builder.add_arg(arg, "i")
        elif isinstance(arg, float):
            builder.add_arg(arg, "f")
        else:
            builder.add_arg(str(arg), "s")
    return bytes(builder.build().dgram)


def room_emotion(frame: FrameState) -> str:
    """The room's dominant emotion, each face weighted by its glow; 'none' when empty."""
    weights = [0.0] * len(EMOTIONS)
    for face in frame.faces:
        weights[EMOTIONS.index(face.emotion)] += max(face.glow, 1e-3)
    return dominant(tuple(weights)) if any(weights) else "none"


def status_values(
    frame: FrameState, fps: float, state: ControlState, counters: OscCounters
) -> dict[str, Any]:
    """The once-a-second status, by field name (see routes.STATUS_FIELDS)."""
    return {
        "fps": round(fps, 2),
        "faces": len(frame.faces),
        "mean_smile": round(frame.mean_smile, 4),
        "emotion": room_emotion(frame),
        "scene": frame.scene,
        "camera": f"{frame.source} {frame.source_state}",
        "cue": state.cue[0],
        "received": counters.received,
        "applied": counters.applied,
        "rejected": counters.rejected_total,
    }
