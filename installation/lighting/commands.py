"""`installation lighting test`: step fixtures through red, green, blue, white and off.

So a technician can walk the room and check the patch: each step prints which fixture
should show which colour. `cli.py` calls `register(commands)`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from installation.cliargs import amount, config_options
from installation.errors import ConfigError
from installation.lighting.dmx import fixture_bytes, universes
from installation.lighting.patch import Fixture, Patch, load_patch, resolve_patch_path
from installation.palette import RGB

if TYPE_CHECKING:  # the network libraries load only when a test runs
    from installation.lighting.transport import DmxTransport

STEPS: tuple[tuple[str, RGB], ...] = (
    ("red", (1.0, 0.0, 0.0)),
    ("green", (0.0, 1.0, 0.0)),
    ("blue", (0.0, 0.0, 1.0)),
    ("white", (1.0, 1.0, 1.0)),
    ("off", (0.0, 0.0, 0.0)),
)


def register(commands: Any) -> None:
    """Add the `lighting` command group to the top-level sub-parsers."""
    lighting = commands.add_parser(
        "lighting",
        help="the lighting rig: check the patch",
        description="Tools for the lighting rig (configure it in [lighting] and a patch file).",
    )
    sub = lighting.add_subparsers(title="commands", required=True, metavar="COMMAND")
    test = sub.add_parser(
        "test",
        help="step each fixture through red, green, blue, white and off",
        description=(
            "Step each fixture of the patch (or one) through red, green, blue, white and off, "
            "printing each step, over the protocol and target of the config. Brightness caps "
            "(max) still apply; the others stay dark. The shipped configs leave lighting off: "
            "name a config whose [lighting] table turns it on, or add "
            "--set lighting.protocol=sacn (or artnet)."
        ),
    )
    test.add_argument("--fixture", metavar="NAME", help="only this fixture")
    config_options(
        test,
        config_note="its [lighting] table: protocol, target, patch",
        set_example="--set lighting.protocol=sacn",
    )
    test.add_argument(
        "--step", type=_seconds, default=2.0, metavar="SECONDS", help="time per step (default 2)"
    )
    test.set_defaults(handler=_test)


def _test(args: argparse.Namespace) -> int:
    from installation.config import load_settings
    from installation.lighting.build import describe, transport_opener
    from installation.params import load_catalogue

    settings = load_settings(load_catalogue(), args.config, args.overrides)
    lighting = settings.config.lighting
    if lighting.protocol == "off":
        # The shipped configs leave lighting off, so `--config performance` alone says this.
        read = ", ".join(Path(name).name for name in settings.files)
        raise ConfigError(
            f'lighting.protocol is "off" (in {read}): set it to "sacn" or "artnet" in the '
            "config's [lighting] table or with --set lighting.protocol=sacn "
            "--set lighting.target=HOST"
        )
    patch = load_patch(resolve_patch_path(lighting.patch))
    fixtures = patch.select(args.fixture)
    transport = transport_opener(lighting, patch, settings.config.osc.name)()
    print(f"testing {len(fixtures)} fixture(s) of {patch.path} over {describe(lighting)}")
    try:
        step_through(patch, fixtures, transport, args.step, _report)
    finally:
        transport.close("blackout")
    return 0


def step_through(
    patch: Patch,
    fixtures: tuple[Fixture, ...],
    transport: DmxTransport,
    step: float,
    report: Callable[[Fixture, str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Light one fixture at a time in each step colour; every other fixture stays dark."""
    dark = {f.name: fixture_bytes(f, (0.0, 0.0, 0.0), 1.0) for f in patch.fixtures}
    for fixture in fixtures:
        for name, colour in STEPS:
            report(fixture, name)
            lit = fixture_bytes(fixture, colour, 1.0)
            parts = [(f, lit if f is fixture else dark[f.name]) for f in patch.fixtures]
            for universe, data in universes(parts).items():
                transport.write(universe, data)
            # Tick through the step so receivers get keep-alives as in a show.
            waited = 0.0
            while True:
                transport.tick()
                if waited >= step:
                    break
                pause = min(0.1, step - waited)
                sleep(pause)
                waited += pause


def _report(fixture: Fixture, step: str) -> None:
    print(
        f"{fixture.name} ({fixture.type}, universe {fixture.universe}, "
        f"address {fixture.address}): {step}",
        flush=True,
    )


_seconds = amount("seconds", "2", most=60)
