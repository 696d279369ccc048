"""OSC control as one part of the show: a Service (receives on its own thread) and a
FrameOutput (hands held events over and sends feedback, once a frame).

`build_control` checks everything that can be checked before the show starts (addresses,
the cue list) so a mistake is one ConfigError; sockets open in `start`, where a taken port
is a warning, not the end of an unattended show.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from installation.config import OscSection, Settings, parse_host_port
from installation.control.allow import AllowList
from installation.control.cues import CueList, CuePlayer, load_cue_list, resolve_cue_path
from installation.control.dispatch import Dispatcher
from installation.control.feedback import FeedbackOutput, HealthSource, Transport
from installation.control.gate import EventGate
from installation.control.health_osc import health_values
from installation.control.mdns import Advertiser
from installation.control.oscquery import EXTENSIONS, OscQueryServer, build_tree
from installation.control.receiver import UdpReceiver, open_udp_socket
from installation.control.routes import Namespace, build_namespace
from installation.control.state import ControlState
from installation.control.stats import OscCounters
from installation.errors import ConfigError, MissingPartError
from installation.events import EventQueue
from installation.frame import FrameState
from installation.params import Catalogue, ParamValue

log = logging.getLogger("installation.osc")

Address = tuple[str, int]


@dataclass
class OscControl:
    """Everything OSC for one show; `start`/`stop` as a Service, `send` as a FrameOutput."""

    catalogue: Catalogue
    osc: OscSection
    initial: dict[str, ParamValue]
    feedback_targets: tuple[Address, ...] = ()
    cues: CueList | None = None
    go_guard: float = 0.25
    # Overrides osc.listen; tests and benchmarks use port 0 (any free port).
    listen_address: Address | None = None
    # The health document to send once a second below <prefix>/health.
    health_source: HealthSource | None = None
    namespace: Namespace = field(init=False)
    state: ControlState = field(init=False)
    counters: OscCounters = field(init=False, default_factory=OscCounters)
    receiver: UdpReceiver | None = field(init=False, default=None)
    feedback: FeedbackOutput | None = field(init=False, default=None)
    query: OscQueryServer | None = field(init=False, default=None)
    player: CuePlayer = field(init=False)
    _gate: EventGate | None = field(init=False, default=None)
    _advertiser: Advertiser | None = field(init=False, default=None)
    _sock: socket.socket | None = field(init=False, default=None)  # bound, not yet receiving
    _bind_tried: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.namespace = build_namespace(self.catalogue)
        self.state = ControlState(self.initial)
        self.player = CuePlayer(self.cues, self.go_guard)

    def bind(self) -> None:
        """Open the OSC port now, before the show starts: a taken port (another show still
        running) stops the start with a message, unless `osc.optional` lets it run without."""
        if self._bind_tried:
            return
        self._bind_tried = True
        host, port = self.listen_address or parse_host_port(self.osc.listen)
        try:
            self._sock = open_udp_socket(host, port)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if not self.osc.optional:
                raise MissingPartError(
                    f"osc.listen: cannot listen on {self.osc.listen} ({reason}); is another "
                    "show running? Stop it, choose another port with --set osc.listen=HOST:PORT, "
                    "or set osc.optional = true to run without OSC control"
                ) from None
            log.warning(
                "OSC: cannot listen on %s (%s); OSC control is off for this run (osc.optional)",
                self.osc.listen,
                reason,
            )

    def start(self, events: EventQueue, now: Callable[[], float]) -> None:
        self._gate = EventGate(events)
        host, _ = self.listen_address or parse_host_port(self.osc.listen)
        self.bind()  # at once if the show did not bind before
        sock, self._sock = self._sock, None
        if sock is not None:
            dispatcher = Dispatcher(
                self.catalogue,
                self.namespace,
                self.state,
                self._gate,
                self.player,
                self.counters,
                now,
                reply=self._reply,
            )
            allow = AllowList(self.osc.allow)
            if allow.only_this_machine and not _is_loopback(host):
                log.info(
                    "OSC: listening beyond this machine (%s), but osc.allow admits only "
                    "loopback: add each controller's address to osc.allow to let it steer",
                    self.osc.listen,
                )
            self.receiver = UdpReceiver(
                sock,
                allow,
                self.osc.max_datagram,
                self.counters,
                dispatcher.handle,
            )
            self.receiver.start()
            bound = self.receiver.address
            log.info(
                "OSC: listening on %s:%d (prefix %s)", bound[0], bound[1], self.catalogue.prefix
            )
        self.feedback = FeedbackOutput(
            self.feedback_targets,
            self.catalogue,
            self.namespace,
            self.state,
            self.counters,
            _transport(self.receiver),
            rate=self.osc.feedback_rate,
            status_interval=self.osc.status_interval,
            health=self.health_source,
        )
        self.feedback.start()
        self._start_query()
        if self.osc.advertise and self.receiver is not None:
            self._advertiser = Advertiser(
                self.osc.name,
                host,
                self.receiver.address[1],
                self.query.port if self.query else None,
            )
            self._advertiser.start()

    def stop(self) -> None:
        if self._sock is not None:  # bound, never started
            self._sock.close()
            self._sock = None
        for part in (self._advertiser, self.query, self.feedback, self.receiver):
            if part is not None:
                part.stop()

    def send(self, frame: FrameState) -> None:
        """Once a frame, on the frame loop's thread: never blocks."""
        self.frame_done()
        if self.feedback is not None:
            self.feedback.send(frame)

    def health(self) -> dict[str, Any]:
        """OSC counters and feedback for the health page; safe from any thread."""
        counts = self.counters.snapshot()
        rejected = cast(dict[str, int], counts["rejected"])
        receiver = self.receiver
        feedback = self.feedback
        listening = ""
        if receiver is not None:
            with contextlib.suppress(OSError):  # closed by stop()
                host, port = receiver.address
                listening = f"{host}:{port}"
        return {
            "listening": listening,
            "received": counts["received"],
            "messages": counts["messages"],
            "applied": counts["applied"],
            "rejected": rejected,
            "rejected_total": sum(rejected.values()),
            "feedback": {
                "targets": [f"{host}:{port}" for host, port in self.feedback_targets],
                "dropped": 0 if feedback is None else feedback.dropped,
                **(
                    {"state": "off"}
                    if feedback is None or not self.feedback_targets
                    else feedback.transport.health.snapshot()
                ),
            },
        }

    def adopt(self, values: Mapping[str, ParamValue]) -> None:
        """Targets set outside OSC (a config reload): OSCQuery shows them and feedback sends
        them to every target (no sender is recorded, so none is skipped)."""
        for name, value in values.items():
            self.state.set(name, value, None)

    def frame_done(self) -> None:
        """The frame loop has drained the event queue (see EventGate)."""
        if self._gate is not None:
            self._gate.frame_done()

    def _reply(self, data: bytes, address: Address) -> None:
        if self.receiver is not None:
            self.receiver.sendto(data, address)

    def _start_query(self) -> None:
        if not self.osc.query:
            return
        try:
            self.query = OscQueryServer(
                parse_host_port(self.osc.query), self._tree, self._host_info
            )
        except OSError as exc:
            log.warning(
                "OSCQuery: cannot serve on %s (%s); not served", self.osc.query, exc.strerror or exc
            )
            return
        self.query.start()
        log.info("OSCQuery: http://%s/", self.osc.query)

    def _tree(self) -> dict[str, Any]:
        status = self.feedback.latest_status if self.feedback is not None else None
        health = None
        if self.health_source is not None:
            try:
                health = health_values(self.health_source())
            except Exception:  # a broken health part costs its VALUEs, never the namespace
                log.debug("health for OSCQuery failed", exc_info=True)
        return build_tree(
            self.catalogue, self.namespace, self.state.targets(), self.osc.name, status, health
        )

    def _host_info(self) -> dict[str, Any]:
        host, port = parse_host_port(self.osc.listen)
        if self.receiver is not None:
            port = self.receiver.address[1]
        info: dict[str, Any] = {
            "NAME": self.osc.name,
            "OSC_IP": host,
            "OSC_PORT": port,
            "OSC_TRANSPORT": "UDP",
            "EXTENSIONS": EXTENSIONS,
        }
        if host in ("0.0.0.0", "::", ""):
            # Listening everywhere is no address to send to: without OSC_IP, a client uses
            # the address it reached OSCQuery on (the proposal's default), which is ours.
            del info["OSC_IP"]
        return info


def build_control(
    catalogue: Catalogue, settings: Settings, health: HealthSource | None = None
) -> OscControl:
    """OSC control from the validated config; ConfigError for an unusable target or cue list.

    `health` gives the health document sent once a second below <prefix>/health."""
    config = settings.config
    cues = None
    if config.cues.file:
        cues = load_cue_list(resolve_cue_path(config.cues.file), catalogue)
    targets = tuple(_resolve(text, "osc.feedback") for text in config.osc.feedback)
    return OscControl(
        catalogue,
        config.osc,
        dict(settings.params),
        feedback_targets=targets,
        cues=cues,
        go_guard=config.cues.go_guard,
        health_source=health,
    )


def _resolve(text: str, key: str) -> Address:
    """'localhost:9001' -> ('127.0.0.1', 9001): senders are compared by address."""
    host, port = parse_host_port(text)
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    except OSError as exc:
        raise ConfigError(f"{key}: cannot resolve {text!r}: {exc.strerror or exc}") from None
    address = info[4]
    return str(address[0]), int(address[1])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may reach the network


def _transport(receiver: UdpReceiver | None) -> Transport:
    return Transport(receiver.sock if receiver is not None else None)
