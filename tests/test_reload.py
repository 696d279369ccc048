"""Config reload while running (SIGHUP): changed params become events, the rest warns."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from installation.config import OscSection, Settings, load_settings
from installation.control.oscquery import find_node
from installation.control.service import OscControl
from installation.events import EventQueue, ParamChange
from installation.palette import Palette
from installation.params import Catalogue
from installation.referenced import check_referenced_files
from installation.reload import ORIGIN, ConfigReloader, changed_params, reload_on_hangup
from installation.show import Show
from tests.osc_helpers import receive_messages, udp_client


def _reloader(catalogue: Catalogue, path: Path, events: EventQueue) -> ConfigReloader:
    def load() -> Settings:
        # The --set layer comes back on every reload, as at start-up.
        return load_settings(catalogue, str(path), ["params.glow.radius=0.3"])

    return ConfigReloader(load, load(), events, now=lambda: 12.5)


def test_changed_param_becomes_a_param_change(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text("[params]\nsea.level = 0.35\nglow.intensity = 1.0\n")
    events = EventQueue()
    reloader = _reloader(catalogue, path, events)
    path.write_text("[params]\nsea.level = 0.7\nglow.intensity = 1.0\nglow.radius = 0.5\n")

    result = reloader.reload()

    assert result.ok
    # glow.radius is held by --set (0.3), which wins over the file as at start-up.
    assert events.drain() == [ParamChange(12.5, "sea.level", 0.7, ORIGIN)]
    assert reloader.current.params["sea.level"] == 0.7
    assert result.restart_keys == ()


def test_reloaded_params_reach_osc_feedback_and_oscquery(
    catalogue: Catalogue, palette: Palette, tmp_path: Path
) -> None:
    """A performer's controller and OSCQuery clients see what the reload set."""
    path = tmp_path / "show.toml"
    path.write_text("[params]\nsea.level = 0.35\n")
    listener = udp_client()
    section = OscSection.model_validate({"query": "", "advertise": False})
    control = OscControl(
        catalogue,
        section,
        catalogue.defaults(),
        feedback_targets=(listener.getsockname(),),
        listen_address=("127.0.0.1", 0),
    )
    events = EventQueue()
    control.start(events, lambda: 12.5)
    try:
        reloader = ConfigReloader(
            lambda: load_settings(catalogue, str(path), []),
            load_settings(catalogue, str(path), []),
            events,
            now=lambda: 12.5,
            on_params=control.adopt,
        )
        path.write_text("[params]\nsea.level = 0.7\n")
        assert reloader.reload().ok
        show = Show(catalogue, palette, catalogue.defaults())
        control.send(show.step(0.0, events.drain()))  # the frame that applies it
        address = catalogue.get("sea.level").address
        got = receive_messages(listener, lambda ms: any(m.address == address for m in ms))
        sent = [m.params for m in got if m.address == address]
        assert sent and sent[-1][0] == pytest.approx(0.7)
        node = find_node(control._tree(), address)
        assert node is not None and node["VALUE"][0] == pytest.approx(0.7)
    finally:
        control.stop()
        listener.close()


