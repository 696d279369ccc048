"""A shader breaks and is fixed: a syntax error written into the showing act's shader.

The renderer runs on a copy of shaders/ (never the checkout's own files). Hot reload must
keep the last good program and report the error; once the file is mended it must compile
the shader again (the program library's generation goes up).
"""

from __future__ import annotations

from pathlib import Path

from installation.frame import FrameState
from installation.render.renderer import Renderer

BROKEN_LINE = "\nthis line is not GLSL: the soak test broke this shader on purpose\n"


class ShaderFault:
    kind = "shader"

    def __init__(self, root: Path, renderer: Renderer) -> None:
        self.root = root
        self.renderer = renderer
        self._path: Path | None = None
        self._original = ""
        self._generation = 0
        self.last_error = ""

    def begin(self, frame: FrameState) -> None:
        self._path = self.root / "scenes" / f"{frame.scene}.frag"
        self._original = self._path.read_text(encoding="utf-8")
        self._path.write_text(self._original + BROKEN_LINE, encoding="utf-8")

    def during(self, frame: FrameState) -> bool:
        errors = self.renderer.errors
        if errors:
            self.last_error = errors[0].splitlines()[0]
        return bool(errors)

    def end(self, frame: FrameState) -> None:
        if self._path is not None:
            self._path.write_text(self._original, encoding="utf-8")
        self._generation = self.renderer.programs.generation

    def recovered(self, frame: FrameState) -> bool:
        return not self.renderer.errors and self.renderer.programs.generation > self._generation
