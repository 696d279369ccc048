"""A log file beside stderr, rotated with a size cap, for machines without a journal."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from installation.config import LogSection

log = logging.getLogger("installation")

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def rotating_handler(path: Path, max_mb: float, backups: int) -> logging.Handler:
    """Rotates at `max_mb` megabytes and keeps `backups` old files, so all of them together
    stay within (backups + 1) * max_mb. OSError when the file cannot be opened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # With no backups, RotatingFileHandler would never rotate: one file of max_mb that starts
    # over (mode "w" on each rollover) keeps the cap instead.
    handler = logging.handlers.RotatingFileHandler(
        path,
        maxBytes=max(1, int(max_mb * 1_000_000)),
        backupCount=max(backups, 1),
        encoding="utf-8",
    )
    if backups == 0:
        handler.rotator = _discard
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


def _discard(source: str, _dest: str) -> None:
    Path(source).unlink(missing_ok=True)


def add_log_file(section: LogSection) -> logging.Handler | None:
    """Log to the configured file as well as stderr; a file that cannot be opened is a
    warning (the show runs on, logging to stderr)."""
    if not section.file:
        return None
    path = Path(section.file).expanduser()
    try:
        handler = rotating_handler(path, section.max_mb, section.backups)
    except OSError as exc:
        log.warning(
            "log.file %s: cannot write there (%s); logging to stderr only",
            path,
            exc.strerror or exc,
        )
        return None
    logging.getLogger().addHandler(handler)
    return handler
