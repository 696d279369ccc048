"""`--help` of every command: each option says what it does, and the ones people asked about
(issue 20) say what they need to."""

from __future__ import annotations

import argparse
import re

import pytest

from installation.cli import build_parser
from tests.conftest import run_cli


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _walk(sub, (*path, name))
    return found


def _help(*path: str) -> str:
    """The --help text of a command, as one line (argparse wraps at the terminal width)."""
    parsers = dict(_walk(build_parser()))
    return " ".join(parsers[path].format_help().split())


def test_every_option_of_every_command_says_what_it_does() -> None:
    silent = [
        f"installation {' '.join(path)} {'/'.join(action.option_strings)}"
        for path, parser in _walk(build_parser())
        for action in parser._actions
        if action.option_strings and action.help in (None, "", argparse.SUPPRESS)
    ]
    assert not silent, f"options without a help text: {silent}"


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (("bench",), r"render\s+renderer: frame time of every scene"),
        (("bench", "render"), r"--frames N timed frames .*--sizes WxH\[,WxH\.\.\.\] frame sizes"),
        (("smiles", "evaluate"), r"--model FILE fer's emotion model file"),
        (("bench", "restart"), r"--size WxH render size of the shows \(default 1280x720"),
        (("bench", "osc"), r"--rates R,R,\.\.\. messages a second to try.*\(default 5000,"),
        (("bench", "osc"), r"--flood-rate N messages a second of the flood trial \(default"),
        (("bench", "osc"), r"--malformed N malformed datagrams to send.*0: skip"),
        (("soak",), r"A run needs at least 1\.75 minutes: a warm-up"),
        (("soak",), r"--minutes N how long \(default 30; at least 1\.75"),
        (("doctor",), r"OSC, OSCQuery and health ports .*--set KEY=VALUE"),
        (("lighting", "test"), r"The shipped configs leave lighting off"),
        ((), r"-v, --verbose log more detail; for every command, given before it"),
    ],
)
def test_the_help_names_what_issue_20_found_missing(command: tuple[str, ...], says: str) -> None:
    assert re.search(says, _help(*command)), _help(*command)


def test_verbose_comes_before_the_command_as_the_readme_says() -> None:
    assert run_cli("-v", "run", "--help").returncode == 0
    wrong = run_cli("run", "-v")
    assert wrong.returncode == 2 and "unrecognized arguments: -v" in wrong.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("bench", "osc", "--rates", "5000,fast"), "--rates: expected a whole number"),
        (("bench", "osc", "--malformed", "-1"), "0 or more (got '-1')"),
        (("bench", "restart", "--size", "big"), "--size: "),
        (("bench", "render", "--frames", "0"), "1 or more (got '0')"),
        (("smiles", "evaluate", "faces", "--threshold", "2"), "at most 1 (got '2')"),
    ],
)
def test_bad_benchmark_numbers_get_one_message_not_a_traceback(
    args: tuple[str, ...], says: str
) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
