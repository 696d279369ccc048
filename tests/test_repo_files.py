"""What git keeps agrees with .gitignore and the README: no tracked file is one it ignores,
and the emotion models, which set-up fetches, are not in git."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def _git(*args: str) -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked source tree has nothing tracked to check)")
    result = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_no_tracked_file_lies_under_an_ignored_path() -> None:
    tracked_but_ignored = _git("ls-files", "--cached", "--ignored", "--exclude-standard")
    assert not tracked_but_ignored, (
        f"tracked although .gitignore ignores them: {tracked_but_ignored}; "
        "either `git rm --cached` them or stop ignoring them (and say so in the README)"
    )


def test_the_model_files_are_fetched_not_kept_in_git_as_the_readme_says() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "**The model files** are not in git: set-up" in readme
    assert "installation models fetch" in readme
    assert "/models/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert _git("ls-files", "models") == []
