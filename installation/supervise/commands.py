"""`installation supervise`: the built-in supervisor on the command line."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from installation.cliargs import amount
from installation.errors import UserError
from installation.stopsignals import on_stop_signals
from installation.supervise.supervisor import Supervisor, SupervisorSettings, posix_required


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "supervise",
        help="run the show and restart it when it exits or freezes (no systemd needed)",
        description=(
            "Run `installation run ARGS` as a child process and start it again when it ends, "
            "crashes or freezes (its frame loop pings a watchdog over a private notify socket, "
            "as under systemd). Ctrl-C or SIGTERM stop the show and the supervisor; SIGHUP is "
            "passed on. POSIX (Linux, macOS) only. Example: installation supervise -- "
            "--config gallery"
        ),
    )
    parser.add_argument(
        "--watchdog",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="restart when the frame loop sends no ping for this long (default 5)",
    )
    parser.add_argument(
        "--restart-delay",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="wait this long before starting again (default 1)",
    )
    parser.add_argument(
        "--grace",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="after SIGTERM, a frozen show gets this long before SIGKILL (default 1)",
    )
    parser.add_argument(
        "run_args",
        nargs=argparse.REMAINDER,
        metavar="RUN_ARGS",
        help="arguments for `installation run` (after --)",
    )
    parser.set_defaults(handler=_supervise)


def _supervise(args: argparse.Namespace) -> int:
    problem = posix_required()
    if problem:
        raise UserError(problem)
    run_args = list(args.run_args)
    if run_args[:1] == ["--"]:
        run_args = run_args[1:]
    settings = SupervisorSettings(
        watchdog_s=args.watchdog, restart_delay_s=args.restart_delay, grace_s=args.grace
    )
    supervisor = Supervisor([sys.executable, "-m", "installation", "run", *run_args], settings)

    def hangup(signum: int, _frame: FrameType | None) -> None:
        supervisor.forward(signum)

    signal.signal(signal.SIGHUP, hangup)
    with on_stop_signals(lambda _name: supervisor.stop()):
        return supervisor.run()


_seconds = amount("seconds", "5 or 0.5", most=3600)
