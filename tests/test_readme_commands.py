"""The README's command examples run and exit as documented; its synopsis matches the parser.

Every command in a README code block that starts with `installation`, `python -m
installation`, `./run.sh` or `./test.sh` is run, block by block, in a fresh folder that
looks like the checkout (`configs/` linked in, since examples name files under it), and
must exit with the status the README gives it (0 unless its comment says `# exits N`).
A show or a render that would take minutes is run with options the README documents added
at the end (argparse keeps an option's last value), listed in SHORTER with the reason; what
cannot run here is in CANNOT_RUN with the reason. The whole file takes under a minute on
the 2-core test machine.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from installation.cli import build_parser
from tests.conftest import ROOT
from tests.readme_blocks import (
    Block,
    Example,
    example_blocks,
    options_table,
    synopsis_command,
    synopsis_entries,
)

SMALL_RENDER = "--size 64x36 --frames 0:2"  # two frames of a tiny picture
SHORTER: dict[str, tuple[str, str]] = {
    # example: (options added at its end, why)
    "./run.sh": ("--duration 1 --size 160x90", "the show runs until stopped"),
    "installation render demo -o out/demo.mp4": (SMALL_RENDER, "the demo is 1,800 frames"),
    "installation render demo -o out/demo.mov --size 3840x2160": (
        SMALL_RENDER,
        "1,800 frames at 4K; ProRes is still what writes them",
    ),
    "installation render demo -o out/demo.mkv --fps 60": (SMALL_RENDER, "3,600 frames"),
    "installation render demo -o out/frames/": (SMALL_RENDER, "1,800 PNG files"),
    "installation render demo -o out/f_%04d.png --start 10 --end 20 --seed 7": (
        "--size 64x36 --end 10.1",
        "300 frames; the 300 before --start are still drawn",
    ),
    "installation render demo -o part1.mp4 --frames 0:900": (
        "--size 64x36 --frames 0:3",
        "the same split of the demo, 300 times shorter",
    ),
    "installation render demo -o part2.mp4 --frames 900:1800": (
        "--size 64x36 --frames 3:6",
        "the same split of the demo, 300 times shorter",
    ),
    "installation run --config gallery --record out/s.jsonl": (
        "--duration 1 --size 160x90",
        "the night's show runs until stopped",
    ),
    "installation render out/s.jsonl -o out/s.mp4 --size 1920x1080": (
        "--size 64x36",
        "the recording's 30 frames, small",
    ),
    "installation run --source sim --headless --duration 10 --set lighting.protocol=sacn "
    "--set lighting.target=127.0.0.1 --set lighting.patch=configs/fixtures/demo.toml": (
        "--duration 1 --size 160x90",
        "ten seconds of show",
    ),
    "installation lighting test --set lighting.protocol=sacn --set lighting.target=192.168.1.50": (
        "--set lighting.target=127.0.0.1 --step 0.01",
        "no packets to a LAN address from a test; 2 s a step",
    ),
    "installation lighting test --fixture spot --step 5 --config performance "
    "--set lighting.protocol=artnet": ("--step 0.01", "5 s a step"),
}
CANNOT_RUN = {
    "./test.sh": "it runs this suite, this test included",
}


@dataclass(frozen=True)
class Known:
    """An example that fails today for a reason owned elsewhere; the block goes on after
    `workaround`, and the test is marked xfail until the example works."""

    says: str  # what its error message contains
    reason: str
    workaround: str  # a folder to make


KNOWN_BROKEN: dict[str, Known] = {}


def _ids(blocks: list[Block]) -> list[str]:
    return [f"README.md:{block.line}" for block in blocks]


BLOCKS = example_blocks()


def _argv(example: Example, extra: str) -> list[str]:
    words = example.words + shlex.split(extra)
    if words[0] == "installation":
        return [sys.executable, "-m", "installation", *words[1:]]
    if words[:3] == ["python", "-m", "installation"]:
        return [sys.executable, *words[1:]]
    return [str(ROOT / words[0]), *words[1:]]


def _run_sh_problem() -> str | None:
    """Why ./run.sh cannot run here, or None: it sets up (or reuses) ROOT/.venv and fetches
    missing models, which a test must not start."""
    from installation.vision.blazeface_files import blazeface_status
    from installation.vision.expression_files import expression_status
    from installation.vision.models import model_status

    venv = ROOT / ".venv"
    if Path(sys.prefix).resolve() != venv.resolve():
        return f"./run.sh would set up {venv}: these tests run from {sys.prefix}, not it"
    if not (model_status()[0] and expression_status()[0] and blazeface_status()[0]):
        return "./run.sh would try to download the missing models"
    return None


def _checkout_like(folder: Path) -> dict[str, str]:
    """A working folder as a reader's checkout has it, and the environment to run in."""
    (folder / "configs").symlink_to(ROOT / "configs", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # With the working folder elsewhere, `python -m installation` must still find this
    # checkout's package first (not another install of it).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.gl
@pytest.mark.parametrize("block", BLOCKS, ids=_ids(BLOCKS))
def test_every_readme_example_exits_as_documented(block: Block, tmp_path: Path) -> None:
    env = _checkout_like(tmp_path)

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False
        )

    ran = 0
    skipped: list[str] = []  # why an example did not run
    broken: list[str] = []  # KNOWN_BROKEN examples met
    for example in block.examples():
        if example.text in CANNOT_RUN:
            skipped.append(f"{example.text}: {CANNOT_RUN[example.text]}")
            continue
        if example.words[0] == "./run.sh" and (problem := _run_sh_problem()):
            skipped.append(problem)
            continue
        extra = SHORTER.get(example.text, ("", ""))[0]
        argv = _argv(example, extra)
        result = run(argv)
        ran += 1
        where = f"README.md:{example.line}: {example.text} (run with {extra or 'nothing'} added)"
        known = KNOWN_BROKEN.get(example.text)
        if known is not None:
            assert result.returncode != example.expected, (
                f"{where} works now: take it out of KNOWN_BROKEN"
            )
            assert known.says in result.stderr, f"{where}:\n{result.stderr}"
            broken.append(f"README.md:{example.line}: {known.reason}")
            (tmp_path / known.workaround).mkdir(exist_ok=True)
            result = run(argv)
        assert result.returncode == example.expected, (
            f"{where}: exit {result.returncode}, documented {example.expected}\n"
            f"{result.stderr[-2000:]}"
        )
        assert "Traceback" not in result.stderr, f"{where}\n{result.stderr}"
    if broken:
        pytest.xfail("; ".join(broken))
    if not ran:
        pytest.skip("; ".join(skipped))


