"""Shared pieces for the supervise tests: a fake systemd notify socket and frames."""

from __future__ import annotations

import socket
import time

import numpy as np

from installation.frame import COLUMNS, FaceTable, FrameState


class FakeSystemd:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, address: str | bytes) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.05)
        self.messages: list[str] = []

    def collect(self, seconds: float = 0.0) -> list[str]:
        """Everything received so far (waiting up to `seconds` for more)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                if time.monotonic() >= deadline:
                    return self.messages

    def count(self, line: str) -> int:
        return sum(line in m.splitlines() for m in self.messages)

    def close(self) -> None:
        self.sock.close()


def frame(faces: int = 0, scene: str = "sanctuary", time_: float = 0.0) -> FrameState:
    return FrameState(
        time=time_,
        scene_time=time_,
        frame=0,
        scene=scene,
        params={},
        faces=FaceTable(np.zeros((faces, COLUMNS))),
        mood=(0.2, 0.4, 0.6),
        mean_smile=0.0,
        source="sim",
        source_state="running",
    )
