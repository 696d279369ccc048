"""A small HTTP/1.1 server on one background thread (OSCQuery and the health page use it).

One asyncio event loop serves every connection and h11 parses the protocol, so a thousand
clients cost a thousand sockets' worth of memory, never a thousand threads. Each server
answers GET and HEAD through a plain function (`Handler`: a `Request` in, a `Response` out)
that runs on the loop's thread, so it must be quick and never block (both handlers read a
snapshot).

What a hostile or broken client can cost is bounded (`Limits`): a request must arrive whole
within a deadline (a client that sends one header line every few seconds is dropped), an
idle keep-alive connection is closed, and past a cap on open connections the oldest one that
has not yet asked anything is closed to admit the newcomer, so a monitoring check always gets
in. Resets, bad requests and running out of descriptors are one rate-limited log line each,
never a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import resource
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

import h11

from installation.control.stats import RateLimitedLog

log = logging.getLogger("installation.http")

# One line per kind of problem per this many seconds: an attack must not flood the journal.
LOG_INTERVAL_S = 30.0
_BODYLESS = (204, 304)
_TEXT = (("Content-Type", "text/plain"),)


@dataclass(frozen=True)
class Request:
    """What a handler sees: GET or HEAD (the server answers every other method itself)."""

    method: str
    path: str  # percent-decoded, e.g. "/nova/glow"
    query: str  # percent-decoded, without the "?", e.g. "VALUE"
    headers: Mapping[str, str]  # names in lower case


@dataclass(frozen=True)
class Response:
    """Status, body and extra headers; the server adds Content-Length (and drops the body
    for HEAD, keeping the length GET would have)."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[[Request], Response]


