"""Datagrams to OSC messages, refusing anything malformed with a reason.

python-osc parses each message; bundles are unpacked here because its bundle parser loops
forever on a negative element size, recurses without a limit on nested bundles and sleeps
(in its servers) until a bundle's time tag. Bundle time tags are ignored: everything applies
now. Type tags are checked before python-osc sees a message, because it logs a warning for
every unknown tag (a flood of them would flood the log).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from pythonosc.osc_message import OscMessage

BUNDLE_HEAD = b"#bundle\x00"
# Deeper nesting than this has no musical use and only costs work.
MAX_BUNDLE_DEPTH = 8
# A 64 KiB datagram of minimal messages holds ~5,000; more than this is an attack, not a show.
MAX_MESSAGES = 1024
# Tags python-osc reads; arrays are parsed (then refused by the routes that take one value).
KNOWN_TAGS = frozenset("ihfdsbrmtTFN[]")


class Malformed(ValueError):
    """A datagram that is not valid OSC; `reason` is the counter it is rejected under."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Message:
    address: str
    args: list[Any]


def parse_datagram(data: bytes) -> list[Message]:
    """Every message in `data` (a message, or a bundle of them), or Malformed."""
    if data.startswith(BUNDLE_HEAD):
        messages: list[Message] = []
        _walk_bundle(data, 0, messages)
        return messages
    if data.startswith(b"/"):
        return [parse_message(data)]
    if not data:
        raise Malformed("not_osc", "empty datagram")
    raise Malformed("not_osc", "neither an OSC message (starts with '/') nor a bundle")


def parse_message(data: bytes) -> Message:
    _check_type_tags(data)
    try:
        message = OscMessage(data)
        return Message(message.address, message.params)
    except UnicodeDecodeError:
        raise Malformed("not_utf8", "a string in the message is not UTF-8") from None
    except Exception as exc:  # python-osc raises several types for truncated data
        raise Malformed("parse_error", f"cannot parse the message: {exc}") from None


def _walk_bundle(data: bytes, depth: int, out: list[Message]) -> None:
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
            out.append(parse_message(element))
        else:
            raise Malformed("bad_bundle", "bundle element is neither a message nor a bundle")
        if len(out) > MAX_MESSAGES:
            raise Malformed("too_many", f"more than {MAX_MESSAGES} messages in one datagram")


def _check_type_tags(data: bytes) -> None:
    end = data.find(b"\x00")
    if end < 0:
        raise Malformed("parse_error", "address is not terminated")
    start = (end // 4 + 1) * 4  # the address is padded to a multiple of 4 bytes
    if start >= len(data):
        return  # no type tag string: an old-style message with no arguments
    tags_end = data.find(b"\x00", start)
    if tags_end < 0:
        raise Malformed("parse_error", "type tag string is not terminated")
    tags = data[start:tags_end]
    if not tags.startswith(b","):
        raise Malformed("bad_type_tag", "type tag string does not start with ','")
    try:
        text = tags[1:].decode("ascii")
    except UnicodeDecodeError:
        raise Malformed("bad_type_tag", "type tag string is not ASCII") from None
    unknown = set(text) - KNOWN_TAGS
    if unknown:
        raise Malformed("bad_type_tag", f"unknown type tags {''.join(sorted(unknown))!r}")
    if text.count("[") != text.count("]"):
        raise Malformed("bad_type_tag", "unbalanced array brackets in the type tags")
