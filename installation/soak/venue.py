"""The venue closing and opening as a soak fault: a month of gallery days in a few minutes.

Each closing releases the camera and each opening opens it again (installation/schedule/);
done hundreds of times, a descriptor, a thread or a capture buffer kept per opening shows.
"""

from __future__ import annotations

import socket

from pythonosc.osc_message_builder import OscMessageBuilder

from installation.frame import FrameState
from installation.params import Catalogue

VENUE_PARAM = "venue.open"
# The soak's fade (params.venue.fade, run.py): short, so a closing releases the camera
# well inside the fault's 6 s.
FADE_SECONDS = 1.0
_RESEND_EVERY = 0.5  # seconds: UDP may drop a datagram, a controller sends again


def _venue_message(address: str, is_open: bool) -> bytes:
    builder = OscMessageBuilder(address)
    builder.add_arg(is_open)
    return bytes(builder.build().dgram)


class VenueFault:
    """Closes the venue over OSC (the camera must be released), then opens it again (the
    camera must be watching and the light fully back)."""

    kind = "venue"

    def __init__(self, catalogue: Catalogue, port: int) -> None:
        self.address = ("127.0.0.1", port)
        self.osc_address = catalogue.get(VENUE_PARAM).address
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._wanted = True
        self._last_send = 0.0

    def begin(self, frame: FrameState) -> None:
        self._send(False, frame.time)

    def during(self, frame: FrameState) -> bool:
        if bool(frame.params[VENUE_PARAM]) != self._wanted:
            self._resend(frame.time)
        return frame.source_state == "stopped"  # released

    def end(self, frame: FrameState) -> None:
        self._send(True, frame.time)

    def recovered(self, frame: FrameState) -> bool:
        if bool(frame.params[VENUE_PARAM]) != self._wanted:
            self._resend(frame.time)
            return False
        return frame.source_state == "running" and frame.house >= 1.0

    def close(self) -> None:
        self._sock.close()

    def _send(self, is_open: bool, time: float) -> None:
        self._wanted = is_open
        self._sock.sendto(_venue_message(self.osc_address, is_open), self.address)
        self._last_send = time

    def _resend(self, time: float) -> None:
        if time - self._last_send >= _RESEND_EVERY:
            self._send(self._wanted, time)
