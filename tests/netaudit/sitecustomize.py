"""Logs every network address a Python process uses, for tests/test_privacy.py.

Put this folder first on PYTHONPATH and name a log file in NOVA_NET_AUDIT: Python then imports
this module at start-up, and an audit hook (PEP 578) writes one JSON line per socket bind,
connect, send to an address and name lookup, and per resource limit set (to see core dumps
turned off). The hook sees what the interpreter does, so the libraries' sockets (zeroconf,
sacn, stupidArtnet, http.server) are logged as well as ours.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

# The events that name an address; socket.__new__ and plain send() on a connected socket
# carry none (its connect was logged).
_ADDRESS_EVENTS = ("socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg")
_LOOKUP_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr")


def _install(path: str) -> None:
    lock = threading.Lock()
    # Opened once here: opening it inside the hook would fire an audit event itself.
    log = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in _ADDRESS_EVENTS:
            sock, address = args[0], args[1]
            record = {"event": event, "family": int(sock.family), "address": address}
        elif event in _LOOKUP_EVENTS:
            record = {"event": event, "address": [args[0], *args[1:2]]}
        elif event == "resource.setrlimit":  # the core dump limit (installation/privacy.py)
            record = {"event": event, "address": list(args)}
        else:
            return
        line = json.dumps(record, default=repr)
        with lock:
            log.write(line + "\n")

    sys.addaudithook(hook)


if os.environ.get("NOVA_NET_AUDIT"):
    _install(os.environ["NOVA_NET_AUDIT"])
