"""argparse pieces shared by the commands: numbers inside a range, and the config options."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def amount(
    unit: str, example: str, most: float = math.inf, least: float = 0.0, *, zero_ok: bool = False
) -> Callable[[str], float]:
    """An argparse `type` for a finite number of `unit` from `least` to `most`.

    `least` itself is refused unless it is 0 and `zero_ok`, or above 0 (a lower limit above
    zero is a real minimum, as 1 frame a second). `example` shows a valid value in the
    message for text that is not a number.
    """
    inclusive = zero_ok or least > 0

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {unit}, e.g. {example} (got {text!r})"
            ) from None
        low_ok = value >= least if inclusive else value > least
        if not (low_ok and value <= most) or math.isinf(value):
            low = f">= {least:g}" if inclusive else f"> {least:g}"
            limit = low if math.isinf(most) else f"{low} and at most {most:g}"
            raise argparse.ArgumentTypeError(f"expected {unit} {limit} (got {text!r})")
        return value

    return parse


def whole(unit: str, least: int = 0) -> Callable[[str], int]:
    """An argparse `type` for a whole number of `unit`, `least` or more."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of {unit}, {least} or more (got {text!r})"
            )
        return value

    return parse


def config_options(
    parser: argparse.ArgumentParser,
    *,
    config_note: str = "",
    set_example: str = "--set window.vsync=false --set params.glow.radius=0.3",
) -> None:
    """`--config FILE` and repeatable `--set KEY=VALUE`, read by `config.load_settings`."""
    note = f" ({config_note})" if config_note else ""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"config file, or a shipped name: gallery, performance, documentation{note}",
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="overrides",
        help=f"set any config key, e.g. {set_example} "
        "(value read as TOML; a bare word is a string; repeatable)",
    )
