"""`installation soak`: the command line (parsing only; the run is in run.py)."""

from __future__ import annotations

import argparse

from installation.cliargs import amount, config_options
from installation.soak.schedule import MINIMUM_MINUTES

SOAK_HELP = """Run the real show headless (simulated crowd, OSC traffic, sACN to a local
receiver) for N minutes and inject faults on a schedule, each for a few seconds, again and
again: the camera vanishes and returns, a shader breaks and is fixed, garbage OSC, a config
reload (SIGHUP), a lighting receiver that disappears, the venue closing (the camera
released) and opening. Reports the frame rate during and outside faults, the memory slope
after warm-up, live GL objects, open file descriptors and threads at start and end,
exceptions and recoveries. Exit 0 when every fault was recovered from and no exception
escaped; 1 otherwise. A run needs at least {minimum:g} minutes: a warm-up (a minute, or a
quarter of a short run), then each fault once with time to recover."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "soak",
        help="run the show with injected faults and report",
        description=SOAK_HELP.format(minimum=MINIMUM_MINUTES),
    )
    parser.add_argument(
        "--minutes",
        type=_minutes,
        default=30.0,
        metavar="N",
        help=f"how long (default 30; at least {MINIMUM_MINUTES:g}, for one round of every fault)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    config_options(
        parser,
        config_note="copied: the soak never writes it",
        set_example="--set window.size=640x360",
    )
    parser.set_defaults(handler=_soak)


def _soak(args: argparse.Namespace) -> int:
    from installation.soak.run import run_soak

    result: int = run_soak(args.minutes, args.config, args.overrides, args.json)
    return result


_minutes = amount("minutes", "30 or 2", most=60 * 24 * 30)  # 30 days at most
