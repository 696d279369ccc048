"""The command line: parses arguments and hands them to the part that does the work."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from installation import __version__
from installation.bench import BENCHMARKS
from installation.cliargs import amount, config_options
from installation.config import Settings, load_settings, parse_size
from installation.errors import ConfigError, UserError
from installation.lighting import commands as lighting_commands
from installation.offline import commands as offline_commands
from installation.params import Catalogue, load_catalogue
from installation.soak import commands as soak_commands
from installation.sourcespec import SOURCE_FORMS, SourceSpec
from installation.supervise import commands as supervise_commands
from installation.vision import commands as vision_commands

log = logging.getLogger("installation")


def main(argv: list[str] | None = None) -> int:
    """Entry point of `installation` and `python -m installation`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    try:
        result: int = args.handler(args)
        return result
    except UserError as exc:
        print(f"installation: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # `installation params | head`: the reader left; nothing more to say.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        # Ctrl-C before the show's own handler is in place (during start-up).
        print("installation: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="installation",
        description=(
            "Nova Sanctuary: a camera reads the audience's smiles and the projection answers "
            "in bioluminescent light, shared unequally."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log more detail; for every command, given before it: installation -v run ...",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the show",
        description=(
            "Run the show. With no camera it runs on a simulated crowd; with no display it "
            "renders offscreen. Ctrl-C, SIGTERM, Esc or closing the window end it cleanly."
        ),
    )
    config_options(run)
    run.add_argument("--source", type=_source, help=f"where faces come from: {SOURCE_FORMS}")
    run.add_argument("--headless", action="store_true", help="render offscreen, open no window")
    run.add_argument(
        "--duration", type=_seconds, metavar="SECONDS", help="stop after this many seconds"
    )
    run.add_argument("--fullscreen", action="store_true", help="open the window fullscreen")
    run.add_argument(
        "--screen", type=_screen, metavar="N", help="screen to open the window on (0 = first)"
    )
    run.add_argument("--size", type=_size, metavar="WxH", help="render size, e.g. 1920x1080")
    run.add_argument(
        "--snapshot",
        type=Path,
        metavar="PNG",
        help="write the last rendered frame to this PNG file",
    )
    run.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="record every event and the config (numbers only, never pixels) in a new "
        "FILE.jsonl; replay it with `installation render FILE.jsonl -o OUT`",
    )
    run.set_defaults(handler=_run)

    params = commands.add_parser(
        "params",
        help="print the parameter catalogue",
        description="Print every live parameter: name, OSC address, type, default, range.",
    )
    params.add_argument(
        "--json", action="store_true", help="print a JSON list of every OSC address"
    )
    params.add_argument(
        "--layout",
        choices=("open-stage-control",),
        help="write a controller session generated from the catalogue",
    )
    params.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="where --layout writes (default: stdout)"
    )
    params.add_argument(
        "--cues",
        metavar="NAME",
        default="demo",
        help="cue list whose cues get buttons in --layout (default: demo; '' for none)",
    )
    params.set_defaults(handler=_params)

    doctor = commands.add_parser(
        "doctor",
        help="check this machine: GL, shaders, cameras, ports, model files",
        description=(
            "Check every part the show needs: the configs, OpenGL and the shaders, the "
            "display, the cameras, whether the OSC, OSCQuery and health ports are free (each "
            "that the config turns on), the lighting patch and the model files. Reads "
            "--config and --set as `installation run` does. Exits 1 when a required part is "
            "missing; a taken port is a warning, as the show runs on without that part."
        ),
    )
    config_options(doctor, config_note="checked as `run` would read it")
    doctor.set_defaults(handler=_doctor)
    notice = commands.add_parser(
        "notice",
        help="print the privacy notice for the gallery wall",
        description="Print configs/notice.md: what the camera does and does not do.",
    )
    notice.set_defaults(handler=_notice)
    vision_commands.register(commands)  # smiles evaluate, models fetch
    lighting_commands.register(commands)  # lighting test
    offline_commands.register(commands)  # render
    soak_commands.register(commands)  # soak
    supervise_commands.register(commands)  # supervise

    bench = commands.add_parser(
        "bench",
        help="measure speed: each benchmark prints figures and the machine they ran on",
        description="Benchmarks. Each prints its figures (or JSON with --json) and the machine.",
    )
    benchmarks = bench.add_subparsers(title="benchmarks", required=True, metavar="BENCHMARK")
    for module_name in BENCHMARKS:
        importlib.import_module(module_name).register(benchmarks)
    return parser


