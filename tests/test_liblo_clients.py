"""The show driven by liblo's command-line clients (Debian `liblo-tools`), not by our own.

Performers' software (Max, Pure Data, TouchOSC bridges, show controllers) is commonly built
on liblo; `oscsend` is its reference sender. test.sh installs the package.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from installation.bench.malformed import FUTURE_TAGS, bundle
from installation.control.datagram import parse_message
from installation.params import Catalogue
from tests.conftest import ROOT
from tests.lighting_helpers import Capture, parse_sacn
from tests.osc_helpers import message
from tests.test_osc_feedback import _free_port
from tests.test_osc_receiver import Live


def _oscsend(port: int, address: str, types: str = "", *values: str) -> None:
    binary = shutil.which("oscsend")
    if binary is None:
        pytest.fail("oscsend is not installed; ./test.sh installs it (Debian package liblo-tools)")
    subprocess.run([binary, "127.0.0.1", str(port), address, types, *values], check=True)


@pytest.mark.gl
def test_blackout_while_frozen_reaches_the_rig_and_the_picture_at_once(tmp_path: Path) -> None:
    rig = Capture(parse_sacn)
    osc_port = _free_port()
    snapshot = tmp_path / "last.png"
    show = subprocess.Popen(
        [
            sys.executable, "-m", "installation", "run", "--source", "sim", "--headless",
            "--duration", "8", "--size", "160x90", "--snapshot", str(snapshot),
            "--set", "lighting.protocol=sacn", "--set", "lighting.target=127.0.0.1",
            "--set", f"lighting.port={rig.port}", "--set", "lighting.patch=demo",
            "--set", f"osc.listen=127.0.0.1:{osc_port}", "--set", "osc.query=''",
            "--set", "osc.advertise=false", "--set", "health.listen=''",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lit = rig.wait_for(lambda: any(any(p.data[:3]) for p in rig.packets(1)), timeout=30.0)
        assert lit, "the rig never lit up"
        _oscsend(osc_port, "/nova/show/freeze", "T")
        time.sleep(0.5)
        _oscsend(osc_port, "/nova/master/blackout", "T")
        sent = time.monotonic()

        def dark() -> bool:
            recent = [p for p in rig.packets(1) if p.at > sent]
            return bool(recent) and not any(recent[-1].data)

        # At once (two seconds allow for a loaded machine), frozen or not: before the fix
        # the rig held its levels until the show thawed.
        assert rig.wait_for(dark, timeout=2.0), [list(p.data[:6]) for p in rig.packets(1)[-3:]]
        _, err = show.communicate(timeout=60)
    finally:
        if show.poll() is None:
            show.kill()
        rig.close()
    assert show.returncode == 0, err
    assert "Traceback" not in err
    picture = cv2.imread(str(snapshot))
    assert picture is not None and picture.max() == 0  # the projection is black too


def test_liblo_symbols_chars_and_impulses_are_read(live: Live, catalogue: Catalogue) -> None:
    port = live.address[1]
    acts = catalogue.get("scene").choices
    _oscsend(port, "/nova/scene/go", "S", acts[2])  # a symbol, as Max and Pd send names
    _oscsend(port, "/nova/blackout", "I")  # an impulse (bang): the trigger itself
    _oscsend(port, "/nova/scene/next", "I")
    _oscsend(port, "/nova/master/brightness", "d", "0.25")  # a double
    got = live.expect(4)
    assert [(e.name, e.value) for e in got] == [
        ("scene", acts[2]),
        ("master.blackout", True),
        ("scene", acts[3]),
        ("master.brightness", 0.25),
    ]
    live.settle()
    assert live.control.counters.rejected == {}


def test_a_char_argument_is_read_as_a_one_letter_string() -> None:
    message = parse_message(
        b"/a\x00\x00,ci\x00" + struct.pack(">I", ord("é")) + struct.pack(">i", 7)
    )
    assert message.args == ["é", 7]


def test_ping_is_echoed_byte_for_byte(live: Live) -> None:
    # nil, a double, a 64-bit integer, a symbol, true and an impulse: python-osc would have
    # changed the double to a float and dropped the nil, the symbol and the impulse.
    tail = b",NdhSTI\x00" + struct.pack(">d", 0.1) + struct.pack(">q", 2**40) + b"cue\x00"
    live.send(b"/nova/ping\x00\x00" + tail)
    live.client.settimeout(2.0)
    reply = live.client.recv(1024)
    assert reply == b"/nova/pong\x00\x00" + tail


def test_a_bad_message_in_a_bundle_is_refused_alone(live: Live) -> None:
    unknown_tag = b"/nova/sea/level\x00,fz\x00" + struct.pack(">f", 0.9) + b"\x00" * 4
    live.send(
        bundle(
            message("/nova/glow/radius", 0.4),
            unknown_tag,
            message("/nova/sea/level", 0.5),
            tag=FUTURE_TAGS[0],
        )
    )
    got = live.expect(2)
    live.settle()
    assert [(e.name, e.value) for e in got] == [
        ("glow.radius", pytest.approx(0.4)),
        ("sea.level", 0.5),
    ]
    assert live.control.counters.rejected == {"bad_type_tag": 1}
