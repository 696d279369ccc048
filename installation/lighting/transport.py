"""DMX transports: sACN (E1.31, the `sacn` package) and Art-Net (`stupidArtnet`).

Both libraries build every packet. Neither library's own sending thread is used: the
lighting output's pump drives them, so one thread owns pacing (at most `rate` sends a
second while values change, a keep-alive every second while they don't) and the delay.
A receiver that is gone costs a log line when it goes and one when it is back, never an
exception; `health` says which (sending, receiver vanished, waiting).
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from typing import Any, Protocol

from sacn import sACNsender
from sacn.sending.sender_socket_udp import SenderSocketUDP
from stupidArtnet import StupidArtnet

from installation.control.stats import SendHealth, report_refusals
from installation.lighting.artpoll import PollResponder
from installation.lighting.interface import check_interface, directed_broadcast

log = logging.getLogger("installation.lighting")

SACN_PORT = 5568
ARTNET_PORT = 6454
KEEP_ALIVE = 1.0  # seconds between sends of unchanged values
# E1.31 6.7.2: a receiver discards a packet whose sequence number is 0 to 19 behind the
# last one it took from that source. A show that restarts keeps its CID (identity.py) and
# cannot know where its last run stopped, so it opens each universe with its first look
# sent this many times: 21 consecutive numbers cannot all fall in a 20-number window, so
# whatever a receiver remembers, it takes the stream from the first tick on.
SACN_OPENING_BURST = 21


class DmxTransport(Protocol):
    """Sends universes; `tick` is called by the pump at most `rate` times a second."""

    health: SendHealth

    def write(self, universe: int, data: bytes) -> None:
        """New values for a universe; they go out at the next tick."""
        ...

    def tick(self) -> bool:
        """Send what changed, and keep-alives for what didn't in a second; True if it sent."""
        ...

    def close(self, on_exit: str) -> None:
        """'terminate', 'blackout' or 'hold' the receivers, then close the socket."""
        ...


class _PacedSocket(SenderSocketUDP):  # type: ignore[misc]
    """The sacn library's UDP socket, with a chosen destination port and no thread of its own.

    The library's socket sends to port 5568 always and runs a sending thread; this one
    sends to `port` (tests listen on a free one) and the pump ticks the library instead.
    """

    def __init__(self, port: int, health: SendHealth, interface: str = "") -> None:
        # Port 0: an ephemeral source port, so a receiver on this machine keeps 5568.
        # Bound to the lighting network's address, unicast leaves from it.
        super().__init__(None, interface or "0.0.0.0", 0, 44)
        self.port = port
        self.health = health
        if interface:  # and multicast goes out on that interface, not the default route's
            self._socket.setsockopt(
                socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface)
            )
        report_refusals(self._socket)

    def start(self) -> None:  # the pump ticks the sender; no thread here
        pass

    def stop(self) -> None:
        self._socket.close()

    def send_packet(self, data: bytearray, destination: str) -> None:
        try:
            self._socket.sendto(bytes(data), (destination, self.port))
            self.health.ok()
        except OSError as exc:
            self.health.error(f"{destination}:{self.port}", exc)


