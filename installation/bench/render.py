"""`installation bench render`: frame times of every scene, against a trivial pass.

For each scene and size, frames of a seeded simulated crowd are rendered offscreen; each
frame waits for the GPU (`finish`) so its time is the real cost of the frame. A trivial
full-screen pass is measured in the same run as a yardstick, so figures from different
machines can be compared as ratios. The Python time per frame is the show state plus the
per-frame data the renderer prepares, with 64 faces, without GL.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import moderngl

from installation.bench.machine import describe_machine, machine_info
from installation.bench.stages import stage
from installation.cliargs import whole
from installation.config import RenderSection
from installation.events import FaceObservation, FacesObserved
from installation.palette import load_palette
from installation.params import Catalogue, load_catalogue
from installation.render.context import create_offscreen_context, describe
from installation.render.geometry import fullscreen_triangle
from installation.render.lights import instance_data
from installation.render.offscreen import OffscreenTarget
from installation.render.renderer import Renderer
from installation.resources import shaders_dir
from installation.show import Show
from installation.vision.crowd import CrowdSettings, SimulatedCrowd

SIZES = ((1280, 720), (1920, 1080))
TRIVIAL_VERTEX = """#version 330 core
in vec2 a_position;
void main() { gl_Position = vec4(a_position, 0.0, 1.0); }
"""
TRIVIAL_FRAGMENT = """#version 330 core
out vec4 f_colour;
void main() { f_colour = vec4(0.1, 0.2, 0.3, 1.0); }
"""


def register(benchmarks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = benchmarks.add_parser(
        "render",
        help="renderer: frame time of every scene at 1280x720 and 1920x1080",
        description=__doc__,
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--frames",
        type=whole("frames", least=1),
        default=60,
        metavar="N",
        help="timed frames per scene and size (default 60; at least 5 are timed)",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=SIZES,
        metavar="WxH[,WxH...]",
        help="frame sizes to measure (default 1280x720,1920x1080; e.g. 3840x2160 on a GPU)",
    )
    parser.set_defaults(handler=_main)


def _sizes(text: str) -> tuple[tuple[int, int], ...]:
    """'1920x1080,3840x2160' -> ((1920, 1080), (3840, 2160)), with a message argparse shows."""
    sizes = []
    for part in text.split(","):
        width, _, height = part.strip().lower().partition("x")
        if not (width.isdigit() and height.isdigit()) or not (
            16 <= int(width) <= 16384 and 16 <= int(height) <= 16384
        ):
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not a size: write WIDTHxHEIGHT, 16 to 16384 each"
            )
        sizes.append((int(width), int(height)))
    return tuple(sizes)


def _main(args: argparse.Namespace) -> int:
    result = run_benchmark(max(5, args.frames), sizes=args.sizes)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"renderer: {result['renderer']}")
    print(f"machine: {describe_machine(result['machine'])}")
    print(f"python per frame, 64 faces: {result['python_ms_per_frame']:.3f} ms")
    for size, figures in result["trivial"].items():
        print(f"trivial pass {size}: {figures['fps']:.1f} fps, p95 {figures['ms_p95']:.1f} ms")
    for scene, sizes in result["scenes"].items():
        for size, figures in sizes.items():
            print(
                f"{scene:<14}{size:>10}: {figures['fps']:6.1f} fps"
                f"  median {figures['ms_median']:6.1f} ms  p95 {figures['ms_p95']:6.1f} ms"
                f"  ({figures['ratio_to_trivial']:.1f}x trivial)"
            )
    return 0


def run_benchmark(frames: int, sizes: tuple[tuple[int, int], ...] = SIZES) -> dict[str, Any]:
    catalogue = load_catalogue()
    ctx = create_offscreen_context()
    try:
        stage("render", f"a trivial pass at {', '.join(_key(size) for size in sizes)}")
        trivial = {_key(size): _trivial(ctx, size, frames) for size in sizes}
        scenes: dict[str, dict[str, dict[str, float]]] = {}
        for scene in catalogue.get("scene").choices:
            scenes[scene] = {}
            for size in sizes:
                stage("render", f"{scene} at {_key(size)}")
                figures = _scene(ctx, catalogue, scene, size, frames)
                figures["ratio_to_trivial"] = (
                    figures["ms_median"] / trivial[_key(size)]["ms_median"]
                )
                scenes[scene][_key(size)] = figures
        return {
            "renderer": describe(ctx),
            "machine": machine_info(gl=describe(ctx)),
            "frames": frames,
            "python_ms_per_frame": python_ms_per_frame(catalogue),
            "trivial": trivial,
            "scenes": scenes,
        }
    finally:
        ctx.release()


def python_ms_per_frame(catalogue: Catalogue, faces: int = 64, frames: int = 300) -> float:
    """Show state plus the renderer's per-frame data for `faces` faces, in Python only."""
    show = Show(catalogue, load_palette("bioluminescent"), {"scene": "solidarity"}, max_faces=faces)
    people = [
        FaceObservation(i + 1, (i % 8) / 8, (i // 8) / 8, 0.08, 0.1, (i % 10) / 10, _mood(i))
        for i in range(faces)
    ]
    timings = []
    for n in range(frames):
        t = n / 60
        started = time.perf_counter()
        frame = show.step(t, [FacesObserved(t, "bench", tuple(people))])
        instance_data(frame, 16 / 9, faces, 256)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings[frames // 5 :]) * 1000


def _mood(i: int) -> tuple[float, ...]:
    weights = [1.0] * 7
    weights[i % 7] = 5.0
    total = sum(weights)
    return tuple(w / total for w in weights)


def _scene(
    ctx: moderngl.Context, catalogue: Catalogue, scene: str, size: tuple[int, int], frames: int
) -> dict[str, float]:
    crowd = SimulatedCrowd(CrowdSettings(seed=2137, max_people=8, initial_people=6))
    show = Show(catalogue, load_palette("bioluminescent"), {"scene": scene})
    target = OffscreenTarget(ctx, size)
    renderer = Renderer.from_config(ctx, shaders_dir(), catalogue, RenderSection())
    try:
        timings = []
        for n in range(frames + 10):
            t = n / 30
            frame = show.step(t, [FacesObserved(t, "sim", crowd.faces_at(t))])
            started = time.perf_counter()
            renderer.render(frame, target.framebuffer)
            ctx.finish()
            if n >= 10:  # the first frames compile shaders and warm caches
                timings.append(time.perf_counter() - started)
        return _figures(timings)
    finally:
        renderer.release()
        target.release()


def _trivial(ctx: moderngl.Context, size: tuple[int, int], frames: int) -> dict[str, float]:
    target = OffscreenTarget(ctx, size)
    program = ctx.program(vertex_shader=TRIVIAL_VERTEX, fragment_shader=TRIVIAL_FRAGMENT)
    triangle = fullscreen_triangle(ctx)
    vao = ctx.vertex_array(program, [(triangle, "2f", "a_position")])
    try:
        timings = []
        for n in range(frames + 10):
            started = time.perf_counter()
            target.framebuffer.use()
            vao.render(moderngl.TRIANGLES, vertices=3)
            ctx.finish()
            if n >= 10:
                timings.append(time.perf_counter() - started)
        return _figures(timings)
    finally:
        vao.release()
        triangle.release()
        program.release()
        target.release()


def _figures(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"fps": 1.0 / median, "ms_median": median * 1000, "ms_p95": p95 * 1000}


def _key(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