def test_the_tables_of_shortened_and_unrunnable_examples_name_real_examples() -> None:
    documented = {example.text for block in BLOCKS for example in block.examples()}
    stale = (set(SHORTER) | set(CANNOT_RUN) | set(KNOWN_BROKEN)) - documented
    assert not stale, f"no longer in the README: {sorted(stale)}"
    # Each shortening only adds options the command documents (no hidden test switches).
    for example, (extra, _why) in SHORTER.items():
        words = shlex.split(example)
        path = ("run",) if words[0] == "./run.sh" else tuple(words[1:3])
        options = _parser_options(_subparser(path))
        added = {w for w in shlex.split(extra) if w.startswith("-")}
        assert added <= options, f"{example}: {added - options} is not one of its options"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _subparser(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in path:
        subs = _subparsers(parser)
        if word not in subs:
            break
        parser = subs[word]
    return parser


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command that does something (no sub-commands of its own), and the top level."""
    found = {path: parser} if not path or not _subparsers(parser) else {}
    for name, sub in _subparsers(parser).items():
        found.update(_commands(sub, (*path, name)))
    return found


def _parser_options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}


def test_the_synopsis_lists_every_command_and_every_option_it_takes() -> None:
    synopsis: dict[tuple[str, ...], set[str]] = {}
    for _line, entry in synopsis_entries():
        path, options = synopsis_command(entry)
        synopsis.setdefault(path, set()).update(options)
    commands = _commands(build_parser())
    assert set(synopsis) == set(commands), "commands in the README's synopsis and the parser"
    problems = []
    for path, parser in commands.items():
        name = " ".join(("installation", *path))
        for action in parser._actions:
            named = set(action.option_strings)
            if named and action.dest != "help" and not named & synopsis[path]:
                problems.append(f"{name}: {'/'.join(action.option_strings)} not in the README")
        unknown = synopsis[path] - _parser_options(parser)
        problems += [f"{name}: the README lists {o}, which it does not take" for o in unknown]
    assert not problems, "\n".join(problems)


def test_the_run_options_table_lists_only_options_of_run() -> None:
    run = _parser_options(_subparser(("run",)))
    listed = options_table("Command line")
    assert {"--config", "--set", "--source"} <= {option for _, option in listed}
    wrong = [f"README.md:{line}: {option}" for line, option in listed if option not in run]
    assert not wrong, f"in the table of `run`'s options but not one of them: {wrong}"