class SacnTransport:
    """E1.31 to one host (unicast) or to each universe's multicast group."""

    def __init__(
        self,
        universes: tuple[int, ...],
        target: str,
        port: int = SACN_PORT,
        priority: int = 100,
        source_name: str = "Nova Sanctuary",
        cid: uuid.UUID | None = None,  # None: a random one (tests); shows pass a stable one
        interface: str = "",  # this machine's address on the lighting network ("": any)
    ) -> None:
        self.health = SendHealth(log, "lighting: sACN to")
        self._socket = _PacedSocket(port, self.health, interface)
        multicast = target == "multicast"
        self._sender = sACNsender(
            # E1.31 allows 64 bytes of UTF-8 (with its NUL) for the name.
            source_name=source_name.encode("utf-8")[:63].decode("utf-8", "ignore"),
            cid=tuple(cid.bytes) if cid is not None else (),
            fps=44,
            # Discovery is broadcast: only where the rig is multicast anyway.
            universeDiscovery=multicast,
            socket=self._socket,
        )
        # The library's pacing logic (send on change, keep-alive each second, discovery)
        # lives in its handler's periodic callback; the pump calls it instead of its thread.
        self._handler: Any = self._sender._sender_handler
        self._universes = set(universes)
        self._opening: set[int] = set()  # activated, its opening burst not sent yet
        self._multicast = multicast
        self._target = target
        self._priority = priority

    def write(self, universe: int, data: bytes) -> None:
        if universe not in self._universes:
            return
        output = self._sender[universe]
        if output is None:
            # Activated on its first values: the library would send black until then.
            self._sender.activate_output(universe)
            output = self._sender[universe]
            output.multicast = self._multicast
            if not self._multicast:
                output.destination = self._target
            output.priority = self._priority
            self._opening.add(universe)
        if tuple(data) != output.dmx_data:
            output.dmx_data = tuple(data)  # marks it changed: sent at the next tick

    def tick(self) -> bool:
        outputs = [self._sender[u] for u in self._sender.get_active_outputs()]
        before = [o._last_time_send for o in outputs]
        now = time.time()
        for universe in self._opening:
            # The periodic callback below sends the last of the burst.
            for _ in range(SACN_OPENING_BURST - 1):
                self._handler.send_out(self._sender[universe], now)
            self._sender[universe]._changed = True
        self._opening.clear()
        self._handler.on_periodic_callback(now)
        return before != [o._last_time_send for o in outputs]

    def close(self, on_exit: str) -> None:
        universes = self._sender.get_active_outputs()
        if on_exit == "blackout":
            # Three times: UDP may drop one, and receivers hold the last look they got.
            for _ in range(3):
                for universe in universes:
                    self._handler.send_out(self._blank(universe), time.time())
        elif on_exit == "terminate":
            for universe in universes:
                # Sends three packets with the stream-terminated bit (E1.31 6.2.6).
                self._sender.deactivate_output(universe)
        self._socket.stop()

    def _blank(self, universe: int) -> Any:
        output = self._sender[universe]
        output.dmx_data = (0,) * 512
        return output


class _QuietSocket:
    """Stands in for stupidArtnet's socket: errors go to `health` (a line per change).

    The library prints socket errors to stdout, where the show's status lines go.
    """

    def __init__(self, sock: socket.socket, health: SendHealth, target: str) -> None:
        self._sock = sock
        self._health = health
        self._target = target
        report_refusals(sock)

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        try:
            self._sock.sendto(data, address)
            self._health.ok()
        except OSError as exc:
            self._health.error(f"{self._target}:{address[1]}", exc)

    def close(self) -> None:
        self._sock.close()


class ArtnetTransport:
    """Art-Net ArtDMX to one host or broadcast, one library sender per universe."""

    def __init__(
        self,
        universes: tuple[int, ...],
        target: str,
        port: int = ARTNET_PORT,
        show_name: str = "Nova Sanctuary",
        interface: str = "",  # this machine's address on the lighting network ("": any)
    ) -> None:
        self.health = SendHealth(log, "lighting: Art-Net to")
        # Discovery: desks poll, the show answers (lighting/artpoll.py).
        self.polls = PollResponder(tuple(sorted(set(universes))), show_name, port, interface)
        broadcast = target == "broadcast"
        host = "255.255.255.255" if broadcast else target
        if broadcast and interface:
            # The lighting network's own broadcast address: 255.255.255.255 would leave on
            # the default route's interface.
            host = directed_broadcast(interface, check_interface(interface))
        self._senders: dict[int, StupidArtnet] = {}
        # Nothing goes out before the show's first values (no flash of black at start).
        self._data: dict[int, bytes | None] = {}
        self._changed: set[int] = set()
        self._last_sent: dict[int, float] = {}
        for universe in universes:
            sender = StupidArtnet(host, universe, 512, 44, True, broadcast, port=port)
            sock = sender.socket_client
            if interface:
                sock.bind((interface, 0))  # leave from the lighting network's address
            sender.socket_client = _QuietSocket(sock, self.health, host)
            self._senders[universe] = sender
            self._data[universe] = None

    def write(self, universe: int, data: bytes) -> None:
        if universe in self._senders and data != self._data[universe]:
            self._data[universe] = data
            self._changed.add(universe)

    def tick(self) -> bool:
        self.polls.answer()
        now = time.monotonic()
        sent = False
        for universe, sender in self._senders.items():
            data = self._data[universe]
            last = self._last_sent.get(universe)
            if data is None:
                continue
            if universe in self._changed or last is None or now - last >= KEEP_ALIVE:
                sender.set(bytearray(data))
                sender.show()
                self._last_sent[universe] = now
                sent = True
        self._changed.clear()
        return sent

    def close(self, on_exit: str) -> None:
        # Art-Net has no stream termination: "terminate" blacks out, as consoles do.
        if on_exit in ("blackout", "terminate"):
            for _ in range(3):
                for sender in self._senders.values():
                    sender.set(bytearray(512))
                    sender.show()
        for sender in self._senders.values():
            sender.close()
        self.polls.close()
