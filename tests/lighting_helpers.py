"""Real UDP receivers for the lighting tests: sACN (parsed by the sacn library) and Art-Net."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sacn.messages.data_packet import DataPacket

from installation.frame import FaceTable, FrameState
from installation.lighting.transport import SACN_OPENING_BURST
from tests.polling import poll_until


@dataclass(frozen=True)
class Dmx:
    """One received DMX packet."""

    at: float  # time.monotonic() on arrival
    universe: int
    data: bytes  # 512 channels
    terminated: bool = False
    sequence: int = -1  # sACN's sequence number; Art-Net's (0: not used)
    protocol: str = ""  # "sacn" or "artnet"


def after_opening(packets: list[Dmx]) -> list[Dmx]:
    """One universe's sACN packets without the repeats of the opening burst (its last stays).

    A show opens each sACN universe with its first look sent SACN_OPENING_BURST times in a
    row (transport.py); tests of pacing and order read the stream after it. Repeats still on
    their way are dropped too, so a wait on the length never ends inside the burst.
    """
    if not packets or packets[0].protocol != "sacn":
        return packets
    first = packets[0]
    repeats = 0
    for p in packets[1:SACN_OPENING_BURST]:
        if p.data != first.data or p.sequence != (first.sequence + repeats + 1) % 256:
            break
        repeats += 1
    return packets[repeats:] if repeats == SACN_OPENING_BURST - 1 else []


class Capture:
    """A receiver on 127.0.0.1 and a free port, recording every datagram with its arrival."""

    def __init__(self, parse: Callable[[bytes], Dmx | None] | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.raw: list[tuple[float, bytes]] = []
        self._parse = parse
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._running:
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.raw.append((time.monotonic(), data))

    def packets(self, universe: int | None = None) -> list[Dmx]:
        assert self._parse is not None
        with self._lock:
            raw = list(self.raw)
        parsed = [self._parse_at(at, data) for at, data in raw]
        return [p for p in parsed if p is not None and universe in (None, p.universe)]

    def _parse_at(self, at: float, data: bytes) -> Dmx | None:
        assert self._parse is not None
        packet = self._parse(data)
        if packet is None:
            return None
        return Dmx(
            at, packet.universe, packet.data, packet.terminated, packet.sequence, packet.protocol
        )

    def wait_for(self, check: Callable[[], bool], timeout: float = 5.0) -> bool:
        return poll_until(check, timeout)

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=1.0)
        self.sock.close()


def parse_sacn(data: bytes) -> Dmx | None:
    try:
        packet = DataPacket.make_data_packet(list(data))
    except (TypeError, ValueError):
        return None  # not a data packet (e.g. universe discovery)
    dmx = bytes(packet.dmxData) + bytes(512 - len(packet.dmxData))
    terminated = bool(packet.option_StreamTerminated)
    return Dmx(0.0, packet.universe, dmx, terminated, packet.sequence, "sacn")


def parse_artnet(data: bytes) -> Dmx | None:
    # ArtDmx: "Art-Net\0", opcode 0x5000 (little-endian), version, sequence, physical,
    # port-address (little-endian), length (big-endian), data.
    if data[:8] != b"Art-Net\x00" or struct.unpack("<H", data[8:10])[0] != 0x5000:
        return None
    universe = struct.unpack("<H", data[14:16])[0]
    length = struct.unpack(">H", data[16:18])[0]
    dmx = data[18 : 18 + length]
    return Dmx(0.0, universe, dmx + bytes(512 - len(dmx)), sequence=data[12], protocol="artnet")


def frame(
    mood: tuple[float, float, float] = (0.2, 0.4, 0.6),
    *,
    time_: float = 0.0,
    faces: FaceTable | None = None,
    scene: str = "sanctuary",
    params: dict[str, object] | None = None,
    access_share: float = 1.0,
) -> FrameState:
    """A frame state with just what the lighting reads."""
    values: dict[str, object] = {"master.brightness": 1.0, "master.blackout": False}
    values.update(params or {})
    return FrameState(
        time=time_,
        scene_time=time_,
        frame=0,
        scene=scene,
        params=values,  # type: ignore[arg-type]
        faces=faces if faces is not None else FaceTable.empty(),
        mood=mood,
        mean_smile=0.0,
        source="sim",
        source_state="ok",
        access_share=access_share,
    )


def expected_rgb(colour: tuple[float, float, float], gamma: float = 2.2) -> list[int]:
    """The demo wash's channels for a colour, written out independently of dmx.py."""
    return [round(255 * min(max(c, 0.0), 1.0) ** gamma) for c in colour]
