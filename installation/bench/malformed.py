"""Malformed OSC datagrams of every kind the receiver must survive (benchmark and tests).

Deterministic for a seed, so a failure can be replayed.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator

# Largest UDP payload over IPv4.
MAX_UDP = 65_507
# Time tags far ahead: the last second NTP era 0 can say (2036), and 2126 written as an
# era-1 time (100 years ahead; it wraps in 32 bits, as NTP does). Both must apply now.
FUTURE_TAGS = (
    struct.pack(">Q", 0xFFFFFFFF << 32),
    struct.pack(">Q", ((int((2126 - 1900) * 365.2425 * 86400)) % (1 << 32)) << 32),
)


def osc_string(text: bytes) -> bytes:
    return text + b"\x00" * (4 - len(text) % 4)


def float_message(address: str, value: float) -> bytes:
    """A well-formed one-float message, encoded by hand (fast enough for 50,000 a second)."""
    return osc_string(address.encode()) + b",f\x00\x00" + struct.pack(">f", value)


def bundle(*elements: bytes, tag: bytes = b"\x00" * 7 + b"\x01") -> bytes:
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\x00" + tag + body


def _truncated(rng: random.Random, valid: bytes) -> bytes:
    return valid[: rng.randrange(1, len(valid))]


def _wrong_tags(rng: random.Random, valid: bytes) -> bytes:
    tags = rng.choice([b",x", b",fff", b"f", b",\xff", b",i", b",s", b",b", b",h", b",d", b",t"])
    return osc_string(b"/nova/glow/radius") + osc_string(tags) + b"\x00\x00"


def _unbalanced(rng: random.Random, valid: bytes) -> bytes:
    tags = rng.choice([b",[f", b",]f", b",[[f]", b",f]]", b",[" * 8])
    return osc_string(b"/nova/glow/radius") + osc_string(tags) + struct.pack(">f", 0.3)


def _huge(rng: random.Random, valid: bytes) -> bytes:
    head = osc_string(b"/nova/glow/radius") + osc_string(b",b")
    size = MAX_UDP - len(head) - 4
    return head + struct.pack(">i", size) + bytes(size)


def _huge_claim(rng: random.Random, valid: bytes) -> bytes:
    # A blob or string that says it is far longer than the datagram.
    head = osc_string(b"/nova/glow/radius") + osc_string(b",b")
    return head + struct.pack(">i", rng.choice([0x7FFFFFFF, -4, -0x80000000, 1 << 20]))


def _not_utf8(rng: random.Random, valid: bytes) -> bytes:
    if rng.random() < 0.5:
        return osc_string(b"/nova/\xff\xfe\xc3") + b",f\x00\x00" + struct.pack(">f", 0.3)
    return osc_string(b"/nova/scene") + b",s\x00\x00" + osc_string(b"\xc3\x28\xa0\xa1")


def _nested(rng: random.Random, valid: bytes) -> bytes:
    inner = valid
    for _ in range(rng.randrange(9, 40)):
        inner = bundle(inner)
    return inner


def _bad_bundle(rng: random.Random, valid: bytes) -> bytes:
    return (
        b"#bundle\x00"
        + b"\x00" * 7
        + b"\x01"
        + struct.pack(">i", rng.choice([-4, -1, 3, 1 << 30, 0]))
    )


def _random_bytes(rng: random.Random, valid: bytes) -> bytes:
    return rng.randbytes(rng.randrange(0, 64))


def _empty(rng: random.Random, valid: bytes) -> bytes:
    return b""


def _future_bundle(rng: random.Random, valid: bytes) -> bytes:
    # Valid OSC: must apply now, never wait 100 years.
    return bundle(valid, tag=rng.choice(FUTURE_TAGS))


def _nan(rng: random.Random, valid: bytes) -> bytes:
    value = rng.choice([float("nan"), float("inf"), float("-inf"), 1e30, -5.0])
    return osc_string(b"/nova/glow/radius") + b",f\x00\x00" + struct.pack(">f", value)


# (kind, maker, weight): huge datagrams are rare so 100,000 of them stay quick to send.
KINDS: tuple[tuple[str, Callable[[random.Random, bytes], bytes], int], ...] = (
    ("truncated", _truncated, 20),
    ("wrong_tags", _wrong_tags, 15),
    ("unbalanced", _unbalanced, 10),
    ("huge", _huge, 1),
    ("huge_claim", _huge_claim, 8),
    ("not_utf8", _not_utf8, 10),
    ("nested", _nested, 5),
    ("bad_bundle", _bad_bundle, 8),
    ("random", _random_bytes, 15),
    ("empty", _empty, 2),
    ("future_bundle", _future_bundle, 3),
    ("nan", _nan, 3),
)


def malformed(count: int, seed: int = 1) -> Iterator[tuple[str, bytes]]:
    """`count` (kind, datagram) pairs, deterministic for `seed`."""
    rng = random.Random(seed)
    valid = float_message("/nova/glow/radius", 0.25)
    names = [kind for kind, _, _ in KINDS]
    makers = {kind: maker for kind, maker, _ in KINDS}
    weights = [weight for _, _, weight in KINDS]
    for _ in range(count):
        kind = rng.choices(names, weights)[0]
        yield kind, makers[kind](rng, valid)
