"""The hot-reload file watcher: one report per burst of saves, content changes only (no GL)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from installation.render.watch import FileWatcher, digest_lines


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def watcher_for(paths: list[Path], settle: float = 1.0) -> tuple[FileWatcher, FakeClock]:
    clock = FakeClock()
    # None: nothing known about what was compiled, so the first look is the reference.
    watcher = FileWatcher(lambda: dict.fromkeys(paths), interval=0.1, settle=settle, clock=clock)
    watcher.check()  # the baseline
    return watcher, clock


def poll_at(watcher: FileWatcher, clock: FakeClock, now: float) -> frozenset[Path]:
    clock.now = now
    watcher.check()
    return watcher.take_changes()


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a temporary file, rename it over the original, then touch it."""
    temporary = path.with_name(path.name + ".swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))


def test_a_burst_of_saves_is_reported_once_after_it_settles(tmp_path: Path) -> None:
    path = tmp_path / "a.glsl"
    path.write_text("one", encoding="utf-8")
    watcher, clock = watcher_for([path])

    path.write_text("two, half written", encoding="utf-8")
    assert poll_at(watcher, clock, 0.1) == frozenset()
    save_like_an_editor(path, "three")
    assert poll_at(watcher, clock, 0.2) == frozenset()
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert poll_at(watcher, clock, 0.3) == frozenset()
    assert poll_at(watcher, clock, 1.2) == frozenset()  # quiet for 0.9 s of 1.0: not yet
    assert poll_at(watcher, clock, 1.3) == {path}
    assert poll_at(watcher, clock, 5.0) == frozenset()  # reported once


def test_a_touch_or_an_edit_that_is_undone_reports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.glsl"
    path.write_text("same", encoding="utf-8")
    watcher, clock = watcher_for([path])
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert poll_at(watcher, clock, 0.1) == frozenset()
    path.write_text("different", encoding="utf-8")
    assert poll_at(watcher, clock, 0.2) == frozenset()
    save_like_an_editor(path, "same")
    assert poll_at(watcher, clock, 0.3) == frozenset()
    assert poll_at(watcher, clock, 5.0) == frozenset()


def test_a_deleted_file_is_a_change(tmp_path: Path) -> None:
    path = tmp_path / "a.glsl"
    path.write_text("here", encoding="utf-8")
    watcher, clock = watcher_for([path])
    path.unlink()
    assert poll_at(watcher, clock, 0.1) == frozenset()
    assert poll_at(watcher, clock, 2.0) == {path}


def test_an_edit_before_the_first_look_is_seen_against_what_was_compiled(
    tmp_path: Path,
) -> None:
    """A lib file newly included by a reload, edited before the watcher ever looked at it."""
    path = tmp_path / "a.glsl"
    path.write_text("compiled\nthis\n", encoding="utf-8")
    compiled = {path: digest_lines(["compiled", "this"])}
    path.write_text("edited\n", encoding="utf-8")
    clock = FakeClock()
    watcher = FileWatcher(lambda: compiled, settle=1.0, clock=clock)
    assert poll_at(watcher, clock, 0.0) == frozenset()
    assert poll_at(watcher, clock, 1.0) == {path}
    assert poll_at(watcher, clock, 2.0) == frozenset()  # reported once, not every poll


def test_line_endings_do_not_make_a_change(tmp_path: Path) -> None:
    path = tmp_path / "a.glsl"
    path.write_bytes(b"one\r\ntwo\r\n")
    clock = FakeClock()
    watcher = FileWatcher(lambda: {path: digest_lines(["one", "two"])}, clock=clock)
    assert poll_at(watcher, clock, 0.0) == frozenset()
    assert poll_at(watcher, clock, 5.0) == frozenset()


def test_a_path_added_to_the_watch_list_is_a_baseline_then_watched(tmp_path: Path) -> None:
    first, second = tmp_path / "a.glsl", tmp_path / "b.glsl"
    first.write_text("a", encoding="utf-8")
    second.write_text("b", encoding="utf-8")
    paths = [first]
    watcher, clock = watcher_for(paths)
    paths.append(second)
    assert poll_at(watcher, clock, 0.1) == frozenset()
    assert poll_at(watcher, clock, 2.0) == frozenset()
    second.write_text("b, edited", encoding="utf-8")
    assert poll_at(watcher, clock, 2.1) == frozenset()
    assert poll_at(watcher, clock, 4.0) == {second}


def test_the_thread_reports_changes_and_stops_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "a.glsl"
    path.write_text("one", encoding="utf-8")
    watcher = FileWatcher(lambda: dict.fromkeys([path]), interval=0.01, settle=0.02)
    watcher.start()
    try:
        path.write_text("two", encoding="utf-8")
        changes: frozenset[Path] = frozenset()
        for _ in range(1000):  # bounded: the thread polls every 10 ms
            changes = watcher.take_changes()
            if changes:
                break
            time.sleep(0.01)
        assert changes == {path}
    finally:
        watcher.stop()
    assert not watcher.running
