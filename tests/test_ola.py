"""The rig as OLA sees it: the Open Lighting Architecture's daemon (Debian `ola`, 0.10) with
its E1.31 and Art-Net plugins receives what the show sends, on this machine.

A show computer often runs OLA itself (to drive a USB DMX dongle, or to merge sources), so
OLA here is both a real receiver and a neighbour on the Art-Net port. test.sh installs the
package; olad refuses to run as root, so as root it runs as the package's `olad` user.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sacn.messages.data_packet import DataPacket

from installation.lighting.transport import SACN_PORT, SacnTransport
from tests.conftest import ROOT
from tests.test_liblo_clients import _oscsend
from tests.test_osc_feedback import _free_port

SACN_UNIVERSE = 1  # OLA universe fed by its E1.31 input for sACN universe 1
ARTNET_UNIVERSE = 17  # OLA universe fed by its Art-Net input for Port-Address 0:0:1
# Plugin ids in OLA 0.10 (`ola_plugin_info`): 2 Art-Net, 11 E1.31. A port's patch is
# "<plugin>-<device>-I-<port> = <universe>"; OLA maps an Art-Net input to the Port-Address
# whose low four bits are the universe's (17 -> 0:0:1), and an E1.31 input to the sACN
# universe of the same number.
PORT_PATCHES = {"11-1-I-0": SACN_UNIVERSE, "2-1-I-1": ARTNET_UNIVERSE}
ENABLED = {
    "e131": {"ip": "", "input_ports": 2, "output_ports": 0, "ignore_preview": "true"},
    "artnet": {"ip": "127.0.0.1", "use_loopback": "true", "output_ports": 0},
}
OTHER_PLUGINS = [
    "dummy",
    "espnet",
    "ftdidmx",
    "gpio",
    "karate",
    "kinet",
    "milinst",
    "opendmx",
    "openpixelcontrol",
    "osc",
    "pathport",
    "renard",
    "sandnet",
    "shownet",
    "spi",
    "stageprofi",
    "uartdmx",
    "usbdmx",
    "usbserial",
]


class Ola:
    """A running olad and its HTTP API."""

    def __init__(self, http_port: int, process: subprocess.Popen[str], log: Path) -> None:
        self.http_port = http_port
        self.process = process
        self.log = log

    def dmx(self, universe: int) -> list[int]:
        """The universe's current levels (empty before any source sent to it)."""
        url = f"http://127.0.0.1:{self.http_port}/get_dmx?u={universe}"
        with urllib.request.urlopen(url, timeout=2) as reply:
            return list(json.load(reply)["dmx"])

    def send_sacn(
        self, cid: uuid.UUID, levels: int, sequence: int, terminate: bool = False
    ) -> None:
        """One E1.31 packet to OLA's input universe: `levels` on every channel."""
        packet = DataPacket(
            cid=tuple(cid.bytes), sourceName="a passing source", universe=SACN_UNIVERSE,
            dmxData=(levels,) * 512, priority=100, sequence=sequence,
            streamTerminated=terminate,
        )  # fmt: skip
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(bytes(packet.getBytes()), ("127.0.0.1", SACN_PORT))

    def darken_sacn(self) -> None:
        """Black on the sACN universe, so a test sees only its own show's levels.

        OLA keeps a universe's last levels after its source terminates (the previous
        test's show); a passing source sends black and terminates at once.
        """
        passing = uuid.uuid4()
        self.send_sacn(passing, 0, sequence=0)
        self.send_sacn(passing, 0, sequence=1, terminate=True)
        assert self.wait_for(SACN_UNIVERSE, lambda levels: not any(levels), timeout=5.0)

    def wait_for(self, universe: int, test: Callable[[list[int]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if test(self.dmx(universe)):
                return True
            time.sleep(0.1)
        return False


def _write_config(folder: Path) -> None:
    for name in OTHER_PLUGINS:
        (folder / f"ola-{name}.conf").write_text("enabled = false\n")
    for name, settings in ENABLED.items():
        lines = ["enabled = true", *(f"{key} = {value}" for key, value in settings.items())]
        (folder / f"ola-{name}.conf").write_text("\n".join(lines) + "\n")
    patches = "".join(f"{port} = {universe}\n" for port, universe in PORT_PATCHES.items())
    (folder / "ola-port.conf").write_text(patches)


def _as_olad_user(folder: Path) -> list[str]:
    """olad aborts when run as root: as root, run it as the package's own user."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("olad")
    except KeyError:
        user = pwd.getpwnam("nobody")
    for path in (folder, *folder.iterdir()):
        os.chown(path, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", user.pw_name, "--"]


@pytest.fixture(scope="module")
def ola() -> Iterator[Ola]:
    """One olad for the module: the shows of its tests run one after another into it, as a
    show restarted on a rig does (same CID, sequence numbers from the start again)."""
    binary = shutil.which("olad")
    if binary is None:
        pytest.fail("olad is not installed; ./test.sh installs it (Debian package ola)")
    # Not under pytest's own temporary folder: olad's user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="nova-ola-"))
    _write_config(folder)
    http_port = _free_port()
    log = Path(tempfile.mkstemp(prefix="nova-olad-", suffix=".log")[1])
    command = [
        *_as_olad_user(folder), binary, "--config-dir", str(folder),
        "--http-port", str(http_port), "--rpc-port", str(_free_port()),
        "--log-level", "3", "--no-register-with-dns-sd", "--no-http-quit",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
    ola = Ola(http_port, process, log)
    try:
        deadline = time.monotonic() + 20.0
        while True:
            said = log.read_text(errors="replace")
            if "Started E1.31" in said and "Started ArtNet" in said:
                try:
                    ola.dmx(SACN_UNIVERSE)
                    break
                except (urllib.error.URLError, OSError):
                    pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"olad did not start with its E1.31 and Art-Net plugins:\n{said}")
            time.sleep(0.2)
        yield ola
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
        log.unlink(missing_ok=True)


def _show(protocol: str, osc_port: int, seconds: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--source", "sim", "--headless",
            "--duration", str(seconds), "--size", "160x90",
            "--set", f"lighting.protocol={protocol}", "--set", "lighting.target=127.0.0.1",
            "--set", "lighting.patch=demo",
            "--set", f"osc.listen=127.0.0.1:{osc_port}", "--set", "osc.query=''",
            "--set", "osc.advertise=false", "--set", "health.listen=''",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _lit(levels: list[int]) -> bool:
    return len(levels) == 512 and any(levels)


def _finish(show: subprocess.Popen[str]) -> str:
    try:
        _, err = show.communicate(timeout=60)
    finally:
        if show.poll() is None:
            show.kill()
            show.communicate()
    assert show.returncode == 0, err
    assert "Traceback" not in err, err
    return err


@pytest.mark.gl
@pytest.mark.parametrize(
    ("protocol", "universe"), [("sacn", SACN_UNIVERSE), ("artnet", ARTNET_UNIVERSE)]
)
def test_ola_receives_the_rig(ola: Ola, protocol: str, universe: int) -> None:
    ola.darken_sacn()
    show = _show(protocol, _free_port(), seconds=6)
    try:
        lit = ola.wait_for(universe, _lit, timeout=30.0)
        levels = ola.dmx(universe)
    finally:
        err = _finish(show)
    # Art-Net: OLA holds UDP 6454 here, and the show's ArtPoll listener shares it. Before
    # the fix that listener took every unicast datagram to the port, the show's own ArtDmx
    # included, and OLA saw nothing.
    assert lit, f"OLA saw no levels on universe {universe}: {levels[:12]}\n{err}"
    if protocol == "artnet":
        assert "answers broadcast ArtPolls only" in err, err


@pytest.mark.gl
def test_blackout_while_frozen_darkens_what_ola_receives(ola: Ola) -> None:
    """Issue 16: frozen, then blackout: OLA kept the levels until the show thawed."""
    ola.darken_sacn()
    osc_port = _free_port()
    show = _show("sacn", osc_port, seconds=10)
    try:
        assert ola.wait_for(SACN_UNIVERSE, _lit, timeout=30.0), "OLA never saw the rig lit"
        _oscsend(osc_port, "/nova/show/freeze", "T")
        time.sleep(0.5)
        _oscsend(osc_port, "/nova/master/blackout", "T")
        # Never un-frozen: a fixed show would stay lit here until the end of the run.
        dark = ola.wait_for(SACN_UNIVERSE, lambda levels: not any(levels), timeout=5.0)
        levels = ola.dmx(SACN_UNIVERSE)
    finally:
        _finish(show)
    assert dark, f"OLA still sees levels while frozen and blacked out: {levels[:12]}"


@pytest.mark.parametrize("remembered", [0, 7, 19])
def test_ola_takes_a_restarted_source_whatever_sequence_it_remembers(
    ola: Ola, remembered: int
) -> None:
    """E1.31 6.7.2: a receiver discards packets 0-19 numbers behind the last it took from a
    source, and OLA never forgets a source that keeps sending. A show restarted after a
    crash (no stream termination) keeps its CID and numbers its packets from 0 again: OLA
    ignored the new run's packets until their numbers passed the old one's, at one
    keep-alive a second up to 20 s of the old look. Here OLA last took number `remembered`
    (0-19: the whole window ahead of a new output, which the sacn library numbers from 0)
    from this CID; the restarted source ticks once."""
    cid = uuid.uuid4()
    ola.send_sacn(cid, 200, sequence=remembered)  # the crashed run's last packet
    assert ola.wait_for(SACN_UNIVERSE, lambda levels: levels[:1] == [200], timeout=5.0)
    restarted = SacnTransport((SACN_UNIVERSE,), "127.0.0.1", cid=cid)
    try:
        restarted.write(SACN_UNIVERSE, bytes([10, 20, 30]) + bytes(509))
        restarted.tick()  # once: at one keep-alive a second, the next would be 1 s away
        taken = ola.wait_for(SACN_UNIVERSE, lambda levels: levels[:3] == [10, 20, 30], 3.0)
        levels = ola.dmx(SACN_UNIVERSE)
    finally:
        restarted.close("terminate")  # OLA forgets the source: the next case starts clean
    assert taken, f"OLA kept the crashed run's look: {levels[:3]}\n{ola.log.read_text()[-600:]}"