def _run(args: argparse.Namespace) -> int:
    from installation.app import RunOptions, run_show
    from installation.referenced import check_referenced_files
    from installation.supervise.logfile import add_log_file
    from installation.supervise.storm import guarded_run, run_despite_config_error
    from installation.supervise.testhooks import fault_hooks

    catalogue = load_catalogue()
    flags = _flags(args)
    if args.snapshot is not None and args.snapshot.suffix.lower() != ".png":
        raise UserError(f"--snapshot {args.snapshot}: the file name must end in .png")
    if args.record is not None and args.record.suffix.lower() != ".jsonl":
        raise UserError(f"--record {args.record}: the file name must end in .jsonl")
    options = RunOptions(
        snapshot=args.snapshot,
        record=args.record,
        extra_outputs=tuple(fault_hooks()),  # none unless a supervisor test asks for one
        # SIGHUP reads the same files and --set again (installation/reload.py), and the
        # palette, patch and cue list they name, as a start would.
        reload=lambda: check_referenced_files(
            catalogue, load_settings(catalogue, args.config, args.overrides, flags)
        ),
    )

    def run(run_settings: Settings, idle: bool) -> int:
        return run_show(catalogue, run_settings, dataclasses.replace(options, safe_idle=idle))

    try:
        settings = load_settings(catalogue, args.config, args.overrides, flags)
    except ConfigError as error:
        # Under systemd a broken config would be restarted into the same error forever.
        return run_despite_config_error(error, lambda: _built_in(catalogue, flags), run)
    add_log_file(settings.config.log)
    # Records this start; too many failed ones lately and the show starts in safe idle.
    return guarded_run(settings, run)


def _built_in(catalogue: Catalogue, flags: list[tuple[str, str, Any]]) -> Settings:
    """The defaults with the command line's flags (--headless, --size...), or without them
    when they are what is wrong."""
    try:
        return load_settings(catalogue, flags=flags)
    except ConfigError:
        return load_settings(catalogue)


def _flags(args: argparse.Namespace) -> list[tuple[str, str, Any]]:
    """Command-line options as (flag, config key, value), so one validation covers both."""
    flags: list[tuple[str, str, Any]] = []
    if args.source is not None:
        flags.append(("--source", "source.input", args.source))
    if args.headless:
        flags.append(("--headless", "window.headless", True))
    if args.duration is not None:
        flags.append(("--duration", "show.duration", args.duration))
    if args.fullscreen:
        flags.append(("--fullscreen", "window.fullscreen", True))
    if args.screen is not None:
        flags.append(("--screen", "window.screen", args.screen))
    if args.size is not None:
        flags.append(("--size", "window.size", args.size))
    return flags


def _params(args: argparse.Namespace) -> int:
    from installation.control.layout import layout_json
    from installation.control.routes import namespace_json

    catalogue = load_catalogue()
    if args.layout:
        text = layout_json(catalogue, args.cues)
        if args.output is None:
            print(text, end="")
        else:
            _write_text(args.output, text)
            print(f"wrote an Open Stage Control session to {args.output}", file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps(namespace_json(catalogue), indent=2))
        return 0
    print(f"{len(catalogue)} parameters (OSC prefix {catalogue.prefix}); set them with")
    print("--set params.NAME=VALUE or in a config's [params] table.\n")
    for param in catalogue:
        unit = f" {param.unit}" if param.unit else ""
        smoothing = f", smoothing {param.smoothing:g} s" if param.smoothing else ""
        print(f"{param.name}  ({param.address})")
        print(f"    {param.type}, default {param.default!r}{unit}; {param.allowed()}{smoothing}")
        print(f"    {param.description}")
    print("\nOSC actions (numbers also take <prefix>/ramp/<name> VALUE SECONDS):")
    for entry in namespace_json(catalogue):
        if entry["kind"] in ("action", "reply", "status", "health"):
            print(f"{entry['address']}\n    {entry['description']}")
    return 0


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror}") from None


def _doctor(args: argparse.Namespace) -> int:
    from installation.doctor import run_doctor

    return run_doctor(args.config, args.overrides)


def _notice(args: argparse.Namespace) -> int:
    from installation.resources import configs_dir

    print((configs_dir() / "notice.md").read_text(encoding="utf-8"), end="")
    return 0


def _source(text: str) -> str:
    try:
        SourceSpec.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _size(text: str) -> str:
    try:
        parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


_seconds = amount("seconds", "30 or 2.5")


def _screen(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a screen number 0, 1, 2, ... (got {text!r})")
    return int(text)


def _setup_logging(verbose: bool) -> None:
    # Notices go to stderr so stdout carries only status lines, the summary and data output.
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="installation: %(message)s",
        stream=sys.stderr,
    )
    # The sacn library logs every socket bind at INFO; only its problems matter here.
    logging.getLogger("sacn").setLevel(logging.WARNING)
