"""`installation render`: the command line of offline rendering (parsing and wiring only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from installation.config import parse_size
from installation.errors import UserError
from installation.offline.encode import CODECS

RENDER_HELP = """Render a timeline (configs/timelines/NAME.toml or a file) offline into a video:
the same show and renderer as a live run, frame n at exactly n / fps, so the same timeline
renders the same frames every time. Ctrl-C stops with a playable file up to the last
finished frame."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "render", help="render a timeline offline into a video file", description=RENDER_HELP
    )
    parser.add_argument("source", metavar="SOURCE", help="timeline: a shipped name (demo) or file")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help="out.mp4 (h264), out.mov (prores), out.mkv (ffv1), or a folder or "
        "out/frame_%%06d.png (png)",
    )
    parser.add_argument("--size", metavar="WxH", help="picture size (default: the timeline's)")
    parser.add_argument("--fps", type=_fps, help="frames per second (default: the timeline's)")
    parser.add_argument("--codec", choices=tuple(CODECS), help="default: from OUT's suffix")
    parser.add_argument("--start", type=_time, metavar="S", help="first second to write")
    parser.add_argument("--end", type=_time, metavar="S", help="second to stop writing at")
    parser.add_argument(
        "--frames", metavar="A:B", help="write frames A..B-1 only (numbered from 0)"
    )
    parser.add_argument("--seed", type=int, metavar="N", help="another simulated crowd")
    parser.set_defaults(handler=_render)


def frame_range(
    total: int, fps: float, start: float | None, end: float | None, frames: str | None
) -> tuple[int, int]:
    """The frames to write, [first, end), from --start/--end or --frames; checked."""
    if frames is not None and (start is not None or end is not None):
        raise UserError("--frames and --start/--end choose the same thing: give one of them")
    if frames is not None:
        head, sep, tail = frames.partition(":")
        try:
            first = int(head) if head else 0
            last = int(tail) if tail else total
        except ValueError:
            first = last = -1
        if not sep or first < 0 or last < 0:
            raise UserError(f"--frames {frames!r}: expected A:B, e.g. 0:300 (frames A..B-1)")
    else:
        first = round((start or 0.0) * fps)
        last = round(end * fps) if end is not None else total
    if not 0 <= first < last <= total:
        raise UserError(
            f"the frames to write, {first}..{last - 1}, must lie in 0..{total - 1} "
            f"(the timeline has {total} frames) and not be empty"
        )
    return first, last


def _render(args: argparse.Namespace) -> int:
    from installation.config import load_settings
    from installation.offline.encode import choose_codec
    from installation.offline.progress import Progress
    from installation.offline.render import RenderJob, render_to_file, total_frames
    from installation.offline.timeline import load_timeline, resolve_timeline_path
    from installation.params import load_catalogue

    catalogue = load_catalogue()
    settings = load_settings(catalogue)
    timeline = load_timeline(resolve_timeline_path(args.source), catalogue)
    if args.seed is not None:
        timeline = timeline.with_seed(args.seed)
    try:
        size = parse_size(args.size) if args.size else timeline.size
    except ValueError as exc:
        raise UserError(f"--size: {exc}") from None
    fps = args.fps or timeline.fps
    codec = choose_codec(args.output, args.codec)
    total = total_frames(timeline.duration, fps)
    first, end = frame_range(total, fps, args.start, args.end, args.frames)
    job = RenderJob(
        timeline,
        size,
        fps,
        first,
        end,
        palette=settings.config.show.palette,
        initial=tuple(settings.params.items()),
    )
    print(
        f"installation: rendering {timeline.name!r} frames {first}..{end - 1} of {total} "
        f"at {size[0]}x{size[1]}, {fps:g} fps, {codec} -> {args.output}",
        file=sys.stderr,
    )
    progress = Progress(end - first)
    result = render_to_file(job, args.output, codec, catalogue, settings.config.render, progress)
    if result.interrupted is not None:
        print(
            f"installation: interrupted ({result.interrupted}): wrote {result.written} frames "
            f"to {args.output}; it plays up to the last finished frame",
            file=sys.stderr,
        )
        return 130
    print(f"installation: wrote {result.written} frames to {args.output}", file=sys.stderr)
    return 0


def _fps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected frames per second, e.g. 30 (got {text!r})"
        ) from None
    if not 1 <= value <= 240:
        raise argparse.ArgumentTypeError(f"expected 1..240 frames per second (got {text!r})")
    return value


def _time(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, e.g. 12.5 (got {text!r})") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected seconds >= 0 (got {text!r})")
    return value
