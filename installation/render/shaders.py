"""GLSL loading: `#include` resolution, injected defines, and programs with readable errors.

The resolved text keeps `#version` on line 1, then the injected `#define`s, then each file's
lines behind a `#line` directive, so the driver's error positions lead back to the file and
line a person wrote (see `glsl_errors` for the log parsing).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import moderngl

from installation.render.globjects import NewNames
from installation.render.glsl_errors import (
    ShaderDiagnostic,
    format_diagnostics,
    parse_log,
    split_moderngl_error,
)

# File number n is given the line numbers n * LINE_STRIDE + 1, n * LINE_STRIDE + 2, ... in
# its `#line` directives. The source-string number alone is not enough: Mesa resets it to 0
# for most semantic errors (its parser's YYLLOC_DEFAULT drops it), so the file is recovered
# from the line number, which every driver reports faithfully. File 0 (the top file) keeps
# its real line numbers, so the raw log stays readable for the common case.
LINE_STRIDE = 10_000

_INCLUDE = re.compile(r"^\s*#\s*include\b(.*)$")
_INCLUDE_ARG = re.compile(r'^\s*"([^"]+)"\s*(//.*)?$')
_VERSION = re.compile(r"^\s*#\s*version\s+(\d+)(\s+es\b)?")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

DefineValue = str | int | float


class ShaderSourceError(Exception):
    """A shader tree that cannot be resolved; the message names the file and line."""


class ShaderCompileError(Exception):
    """The driver refused a program; `str()` is the readable, file-and-line message."""

    def __init__(
        self, message: str, *, stage: str, diagnostics: tuple[ShaderDiagnostic, ...], log: str
    ) -> None:
        super().__init__(message)
        self.stage = stage
        self.diagnostics = diagnostics
        self.log = log


@dataclass(frozen=True)
class ResolvedShader:
    """One shader stage's full text, and the table that maps its lines back to files.

    `files[n]` is the path (relative to `root`, with `/`) of source-string number n;
    `dependencies` holds every absolute path read, for a file watcher.
    """

    text: str
    files: tuple[str, ...]
    dependencies: frozenset[Path]
    root: Path
    # The lines of each file as read, so errors can quote them even if the file has changed.
    sources: tuple[tuple[str, ...], ...] = field(repr=False)

    def locate(self, reported_line: int) -> tuple[int, int] | None:
        """Map a line number from a driver log to (file number, line in that file)."""
        number, line = divmod(reported_line, LINE_STRIDE)
        if number >= len(self.files) or line < 1:
            return None
        return number, line

    def display_path(self, number: int) -> str:
        """File `number` as a person finds it from the repository, e.g. `shaders/lib/x.glsl`."""
        return f"{self.root.name}/{self.files[number]}"

    def source_line(self, number: int, line: int) -> str | None:
        """The text of `line` (1-based) in file `number`, or None if out of range."""
        lines = self.sources[number]
        return lines[line - 1] if 1 <= line <= len(lines) else None


def load_shader(
    root: Path, relative: str, defines: Mapping[str, DefineValue] | None = None
) -> ResolvedShader:
    """Read `relative` under `root`, inline its includes, and inject `defines` after `#version`.

    Raises ShaderSourceError naming the file and line of anything that cannot be resolved.
    """
    return _Resolver(root).resolve(relative, defines or {})


def compile_program(
    ctx: moderngl.Context, vertex: ResolvedShader, fragment: ResolvedShader
) -> moderngl.Program:
    """Build a program, turning the driver's log into a ShaderCompileError people can read."""
    try:
        leftovers: NewNames | None = NewNames(ctx)
    except RuntimeError:
        leftovers = None  # no raw GL entry points: nothing to clean up with
    try:
        return ctx.program(vertex_shader=vertex.text, fragment_shader=fragment.text)
    except moderngl.Error as exc:
        if leftovers is not None:
            leftovers.delete_new()  # moderngl keeps a failed program's objects alive
        failure = split_moderngl_error(str(exc))
        if failure is None:
            raise  # not a compile or link failure: let the original error through untouched
        stage, log = failure
        stages = {"vertex_shader": vertex, "fragment_shader": fragment}
        shader = stages.get(stage)
        if shader is None:
            # A link log has no single source to map; keep its lines as the driver wrote them.
            header = (
                f"program {vertex.display_path(0)} + {fragment.display_path(0)} failed to link:"
            )
            diagnostics = tuple(
                ShaderDiagnostic(None, None, text.rstrip(), None)
                for text in log.splitlines()
                if text.strip()
            )
        else:
            kind = stage.replace("_", " ")
            header = f"{kind} {shader.display_path(0)} failed to compile:"
            diagnostics = tuple(parse_log(log, shader))
        message = "\n".join([header, format_diagnostics(diagnostics)])
        # The readable message carries everything in the driver's log (also kept as `.log`),
        # so chaining the raw moderngl error would only print it twice.
        raise ShaderCompileError(message, stage=stage, diagnostics=diagnostics, log=log) from None


def _define_line(name: str, value: DefineValue) -> str:
    if not _IDENTIFIER.match(name):
        raise ShaderSourceError(f"define {name!r}: not a GLSL identifier")
    if isinstance(value, bool):  # bool is an int, but str(True) is not GLSL
        text = "true" if value else "false"
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ShaderSourceError(f"define {name}: {value} has no GLSL literal")
        text = repr(value)
    else:
        text = str(value)
    if "\n" in text or "\r" in text:
        raise ShaderSourceError(f"define {name}: value must be on one line, got {text!r}")
    return f"#define {name} {text}".rstrip()


