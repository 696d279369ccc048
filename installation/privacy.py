"""Process settings that keep camera frames out of files (see README, "Privacy")."""

from __future__ import annotations

import logging
import resource

log = logging.getLogger("installation")


def forbid_core_dumps() -> None:
    """No core dump of this process: one would hold the camera frames that were in memory.

    A crash in a driver or in OpenCV would otherwise leave the process's memory, frames and
    face crops included, in a core file or systemd-coredump's store, unasked. Both honour
    RLIMIT_CORE = 0, and an unprivileged process can always lower its own limit.
    """
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError) as exc:  # not expected on Linux; say so, the show goes on
        log.warning("privacy: cannot turn core dumps off (%s); a crash could write frames", exc)
