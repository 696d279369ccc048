"""A show is one sACN source to a desk: the same CID at every start, under the show's name.

CID and source name are read from the raw E1.31 packets (ANSI E1.31-2018: the CID at bytes
22-37 of the root layer, the source name at bytes 44-107 of the framing layer), not through
the library that sends them.
"""

from __future__ import annotations

import uuid

import pytest

from installation.lighting.identity import source_cid
from tests.conftest import run_cli
from tests.lighting_helpers import Capture

ACN_ID = b"ASC-E1.17\x00\x00\x00"


def _identities(*sets: str) -> set[tuple[uuid.UUID, str]]:
    """(CID, source name) of every E1.31 data packet one `lighting test` run sends."""
    capture = Capture()
    try:
        flags = [f"--set={text}" for text in ("lighting.protocol=sacn", *sets)]
        result = run_cli(
            "lighting", "test", "--fixture", "wash", "--step", "0.05",
            f"--set=lighting.port={capture.port}", *flags,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert capture.wait_for(lambda: len(capture.raw) >= 3)
        raw = [data for _, data in capture.raw]
    finally:
        capture.close()
    packets = [data for data in raw if data[4:16] == ACN_ID and len(data) >= 126]
    assert packets, "no E1.31 packet received"
    return {
        (uuid.UUID(bytes=data[22:38]), data[44:108].split(b"\x00", 1)[0].decode("utf-8"))
        for data in packets
    }


def test_the_cid_is_the_same_at_every_start_and_the_name_is_the_shows() -> None:
    first = _identities("osc.name=Gallery Two")
    second = _identities("osc.name=Gallery Two")
    assert len(first) == 1 and first == second  # one source, across restarts
    ((cid, name),) = first
    assert name == "Gallery Two"
    assert cid == source_cid("", "Gallery Two")
    # Another show on this machine is another source.
    ((other, _),) = _identities("osc.name=Gallery Three")
    assert other != cid


def test_a_configured_cid_is_used_as_it_is() -> None:
    chosen = "6f1c2d3e-0a4b-4c5d-8e9f-a0b1c2d3e4f5"
    ((cid, _),) = _identities(f"lighting.cid={chosen}")
    assert cid == uuid.UUID(chosen)


def test_a_cid_that_is_not_a_uuid_is_a_message() -> None:
    result = run_cli(
        "lighting", "test", "--set", "lighting.protocol=sacn", "--set", "lighting.cid=not-a-uuid"
    )
    assert result.returncode == 2
    assert "lighting.cid: must be a UUID" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("machine", ["abc123", "def456"])
def test_the_derivation_depends_on_machine_and_name(machine: str) -> None:
    one = source_cid("", "Nova Sanctuary", machine)
    assert one == source_cid("", "Nova Sanctuary", machine)
    assert one != source_cid("", "Nova Sanctuary", machine + "x")
    assert one != source_cid("", "Other show", machine)
