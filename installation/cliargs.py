"""argparse value types shared by the commands: a number of some unit inside a range."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def amount(unit: str, example: str, most: float = math.inf) -> Callable[[str], float]:
    """An argparse `type` for a number of `unit` above 0 and at most `most`.

    `example` shows a valid value in the message for text that is not a number.
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {unit}, e.g. {example} (got {text!r})"
            ) from None
        if not 0 < value <= most or math.isinf(value):
            limit = "> 0" if math.isinf(most) else f"> 0 and at most {most:g}"
            raise argparse.ArgumentTypeError(f"expected {unit} {limit} (got {text!r})")
        return value

    return parse
