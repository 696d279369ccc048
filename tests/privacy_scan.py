"""Finds image data in files: what tests/test_privacy.py uses to check a show's traces.

Three rules, each meant to catch a face leaving memory in a form that could be looked at:
- image and video magic numbers (PNG, JPEG, GIF, BMP, TIFF, WebP, PNM, RIFF/AVI, MP4/MOV ftyp,
  Matroska/WebM, NumPy arrays, ...) anywhere in a file, and base64 PNG/JPEG in text;
- binary data: a file that is not plain UTF-8 text is reported (raw pixels are bytes of any
  value, so a dumped frame or crop is not text);
- text that could carry pixels: a line over 4 KiB or a base64-like run of 512 characters;
  JSON (a JSON Lines recording, a state file) is checked by its structure instead: no list
  of more than 32 numbers, no matrix of numbers (16 rows or more of one length of 16 or
  more), no string over 1 KiB, no base64-like string.
A face row of a recording is 13 numbers, so these bounds leave the numbers the show keeps
(boxes, smiles, emotions) alone and catch even a 24x24 crop written as numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_LINE = 4096
MAX_NUMBERS = 32
MATRIX_ROWS = 16
MATRIX_WIDTH = 16
MAX_STRING = 1024

# Signatures found anywhere in a file: each long or specific enough not to turn up by chance.
_ANYWHERE: tuple[tuple[str, re.Pattern[bytes]], ...] = tuple(
    (name, re.compile(pattern, re.DOTALL))
    for name, pattern in (
        ("PNG", rb"\x89PNG\r\n\x1a\n"),
        ("JPEG", rb"\xff\xd8\xff[\xc0-\xc3\xc4\xdb\xdd\xe0-\xef\xfe]"),
        ("GIF", rb"GIF8[79]a"),
        ("TIFF", rb"II\*\x00|MM\x00\*"),
        ("RIFF (WebP, AVI, WAV)", rb"RIFF.{4}(?:WEBP|AVI |AVIX|WAVE)"),
        ("MP4/MOV/HEIF/AVIF (ftyp box)", rb"\x00\x00\x00.ftyp"),
        ("Matroska/WebM", rb"\x1a\x45\xdf\xa3"),
        ("Ogg", rb"OggS\x00"),
        ("FLV", rb"FLV\x01"),
        ("MPEG program stream", rb"\x00\x00\x01\xba"),
        ("JPEG 2000", rb"\x00\x00\x00\x0cjP  \r\n\x87\n"),
        ("OpenEXR", rb"\x76\x2f\x31\x01"),
        ("QOI", rb"qoif"),
        ("NumPy array", rb"\x93NUMPY"),
        ("PNM (PBM/PGM/PPM)", rb"(?<![A-Za-z0-9])P[1-6][ \t\r\n]+\d+[ \t\r\n]+\d+[ \t\r\n]"),
        ("PAM", rb"(?<![A-Za-z0-9])P7\s+(?:WIDTH|HEIGHT|DEPTH|MAXVAL|TUPLTYPE)"),
        ("Radiance HDR", rb"#\?(?:RADIANCE|RGBE)"),
        ("base64 PNG", rb"iVBORw0KGgo"),
        ("base64 JPEG", rb"/9j/[0-9A-Za-z+/]{4}"),
    )
)
# Too short to search for anywhere: only at the start of a file.
_AT_START: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("BMP", re.compile(rb"BM.{4}\x00\x00\x00\x00", re.DOTALL)),
)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{512,}")
# Control characters that plain text does not hold (tab, newline, form feed and CR it does).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Finding:
    """Image data (or what could be) in a file, with where and what."""

    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


def scan_bytes(name: str, data: bytes, *, compiled_cache: bool = False) -> list[Finding]:
    """Everything in `data` that looks like image data; `name` is for the report.

    `compiled_cache`: a GL driver's cache of compiled shaders (binary by nature, written from
    the shader sources alone): searched for magic numbers, not refused for being binary.
    """
    found = [Finding(name, f"{kind} signature at byte {m.start()}") for kind, m in _magic(data)]
    if compiled_cache:
        return found
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [*found, Finding(name, f"binary data (not UTF-8 text at byte {exc.start})")]
    control = _CONTROL.search(text)
    if control:
        where = len(text[: control.start()].encode())
        return [*found, Finding(name, f"binary data (control byte at byte {where})")]
    return found + _scan_text(name, text)


def scan_file(path: Path, *, compiled_cache: bool = False) -> list[Finding]:
    return scan_bytes(str(path), path.read_bytes(), compiled_cache=compiled_cache)


def _magic(data: bytes) -> Iterator[tuple[str, re.Match[bytes]]]:
    for kind, pattern in _ANYWHERE:
        match = pattern.search(data)
        if match:
            yield kind, match
    for kind, pattern in _AT_START:
        match = pattern.match(data)
        if match:
            yield kind, match


def _scan_text(name: str, text: str) -> list[Finding]:
    lines = text.splitlines()
    documents = _json_documents(text, lines)
    if documents:  # JSON is checked by its structure, whatever its line lengths
        return [
            Finding(name, f"{where}: {what}")
            for where, document in documents
            for what in json_problems(document)
        ]
    found = []
    for n, line in enumerate(lines, 1):
        if len(line) > MAX_LINE:
            found.append(Finding(name, f"line {n}: {len(line)} characters (room for pixels)"))
        run = _BASE64_RUN.search(line)
        if run:
            found.append(Finding(name, f"line {n}: a base64-like run of {len(run.group())}"))
    return found


def _json_documents(text: str, lines: list[str]) -> list[tuple[str, Any]]:
    """The file as one JSON document, or as JSON Lines; [] when it is neither."""
    try:
        return [("document", json.loads(text))]
    except ValueError:
        pass
    documents = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            documents.append((f"line {n}", json.loads(line)))
        except ValueError:
            return []
    return documents


def json_problems(value: Any) -> list[str]:
    """What in a decoded JSON value could hold pixels (see the module's rules)."""
    problems: list[str] = []
    for item in _walk(value):
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                problems.append(f"a string of {len(item)} characters")
            elif _BASE64_RUN.search(item):
                problems.append("a base64-like string")
        elif isinstance(item, list):
            numbers = [x for x in item if _is_number(x)]
            if len(numbers) > MAX_NUMBERS:
                problems.append(f"a list of {len(numbers)} numbers")
            widths = [len(x) for x in item if isinstance(x, list) and _all_numbers(x)]
            common = max(set(widths), key=widths.count, default=0)
            if common >= MATRIX_WIDTH and widths.count(common) >= MATRIX_ROWS:
                problems.append(f"a {widths.count(common)}x{common} matrix of numbers")
    return problems


def _walk(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _all_numbers(items: Iterable[Any]) -> bool:
    return all(_is_number(x) for x in items)
