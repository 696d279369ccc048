"""A small HTTP server on its own thread (OSCQuery and the health page use it)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BackgroundHTTPServer:
    """Serves `handler` at `address` on a daemon thread; OSError when the port is taken."""

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], name: str
    ) -> None:
        self.httpd = ThreadingHTTPServer(address, handler)
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
