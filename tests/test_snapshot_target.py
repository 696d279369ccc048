"""`--snapshot` where it cannot go: said at start or after the show, never a traceback."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from installation.errors import UserError
from installation.render import snapshot
from installation.render.snapshot import check_snapshot_target
from tests.conftest import quiet_network, run_cli


def test_a_place_that_cannot_be_written_stops_the_start() -> None:
    # /proc takes no new files, for root as for anyone (a chmod'ed folder would not stop root).
    result = run_cli("run", "--headless", "--duration", "1", "--snapshot", "/proc/nova/s.png")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--snapshot /proc/nova/s.png: cannot write in /proc/nova" in result.stderr
    assert "summary:" not in result.stdout  # refused before the show, not after it


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shots.png"
    folder.mkdir()
    with pytest.raises(UserError, match="is a folder"):
        check_snapshot_target(folder, (640, 360))


def test_a_disk_without_room_is_refused_with_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.disk_usage(tmp_path)

    def nearly_full(path: Any) -> Any:
        return real._replace(free=1_000_000)

    monkeypatch.setattr(snapshot.shutil, "disk_usage", nearly_full)
    path = tmp_path / "s.png"
    check_snapshot_target(path, (320, 180))  # 0.2 MB at most: there is room
    with pytest.raises(UserError) as caught:
        check_snapshot_target(path, (1920, 1080))
    assert "1.0 MB free" in str(caught.value) and "6.3 MB" in str(caught.value)
    assert "1920x1080" in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


@pytest.mark.gl
@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE behaves this way on Linux")
def test_a_disk_that_fills_during_the_show_is_one_message_after_the_summary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.png"
    result = run_cli(
        *("run", "--headless", "--duration", "1.5", "--size", "320x180"),
        *("--snapshot", str(path)),
        *quiet_network(),
        timeout=120,
        # Room for the probe at start, not for the picture at the end: a disk that filled.
        max_file_bytes=2048,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "summary: frames=" in result.stdout
    assert f"snapshot not written to {path}: File too large" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no half picture, no temporary file left
