"""Answering Art-Net's ArtPoll, so desks and node lists see the show (Art-Net 4, "ArtPoll").

Controllers broadcast ArtPoll (OpCode 0x2000) every few seconds; every device answers with
an ArtPollReply (OpCode 0x2100) per group of ports, here one per patched universe (its
BindIndex), each describing one DMX input port: the show puts DMX onto the network. The
reply goes to the address the poll came from (a controller polls from port 6454, so this is
the spec's "unicast to the controller on 0x1936"). Another Art-Net program on this machine
(OLA, say) keeps its unicast traffic: the show then hears broadcast polls only. A port it
cannot listen on at all costs the discovery, one warning, never the DMX output.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import struct

from installation import __version__
from installation.lighting.interface import directed_broadcast, local_ipv4

log = logging.getLogger("installation.lighting")

ID = b"Art-Net\x00"
OP_POLL = 0x2000
OP_POLL_REPLY = 0x2100
PROTOCOL_VERSION = 14
REPLY_SIZE = 239  # Art-Net 4's ArtPollReply, padded with its trailing filler
OEM_UNKNOWN = 0x00FF
ESTA_PROTOTYPE = 0x7FF0  # ESTA's range for prototypes and experimental devices
STYLE_MEDIA = 0x02  # "A media server": the show makes the light from its picture
PORT_INPUT_DMX = 0x40  # bit 6: can input onto the Art-Net network; low bits 0: DMX512
GOOD_INPUT_DATA = 0x80  # bit 7: data received (the show is sending)
STATUS1 = 0xD0  # indicators normal (11); port-addresses set by the node's own config (01)
STATUS2 = 0x08  # bit 3: 15-bit Port-Addresses (Art-Net 3 and 4)
_MAX_POLLS_A_TICK = 16  # a flood of polls costs a bounded amount of work per tick


def is_poll(data: bytes) -> bool:
    """An ArtPoll of protocol version 14 or later."""
    if len(data) < 12 or data[:8] != ID:
        return False
    (opcode,) = struct.unpack_from("<H", data, 8)
    (version,) = struct.unpack_from(">H", data, 10)
    return bool(opcode == OP_POLL and version >= PROTOCOL_VERSION)


def poll_reply(universe: int, index: int, name: str, ip: str, port: int) -> bytes:
    """The ArtPollReply for one universe (15-bit Port-Address) as BindIndex `index`."""
    net, sub, low = (universe >> 8) & 0x7F, (universe >> 4) & 0x0F, universe & 0x0F
    short = name.encode("ascii", "replace")[:17]
    long = f"{name} (Nova Sanctuary {__version__})".encode("ascii", "replace")[:63]
    report = b"#0001 [0001] sending DMX"
    major, minor = (int(part) for part in [*re.findall(r"\d+", __version__), "0", "0"][:2])
    packet = bytearray(REPLY_SIZE)
    packet[0:8] = ID
    struct.pack_into("<H", packet, 8, OP_POLL_REPLY)
    packet[10:14] = socket.inet_aton(ip)
    struct.pack_into("<H", packet, 14, port)
    packet[16], packet[17] = major & 0xFF, minor & 0xFF  # VersInfoH, VersInfoL
    packet[18], packet[19] = net, sub  # NetSwitch, SubSwitch
    struct.pack_into(">H", packet, 20, OEM_UNKNOWN)
    packet[22] = 0  # UBEA version: none
    packet[23] = STATUS1
    struct.pack_into("<H", packet, 24, ESTA_PROTOTYPE)  # EstaManLo, EstaManHi
    packet[26 : 26 + len(short)] = short
    packet[44 : 44 + len(long)] = long
    packet[108 : 108 + len(report)] = report
    struct.pack_into(">H", packet, 172, 1)  # NumPorts
    packet[174] = PORT_INPUT_DMX  # PortTypes[0]
    packet[178] = GOOD_INPUT_DATA  # GoodInput[0]
    packet[186] = low  # SwIn[0]
    packet[200] = STYLE_MEDIA
    packet[207:211] = socket.inet_aton(ip)  # BindIp
    packet[211] = index  # BindIndex
    packet[212] = STATUS2
    return bytes(packet)


class PollResponder:
    """Listens on the Art-Net port for ArtPoll and answers for each universe.

    Alone on the port, it listens on every address (unicast polls too). Where another
    Art-Net program here holds the port (OLA driving a DMX dongle, say), it listens only on
    the broadcast addresses, where controllers poll: on Linux a unicast datagram goes to one
    socket of those sharing a port, and the show would take the ArtDmx meant for that
    program, its own included.
    """

    def __init__(
        self, universes: tuple[int, ...], name: str, port: int, interface: str = ""
    ) -> None:
        self.universes = universes
        self.name = name
        self.port = port
        self.answered = 0
        self.shared = False  # another program holds the port: broadcast polls only
        self._listeners: list[socket.socket] = []
        self._replier: socket.socket | None = None
        if _port_is_free(port):
            addresses = [""]
        else:
            self.shared = True
            addresses = _broadcast_addresses(interface)
        try:
            for address in addresses:
                self._listeners.append(_shared_listener(address, port))
            if self.shared:
                # From a port of its own: a socket bound to a broadcast address cannot send.
                self._replier = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._replier.bind((interface, 0))
            else:
                self._replier = self._listeners[0]
        except OSError as exc:
            self.close()
            log.warning(
                "lighting: cannot listen for ArtPoll on UDP %d (%s); desks will not list "
                "the show, DMX still goes out",
                port,
                exc.strerror or exc,
            )
            return
        if self.shared:
            log.info(
                "lighting: another Art-Net program here listens on UDP %d; the show answers "
                "broadcast ArtPolls only (on %s) and leaves unicast Art-Net to it",
                port,
                ", ".join(addresses),
            )

    @property
    def listening(self) -> bool:
        return bool(self._listeners)

    def answer(self) -> None:
        """Reply to the polls waiting (a few per call and listener); never blocks."""
        for listener in self._listeners:
            self._answer_from(listener)

    def _answer_from(self, listener: socket.socket) -> None:
        for _ in range(_MAX_POLLS_A_TICK):
            try:
                data, sender = listener.recvfrom(1024)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # an ICMP error from an earlier reply: nothing to read
            if not is_poll(data):
                continue  # ArtDmx from others, our own broadcast: not for us to answer
            if not self._reply(sender):
                return
            self.answered += 1

    def _reply(self, sender: tuple[str, int]) -> bool:
        if self._replier is None:
            return False
        ip = _local_ip_towards(sender[0])
        for index, universe in enumerate(self.universes, start=1):
            reply = poll_reply(universe, index, self.name, ip, self.port)
            try:
                self._replier.sendto(reply, sender)
            except OSError:
                return False
        return True

    def close(self) -> None:
        for sock in {*self._listeners, *([self._replier] if self._replier else [])}:
            sock.close()
        self._listeners, self._replier = [], None


def _port_is_free(port: int) -> bool:
    """True when no program here has UDP `port` bound (an exclusive bind would succeed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("", port))
        except OSError:
            return False
    return True


def _shared_listener(address: str, port: int) -> socket.socket:
    """A non-blocking socket on `address`:`port` that other Art-Net programs may share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _broadcast_addresses(interface: str) -> list[str]:
    """Where controllers' polls arrive: the limited broadcast and each network's own (only
    the lighting network's when `lighting.interface` names it)."""
    networks = local_ipv4()
    if interface:
        networks = {interface: networks.get(interface, 32)}
    directed = {
        directed_broadcast(ip, prefix)
        for ip, prefix in networks.items()
        if prefix < 31 and not ipaddress.IPv4Address(ip).is_loopback
    }
    return ["255.255.255.255", *sorted(directed)]


def _local_ip_towards(host: str) -> str:
    """The address of ours that `host` reaches us on (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((host, 9))
            return str(probe.getsockname()[0])
        except OSError:
            return "0.0.0.0"
