"""A small HTTP server on its own thread (OSCQuery and the health page use it)."""

from __future__ import annotations

import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietHTTPServer(ThreadingHTTPServer):
    """http.server's server without its name lookup at bind.

    The standard one asks `socket.getfqdn` for the bound address, which for "0.0.0.0" asks
    the network's name server about this machine: traffic the config never named (see the
    README's "Privacy"). Nothing here uses the name, so it is the address itself.
    """

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class BackgroundHTTPServer:
    """Serves `handler` at `address` on a daemon thread; OSError when the port is taken."""

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], name: str
    ) -> None:
        self.httpd = _QuietHTTPServer(address, handler)
        self.httpd.daemon_threads = True
        # A short poll interval so stop() returns promptly.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name=name, kwargs={"poll_interval": 0.2}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
            self._thread.join(timeout=2.0)
        self.httpd.server_close()
