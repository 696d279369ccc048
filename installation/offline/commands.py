"""`installation render`: the command line of offline rendering (parsing and wiring only)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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
# A contact sheet is for looking over a piece: small cells, and the show stepped at most
# this often (the picture at a show time does not depend on the rate it is stepped at).
SHEET_SIZE = (320, 180)
SHEET_FPS = 10.0
SHEET_FRAMES, SHEET_COLUMNS = 24, 6

RENDER_HELP = """Render a timeline (configs/timelines/NAME.toml or a file) offline into a video:
the same show and renderer as a live run, frame n at exactly n / fps, so the same timeline
renders the same frames every time. A SOURCE ending in .jsonl is a session recorded with
`installation run --record`: its events are replayed at their recorded times and its
checksums compared (a difference is reported once). Ctrl-C stops with a playable file up
to the last finished frame. With --contact-sheet PNG instead of -o, it writes one picture
of the piece: a grid of frames at even show times, each labelled with its time and act."""


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
        metavar="OUT",
        help="out.mp4 (h264), out.mov (prores), out.mkv (ffv1), or a folder or "
        "out/frame_%%06d.png (png)",
    )
    parser.add_argument(
        "--contact-sheet",
        type=Path,
        metavar="PNG",
        help="instead of -o: one PNG of the piece, a grid of frames at even show times "
        "labelled with time and act",
    )
    parser.add_argument(
        "--frames-in-sheet",
        type=_cells,
        default=SHEET_FRAMES,
        metavar="N",
        help=f"frames in a contact sheet (default {SHEET_FRAMES}): the ends of N equal slices "
        "of --start..--end, the last one the last frame",
    )
    parser.add_argument(
        "--columns",
        type=_columns,
        default=SHEET_COLUMNS,
        metavar="C",
        help=f"columns of a contact sheet (default {SHEET_COLUMNS})",
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        help="picture size (default: the timeline's); of each cell for a contact sheet "
        f"(default {SHEET_SIZE[0]}x{SHEET_SIZE[1]})",
    )
    parser.add_argument(
        "--fps",
        type=_fps,
        help="frames per second (default: the timeline's; 30 for a session); a contact sheet "
        f"steps the show at this rate (default: the same, at most {SHEET_FPS:g})",
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
    from installation.offline.encode import check_size, choose_codec, existing_output
    from installation.offline.render import render_to_file
    from installation.params import load_catalogue
    from installation.progress import Progress

    if (args.output is None) == (args.contact_sheet is None):
        given = "both" if args.output is not None else "neither"
        raise UserError(
            f"render writes a video (-o OUT) or a contact sheet (--contact-sheet PNG): give "
            f"one of them ({given} given)"
        )
    catalogue = load_catalogue()
    if args.contact_sheet is not None:
        return _render_sheet(args, catalogue)
    codec = choose_codec(args.output, args.codec)
    name, job, total, render = _job(args, catalogue)
    first, end, size, fps = job.first, job.end, job.size, job.fps
    check_size(codec, size)  # before the announcement: a size no encoder takes is a mistake
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


def _render_sheet(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """`--contact-sheet PNG`: the frames at even show times in one labelled picture."""
    from dataclasses import replace

    from installation.atomic import write_atomically
    from installation.offline.render import draw_stills
    from installation.offline.sheet import (
        Cell,
        assemble,
        encode_png,
        format_show_time,
        sheet_indices,
    )
    from installation.progress import Progress

    path: Path = args.contact_sheet
    if path.suffix.lower() != ".png":
        raise UserError(f"--contact-sheet {path}: the file name must end in .png")
    if args.frames is not None:
        raise UserError(
            "--frames numbers a video's frames; a contact sheet covers --start..--end (seconds)"
        )
    if args.codec is not None:
        raise UserError("--codec chooses a video's codec; a contact sheet is a PNG file")
    name, span, _total, render = _job(args, catalogue)
    if path.is_dir():
        raise UserError(f"--contact-sheet {path}: is a folder; give a file name ending in .png")
    if path.exists() and not args.overwrite:
        raise UserError(f"{path} exists; add --overwrite to replace, or choose another name")
    try:
        # Now, not after the drawing: a sheet that cannot be written is refused first.
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path}: cannot write the contact sheet: {exc.strerror}") from None
    indices = sheet_indices(span.first, span.end, args.frames_in_sheet)
    # Frames before the first cell are drawn all the same (draw_frames), none after the last.
    job = replace(span, first=indices[0], end=indices[-1] + 1)
    width, height = job.size
    print(
        f"installation: contact sheet of {name!r}: {len(indices)} frames over "
        f"{span.first / job.fps:g}..{span.end / job.fps:g} s, {width}x{height} each, the show "
        f"stepped at {job.fps:g} fps -> {path}",
        file=sys.stderr,
    )
    progress = Progress(len(indices), label="contact sheet", rate_unit="frames/s")
    result = draw_stills(job, indices, catalogue, render, progress)
    if result.interrupted is not None:
        print(
            f"installation: interrupted ({result.interrupted}): no contact sheet written",
            file=sys.stderr,
        )
        return 130
    cells = [
        Cell(still.rgb, f"{format_show_time(still.index / job.fps)}  {still.frame.scene}")
        for still in result.stills
    ]
    try:
        # In one step: an earlier sheet is replaced whole or kept, never left half-written.
        write_atomically(path, encode_png(assemble(cells, args.columns)))
    except OSError as exc:
        raise UserError(f"{path}: cannot write the contact sheet: {exc.strerror}") from None
    print(f"installation: wrote a contact sheet of {len(cells)} frames to {path}", file=sys.stderr)
    return 0


def _job(
    args: argparse.Namespace, catalogue: Catalogue
) -> tuple[str, RenderJob, int, RenderSection]:
    """The job SOURCE asks for: a timeline, or a recorded session (.jsonl)."""
    if args.source.lower().endswith(".jsonl"):
        return _session_job(args, catalogue)
    return _timeline_job(args, catalogue)


def _size_and_fps(
    args: argparse.Namespace, size: tuple[int, int], fps: float
) -> tuple[tuple[int, int], float]:
    """--size and --fps, else the source's own; a contact sheet's defaults are smaller."""
    sheet = args.contact_sheet is not None
    if args.size:
        size = _size(args.size)
    elif sheet:
        size = SHEET_SIZE
    if args.fps:
        fps = args.fps
    elif sheet:
        fps = min(fps, SHEET_FPS)
    return size, fps


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
    size, fps = _size_and_fps(args, timeline.size, timeline.fps)
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
    size, fps = _size_and_fps(args, config.window.size_px, SESSION_FPS)
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


def _whole(what: str, most: int) -> Callable[[str], int]:
    """An argparse `type` for a whole number of `what` from 1 to `most`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of {what} from 1 to {most} (got {text!r})"
            )
        return value

    return parse


# More cells than this is no longer a sheet to look over (and 1000 320x180 cells is 170 MB).
_cells = _whole("frames", 1000)
_columns = _whole("columns", 100)
_time = amount("seconds", "12.5", zero_ok=True)
