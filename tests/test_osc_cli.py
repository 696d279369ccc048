"""End to end: `installation run` with OSC, feedback and ping; config errors exit 2."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, run_cli
from tests.osc_helpers import message, receive_messages, udp_client
from tests.test_osc_feedback import _free_port


def test_run_answers_ping_and_feeds_back_a_change() -> None:
    port = _free_port()
    listener = udp_client()
    fb_port = listener.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--source", "sim", "--headless",
            "--duration", "8", "--size", "320x180",
            "--set", f"osc.listen=127.0.0.1:{port}",
            "--set", f'osc.feedback=["127.0.0.1:{fb_port}"]',
            "--set", 'osc.query=""', "--set", "osc.advertise=false",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    client = udp_client()
    try:
        pong = []
        deadline = time.monotonic() + 30
        while not pong and time.monotonic() < deadline:  # until the show has started
            client.sendto(message("/nova/ping", 1), ("127.0.0.1", port))
            client.settimeout(0.5)
            try:
                pong = [client.recv(1024)]
            except TimeoutError:
                continue
        assert pong and pong[0].startswith(b"/nova/pong")
        client.sendto(message("/nova/glow/radius", 0.5), ("127.0.0.1", port))
        got = receive_messages(
            listener, lambda got: any(m.address == "/nova/glow/radius" for m in got)
        )
        assert [m.params[0] for m in got if m.address == "/nova/glow/radius"] == [
            pytest.approx(0.5)
        ]
    finally:
        _out, err = process.communicate(timeout=60)
        client.close()
        listener.close()
    assert process.returncode == 0, err
    assert "OSC: listening on 127.0.0.1" in err


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("osc.listen=nowhere", "osc.listen: must be HOST:PORT"),
        ('osc.allow=["10.0.0.0/33"]', "'10.0.0.0/33' is not a network"),
        ('osc.feedback=["127.0.0.1"]', "each feedback target must be HOST:PORT"),
        ('osc.feedback=["no-such-host.invalid:9001"]', "osc.feedback: cannot resolve"),
        ("cues.file=nope", "cues.file: 'nope': cue list not found (shipped cue lists: demo)"),
    ],
)
def test_osc_config_errors_exit_2(setting: str, expected: str) -> None:
    result = run_cli("run", "--headless", "--duration", "1", "--set", setting)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.gl
def test_a_taken_osc_port_stops_the_start_unless_osc_is_optional() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as first_show:
        first_show.bind(("127.0.0.1", 0))
        port = first_show.getsockname()[1]
        base = ["run", "--headless", "--duration", "1", "--size", "160x90"]
        quiet = ["--set", "osc.advertise=false", "--set", "osc.query=''"]
        quiet += ["--set", "health.listen=''", "--set", f"osc.listen=127.0.0.1:{port}"]
        refused = run_cli(*base, *quiet)
        optional = run_cli(*base, *quiet, "--set", "osc.optional=true")
    # A second show on a busy port would run on uncontrollable: it stops before it starts.
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr and "summary:" not in refused.stdout
    assert f"osc.listen: cannot listen on 127.0.0.1:{port} (Address already in use)" in (
        refused.stderr
    )
    assert "osc.optional = true" in refused.stderr
    # Marked optional, it runs without OSC and says so once.
    assert optional.returncode == 0, optional.stderr
    assert optional.stderr.count("OSC control is off for this run (osc.optional)") == 1
    assert "summary: frames=" in optional.stdout


def _lan_address() -> str | None:
    """This machine's address on its network (not loopback), or None when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # no packet is sent: only a route is chosen
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _pings_answered(listen_port: int, sender: socket.socket, to: str, tries: int = 3) -> int:
    answered = 0
    for _ in range(tries):
        sender.sendto(message("/nova/ping", 1), (to, listen_port))
        with contextlib.suppress(TimeoutError):
            answered += sender.recv(1024).startswith(b"/nova/pong")
    return answered


@pytest.mark.gl
@pytest.mark.parametrize("admitted", [False, True], ids=["as-shipped", "controller-added"])
def test_the_performance_config_admits_only_this_machine_until_told(admitted: bool) -> None:
    lan = _lan_address()
    if lan is None:
        pytest.skip("this machine has no network address besides loopback")
    port = _free_port()
    # The README's recipe for one controller: its address added to osc.allow.
    allow = [f"--set=osc.allow=['127.0.0.1', '::1', '{lan}']"] if admitted else []
    process = subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--config", "performance",
            "--source", "sim", "--headless", "--duration", "6", "--size", "160x90",
            "--set", "window.fullscreen=false",
            "--set", f"osc.listen=0.0.0.0:{port}", "--set", 'osc.query=""',
            "--set", "osc.advertise=false", "--set", 'health.listen=""', *allow,
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    local, controller = udp_client(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    controller.bind((lan, 0))  # a tablet (or a visitor's phone) on the network
    controller.settimeout(0.5)
    local.settimeout(0.5)
    try:
        deadline = time.monotonic() + 30
        while not _pings_answered(port, local, "127.0.0.1", 1) and time.monotonic() < deadline:
            pass  # until the show has started; this machine is always admitted
        assert time.monotonic() < deadline, "this machine's own ping was not answered"
        answered = _pings_answered(port, controller, lan)
    finally:
        _out, err = process.communicate(timeout=60)
        local.close()
        controller.close()
    assert process.returncode == 0, err
    if admitted:
        assert answered == 3
        assert "admits only loopback" not in err
    else:
        assert answered == 0  # dropped unread
        assert f"OSC from {lan} refused: not in osc.allow" in err
        assert "osc.allow admits only loopback: add each controller's address" in err