def test_broken_config_keeps_the_old_one(
    catalogue: Catalogue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "show.toml"
    path.write_text("[params]\nsea.level = 0.35\n")
    events = EventQueue()
    reloader = _reloader(catalogue, path, events)
    before = reloader.current
    path.write_text("[params]\nsea.level = 7.0\n")

    with caplog.at_level(logging.ERROR, logger="installation"):
        result = reloader.reload()

    assert not result.ok
    assert events.drain() == []
    assert reloader.current is before
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert str(path) in message and "params.sea.level" in message  # where
    assert "1" in message  # what is allowed (the range)
    assert "keeps running" in message
    assert record.exc_info is None  # a message for people, not a traceback


def test_restart_only_key_warns_once_naming_it(
    catalogue: Catalogue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "show.toml"
    path.write_text('[window]\nsize = "1280x720"\n')
    events = EventQueue()
    reloader = _reloader(catalogue, path, events)
    path.write_text('[window]\nsize = "640x360"\n')

    with caplog.at_level(logging.WARNING, logger="installation"):
        result = reloader.reload()

    assert result.ok and result.restart_keys == ("window.size",)
    assert events.drain() == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["window.size changed: takes effect at the next start"]


def test_changed_params_sees_a_type_change() -> None:
    assert changed_params({"a": 1, "b": 0.5}, {"a": 1.0, "b": 0.5}) == {"a": 1.0}


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="SIGHUP exists only on POSIX")
@pytest.mark.parametrize(
    ("section", "broken"),
    [
        ("show", "palette = 'no-such-palette'"),
        ("show", "palette = '{tmp}/bad-palette.toml'"),
        ("lighting", "protocol = 'sacn'\npatch = '{tmp}/bad-patch.toml'"),
        ("cues", "file = '{tmp}/bad-cues.toml'"),
    ],
)
def test_a_reload_naming_a_broken_file_is_refused(
    catalogue: Catalogue, tmp_path: Path, section: str, broken: str
) -> None:
    for name in ("bad-palette.toml", "bad-patch.toml", "bad-cues.toml"):
        (tmp_path / name).write_text("this is = = not toml\n")
    path = tmp_path / "show.toml"
    path.write_text("[params]\nsea.level = 0.35\n")
    events = EventQueue()

    def load() -> Settings:
        return check_referenced_files(catalogue, load_settings(catalogue, str(path)))

    reloader = ConfigReloader(load, load(), events, now=lambda: 1.0)
    text = broken.format(tmp=tmp_path)
    path.write_text(f"[params]\nsea.level = 0.6\n[{section}]\n{text}\n")

    result = reloader.reload()

    assert not result.ok and events.drain() == []
    assert ("no-such-palette" in result.error) or (str(tmp_path) in result.error), result.error
    assert reloader.current.params["sea.level"] == 0.35  # the show keeps the config it had


def test_sighup_reloads(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text("[params]\nsea.level = 0.35\n")
    events = EventQueue()
    reloader = _reloader(catalogue, path, events)
    path.write_text("[params]\nsea.level = 0.6\n")
    previous = signal.getsignal(signal.SIGHUP)

    with reload_on_hangup(reloader):
        os.kill(os.getpid(), signal.SIGHUP)
        received: list[object] = []
        deadline = time.monotonic() + 10.0
        while not received and time.monotonic() < deadline:
            time.sleep(0.01)  # the reload runs on a short thread
            received = list(events.drain())

    assert received == [ParamChange(12.5, "sea.level", 0.6, ORIGIN)]
    assert signal.getsignal(signal.SIGHUP) == previous  # handler put back


@pytest.mark.gl
@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="SIGHUP exists only on POSIX")
def test_a_running_show_reloads_its_config_on_sighup(tmp_path: Path) -> None:
    config = tmp_path / "show.toml"
    config.write_text('[window]\nsize = "320x180"\n[params]\nsea.level = 0.35\n')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    quiet = [
        "osc.advertise=false",
        'osc.query=""',
        'health.listen=""',
        f"osc.listen=127.0.0.1:{port}",
    ]
    args = ["run", "--config", str(config), "--source", "sim", "--headless"]
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "installation", *args, *(f"--set={text}" for text in quiet)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "DISPLAY"},
        )
    try:
        assert process.stdout is not None
        assert "fps=" in process.stdout.readline()  # the loop runs: handlers are in place
        config.write_text('[window]\nsize = "640x360"\n[params]\nsea.level = 0.6\n')
        process.send_signal(signal.SIGHUP)
        assert _wait_for_text(log, "config reloaded: sea.level=0.6")
        assert "window.size changed: takes effect at the next start" in log.read_text()
        config.write_text("[params]\nsea.level = 'deep'\n")
        process.send_signal(signal.SIGHUP)
        # The broken one: named, with what is allowed, and the show goes on.
        assert _wait_for_text(log, f"{config}: params.sea.level")
        # A config naming a palette that does not read is refused now, not at the next boot.
        config.write_text("[show]\npalette = 'no-such-palette'\n")
        process.send_signal(signal.SIGHUP)
        assert _wait_for_text(log, "no-such-palette")
        # A config saved in Latin-1 by an editor: the byte and the fix, no traceback.
        config.write_bytes("# Galerie Frédéric\n".encode("latin-1"))
        process.send_signal(signal.SIGHUP)
        assert _wait_for_text(log, "byte 0xe9 is not UTF-8")
        assert "config reload:" in log.read_text().split("params.sea.level")[-1]
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    err = log.read_text()
    assert process.returncode == 0, err
    assert "ended_by=SIGTERM" in out
    assert "Traceback" not in err


def _wait_for_text(path: Path, text: str) -> bool:
    deadline = time.monotonic() + 20.0
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.05)
    return False
