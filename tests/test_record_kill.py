"""A recording survives SIGKILL: every complete line parses and the session replays."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from installation.params import Catalogue
from installation.record.replay import SessionReplay
from installation.record.session import read_session
from tests.test_record_session import free_port, start_recording, wait_for_lines

pytestmark = pytest.mark.gl


def test_a_killed_recording_still_replays(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "killed.jsonl"
    process = start_recording(path, free_port(), 60.0)
    try:
        wait_for_lines(path, '"sum"', 2)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    complete = path.read_text().rpartition("\n")[0].splitlines()
    assert all(json.loads(line) for line in complete)
    session = read_session(path, catalogue)
    assert session.duration >= 1.0
    replay = SessionReplay(session, catalogue)
    assert replay.verify() is None and replay.checked >= 2
