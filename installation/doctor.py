"""`installation doctor`: checks every part the show needs and says what is missing."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from installation.acts import check_acts
from installation.config import Settings, load_settings, parse_host_port
from installation.control.cues import load_cue_list, resolve_cue_path
from installation.errors import ConfigError, UserError
from installation.lighting.build import check_universes
from installation.lighting.build import describe as describe_lighting
from installation.lighting.patch import load_patch, resolve_patch_path
from installation.palette import load_palette
from installation.params import Catalogue, load_catalogue
from installation.render.context import create_offscreen_context, describe
from installation.render.renderer import all_programs
from installation.render.shaders import (
    ShaderCompileError,
    ShaderSourceError,
    compile_program,
    load_shader,
)
from installation.render.window import display_available
from installation.resources import shaders_dir
from installation.schedule.testclock import wall_clock_from_environment
from installation.vision.blazeface_files import blazeface_status
from installation.vision.capture import list_cameras
from installation.vision.detect import FACE_CASCADE, SMILE_CASCADE, cascade_dir
from installation.vision.expression_files import expression_status
from installation.vision.models import model_status

SHIPPED_CONFIGS = ("default", "gallery", "performance", "documentation")


@dataclass(frozen=True)
class Check:
    """One line of the report. A failed required check makes doctor exit 1."""

    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        mark = "ok" if self.ok else ("MISSING" if self.required else "warn")
        return f"  {mark:<8}{self.name:<10}{self.detail}"


def run_doctor(
    config_file: str | None,
    overrides: Sequence[str] = (),
    out: Callable[[str], None] = print,
) -> int:
    """Print a report of every check; 0 when all required parts are there, else 1.

    `config_file` and `overrides` (`--set KEY=VALUE`) are read as `installation run` reads
    them, so the ports, camera and rig checked are the ones that run would use.
    """
    out(f"installation doctor (Python {sys.version.split()[0]}, {sys.platform})")
    checks: list[Check] = []
    catalogue, settings = _check_config(config_file, overrides, checks)
    _check_gl(catalogue, checks)
    checks.append(
        Check(
            "display",
            display_available(),
            "a display is available for a window"
            if display_available()
            else "no display: `installation run` renders offscreen",
            required=False,
        )
    )
    _check_cameras(settings, checks)
    _check_ports(settings, checks)
    _check_show_files(catalogue, settings, checks)
    _check_lighting(settings, checks)
    _check_models(checks)
    for check in checks:
        out(check.line())
    if settings is not None:
        _print_schedule(settings, out)
    missing = [c for c in checks if c.required and not c.ok]
    if missing:
        out(f"{len(missing)} required part(s) missing: " + ", ".join(c.name for c in missing))
        return 1
    out("everything the show needs is here")
    return 0


def _check_config(
    config_file: str | None, overrides: Sequence[str], checks: list[Check]
) -> tuple[Catalogue | None, Settings | None]:
    try:
        catalogue = load_catalogue()
    except UserError as exc:
        checks.append(Check("params", False, str(exc)))
        return None, None
    checks.append(Check("params", True, f"{len(catalogue)} parameters in configs/params.toml"))
    for name in SHIPPED_CONFIGS:
        try:
            load_settings(catalogue, None if name == "default" else name)
        except UserError as exc:
            checks.append(Check("config", False, f"configs/{name}.toml: {exc}"))
    settings = None
    try:
        settings = load_settings(catalogue, config_file, list(overrides))
        checks.append(
            Check("config", True, f"valid: {', '.join(Path(f).name for f in settings.files)}")
        )
    except UserError as exc:
        checks.append(Check("config", False, str(exc)))
    return catalogue, settings


def _check_gl(catalogue: Catalogue | None, checks: list[Check]) -> None:
    try:
        ctx = create_offscreen_context()
    except UserError as exc:
        checks.append(Check("opengl", False, str(exc)))
        return
    try:
        checks.append(Check("opengl", True, describe(ctx)))
        failures = []
        if catalogue is not None and "scene" in catalogue:
            try:
                check_acts(catalogue.get("scene").choices, shaders_dir())
            except ConfigError as exc:
                failures.append(str(exc))
        pairs = all_programs()
        for vertex, fragment in pairs:
            try:
                root = shaders_dir()
                program = compile_program(
                    ctx, load_shader(root, vertex), load_shader(root, fragment)
                )
                program.release()
            except (ShaderCompileError, ShaderSourceError) as exc:
                failures.append(str(exc))
        if failures:
            checks.append(Check("shaders", False, "\n".join(failures)))
        else:
            checks.append(Check("shaders", True, f"{len(pairs)} programs compile"))
    finally:
        ctx.release()


def _check_cameras(settings: Settings | None, checks: list[Check]) -> None:
    cameras = list_cameras()
    spec = settings.config.source.spec if settings else None
    needed = bool(settings and spec and spec.kind == "camera" and settings.config.source.required)
    if cameras:
        detail = "found: " + ", ".join(f"camera:{i}" for i in cameras)
    else:
        detail = "none found: the simulated crowd stands in"
    ok = bool(cameras) and (spec is None or spec.kind != "camera" or spec.index in cameras)
    if spec is not None and spec.kind == "camera" and not ok and cameras:
        detail += f" (the config asks for camera:{spec.index})"
    checks.append(Check("cameras", ok or not needed, detail, required=needed))


def _check_ports(settings: Settings | None, checks: list[Check]) -> None:
    """Every port the show listens on, each only when the config turns it on.

    The OSC port is required unless `osc.optional`: a show whose port is taken stops at
    start. OSCQuery and the health page are not: the show runs on without them (one warning),
    so doctor warns as well.
    """
    if settings is None:
        return
    config = settings.config
    ports = (
        ("osc port", "osc.listen", "UDP", config.osc.listen),
        ("oscquery", "osc.query", "TCP", config.osc.query),
        ("health", "health.listen", "TCP", config.health.listen),
    )
    for name, key, protocol, listen in ports:
        required = key == "osc.listen" and not config.osc.optional
        if not listen:  # "" turns OSCQuery and the health page off
            checks.append(Check(name, True, f'off ({key} = "")', required=False))
            continue
        problem = bind_problem(protocol, listen)
        if problem is None:
            checks.append(Check(name, True, f"{protocol} {listen} is free", required=required))
        else:
            detail = f"{protocol} {listen} ({key}) unavailable: {problem}"
            checks.append(Check(name, False, detail, required=required))


def bind_problem(protocol: str, listen: str) -> str | None:
    """Why the show could not listen at HOST:PORT over "UDP" or "TCP", or None if it could."""
    host, port = parse_host_port(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_DGRAM if protocol == "UDP" else socket.SOCK_STREAM
    try:
        with socket.socket(family, kind) as sock:
            if kind == socket.SOCK_STREAM:
                # As the HTTP servers do (http.server sets it), so a port a show just closed
                # (in TIME_WAIT) counts as free, and one another program listens on does not.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _check_show_files(
    catalogue: Catalogue | None, settings: Settings | None, checks: list[Check]
) -> None:
    """The palette and cue list the config names, read as a start reads them."""
    if settings is None or catalogue is None:
        return
    show = settings.config
    try:
        palette = load_palette(show.show.palette)
        checks.append(Check("palette", True, f"{palette.name}: a colour for each emotion"))
    except UserError as exc:
        checks.append(Check("palette", False, str(exc)))
    if not show.cues.file:
        checks.append(Check("cues", True, "no cue list (cues.file)", required=False))
        return
    try:
        cues = load_cue_list(resolve_cue_path(show.cues.file), catalogue)
        checks.append(Check("cues", True, f"{cues.name}: {len(cues.cues)} cue(s)"))
    except UserError as exc:
        checks.append(Check("cues", False, str(exc)))


def _check_lighting(settings: Settings | None, checks: list[Check]) -> None:
    """The patch the config names, when lighting is on (a broken patch stops `run`)."""
    if settings is None:
        return
    lighting = settings.config.lighting
    if lighting.protocol == "off":
        checks.append(Check("lighting", True, "off (lighting.protocol)", required=False))
        return
    try:
        patch = load_patch(resolve_patch_path(lighting.patch))
        check_universes(lighting.protocol, patch)
    except UserError as exc:
        checks.append(Check("lighting", False, str(exc)))
        return
    detail = (
        f"{len(patch.fixtures)} fixture(s) from {patch.path.name}, {describe_lighting(lighting)}"
    )
    checks.append(Check("lighting", True, detail))


def _check_models(checks: list[Check]) -> None:
    try:
        folder = cascade_dir()
    except Exception as exc:  # cascade_dir explains what to install
        checks.append(Check("models", False, str(exc)))
        return
    for name in (FACE_CASCADE, SMILE_CASCADE):
        path = folder / name
        checks.append(
            Check(
                "models",
                path.is_file(),
                f"{name}: {'present' if path.is_file() else 'missing'} ({folder})",
            )
        )
    # Required: without fer's model the show falls back to the far less accurate smile
    # cascade; without face-api's, to fer's model alone (the ensemble is more accurate).
    usable, detail = model_status()
    checks.append(Check("models", usable, f"emotion model: {detail}"))
    usable, detail = expression_status()
    checks.append(Check("models", usable, f"second emotion model: {detail}"))
    # Without BlazeFace's the show finds faces with the Haar cascade (fewer, no eyes).
    for which in ("short", "full"):
        usable, detail = blazeface_status(which)
        checks.append(Check("models", usable, f"face detector: {detail}"))


def _print_schedule(settings: Settings, out: Callable[[str], None]) -> None:
    """The coming week's opening hours, in the venue's time zone."""
    timetable = settings.config.schedule.timetable()
    now = wall_clock_from_environment()()
    if timetable.always_open:
        out("schedule: no opening hours set: the show runs around the clock")
        return
    state = timetable.state_at(now)
    local = now.astimezone(timetable.zone)
    word = "open" if state.open else "closed"
    nxt = state.next_text(timetable.zone)
    out(f"schedule ({timetable.zone.key}, now {local:%a %H:%M %Z}: {word}; {nxt}):")
    for line in timetable.week(now):
        out(f"  {line}")
