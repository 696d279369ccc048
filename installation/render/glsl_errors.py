"""Driver compile logs turned into `file:line: message` diagnostics that quote the line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: shaders.py imports this module at run time
    from installation.render.shaders import ResolvedShader

# Each pattern captures (source-string number, line, message); the source number is not used
# to find the file (see LINE_STRIDE in shaders.py) but is part of every format.
_MESA = re.compile(r"^\s*(\d+):(\d+)\(\d+\):\s*(.*)$")  # 0:28(16): error: `foo' undeclared
_NVIDIA = re.compile(r"^\s*(\d+)\((\d+)\)\s*:\s*(.*)$")  # 0(7) : error C0000: syntax error
_AMD_INTEL = re.compile(  # ERROR: 0:131: 'foo' : undeclared identifier
    r"^\s*(ERROR|WARNING|INFO)\s*:\s*(\d+):(\d+):\s*(.*)$", re.IGNORECASE
)

# moderngl's message: "GLSL Compiler failed\n\nfragment_shader\n===...\n<driver log>"
_MODERNGL = re.compile(r"^GLSL (?:Compiler|Linker) failed\s*\n\s*\n(\w+)\n=+\n(.*)$", re.DOTALL)


@dataclass(frozen=True)
class ShaderDiagnostic:
    """One log line; `file` and `line` are None when the driver gave no usable position."""

    file: str | None
    line: int | None
    message: str
    source_line: str | None


def _position(text: str) -> tuple[int, str] | None:
    """(reported line, message) from one log line in any known driver format."""
    if match := _MESA.match(text):
        return int(match.group(2)), match.group(3)
    if match := _AMD_INTEL.match(text):
        return int(match.group(3)), f"{match.group(1).lower()}: {match.group(4)}"
    if match := _NVIDIA.match(text):
        return int(match.group(2)), match.group(3)
    return None


def parse_log(log: str, shader: ResolvedShader) -> list[ShaderDiagnostic]:
    """Map each line of a driver log back to the file and line of `shader` it came from.

    Lines in no known format, or whose position is not in `shader`, are kept as written.
    """
    diagnostics: list[ShaderDiagnostic] = []
    for text in log.splitlines():
        if not text.strip():
            continue
        position = _position(text)
        place = shader.locate(position[0]) if position else None
        if position is None or place is None:
            diagnostics.append(ShaderDiagnostic(None, None, text.rstrip(), None))
            continue
        number, line = place
        diagnostics.append(
            ShaderDiagnostic(
                file=shader.display_path(number),
                line=line,
                message=position[1].strip(),
                source_line=shader.source_line(number, line),
            )
        )
    return diagnostics


def format_diagnostics(diagnostics: Iterable[ShaderDiagnostic]) -> str:
    """`file:line: message` lines, each followed by the offending source line, indented."""
    out: list[str] = []
    for diagnostic in diagnostics:
        if diagnostic.file is None:
            out.append(diagnostic.message)
            continue
        out.append(f"{diagnostic.file}:{diagnostic.line}: {diagnostic.message}")
        if diagnostic.source_line is not None and diagnostic.source_line.strip():
            out.append(f"    {diagnostic.source_line.strip()}")
    return "\n".join(out)


def split_moderngl_error(message: str) -> tuple[str, str] | None:
    """(stage, driver log) from a moderngl compile/link error; None for any other error.

    The stage is moderngl's name: `vertex_shader`, `fragment_shader`, ... or `Program` for
    a link failure.
    """
    match = _MODERNGL.match(message.strip())
    if match is None:
        return None
    return match.group(1), match.group(2)
