"""mDNS (Bonjour) advertising of the OSC and OSCQuery services, where the network allows.

Registration probes the network for a second or two, so it runs on its own thread; if it
fails (no multicast, a firewall) one line is logged and the show goes on undiscovered.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

log = logging.getLogger("installation.osc")


class Advertiser:
    """Advertises `_osc._udp` and `_oscjson._tcp` for one installation."""

    def __init__(self, name: str, host: str, osc_port: int, query_port: int | None) -> None:
        self.name = name
        self.host = host
        self.osc_port = osc_port
        self.query_port = query_port
        self._zeroconf: Any = None
        self._infos: list[Any] = []
        self._lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(target=self._register, name="mdns", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            zeroconf, infos = self._zeroconf, self._infos
            self._zeroconf, self._infos = None, []
        if zeroconf is None:
            return
        try:
            for info in infos:
                zeroconf.unregister_service(info)
            zeroconf.close()
        except Exception as exc:  # shutting down anyway; say so and go on
            log.debug("mDNS: unregistering failed: %s", exc)

    def _register(self) -> None:
        try:
            from zeroconf import InterfaceChoice, IPVersion, ServiceInfo, Zeroconf

            wildcard = self.host in ("0.0.0.0", "::", "")
            interfaces: Any = InterfaceChoice.All if wildcard else [self.host]
            version = IPVersion.V6Only if ":" in self.host else IPVersion.V4Only
            if wildcard:
                version = IPVersion.All
            zeroconf = Zeroconf(interfaces=interfaces, ip_version=version)
            server = socket.gethostname().split(".")[0] + ".local."
            hosts = _interface_addresses() if wildcard else [self.host]
            addresses = [socket.inet_pton(_family(h), h) for h in hosts]
            services = [("_osc._udp.local.", self.osc_port)]
            if self.query_port is not None:
                services.append(("_oscjson._tcp.local.", self.query_port))
            infos = [
                ServiceInfo(
                    kind,
                    f"{self.name}.{kind}",
                    port=port,
                    addresses=addresses,
                    server=server,
                    properties={"txtvers": "1"},
                )
                for kind, port in services
            ]
            with self._lock:
                if self._stopped:
                    zeroconf.close()
                    return
                self._zeroconf = zeroconf
            for info in infos:
                zeroconf.register_service(info, allow_name_change=True)
                with self._lock:
                    self._infos.append(info)
            log.info("mDNS: advertised %s (_osc._udp, _oscjson._tcp)", self.name)
        except Exception as exc:  # no multicast here: the show does not need it
            if self._stopped:
                return  # the show ended while registering; nothing to report
            log.warning(
                "mDNS: not advertised (%s: %s); clients can still connect by address",
                type(exc).__name__,
                exc,
            )


def _interface_addresses() -> list[str]:
    """Every IPv4 address of this machine but loopback (what a wildcard bind listens on)."""
    import ifaddr

    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return found or ["127.0.0.1"]


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
