"""The UDP receive loop: our own, so no packet can stall it, crash it or make it sleep.

Order per datagram: count it, drop it if the sender is not allowed (before parsing), drop
it if too big, parse it (bundles unpacked, time tags ignored), hand each message to the
handler with errors isolated. Every drop is counted by reason; log lines are rate-limited.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

from installation.control.allow import AllowList
from installation.control.datagram import Malformed, Message, parse_datagram
from installation.control.stats import OscCounters, RateLimitedLog

log = logging.getLogger("installation.osc")

Address = tuple[str, int]
Handler = Callable[[Message, Address], None]

# Larger than any UDP datagram (65,507 bytes over IPv4), so none is silently truncated.
_BUFFER = 65_536
# Room for a burst while the thread waits for the interpreter (the kernel may cap it).
RECEIVE_BUFFER = 4 * 1024 * 1024


def open_udp_socket(host: str, port: int) -> socket.socket:
    """A UDP socket bound to host:port (IPv4 or IPv6); OSError when that is impossible."""
    family, _, _, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.bind(sockaddr)
    except OSError:
        sock.close()
        raise
    # Blocking with no timeout: one system call per datagram (a timeout adds a poll() to
    # each); `UdpReceiver.stop` wakes the loop with a datagram of its own.
    sock.settimeout(None)
    return sock


class UdpReceiver:
    """Receives on its own thread and calls `handler` for each valid message."""

    def __init__(
        self,
        sock: socket.socket,
        allow: AllowList,
        max_datagram: int,
        counters: OscCounters,
        handler: Handler,
        problems: RateLimitedLog | None = None,
    ) -> None:
        self.sock = sock
        self.allow = allow
        self.max_datagram = max_datagram
        self.counters = counters
        self.handler = handler
        self.problems = problems or RateLimitedLog(log)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="osc-receiver", daemon=True)

    @property
    def address(self) -> Address:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._wake()
            self._thread.join(timeout=2.0)
        self.sock.close()

    def _wake(self) -> None:
        """Send the blocked loop an empty datagram so it sees the stop flag."""
        host, port = self.address
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1" if host == "0.0.0.0" else "::1"
        try:
            with socket.socket(self.sock.family, socket.SOCK_DGRAM) as waker:
                waker.sendto(b"", (host, port))
        except OSError as exc:  # cannot happen on a working loopback; the join times out
            log.debug("OSC: could not wake the receiver: %s", exc)

    def sendto(self, data: bytes, address: Address) -> None:
        """Send from the listening port (replies and feedback); errors are logged, not raised."""
        try:
            self.sock.sendto(data, address)
        except OSError as exc:
            self.problems.warning("send", f"OSC: cannot send to {address[0]}:{address[1]}: {exc}")

    def _run(self) -> None:
        buffer = bytearray(_BUFFER)
        view = memoryview(buffer)
        while not self._stop.is_set():
            try:
                size, sender = self.sock.recvfrom_into(buffer)
            except OSError as exc:
                if self._stop.is_set():
                    return
                # e.g. an ICMP "port unreachable" for an earlier reply; the socket still works.
                self.problems.warning("socket", f"OSC receive: {exc}")
                continue
            if self._stop.is_set():
                return
            self.receive(view[:size], (str(sender[0]), int(sender[1])))

    def receive(self, data: bytes | memoryview, sender: Address) -> None:
        """Everything done with one datagram; public so tests can drive it without a socket.

        `data` may be a view of the receive buffer: it is copied only once it has passed
        the sender and size checks, so a flood of 64 KiB datagrams costs no copies.
        """
        self.counters.count_received()
        if not self.allow.allows(sender[0]):
            self._refuse("not_allowed", f"OSC from {sender[0]} refused: not in osc.allow")
            return
        if len(data) > self.max_datagram:
            self._refuse(
                "too_big",
                f"OSC from {sender[0]}: {len(data)}-byte datagram refused "
                f"(osc.max_datagram is {self.max_datagram})",
            )
            return
        try:
            parsed = parse_datagram(bytes(data))
        except Malformed as exc:
            self._refuse(exc.reason, f"OSC from {sender[0]}: malformed datagram: {exc}")
            return
        for refused in parsed.refused:  # refused alone; the bundle's other messages apply
            self._refuse(refused.reason, f"OSC from {sender[0]}: malformed message: {refused}")
        for message in parsed.messages:
            try:
                self.handler(message, sender)
            except Exception:  # a bug in a handler must not end the show; it is counted
                self.counters.reject("handler_error")
                if self.problems.warning(
                    "handler_error", f"OSC handler failed on {message.address[:80]!r}"
                ):
                    log.debug("handler error", exc_info=True)

    def _refuse(self, reason: str, message: str) -> None:
        self.counters.reject(reason)
        self.problems.warning(reason, message)
