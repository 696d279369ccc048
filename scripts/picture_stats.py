"""Picture statistics of rendered PNG frames: is it a dark room with light in it?

    .venv/bin/python scripts/picture_stats.py out/a/ [out/b/] [--from 5] [--fps 30 --fps-b 15]

For each frame of folder A from `--from` seconds on: mean luma (0-255) and dark share
(pixels below 40); the worst of each is printed. With a second folder B (the same
timeline at another frame rate), frames at equal show times are compared (mean and 99th
percentile of the per-pixel difference, 8-bit levels).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np


def _frames(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"))


def _luma(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    if image is None:
        sys.exit(f"{path}: not a PNG image")
    return image.astype(np.float64) @ np.array([0.114, 0.587, 0.299])  # BGR order


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path, nargs="?")
    parser.add_argument("--from", dest="start", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of A")
    parser.add_argument("--fps-b", type=float, default=15.0, help="frame rate of B")
    args = parser.parse_args()
    frames = _frames(args.a)
    first = round(args.start * args.fps)
    means, darks = [], []
    for path in frames[first:]:
        luma = _luma(path)
        means.append(luma.mean())
        darks.append((luma < 40).mean())
    if not means:
        sys.exit(f"{args.a}: no frames from {args.start} s on")
    worst_mean, worst_dark = int(np.argmax(means)), int(np.argmin(darks))
    print(f"{args.a}: {len(means)} frames from {args.start:g} s")
    print(
        f"  mean luma: max {means[worst_mean]:.1f} (at {(first + worst_mean) / args.fps:.1f} s),"
        f" median {np.median(means):.1f}"
    )
    print(
        f"  dark share: min {darks[worst_dark]:.3f} (at {(first + worst_dark) / args.fps:.1f} s),"
        f" median {np.median(darks):.3f}"
    )
    if args.b is not None:
        others = _frames(args.b)
        step = args.fps / args.fps_b
        diffs, p99s = [], []
        for index, path in enumerate(others):
            mine = index * step
            if mine < first or round(mine) != mine or int(mine) >= len(frames):
                continue
            a = cv2.imread(str(frames[int(mine)])).astype(np.float64)
            b = cv2.imread(str(path)).astype(np.float64)
            difference = np.abs(a - b)
            diffs.append(difference.mean())
            p99s.append(np.percentile(difference, 99))
        print(
            f"  vs {args.b} at {len(diffs)} equal show times: mean difference max "
            f"{max(diffs):.2f} median {np.median(diffs):.2f}; p99 max {max(p99s):.0f} "
            f"median {np.median(p99s):.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
