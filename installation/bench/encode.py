"""`installation bench encode`: render only, encode only, and both as `installation render` does.

At each size, the same frames of the demo timeline are (1) drawn and read back into memory,
(2) encoded to H.264 from memory, and (3) drawn and encoded together through the render
pipeline (encoding on a worker thread). `ratio` = (render-only + encode-only) / both at
1280x720: 1.0 means encoding is fully hidden behind rendering, 0.5 means none of it is.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from installation.bench.machine import describe_machine, machine_info
from installation.bench.stages import stage
from installation.cliargs import whole
from installation.config import load_settings
from installation.frame import FrameState
from installation.offline.encode import EncoderThread, open_sink, rgb_from_readback
from installation.offline.render import RenderJob, draw_frames
from installation.offline.timeline import load_timeline, resolve_timeline_path
from installation.params import Catalogue, load_catalogue
from installation.render.context import create_offscreen_context, describe

SIZES = ((1280, 720), (1920, 1080))
CODEC = "h264"


def register(benchmarks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = benchmarks.add_parser(
        "encode",
        help="offline render: ms a frame to render, to encode, and both overlapped",
        description=__doc__,
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--frames",
        type=whole("frames", least=1),
        default=60,
        metavar="N",
        help="frames per measurement (default 60; at least 5 are used)",
    )
    parser.set_defaults(handler=_main)


def _main(args: argparse.Namespace) -> int:
    result = run_benchmark(max(5, args.frames))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"machine: {describe_machine(result['machine'])}")
    for size, figures in result["sizes"].items():
        print(
            f"{size:>10}: render {figures['render_ms']:.1f} ms, encode {figures['encode_ms']:.1f}"
            f" ms, both {figures['both_ms']:.1f} ms a frame (ratio {figures['ratio']:.2f})"
        )
    print(f"ratio at 1280x720: {result['ratio']:.2f} (1.0: encoding fully overlapped)")
    return 0


def run_benchmark(frames: int) -> dict[str, Any]:
    catalogue = load_catalogue()
    ctx = create_offscreen_context()
    try:
        sizes = {}
        for width, height in SIZES:
            stage("encode", f"{width}x{height}, {frames} frames")
            sizes[f"{width}x{height}"] = _measure(ctx, catalogue, (width, height), frames)
        return {
            "codec": CODEC,
            "frames": frames,
            "ratio": sizes["1280x720"]["ratio"],
            "sizes": sizes,
            "machine": machine_info(gl=describe(ctx)),
        }
    finally:
        ctx.release()


def _measure(
    ctx: Any, catalogue: Catalogue, size: tuple[int, int], frames: int
) -> dict[str, float]:
    settings = load_settings(catalogue)
    timeline = load_timeline(resolve_timeline_path("demo"), catalogue)
    # The frames before `first` are drawn unmeasured: they warm the shader caches. The first
    # delivered frame only starts the clocks, so each figure covers the same `frames - 1`.
    first = 10
    timed = frames - 1
    job = RenderJob(timeline, size, timeline.fps, first, first + frames)
    render = settings.config.render
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.mp4"

        held: list[tuple[bytes, int]] = []
        started = [0.0]

        def keep(raw: bytes, index: int, _frame: FrameState) -> None:
            if not held:
                started[0] = time.perf_counter()
            held.append((raw, index))

        draw_frames(ctx, job, catalogue, render, keep)
        # The first delivered frame starts the clock: the unmeasured frames before it are out.
        render_s = time.perf_counter() - started[0]

        sink = open_sink(out, CODEC, size, timeline.fps)
        begun = time.perf_counter()
        for raw, index in held[1:]:
            sink.write(rgb_from_readback(raw, size), index)
        sink.close()
        encode_s = time.perf_counter() - begun

        sink = open_sink(out, CODEC, size, timeline.fps)
        encoder = EncoderThread(sink, size)
        started[0] = 0.0
        count = [0]

        def submit(raw: bytes, index: int, _frame: FrameState) -> None:
            count[0] += 1
            if count[0] == 1:
                started[0] = time.perf_counter()
            else:
                encoder.submit(raw, index)

        draw_frames(ctx, job, catalogue, render, submit)
        encoder.close()
        both_s = time.perf_counter() - started[0]
    render_ms, encode_ms, both_ms = (1000 * s / timed for s in (render_s, encode_s, both_s))
    return {
        "render_ms": render_ms,
        "encode_ms": encode_ms,
        "both_ms": both_ms,
        "ratio": (render_ms + encode_ms) / both_ms,
    }
