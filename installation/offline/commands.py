"""`installation render`: the command line of offline rendering (parsing and wiring only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from installation.cliargs import amount, config_options
from installation.config import parse_size
from installation.errors import UserError
from installation.offline.encode import CODECS

if TYPE_CHECKING:
    from installation.config import RenderSection
    from installation.offline.render import RenderJob
    from installation.params import Catalogue

# Sessions were stepped at the live frame rate; 30 frames a second documents them well.
SESSION_FPS = 30.0

RENDER_HELP = """Render a timeline (configs/timelines/NAME.toml or a file) offline into a video:
the same show and renderer as a live run, frame n at exactly n / fps, so the same timeline
renders the same frames every time. A SOURCE ending in .jsonl is a session recorded with
`installation run --record`: its events are replayed at their recorded times and its
checksums compared (a difference is reported once). Ctrl-C stops with a playable file up
to the last finished frame."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "render", help="render a timeline offline into a video file", description=RENDER_HELP
    )
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="a timeline (a shipped name such as demo, or a file), or a session recorded "
        "with `installation run --record FILE.jsonl`",
    )
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
    parser.add_argument(
        "--fps", type=_fps, help="frames per second (default: the timeline's; 30 for a session)"
    )
    parser.add_argument("--codec", choices=tuple(CODECS), help="default: from OUT's suffix")
    parser.add_argument("--start", type=_time, metavar="S", help="first second to write")
    parser.add_argument("--end", type=_time, metavar="S", help="second to stop writing at")
    parser.add_argument(
        "--frames", metavar="A:B", help="write frames A..B-1 only (numbered from 0)"
    )
    parser.add_argument("--seed", type=int, metavar="N", help="another simulated crowd")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing OUT (or the range's PNG files); without it they are kept",
    )
    # A timeline takes the palette, starting parameters and render settings from the config;
    # a recorded session brings its own.
    config_options(parser)
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
    from installation.offline.encode import choose_codec, existing_output
    from installation.offline.render import render_to_file
    from installation.params import load_catalogue
    from installation.progress import Progress

    catalogue = load_catalogue()
    codec = choose_codec(args.output, args.codec)
    render: RenderSection
    if args.source.lower().endswith(".jsonl"):
        name, job, total, render = _session_job(args, catalogue)
    else:
        name, job, total, render = _timeline_job(args, catalogue)
    first, end, size, fps = job.first, job.end, job.size, job.fps
    taken = None if args.overwrite else existing_output(args.output, codec, range(first, end))
    if taken is not None:
        # A render can take hours: never replace one by accident.
        raise UserError(f"{taken}; add --overwrite to replace, or choose another name")
    print(
        f"installation: rendering {name!r} frames {first}..{end - 1} of {total} "
        f"at {size[0]}x{size[1]}, {fps:g} fps, {codec} -> {args.output}",
        file=sys.stderr,
    )
    progress = Progress(end - first)
    result = render_to_file(job, args.output, codec, catalogue, render, progress)
    if result.interrupted is not None:
        print(
            f"installation: interrupted ({result.interrupted}): wrote {result.written} frames "
            f"to {args.output}; it plays up to the last finished frame",
            file=sys.stderr,
        )
        return 130
    print(f"installation: wrote {result.written} frames to {args.output}", file=sys.stderr)
    return 0


def _timeline_job(
    args: argparse.Namespace, catalogue: Catalogue
) -> tuple[str, RenderJob, int, RenderSection]:
    from installation.config import load_settings
    from installation.offline.render import RenderJob, total_frames
    from installation.offline.timeline import load_timeline, resolve_timeline_path

    settings = load_settings(catalogue, args.config, args.overrides)
    timeline = load_timeline(resolve_timeline_path(args.source), catalogue)
    if args.seed is not None:
        timeline = timeline.with_seed(args.seed)
    size = _size(args.size) if args.size else timeline.size
    fps = args.fps or timeline.fps
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
    return timeline.name, job, total, settings.config.render


def _session_job(
    args: argparse.Namespace, catalogue: Catalogue
) -> tuple[str, RenderJob, int, RenderSection]:
    """A recorded session replayed: its own settings, checksums compared as it goes."""
    from installation.offline.render import RenderJob, total_frames
    from installation.record.replay import Mismatch, SessionReplay
    from installation.record.session import read_session

    if args.seed is not None:
        raise UserError("--seed changes a simulated crowd; a recorded session has its own faces")
    if args.config is not None or args.overrides:
        raise UserError(
            "--config and --set style a timeline; a recorded session replays with the config "
            "it was recorded with (its checksums would not match another)"
        )
    session = read_session(Path(args.source), catalogue)
    if session.dropped:
        print(
            f"installation: {args.source}: left out {session.dropped} unfinished line(s) at "
            "the end (the recording stopped mid-write)",
            file=sys.stderr,
        )
    if session.catalogue != tuple(p.name for p in catalogue):
        print(
            f"installation: {args.source} was recorded with another parameter catalogue "
            f"(version {session.version}); the replay may differ",
            file=sys.stderr,
        )
    config = session.settings.config
    size = _size(args.size) if args.size else config.window.size_px
    fps = args.fps or SESSION_FPS
    total = total_frames(session.duration, fps)
    first, end = frame_range(total, fps, args.start, args.end, args.frames)

    def report(mismatch: Mismatch) -> None:
        print(
            f"installation: replay differs from the recording at show time "
            f"{mismatch.time:.3f} s (checksum {mismatch.replayed}, recorded "
            f"{mismatch.recorded}); rendering goes on",
            file=sys.stderr,
        )

    job = RenderJob(
        None,
        size,
        fps,
        first,
        end,
        player=lambda: SessionReplay(session, catalogue, report),
    )
    return session.path.name, job, total, config.render


def _size(text: str) -> tuple[int, int]:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise UserError(f"--size: {exc}") from None


_fps = amount("frames per second", "30", most=240, least=1)
_time = amount("seconds", "12.5", zero_ok=True)
