"""A lighting receiver that disappears: a UDP socket that counts the show's sACN packets.

For the fault it is closed (the port refuses datagrams, as a node that was switched off),
then opened again on the same port; packets must arrive again.
"""

from __future__ import annotations

import socket
import threading

from installation.frame import FrameState


class DmxReceiver:
    """Counts datagrams on 127.0.0.1:`port` (0: a free port, kept for reopening)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.packets = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.settimeout(0.2)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="soak-dmx-receiver", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop receiving; the thread closes the socket within its 0.2 s timeout.

        Not joined here: this runs on the frame loop's thread, which must not wait.
        """
        self._sock = None
        self._thread = None

    def _run(self, sock: socket.socket) -> None:
        with sock:
            while self._sock is sock:
                try:
                    sock.recv(2048)
                except TimeoutError:
                    continue
                except OSError:
                    return
                self.packets += 1


class LightingFault:
    kind = "lighting"

    def __init__(self, receiver: DmxReceiver) -> None:
        self.receiver = receiver
        self._count = 0

    def begin(self, frame: FrameState) -> None:
        self.receiver.close()

    def during(self, frame: FrameState) -> bool:
        return not self.receiver.is_open

    def end(self, frame: FrameState) -> None:
        self.receiver.open()
        self._count = self.receiver.packets

    def recovered(self, frame: FrameState) -> bool:
        return self.receiver.packets > self._count
