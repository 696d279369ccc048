"""Recall of the face detectors on gallery frames made from labelled face crops.

    .venv/bin/python scripts/measure_face_detectors.py /work/shared/data/genki4k-dev [--per-cell N]

Each crop of DIR/0 and DIR/1 is placed (installation/vision/gallery.py) into 640x480
frames at face widths 40..160 px in every condition; each detector's rate of finding the
face (IoU >= 0.3, centre inside) is printed per size and condition. Crops are read, never
copied or written; frames stay in memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from installation.vision.blazeface import BlazeFace
from installation.vision.boxes import Box
from installation.vision.detect import FACE_CASCADE, cascade_dir, load_cascade
from installation.vision.dnn_detect import (
    SWEEP_LEVELS,
    TILE_LEVELS,
    BlazeFaceFinder,
    BlazeFaceSweep,
    plan_tiles,
)
from installation.vision.gallery import CONDITIONS, FACE_SIZES, gallery_frame, is_found
from installation.vision.sweep import DetectionSweep, plan_jobs

Detector = Callable[[np.ndarray], list[Box]]


def detectors(detect_width: int = 320) -> dict[str, Detector]:
    short, full = BlazeFace("short"), BlazeFace("full")
    sweep = DetectionSweep(load_cascade(cascade_dir() / FACE_CASCADE))

    def haar(frame: np.ndarray) -> list[Box]:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        scale = detect_width / grey.shape[1]
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        jobs = plan_jobs(small.shape[1], small.shape[0])
        return [box for job in jobs for box in sweep.run(small, job)]

    def grey(detector: BlazeFace) -> Detector:
        return lambda frame: [
            f.box for f in detector.detect(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        ]

    def swept(detector: BlazeFace, levels: tuple[float, ...], colour: bool = True) -> Detector:
        sweep = BlazeFaceSweep(detector, levels)

        def run(frame: np.ndarray) -> list[Box]:
            image = frame if colour else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            tiles = plan_tiles(frame.shape[1], frame.shape[0], levels)
            return [s.box for tile in tiles for s in sweep.run(image, tile)]

        return run

    def confirmed(detector: BlazeFace, which: str) -> Detector:
        """The sweep as the pipeline takes it: each face confirmed by the local search."""
        sweep, finder = BlazeFaceSweep(detector, SWEEP_LEVELS[which]), BlazeFaceFinder(detector)

        def run(frame: np.ndarray) -> list[Box]:
            tiles = plan_tiles(frame.shape[1], frame.shape[0], sweep.levels)
            found = [s.box for tile in tiles for s in sweep.run(frame, tile)]
            sure = [finder.confirm(frame, box) for box in found]
            return [s.box for s in sure if s is not None]

        return run

    return {
        "short-tiles-confirmed": confirmed(short, "short"),
        "full-tiles-confirmed": confirmed(full, "full"),
        "short-tiles": swept(short, TILE_LEVELS),
        "short-tiles-grey": swept(short, TILE_LEVELS, colour=False),
        "short-tiles-0.65": swept(BlazeFace("short", min_score=0.65), TILE_LEVELS),
        "full-tiles": swept(full, (1.0, 0.5)),
        "full-tiles-grey": swept(full, (1.0, 0.5), colour=False),
        "short": lambda frame: [f.box for f in short.detect(frame)],
        "short-grey": grey(short),
        "full": lambda frame: [f.box for f in full.detect(frame)],
        "full-grey": grey(full),
        "haar": haar,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--per-cell", type=int, default=60, help="crops per size and condition")
    parser.add_argument("--json", type=Path, help="also write the table here as JSON")
    parser.add_argument("--only", action="append", metavar="NAME", help="only this detector")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    files = sorted(args.dir.glob("[01]/*.jpg"))
    if not files:
        print(f"no DIR/0/*.jpg or DIR/1/*.jpg in {args.dir}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(7)
    chosen = [files[i] for i in rng.choice(len(files), args.per_cell, replace=False)]
    crops = [cv2.imread(str(path), cv2.IMREAD_COLOR) for path in chosen]
    found: dict[str, dict[tuple[int, str], int]] = {}
    timing: dict[str, float] = {}
    false: dict[str, int] = {}
    offsets: dict[str, list[tuple[float, float]]] = {}
    runs = detectors()
    if args.only:
        runs = {name: runs[name] for name in args.only}
    for size in FACE_SIZES:
        for condition in CONDITIONS:
            for name in runs:
                found.setdefault(name, {})[(size, condition)] = 0
            for i, crop in enumerate(crops):
                frame, truth = gallery_frame(crop, size, condition, seed=1000 * size + i)
                for name, detect in runs.items():
                    t0 = time.perf_counter()
                    boxes = detect(frame)
                    timing[name] = timing.get(name, 0.0) + time.perf_counter() - t0
                    hit = is_found(truth, boxes)
                    found[name][(size, condition)] += hit
                    false[name] = false.get(name, 0) + sum(not is_found(truth, [b]) for b in boxes)
                    for b in boxes:
                        if is_found(truth, [b]):
                            offsets.setdefault(name, []).append(
                                ((b.centre[1] - truth.centre[1]) / b.h, b.w / truth.w)
                            )
                            break
    frames = len(FACE_SIZES) * len(CONDITIONS) * len(crops)
    table = {}
    for name, cells in found.items():
        dy, ratio = np.mean(offsets.get(name, [(np.nan, np.nan)]), axis=0)
        print(
            f"\n{name}  ({timing[name] / frames * 1000:.1f} ms/frame, n={len(crops)} per cell, "
            f"{false.get(name, 0) / frames:.3f} false detections/frame, found boxes: centre "
            f"{dy:+.2f} of their height below the crop's, {ratio:.2f} of its width)"
        )
        print("size  " + "  ".join(f"{c:>7}" for c in CONDITIONS) + "      all")
        for size in FACE_SIZES:
            rates = [cells[(size, c)] / len(crops) for c in CONDITIONS]
            print(
                f"{size:4d}  " + "  ".join(f"{r:7.2f}" for r in rates) + f"  {np.mean(rates):7.2f}"
            )
            table[f"{name}/{size}"] = dict(zip(CONDITIONS, rates, strict=True))
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
