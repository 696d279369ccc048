"""A config reload as a fault: a changed parameter written into the config, then SIGHUP.

The soak's config file is a copy in a temporary folder (the operator's file is never
written). The show must glide to the new value, and back when the file is restored.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

from installation.atomic import write_atomically
from installation.frame import FrameState

RELOAD_PARAM = "sea.level"
_TOLERANCE = 0.01
_PARAMS_HEADER = re.compile(r"^\s*\[\s*params\s*\]\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[")


def with_param(text: str, name: str, value: float) -> str:
    """`text` (a TOML config) with `name = value` in its [params] table.

    An existing line for `name` in [params] is replaced; otherwise the line goes right under
    the [params] header, or in a new [params] table at the end.
    """
    line = f"{name} = {value!r}"
    lines = text.splitlines()
    key = re.compile(rf"^\s*{re.escape(name)}\s*=")
    inside = False
    header_at: int | None = None
    for index, current in enumerate(lines):
        if _PARAMS_HEADER.match(current):
            inside, header_at = True, index
        elif _TABLE_HEADER.match(current):
            inside = False
        elif inside and key.match(current):
            lines[index] = line
            return "\n".join(lines) + "\n"
    if header_at is not None:
        lines.insert(header_at + 1, line)
        return "\n".join(lines) + "\n"
    return "\n".join([*lines, "", "[params]", line]) + "\n"


def hang_up() -> None:
    """SIGHUP to this process, as `systemctl reload` or `kill -HUP` would send."""
    os.kill(os.getpid(), signal.SIGHUP)


class ConfigReloadFault:
    kind = "config_reload"

    def __init__(self, path: Path, original: float) -> None:
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.original = original
        self.changed = original + 0.3 if original < 0.5 else original - 0.3

    def begin(self, frame: FrameState) -> None:
        write_atomically(self.path, with_param(self.text, RELOAD_PARAM, self.changed))
        hang_up()

    def during(self, frame: FrameState) -> bool:
        return abs(float(frame.params[RELOAD_PARAM]) - self.changed) < _TOLERANCE

    def end(self, frame: FrameState) -> None:
        write_atomically(self.path, self.text)
        hang_up()

    def recovered(self, frame: FrameState) -> bool:
        return abs(float(frame.params[RELOAD_PARAM]) - self.original) < _TOLERANCE
