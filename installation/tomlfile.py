"""Reading a TOML file the operator wrote: every way it can fail is one ConfigError.

Config, palette, patch, catalogue, cue list and timeline files all come through here, so a
file saved in Latin-1 by a text editor, a folder where a file should be, or a typo in the
TOML each give the same kind of message: the file, what is wrong, and how to fix it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from installation.errors import ConfigError


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The file's tables; `what` ("config file", "palette") names the file in messages."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(_not_utf8(path, what, data, exc)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _not_utf8(path: Path, what: str, data: bytes, exc: UnicodeDecodeError) -> str:
    """Where the first bad byte is, as an editor shows it (line, column), and the fix."""
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    bad = data[exc.start]
    guess = bytes([bad]).decode("cp1252", errors="replace")
    hint = f" (0x{bad:02x} is {guess!r} in Windows-1252/Latin-1)" if guess != "\ufffd" else ""
    return (
        f"{path}: line {line}, column {column}: byte 0x{bad:02x} is not UTF-8{hint}; "
        f"TOML files must be UTF-8: save the {what} as UTF-8 in your editor"
    )
