"""Parsing of face source specs: `auto`, `sim`, `camera:N`, `file:PATH` or a stream URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["auto", "sim", "camera", "file", "url"]
SOURCE_FORMS = "auto, sim, camera:N, file:PATH or a stream URL (rtsp://, http://, https://)"


@dataclass(frozen=True)
class SourceSpec:
    """Where faces should come from, as the operator asked."""

    kind: SourceKind
    index: int = 0
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """Read a spec; ValueError says which forms are allowed."""
        text = text.strip()
        lowered = text.lower()
        if lowered in ("auto", "sim"):
            return cls(kind=lowered)  # type: ignore[arg-type]
        if lowered == "camera":
            return cls(kind="camera", index=0)
        if lowered.startswith("camera:"):
            number = text.split(":", 1)[1]
            if not number.isdigit():
                raise ValueError(f"camera index must be a number >= 0 (got {number!r})")
            return cls(kind="camera", index=int(number))
        if lowered.startswith("file:"):
            path = text.split(":", 1)[1]
            if not path:
                raise ValueError("file: needs a path, for example file:crowd.mp4")
            return cls(kind="file", path=path)
        if lowered.startswith(("rtsp://", "rtmp://", "http://", "https://", "udp://")):
            return cls(kind="url", path=text)
        raise ValueError(f"unknown source {text!r}; use {SOURCE_FORMS}")

    def __str__(self) -> str:
        if self.kind == "camera":
            return f"camera:{self.index}"
        if self.kind == "file":
            return f"file:{self.path}"
        if self.kind == "url":
            return self.path
        return self.kind