def default_max_connections() -> int:
    """A quarter of the descriptor limit, at most 256: far from EMFILE with two servers."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 256
    return max(8, min(256, soft // 4))


@dataclass(frozen=True)
class Limits:
    """What one client may cost. Timeouts count from when the server waits for a request."""

    head_timeout_s: float = 10.0  # the whole request (line, headers, any body), in total
    idle_timeout_s: float = 5.0  # keep-alive: the next request must start by then
    write_timeout_s: float = 10.0  # a client that does not read its answer
    max_connections: int = field(default_factory=default_max_connections)
    backlog: int = 256  # the kernel's queue of connections not yet accepted: holds a burst
    max_body_bytes: int = 16 * 1024  # GET and HEAD need none; a little is read and ignored
    max_head_bytes: int = 16 * 1024


class _Connection:
    """One client: its task, its transport, and whether it ever completed a request."""

    def __init__(self, key: int, writer: asyncio.StreamWriter) -> None:
        self.key = key
        self.writer = writer
        self.task = asyncio.current_task()
        self.answered = 0
        self.busy = False  # a request was read and its answer is being made or written
        peer = writer.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) else "a client"

    def drop(self) -> None:
        """Close at once (no lingering on unsent data) and end its task."""
        self.writer.transport.abort()
        if self.task is not None:
            self.task.cancel()


class BackgroundHTTPServer:
    """Serves `handler` at `address` on a daemon thread; OSError when the port is taken."""

    def __init__(
        self,
        address: tuple[str, int],
        handler: Handler,
        name: str,
        limits: Limits | None = None,
    ) -> None:
        self.name = name
        self.limits = limits or Limits()
        self._handler = handler
        self._problems = RateLimitedLog(log, interval=LOG_INTERVAL_S)
        # Bound here, so a taken port is an OSError to the caller, not a log line later.
        self.socket = _listen(address, self.limits.backlog)
        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()
        self._connections: dict[int, _Connection] = {}  # oldest first
        self._keys = itertools.count()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(timeout=2.0)
        if not self._thread.is_alive():
            self.socket.close()
            if not self._loop.is_closed():
                self._loop.close()

    # The loop's thread from here on.

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.set_exception_handler(self._loop_problem)
        try:
            self._loop.run_until_complete(self._serve())
        except Exception as exc:  # the page is lost, the show goes on
            log.error("%s: the HTTP server stopped: %s", self.name, _why(exc))

    async def _serve(self) -> None:
        server = await asyncio.start_server(
            self._accepted, sock=self.socket, backlog=self.limits.backlog
        )
        await self._stopping.wait()
        server.close()
        connections = list(self._connections.values())
        for connection in connections:
            connection.drop()
        tasks = [c.task for c in connections if c.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    def _loop_problem(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio's own reports (EMFILE on accept, above all) as one line, no traceback."""
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
            # asyncio stops accepting for a second and tries again: no busy loop.
            self._problems.warning(
                "descriptors",
                f"{self.name}: out of file descriptors ({exc.strerror}); "
                "new connections wait a second",
            )
            return
        detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        self._problems.warning("loop", f"{self.name}: {context.get('message', '?')}{detail}")

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = _Connection(next(self._keys), writer)
        if not self._admit(connection):
            writer.transport.abort()
            return
        try:
            await self._converse(connection, reader)
        except OSError as exc:  # resets and broken pipes: the client went away
            self._problems.warning(
                "reset", f"{self.name}: connection from {connection.peer} lost: {_why(exc)}"
            )
        except Exception as exc:  # a bug here costs one connection, never the server
            self._problems.warning(
                "bug", f"{self.name}: connection from {connection.peer} failed: {_why(exc)}"
            )
        finally:
            self._connections.pop(connection.key, None)
            writer.transport.abort()

    def _admit(self, connection: _Connection) -> bool:
        """Room for `connection`, closing the oldest connection that asked nothing yet
        (else the oldest idle one) when full; False if every one is being answered."""
        if len(self._connections) >= self.limits.max_connections:
            idle = [c for c in self._connections.values() if not c.busy]
            victim = next((c for c in idle if c.answered == 0), idle[0] if idle else None)
            if victim is None:
                return False
            del self._connections[victim.key]
            victim.drop()
            self._problems.warning(
                "full",
                f"{self.name}: {self.limits.max_connections} connections open; "
                f"closed the oldest waiting one (from {victim.peer})",
            )
        self._connections[connection.key] = connection
        return True

    async def _converse(self, connection: _Connection, reader: asyncio.StreamReader) -> None:
        """Request, answer, and again while the client keeps the connection alive."""
        protocol = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_head_bytes)
        writer = connection.writer
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with asyncio.timeout_at(loop.time() + self.limits.head_timeout_s):
                    request = await self._read_request(protocol, reader, connection.answered > 0)
            except TimeoutError:
                started = protocol.their_state is not h11.IDLE or protocol.trailing_data[0]
                if connection.answered == 0 or started:
                    self._problems.warning(
                        "slow",
                        f"{self.name}: {connection.peer} sent no whole request within "
                        f"{self.limits.head_timeout_s:g} s; closed",
                    )
                return  # else an idle keep-alive connection: closed without a word
            except h11.RemoteProtocolError as exc:
                self._problems.warning(
                    "bad", f"{self.name}: bad request from {connection.peer}: {_gist(exc)}"
                )
                await self._send(protocol, writer, "GET", _plain(exc.error_status_hint), close=True)
                await _linger(writer, reader)
                return
            if request is None:
                return
            connection.busy = True
            response = self._answer(request, connection)
            if not await self._send(protocol, writer, request.method, response, close=False):
                return
            connection.busy = False
            connection.answered += 1
            if protocol.our_state is not h11.DONE or protocol.their_state is not h11.DONE:
                return  # one side said close (HTTP/1.0, Connection: close, an error)
            protocol.start_next_cycle()

    async def _read_request(
        self, protocol: h11.Connection, reader: asyncio.StreamReader, kept_alive: bool
    ) -> Request | None:
        """The next whole request, or None when the client closed between requests."""
        head: h11.Request | None = None
        body = 0
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                if kept_alive and head is None and not protocol.trailing_data[0]:
                    async with asyncio.timeout(self.limits.idle_timeout_s):
                        data = await reader.read(65536)
                else:
                    data = await reader.read(65536)
                if not data and protocol.their_state is not h11.IDLE:
                    return None  # gone mid-request: nobody to answer
                protocol.receive_data(data)
            elif isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += len(event.data)
                if body > self.limits.max_body_bytes:
                    raise h11.RemoteProtocolError("request body too large", 413)
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                return _request(head)
            elif isinstance(event, h11.ConnectionClosed):
                return None

    def _answer(self, request: Request, connection: _Connection) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response(405, b"only GET and HEAD\n", (*_TEXT, ("Allow", "GET, HEAD")))
        try:
            return self._handler(request)
        except Exception as exc:  # a bug in a handler must not take the show down
            self._problems.warning(
                "handler", f"{self.name}: answering {connection.peer} failed: {_why(exc)}"
            )
            return _plain(500)

    async def _send(
        self,
        protocol: h11.Connection,
        writer: asyncio.StreamWriter,
        method: str,
        response: Response,
        *,
        close: bool,
    ) -> bool:
        """Write `response`; False when the client did not take it in time."""
        if protocol.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return False  # too late to answer (h11 saw the error mid-response)
        headers = [*response.headers]
        if response.status not in _BODYLESS:
            headers.append(("Content-Length", str(len(response.body))))
        if close:
            headers.append(("Connection", "close"))
        head = h11.Response(
            status_code=response.status, headers=headers, reason=_reason(response.status)
        )
        data = protocol.send(head) or b""
        if method != "HEAD" and response.status not in _BODYLESS and response.body:
            data += protocol.send(h11.Data(data=response.body)) or b""
        data += protocol.send(h11.EndOfMessage()) or b""
        writer.write(data)
        try:
            async with asyncio.timeout(self.limits.write_timeout_s):
                await writer.drain()
        except TimeoutError:
            self._problems.warning(
                "unread",
                f"{self.name}: a client did not read its answer within "
                f"{self.limits.write_timeout_s:g} s; closed",
            )
            return False
        return True


def _listen(address: tuple[str, int], backlog: int) -> socket.socket:
    """A listening TCP socket; a numeric address is used as it is.

    No name lookups: http.server asked `socket.getfqdn` about the bound address at bind,
    which for "0.0.0.0" asks the network's name server about this machine (see the README's
    "Privacy"); nothing here needs a name.
    """
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Like http.server: a restarted show may bind while old connections linger.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def _linger(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> None:
    """Close after an error answer without losing it: closing a socket that still holds
    unread input sends a reset, which can reach the client before the answer is read. So
    close our side, and read what the client still sends until it closes (a second at most).
    """
    try:
        writer.write_eof()
        async with asyncio.timeout(1.0):
            while await reader.read(65536):
                pass
    except OSError:  # TimeoutError included: the caller closes it anyway
        pass


def _request(head: h11.Request) -> Request:
    target = urlsplit(head.target.decode("ascii", "replace"))
    return Request(
        method=head.method.decode("ascii", "replace"),
        path=unquote(target.path),
        query=unquote(target.query),
        headers={
            name.decode("ascii", "replace"): value.decode("latin-1") for name, value in head.headers
        },
    )


def _plain(status: int) -> Response:
    """A short fixed text for the server's own errors (it never echoes the request)."""
    return Response(status, _reason(status) + b"\n", _TEXT)


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def _gist(exc: h11.RemoteProtocolError) -> str:
    """What was wrong, without the client's bytes (h11 quotes them after a colon): a log
    line must not carry what a stranger chose to send."""
    return str(exc).split(":", 1)[0][:80] or "malformed"


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
