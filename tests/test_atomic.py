"""Replacing a file in one step: the old file or the new one, never a mix, no litter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from installation import atomic
from installation.atomic import write_atomically


def test_text_and_bytes_replace_the_file_and_leave_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "starts.json"  # the folder is made when missing
    write_atomically(path, "première\n")
    assert path.read_bytes() == "première\n".encode()
    write_atomically(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in path.parent.iterdir()) == ["starts.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "show.toml"
    path.write_text("old = 1\n")

    def disk_full(_src: str, _dst: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_atomically(path, "new = 2\n")
    monkeypatch.setattr(atomic.os, "replace", os.replace)
    assert path.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["show.toml"]