class _Resolver:
    """One resolution: the files met so far, the include stack, and the output lines."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = f"{self.root.name}/"
        self.files: list[str] = []
        self.sources: list[tuple[str, ...]] = []
        self.seen: set[Path] = set()
        self.stack: list[Path] = []
        self.out: list[str] = []
        self.old_line_rule = False
        self.directive_at = -1  # index in `out` of the last #line written

    def resolve(self, relative: str, defines: Mapping[str, DefineValue]) -> ResolvedShader:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ShaderSourceError(f'cannot load "{relative}": it is outside {self.label}')
        if not path.is_file():
            raise ShaderSourceError(f'cannot load "{relative}": no such file under {self.label}')
        lines = self._read(path)
        version_at = self._find_version(path, lines)
        version = _VERSION.match(lines[version_at])
        assert version is not None  # _find_version only returns a matching line
        number, is_es = int(version.group(1)), version.group(2) is not None
        # Before desktop GLSL 3.30, `#line N` makes the *following* line N + 1 (checked on
        # Mesa). ES 1.00 (`#version 100`) already follows the newer rule.
        self.old_line_rule = not is_es and number != 100 and number < 330

        self.out.append(lines[version_at].strip())
        self.out.extend(_define_line(name, value) for name, value in defines.items())
        self.stack.append(path)
        self._emit(path, lines, first=version_at + 2)
        return ResolvedShader(
            text="\n".join(self.out) + "\n",
            files=tuple(self.files),
            dependencies=frozenset(self.seen),
            root=self.root,
            sources=tuple(self.sources),
        )

    def _where(self, path: Path, line: int) -> str:
        return f"{self.label}{self._relative(path)}:{line}"

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _read(self, path: Path) -> list[str]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ShaderSourceError(f"{self._where(path, 1)}: cannot read: {exc}") from exc
        if len(lines) >= LINE_STRIDE:
            raise ShaderSourceError(
                f"{self._where(path, 1)}: file too long for the #line scheme "
                f"({len(lines)} lines, at most {LINE_STRIDE - 1})"
            )
        return lines

    def _find_version(self, path: Path, lines: list[str]) -> int:
        for index, text in enumerate(lines):
            stripped = text.strip()
            if _VERSION.match(stripped):
                return index
            if stripped and not stripped.startswith("//"):
                break
        raise ShaderSourceError(f"{self._where(path, 1)}: the top file must start with #version")

    def _mark(self, number: int, line: int) -> None:
        """Number the next output line as `line` of file `number`."""
        value = number * LINE_STRIDE + line - (1 if self.old_line_rule else 0)
        directive = f"#line {value} {number}"
        # A directive straight after another numbers nothing; replace it to keep dumps tidy.
        if self.directive_at == len(self.out) - 1:
            self.out[-1] = directive
        else:
            self.out.append(directive)
            self.directive_at = len(self.out) - 1

    def _emit(self, path: Path, lines: list[str], first: int) -> None:
        number = len(self.files)
        self.files.append(self._relative(path))
        self.sources.append(tuple(lines))
        self.seen.add(path)
        self._mark(number, first)
        for line_no in range(first, len(lines) + 1):
            text = lines[line_no - 1]
            include = _INCLUDE.match(text)
            if include is None:
                if number != 0 and _VERSION.match(text):
                    raise ShaderSourceError(
                        f"{self._where(path, line_no)}: #version is only allowed in the top "
                        f"file ({self.files[0]}), not in an included file"
                    )
                self.out.append(text)
                continue
            target = self._target(path, line_no, include.group(1))
            if target in self.stack:
                chain = [*self.stack[self.stack.index(target) :], target]
                names = " -> ".join(self._relative(p) for p in chain)
                raise ShaderSourceError(f"{self._where(path, line_no)}: include cycle: {names}")
            if target in self.seen:
                # A comment, not a blank, so a dump of the text shows why nothing is here.
                # It must not repeat the directive: moderngl resolves `#include "..."`
                # itself, even inside comments, and would fail on it.
                self.out.append(f"// already included: {self._relative(target)}")
                continue
            self.stack.append(target)
            self._emit(target, self._read(target), first=1)
            self.stack.pop()
            self._mark(number, line_no + 1)

    def _target(self, path: Path, line_no: int, argument: str) -> Path:
        where = self._where(path, line_no)
        quoted = _INCLUDE_ARG.match(argument)
        if quoted is None:
            raise ShaderSourceError(
                f'{where}: malformed #include, expected #include "lib/name.glsl" '
                f"(a path under {self.label})"
            )
        spec = quoted.group(1)
        # Only an explicit ./ or ../ is relative to the including file; anything else is
        # relative to the shader root, so a lib file reads the same wherever it is included.
        base = path.parent if spec.startswith(("./", "../")) else self.root
        target = (base / spec).resolve()
        if not target.is_relative_to(self.root):
            raise ShaderSourceError(
                f'{where}: cannot include "{spec}": it resolves outside {self.label}'
            )
        if not target.is_file():
            raise ShaderSourceError(
                f'{where}: cannot include "{spec}": no such file under {self.label}'
            )
        return target
