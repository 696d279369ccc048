"""One soak run: a temporary shader tree and config, free ports, the show, the report."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from installation.app import RunOptions, run_show
from installation.bench.machine import machine_info
from installation.config import Settings, load_settings, resolve_config_path
from installation.errors import UserError
from installation.params import load_catalogue
from installation.resources import shaders_dir
from installation.soak.configfile import RELOAD_PARAM, ConfigReloadFault
from installation.soak.faults import Fault
from installation.soak.harness import SoakHarness
from installation.soak.lighting import DmxReceiver, LightingFault
from installation.soak.metrics import ExceptionCounter
from installation.soak.osc import GarbageOscFault, OscTraffic
from installation.soak.report import build_report, format_text
from installation.soak.schedule import (
    KINDS,
    MINIMUM_MINUTES,
    build_schedule,
    memory_fit_start,
    warmup_seconds,
)
from installation.soak.venue import FADE_SECONDS, VenueFault
from installation.tomlfile import read_toml

log = logging.getLogger("installation.soak")

# Laid under the operator's --set: the simulated crowd, and quiet status lines (the soak
# prints its own progress).
_DEFAULTS = ("source.input=sim", "status.interval=60", f"params.venue.fade={FADE_SECONDS:g}")


def run_soak(minutes: float, config: str | None, overrides: list[str], as_json: bool) -> int:
    """Run the show for `minutes` with faults; print the report; 0 when all went well."""
    if not hasattr(signal, "SIGHUP"):
        raise UserError("soak: the config reload fault needs SIGHUP, which this system lacks")
    catalogue = load_catalogue()
    duration = minutes * 60.0
    warmup = warmup_seconds(duration)
    windows = build_schedule(duration, warmup)
    missing = [kind for kind in KINDS if kind not in {w.kind for w in windows}]
    if missing:
        raise UserError(
            f"--minutes {minutes:g}: too short; a soak needs at least {MINIMUM_MINUTES:g} "
            f"minutes, for its warm-up and then each of its {len(KINDS)} faults once with time "
            f"to recover ({', '.join(missing)} would not run)"
        )
    with tempfile.TemporaryDirectory(prefix="nova-soak-") as folder:
        tmp = Path(folder)
        shader_root = tmp / "shaders"
        shutil.copytree(shaders_dir(), shader_root)
        config_path = tmp / "soak.toml"
        text = ""
        if config:
            source = resolve_config_path(config)
            read_toml(source, "config file")  # a clear message for a missing or non-UTF-8 file
            text = source.read_text(encoding="utf-8")
        config_path.write_text(text, encoding="utf-8")
        receiver = DmxReceiver()
        receiver.open()
        osc_port = _free_udp_port()
        required = (
            f'osc.listen="127.0.0.1:{osc_port}"',
            'osc.query=""',
            "osc.advertise=false",
            "osc.feedback=[]",
            'health.listen=""',
            "lighting.protocol=sacn",
            'lighting.target="127.0.0.1"',
            f"lighting.port={receiver.port}",
            "window.headless=true",
            "show.duration=0",
        )
        sets = [*_DEFAULTS, *overrides, *required]

        def load() -> Settings:
            return load_settings(catalogue, str(config_path), sets)

        settings = load()
        traffic = OscTraffic(catalogue, osc_port)
        garbage = GarbageOscFault(catalogue, osc_port)
        venue = VenueFault(catalogue, osc_port)
        faults: dict[str, Fault] = {
            "osc_garbage": garbage,
            "venue": venue,
            "config_reload": ConfigReloadFault(config_path, float(settings.params[RELOAD_PARAM])),
            "lighting": LightingFault(receiver),
        }
        harness = SoakHarness(
            duration=duration,
            warmup=warmup,
            memory_fit_from=memory_fit_start(windows, warmup, duration),
            windows=windows,
            shader_root=shader_root,
            faults=faults,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
        exceptions = ExceptionCounter()
        exceptions.install()
        started = time.monotonic()
        ended_by = "soak finished"
        traffic.start()
        try:
            # The show's status lines and summary go to stderr: stdout is the report's.
            with contextlib.redirect_stdout(sys.stderr):
                run_show(catalogue, settings, RunOptions(reload=load, harness=harness))
        except UserError:
            raise
        except Exception as exc:  # the frame loop died: the one thing a soak must not see
            log.exception("soak: the show stopped with an exception")
            ended_by = f"exception: {type(exc).__name__}"
        finally:
            traffic.stop()
            receiver.close()
            garbage.close()
            venue.close()
            exceptions.uninstall()
        if not harness.finished and ended_by == "soak finished":
            ended_by = "stopped early"
        extra: dict[str, Any] = {
            "osc_messages_sent": traffic.sent,
            "osc_garbage_sent": garbage.sent,
            "lighting_packets_received": receiver.packets,
        }
        report = build_report(
            harness,
            exceptions,
            minutes=minutes,
            wall_seconds=time.monotonic() - started,
            ended_by=ended_by,
            kinds=KINDS,
            extra=extra,
            machine=machine_info(renderer=harness.renderer_name),
        )
    print(json.dumps(report, indent=2) if as_json else format_text(report), flush=True)
    return 0 if report["passed"] and harness.finished else 1


def _free_udp_port() -> int:
    """A UDP port that was free a moment ago (the show binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
