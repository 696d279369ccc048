"""Who the show is to a lighting network: its sACN source name and CID (component id).

Desks and node lists key an sACN source by its CID: one that changes at each start looks
like a new source after every restart (a stale one left listed, merge and priority settings
lost). So the CID is derived from this machine's id and the show's name (the same every
start, different for two shows on one machine), or set in the config (`lighting.cid`) to
keep the identity when the show moves to a replacement computer.
"""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

# A fixed namespace for the derivation (itself a uuid5 of the project's name).
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "nova-sanctuary.installation")
_MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))


def machine_id() -> str:
    """systemd's machine id where there is one (stable across reboots), else the host name."""
    for path in _MACHINE_ID_FILES:
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text:
            return text
    return socket.gethostname()


def source_cid(configured: str, show_name: str, machine: str | None = None) -> uuid.UUID:
    """`configured` when set (a UUID), else the same id at every start of this show here."""
    if configured:
        return uuid.UUID(configured)
    return uuid.uuid5(_NAMESPACE, f"{machine or machine_id()}\x00{show_name}")
