"""The show driven by liblo's command-line clients (Debian `liblo-tools`), not by our own.

Performers' software (Max, Pure Data, TouchOSC bridges, show controllers) is commonly built
on liblo; `oscsend` is its reference sender. test.sh installs the package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from tests.conftest import ROOT
from tests.lighting_helpers import Capture, parse_sacn
from tests.test_osc_feedback import _free_port

pytestmark = pytest.mark.gl


def _oscsend(port: int, address: str, types: str = "", *values: str) -> None:
    binary = shutil.which("oscsend")
    if binary is None:
        pytest.fail("oscsend is not installed; ./test.sh installs it (Debian package liblo-tools)")
    subprocess.run([binary, "127.0.0.1", str(port), address, types, *values], check=True)


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
