"""GL programs built from shader files: cached, hot-reloaded, and never black.

A program is compiled the first time it is asked for. When a file it was built from changes
(its dependency set holds every included lib file), `poll()` at a frame boundary recompiles
it: success swaps the new program in, failure keeps the last good one and records the error,
and fixing the file recovers by itself. A program that never compiled gives a deliberate
built-in fallback picture instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import moderngl

from installation.render.fallback import FALLBACK_FRAGMENT, FALLBACK_VERTEX
from installation.render.shaders import (
    DefineValue,
    ResolvedShader,
    ShaderCompileError,
    ShaderSourceError,
    compile_program,
    load_shader,
)
from installation.render.watch import Expected, FileWatcher, digest_lines

log = logging.getLogger(__name__)

# (vertex file, fragment file, defines as sorted items)
ProgramKey = tuple[str, str, tuple[tuple[str, DefineValue], ...]]
# Two programs built from different versions of one file: the watcher reports it, and the
# reload that follows rebuilds both from the same text.
_STALE = "stale"


@dataclass
class _Entry:
    """One program: the last one that compiled (None if none ever did), and why not now.

    `files`: every file of its last build, with the digest of the text read (None: unknown).
    """

    program: moderngl.Program | None
    files: dict[Path, str | None]
    error: str | None = None


class ProgramLibrary:
    """Compiles and caches programs from files under `root`; use from the GL thread only.

    With `watch=True` a FileWatcher thread looks at the shader files every `poll_interval`
    seconds and signals changes that have been quiet for `settle` seconds; nothing compiles
    until the GL thread calls `poll()`.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        root: Path,
        *,
        watch: bool = False,
        poll_interval: float = 0.1,
        settle: float = 0.15,
    ) -> None:
        self.ctx = ctx
        self.root = root.resolve()
        self._entries: dict[ProgramKey, _Entry] = {}
        self._fallback: moderngl.Program | None = None
        self._generation = 0
        # Replaced whole, never mutated: the watcher thread reads it without a lock.
        self._watched: Expected = {}
        self._watcher: FileWatcher | None = None
        if watch:
            self._watcher = FileWatcher(self.watched_files, poll_interval, settle)
            self._watcher.start()

    def get(
        self, vertex: str, fragment: str, defines: Mapping[str, DefineValue] | None = None
    ) -> moderngl.Program:
        """The program for these files (relative to `root`), or the fallback if it never built.

        The first call compiles; a failure is logged once and shows in `errors`.
        """
        key: ProgramKey = (vertex, fragment, tuple(sorted((defines or {}).items())))
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(None, dict.fromkeys(self._top_files(key)))
            self._build(key, entry)
        return entry.program or self.fallback()

    def fallback(self) -> moderngl.Program:
        """The built-in program shown for a program that never compiled (made once)."""
        if self._fallback is None:
            self._fallback = self.ctx.program(
                vertex_shader=FALLBACK_VERTEX, fragment_shader=FALLBACK_FRAGMENT
            )
        return self._fallback

    def is_fallback(self, program: moderngl.Program) -> bool:
        """True for the fallback: its inputs are the fallback's, not the requested program's."""
        return program is self._fallback

    @property
    def errors(self) -> tuple[str, ...]:
        """The readable errors (`shaders/x.glsl:7: ...`) of programs failing now."""
        return tuple(entry.error for entry in self._entries.values() if entry.error)

    @property
    def generation(self) -> int:
        """Goes up each time a program that `get` returns is replaced: rebuild vertex arrays."""
        return self._generation

    def poll(self) -> bool:
        """At a frame boundary: recompile what the watcher saw change. True if a program changed."""
        if self._watcher is None:
            return False
        changed = self._watcher.take_changes()
        return bool(changed) and self.reload(changed)

    def reload(self, changed: Iterable[Path] | None = None) -> bool:
        """Recompile the programs that depend on `changed` files (all when None).

        True if a program that `get` returns changed.
        """
        files = None if changed is None else {Path(path).resolve() for path in changed}
        before = self._generation
        for key, entry in self._entries.items():
            if files is None or not files.isdisjoint(entry.files):
                self._build(key, entry)
        return self._generation != before

    def watched_files(self) -> Expected:
        """Every file the programs were built from -> digest of the text compiled (any thread)."""
        return self._watched

    def live_objects(self) -> int:
        """How many GL programs this library owns now (each holds its shaders in the driver)."""
        owned = [entry.program for entry in self._entries.values() if entry.program]
        return len(owned) + (self._fallback is not None)

    def release(self) -> None:
        """Stop watching and release every program this library made."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        for entry in self._entries.values():
            if entry.program is not None:
                entry.program.release()
        self._entries.clear()
        if self._fallback is not None:
            self._fallback.release()
            self._fallback = None
        self._watched = {}

    def __enter__(self) -> ProgramLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- building -------------------------------------------------------------------------

    def _top_files(self, key: ProgramKey) -> frozenset[Path]:
        return frozenset((self.root / name).resolve() for name in key[:2])

    def _build(self, key: ProgramKey, entry: _Entry) -> None:
        vertex, fragment, defines = key
        try:
            vertex_shader = load_shader(self.root, vertex, dict(defines))
            fragment_shader = load_shader(self.root, fragment, dict(defines))
            # Watch what was read even if it fails to compile: fixing any of it recovers.
            entry.files = {**_digests(vertex_shader), **_digests(fragment_shader)}
            program = compile_program(self.ctx, vertex_shader, fragment_shader)
        except (ShaderCompileError, ShaderSourceError) as exc:
            # An unresolvable tree keeps the files last known: it may be a typo in an
            # #include, fixed by saving the same file again.
            self._fail(entry, str(exc))
        else:
            if entry.program is not None:
                entry.program.release()
                self._generation += 1
            elif entry.error is not None:
                self._generation += 1  # it was showing the fallback until now
            entry.program = program
            if entry.error is not None:
                log.info("%s + %s compiles again", vertex, fragment)
            entry.error = None
        self._watched = self._merged_files()

    def _merged_files(self) -> Expected:
        merged: dict[Path, str | None] = {}
        for entry in self._entries.values():
            for path, digest in entry.files.items():
                known = merged.get(path)
                if known is None:
                    merged[path] = digest
                elif digest is not None and digest != known:
                    merged[path] = _STALE
        return merged

    def _fail(self, entry: _Entry, error: str) -> None:
        if error != entry.error:  # log each new error once, not on every retry
            shown = "the last good program" if entry.program else "the fallback picture"
            log.error("%s\n(showing %s instead)", error, shown)
        entry.error = error


def _digests(shader: ResolvedShader) -> dict[Path, str | None]:
    """Each file of a resolved shader -> digest of the lines the resolver read from it."""
    return {
        shader.root / name: digest_lines(lines)
        for name, lines in zip(shader.files, shader.sources, strict=True)
    }
