"""Writes the kept regression corpus of malformed OSC datagrams (tests/data/osc_corpus/).

Run `python -m tests.make_osc_corpus` to regenerate; the files are kept in the repository so
a change to the generator cannot silently drop a case that once broke something.
"""

from __future__ import annotations

import struct
from pathlib import Path

from installation.bench.malformed import (
    FUTURE_TAGS,
    KINDS,
    MAX_UDP,
    bundle,
    float_message,
    malformed,
    osc_string,
)

CORPUS = Path(__file__).resolve().parent / "data" / "osc_corpus"
PER_KIND = 3

# Cases worth naming: each broke (or would break) a naive receiver.
NAMED: dict[str, bytes] = {
    # python-osc's own bundle parser loops for ever on this (element size -4).
    "bundle_negative_size_loops_python_osc": b"#bundle\x00"
    + b"\x00" * 7
    + b"\x01"
    + struct.pack(">i", -4),
    "blob_claims_2gb": osc_string(b"/nova/glow/radius")
    + osc_string(b",b")
    + struct.pack(">i", 0x7FFFFFFF),
    "string_without_terminator": b"/nova/scene\x00,s\x00\x00abcd",
    "address_only_unterminated": b"/nova/glow/radius",
    "type_tags_unterminated": osc_string(b"/nova/glow/radius") + b",fff",
    "array_unclosed": osc_string(b"/nova/glow/radius")
    + osc_string(b",[ff")
    + struct.pack(">ff", 0.1, 0.2),
    "array_closed_twice": osc_string(b"/nova/glow/radius")
    + osc_string(b",f]]")
    + struct.pack(">f", 0.1),
    "non_utf8_address": osc_string(b"/nova/\xff\xfe") + b",f\x00\x00" + struct.pack(">f", 0.3),
    "non_utf8_string_arg": osc_string(b"/nova/scene") + b",s\x00\x00" + osc_string(b"\xc3\x28"),
    "future_bundle_2036": bundle(float_message("/nova/glow/radius", 0.25), tag=FUTURE_TAGS[0]),
    "future_bundle_2126": bundle(float_message("/nova/glow/radius", 0.25), tag=FUTURE_TAGS[1]),
    "datagram_65507_bytes": osc_string(b"/nova/glow/radius")
    + osc_string(b",b")
    + struct.pack(">i", MAX_UDP - 32)
    + bytes(MAX_UDP - 32),
    "float_nan": float_message("/nova/glow/radius", float("nan")),
    "float_infinity": float_message("/nova/glow/radius", float("inf")),
    "int64_huge": osc_string(b"/nova/glow/radius") + b",h\x00\x00" + struct.pack(">q", 2**62),
    "unknown_tag_x": osc_string(b"/nova/glow/radius") + b",x\x00\x00" + b"\x00" * 4,
    "empty": b"",
    "just_a_slash": b"/",
    "bundle_header_only": b"#bundle\x00",
}


def _nested(depth: int) -> bytes:
    inner = float_message("/nova/glow/radius", 0.25)
    for _ in range(depth):
        inner = bundle(inner)
    return inner


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    for old in CORPUS.glob("*.bin"):
        old.unlink()
    cases = dict(NAMED)
    cases["bundle_nested_200_deep"] = _nested(200)
    counts = {kind: 0 for kind, _, _ in KINDS}
    for kind, data in malformed(5000, seed=11):
        # One 64 KiB datagram (named above) is enough to keep in the repository.
        if counts[kind] < PER_KIND and kind != "huge":
            counts[kind] += 1
            cases[f"gen_{kind}_{counts[kind]}"] = data
    for name, data in sorted(cases.items()):
        (CORPUS / f"{name}.bin").write_bytes(data)
    print(f"wrote {len(cases)} datagrams to {CORPUS}")


if __name__ == "__main__":
    main()
