"""Datagrams to OSC messages, refusing anything malformed with a reason.

Messages are decoded here, not by python-osc: it drops `S`, `c` and `I` arguments (with a
log line each), and its bundle parser loops forever on a negative element size, recurses
without a limit on nested bundles and sleeps (in its servers) until a bundle's time tag.
Every OSC 1.0 type and the 1.1 additions are read: i h f d s S b T F N I c r m t and arrays.
`I` (impulse, a bang) carries no value: on a trigger it is the trigger. Bundle time tags are
ignored: everything applies now. A bad message inside a bundle is refused alone; the
bundle's other messages still apply.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

BUNDLE_HEAD = b"#bundle\x00"
# Deeper nesting than this has no musical use and only costs work.
MAX_BUNDLE_DEPTH = 8
# A 64 KiB datagram of minimal messages holds ~5,000; more than this is an attack, not a show.
MAX_MESSAGES = 1024
# Tags with a fixed-size argument: (struct format, size in bytes).
_FIXED = {"i": (">i", 4), "h": (">q", 8), "f": (">f", 4), "d": (">d", 8), "r": (">I", 4)}
_FIXED.update({"t": (">Q", 8), "c": (">I", 4)})
_NO_DATA = {"T": True, "F": False, "N": None}
KNOWN_TAGS = frozenset("ihfdsSbrmtTFNIc[]")


class Malformed(ValueError):
    """A datagram that is not valid OSC; `reason` is the counter it is rejected under."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Message:
    address: str
    args: list[Any]
    # The type tag string and argument bytes as they came: a ping's reply echoes them exactly.
    typed: bytes = field(default=b"", repr=False)


@dataclass
class Parsed:
    """A datagram's messages, and the messages of a bundle that were refused alone."""

    messages: list[Message] = field(default_factory=list)
    refused: list[Malformed] = field(default_factory=list)


def parse_datagram(data: bytes) -> Parsed:
    """Every message in `data` (a message, or a bundle of them); Malformed when nothing in
    it can be read (a broken bundle, or a lone broken message)."""
    if data.startswith(BUNDLE_HEAD):
        parsed = Parsed()
        _walk_bundle(data, 0, parsed)
        return parsed
    if data.startswith(b"/"):
        return Parsed([parse_message(data)])
    if not data:
        raise Malformed("not_osc", "empty datagram")
    raise Malformed("not_osc", "neither an OSC message (starts with '/') nor a bundle")


def parse_message(data: bytes) -> Message:
    address, index = _string(data, 0, "address")
    if index >= len(data):
        return Message(address, [], b"")  # an old-style message with no type tags
    tags, start = _string(data, index, "type tag string")
    if not tags.startswith(","):
        raise Malformed("bad_type_tag", "type tag string does not start with ','")
    unknown = set(tags[1:]) - KNOWN_TAGS
    if unknown:
        raise Malformed("bad_type_tag", f"unknown type tags {''.join(sorted(unknown))!r}")
    if tags.count("[") != tags.count("]"):
        raise Malformed("bad_type_tag", "unbalanced array brackets in the type tags")
    args, end = _arguments(data, start, tags[1:])
    if data[end:].strip(b"\x00"):  # extra zero padding is harmless; anything else is not
        raise Malformed("parse_error", f"{len(data) - end} bytes after the last argument")
    return Message(address, args, data[index:end])


def _arguments(data: bytes, index: int, tags: str) -> tuple[list[Any], int]:
    stack: list[list[Any]] = [[]]
    for tag in tags:
        if tag == "[":
            stack.append([])
            continue
        if tag == "]":
            if len(stack) == 1:
                raise Malformed("bad_type_tag", "']' before its '[' in the type tags")
            array = stack.pop()
            stack[-1].append(array)
            continue
        value, index = _argument(data, index, tag)
        if tag != "I":  # an impulse is a bang: no value to hand on
            stack[-1].append(value)
    return stack[0], index


def _argument(data: bytes, index: int, tag: str) -> tuple[Any, int]:
    if tag in _NO_DATA:
        return _NO_DATA[tag], index
    if tag == "I":
        return None, index
    if tag in ("s", "S"):
        return _string(data, index, "string argument")
    if tag == "b":
        (size,) = _unpack(">i", 4, data, index)
        if size < 0 or index + 4 + size > len(data):
            raise Malformed("parse_error", f"blob size {size} does not fit the message")
        return bytes(data[index + 4 : index + 4 + size]), index + 4 + _padded(size)
    if tag == "m":
        return bytes(data[index : index + 4]), index + _need(data, index, 4)
    fmt, size = _FIXED[tag]
    (value,) = _unpack(fmt, size, data, index)
    if tag == "c":
        if value > 0x10FFFF:
            raise Malformed("parse_error", f"char argument {value} is not a character")
        value = chr(value)
    return value, index + size


def _string(data: bytes, index: int, what: str) -> tuple[str, int]:
    end = data.find(b"\x00", index)
    if end < 0:
        raise Malformed("parse_error", f"{what} is not terminated")
    try:
        text = data[index:end].decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("not_utf8", f"the {what} is not UTF-8") from None
    return text, index + _padded(end - index + 1)


def _unpack(fmt: str, size: int, data: bytes, index: int) -> tuple[Any, ...]:
    _need(data, index, size)
    return struct.unpack_from(fmt, data, index)


def _need(data: bytes, index: int, size: int) -> int:
    if index + size > len(data):
        raise Malformed("parse_error", "the message ends inside an argument")
    return size


def encode_string(text: str) -> bytes:
    """An OSC string: UTF-8, NUL-terminated, padded to a multiple of 4 bytes."""
    raw = text.encode("utf-8") + b"\x00"
    return raw + b"\x00" * (_padded(len(raw)) - len(raw))


def _padded(size: int) -> int:
    return (size + 3) // 4 * 4


def _walk_bundle(data: bytes, depth: int, out: Parsed) -> None:
    if depth >= MAX_BUNDLE_DEPTH:
        raise Malformed("too_deep", f"bundles nested deeper than {MAX_BUNDLE_DEPTH}")
    if len(data) < 16:
        raise Malformed("bad_bundle", "bundle shorter than its header and time tag")
    # The time tag (bytes 8..16) is ignored on purpose: a show applies changes now.
    index = 16
    while index < len(data):
        if index + 4 > len(data):
            raise Malformed("bad_bundle", "bundle element size is truncated")
        (size,) = struct.unpack_from(">i", data, index)
        index += 4
        if size <= 0 or size % 4 or index + size > len(data):
            raise Malformed("bad_bundle", f"bundle element size {size} does not fit the bundle")
        element = data[index : index + size]
        index += size
        if element.startswith(BUNDLE_HEAD):
            _walk_bundle(element, depth + 1, out)
        elif element.startswith(b"/"):
            try:
                out.messages.append(parse_message(element))
            except Malformed as exc:
                out.refused.append(exc)  # this message alone: the framing around it holds
        else:
            raise Malformed("bad_bundle", "bundle element is neither a message nor a bundle")
        if len(out.messages) + len(out.refused) > MAX_MESSAGES:
            raise Malformed("too_many", f"more than {MAX_MESSAGES} messages in one datagram")
