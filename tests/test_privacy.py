"""Privacy by design, tested: a show of real faces leaves no image and talks only to its config.

The end-to-end test runs `installation run` on a video of a real face photo (scikit-image's
astronaut) with recording on, with its home, XDG folders, temp folder and working directory
in fresh temporary folders, then scans every file the run created or changed there, the
recording and its output for image data (tests/privacy_scan.py), and checks every address
its sockets used against the config (tests/netaudit/, tests/privacy_net.py). The detector and
the checker are tested first on data that must fail, so a pass means something.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.vision.samples import crowd_frame, face_patch
from tests.conftest import ROOT, run_cli
from tests.privacy_net import Allowed, NetEvent, read_log, unexpected
from tests.privacy_scan import Finding, scan_bytes, scan_file

NETAUDIT = ROOT / "tests" / "netaudit"
RUN_ARGS = ("--headless", "--duration", "3", "--size", "320x180", "--record", "show.jsonl")
# A real recording's face event: a track id, a box, a smile and seven emotion probabilities.
FACE_ROW = [3, 0.41, 0.22, 0.18, 0.24, 0.93, 0.01, 0.0, 0.02, 0.9, 0.03, 0.02, 0.02]


def _face_video(path: Path, frames: int = 30) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480))
    assert writer.isOpened(), "cv2.VideoWriter cannot write MJPG .avi here"
    for t in range(frames):
        writer.write(crowd_frame(2, t))
    writer.release()
    return path


def _encoded(ext: str) -> bytes:
    face = face_patch(48)
    if ext == ".pgm":
        face = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    ok, data = cv2.imencode(ext, face)
    assert ok
    return data.tobytes()


# --- the detector fails on image data, and passes what the show keeps ---


@pytest.mark.parametrize(
    "ext",
    [".png", ".jpg", ".bmp", ".tiff", ".webp", ".gif", ".avif", ".ppm", ".pgm", ".pam", ".hdr"],
)
def test_an_encoded_face_is_found_alone_and_inside_other_data(ext: str) -> None:
    image = _encoded(ext)
    assert any("signature" in f.what for f in scan_bytes("face" + ext, image))
    # Embedded in the middle of a log, not just at the start of a file.
    assert scan_bytes("log.txt", b"show started\n" + image + b"\nshow ended\n")


def test_raw_pixels_and_arrays_are_found(tmp_path: Path) -> None:
    crop = cv2.cvtColor(face_patch(64), cv2.COLOR_BGR2GRAY)
    assert scan_bytes("crop.raw", crop.tobytes())
    assert scan_bytes("frame.raw", crowd_frame(1).tobytes())
    # Raw pixels inside an otherwise plain text log.
    assert scan_bytes("log.txt", b"faces=1\n" + crop.tobytes()[:4096] + b"\nfaces=0\n")
    np.save(tmp_path / "crop.npy", crop)
    assert scan_file(tmp_path / "crop.npy")
    # Pixels forced into printable characters still make a line no log line needs.
    printable = (32 + crop.astype(np.uint16) * 94 // 256).astype(np.uint8).tobytes()
    assert scan_bytes("log.txt", b"faces=1 " + printable + b"\n")


def test_a_video_file_is_found(tmp_path: Path) -> None:
    video = _face_video(tmp_path / "faces.avi", frames=2)
    assert any("RIFF" in f.what for f in scan_file(video))


def test_pixels_in_json_are_found() -> None:
    crop = cv2.cvtColor(face_patch(24), cv2.COLOR_BGR2GRAY)
    for value in (
        {"crop": crop.tolist()},  # rows of pixels
        {"crop": crop.ravel().tolist()},  # one flat list
        {"crop": base64.b64encode(crop.tobytes()).decode()},
        {"png": base64.b64encode(_encoded(".png")).decode()},
    ):
        line = json.dumps(["f", 1.5, "camera:0", [FACE_ROW], value])
        assert scan_bytes("show.jsonl", (line + "\n").encode()), value


def test_what_the_show_keeps_passes() -> None:
    header = {"nova_session": 1, "config": {"output": {"top_left": [0.0, 0.0]}}}
    faces = [[i, *FACE_ROW[1:]] for i in range(64)]  # a crowded room: 64 face rows
    lines = [
        header,
        {"t": 0.5, "e": [["f", 0.49, "file:x.avi", faces]]},
        {"t": 1.0, "sum": "a" * 64},
    ]
    recording = "".join(json.dumps(line) + "\n" for line in lines).encode()
    assert scan_bytes("show.jsonl", recording) == []
    log = "installation: OSC: listening on 127.0.0.1:9000\n[ 1.0s] fps= 59.9 faces=2\n"
    assert scan_bytes("show.log", log.encode()) == []
    # A GL driver's compiled shaders are binary; only image signatures count there.
    shader = bytes(range(256)) * 32
    assert scan_bytes("mesa_shader_cache/ab/cd", shader, compiled_cache=True) == []
    assert scan_bytes("mesa_shader_cache/ab/cd", shader + _encoded(".png"), compiled_cache=True)


# --- the network checker fails on a destination the config did not name ---

ALLOWED = Allowed(
    listen=frozenset({("127.0.0.1", 9000), ("127.0.0.1", 9002)}),
    send=frozenset({("127.0.0.1", 9001)}),
)


def test_the_checker_passes_configured_addresses_only() -> None:
    fine = [
        NetEvent("socket.getaddrinfo", ["127.0.0.1", 9000]),
        NetEvent("socket.bind", ["127.0.0.1", 9000]),
        NetEvent("socket.bind", ["0.0.0.0", 0]),  # a sending socket's own port
        NetEvent("socket.sendto", ["127.0.0.1", 9001]),
        NetEvent("socket.sendto", ["127.0.0.1", 9000]),  # the receiver waking itself
        NetEvent("socket.sendmsg", None),
    ]
    assert unexpected(fine, ALLOWED) == []
    wrong = [
        NetEvent("socket.sendto", ["127.0.0.1", 9005]),
        NetEvent("socket.connect", ["93.184.216.34", 443]),
        NetEvent("socket.bind", ["0.0.0.0", 8080]),
        NetEvent("socket.getaddrinfo", ["example.com", 443]),
        NetEvent("socket.gethostbyaddr", ["10.1.2.3"]),
        NetEvent("socket.connect", "/run/some.sock"),
        NetEvent("socket.sendto", ["224.0.0.251", 5353]),  # mDNS while advertising is off
    ]
    assert len(unexpected(wrong, ALLOWED)) == len(wrong)


def test_mdns_is_allowed_only_when_advertising() -> None:
    mdns = [
        NetEvent("socket.bind", ["", 5353]),
        NetEvent("socket.sendto", ["224.0.0.251", 5353]),
        NetEvent("socket.sendto", ["127.0.0.1", 5353]),
    ]
    advertising = Allowed(ALLOWED.listen, ALLOWED.send, mdns=True)
    assert unexpected(mdns, advertising) == []
    assert len(unexpected(mdns, ALLOWED)) == 3
    assert unexpected([NetEvent("socket.sendto", ["224.0.0.252", 5355])], advertising)


def test_the_audit_hook_logs_what_a_process_does(tmp_path: Path) -> None:
    log = tmp_path / "net.jsonl"
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.bind(('127.0.0.1', 0))\n"
        "s.sendto(b'x', ('127.0.0.1', 9))\n"
        "socket.getaddrinfo('localhost', 9)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(NETAUDIT), "NOVA_NET_AUDIT": str(log)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=30)
    got = [(e.event, e.address) for e in read_log(log)]
    assert ("socket.bind", ["127.0.0.1", 0]) in got
    assert ("socket.sendto", ["127.0.0.1", 9]) in got
    assert ("socket.getaddrinfo", ["localhost", 9]) in got


# --- a show of real faces ---


def _free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _snapshot(roots: list[Path]) -> dict[Path, tuple[int, int]]:
    return {
        path: (path.stat().st_size, path.stat().st_mtime_ns)
        for root in roots
        for path in root.rglob("*")
        if path.is_file()
    }


def _events(recording: Path) -> list[list[object]]:
    """The recording's events; every line must be JSON (json.loads raises otherwise)."""
    steps = [json.loads(line) for line in recording.read_text().splitlines()[1:]]
    return [event for step in steps for event in step.get("e", [])]


@pytest.mark.gl
def test_a_show_of_real_faces_leaves_no_image_and_talks_only_to_its_config(
    tmp_path: Path,
) -> None:
    given = tmp_path / "given"  # the input video and the config: not the run's doing
    given.mkdir()
    video = _face_video(given / "faces.avi")
    ports = {name: _free_port(socket.SOCK_DGRAM) for name in ("osc", "feedback", "dmx", "desk")}
    ports |= {name: _free_port(socket.SOCK_STREAM) for name in ("query", "health")}
    config = given / "privacy.toml"
    config.write_text(
        f'[osc]\nlisten = "127.0.0.1:{ports["osc"]}"\n'
        f'feedback = ["127.0.0.1:{ports["feedback"]}"]\n'
        f'query = "127.0.0.1:{ports["query"]}"\nadvertise = false\n'
        f'[health]\nlisten = "127.0.0.1:{ports["health"]}"\n'
        f'[lighting]\nprotocol = "sacn"\ntarget = "127.0.0.1"\nport = {ports["dmx"]}\n'
        f'osc = ["127.0.0.1:{ports["desk"]}"]\n'
        '[log]\nfile = "show.log"\n'  # in the working directory, so it is scanned
    )
    home, work, temp = tmp_path / "home", tmp_path / "work", tmp_path / "tmp"
    xdg = {
        name: tmp_path / "xdg" / name.lower()
        for name in ("CONFIG", "CACHE", "DATA", "STATE", "RUNTIME")
    }
    roots = [home, work, temp, *xdg.values()]
    for root in roots:
        root.mkdir(parents=True)
    xdg["RUNTIME"].chmod(0o700)
    (home / ".profile").write_text("# there before the show\n")
    net_log = tmp_path / "net.jsonl"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "NOTIFY_SOCKET", "STATE_DIRECTORY")
        and not k.startswith("XDG_")
    }
    env |= {f"XDG_{name}_HOME": str(path) for name, path in xdg.items() if name != "RUNTIME"}
    env |= {
        "XDG_RUNTIME_DIR": str(xdg["RUNTIME"]),
        "HOME": str(home),
        "TMPDIR": str(temp),
        "PYTHONPATH": os.pathsep.join([str(NETAUDIT), *filter(None, [env.get("PYTHONPATH")])]),
        "NOVA_NET_AUDIT": str(net_log),
    }
    before = _snapshot(roots)
    source = f"--source=file:{video}"
    result = subprocess.run(
        [sys.executable, "-m", "installation", "run", *RUN_ARGS, f"--config={config}", source],
        capture_output=True,
        timeout=120,
        env=env,
        cwd=work,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output.decode(errors="replace")
    recording = work / "show.jsonl"
    # The run saw the faces (else there would be nothing to leak).
    faces = [e for e in _events(recording) if e[0] == "f" and e[3]]
    assert faces, "no face was seen in the video: the test would prove nothing"

    after = _snapshot(roots)
    changed = [path for path, stat in after.items() if before.get(path) != stat]
    assert recording in changed and work / "show.log" in changed
    findings: list[Finding] = scan_bytes("the run's output and log", output)
    for path in changed:
        findings += scan_file(path, compiled_cache=_is_shader_cache(path, xdg["CACHE"]))
    assert findings == [], "\n".join(map(str, findings))

    allowed = Allowed(
        listen=frozenset(("127.0.0.1", ports[n]) for n in ("osc", "query", "health")),
        send=frozenset(("127.0.0.1", ports[n]) for n in ("feedback", "dmx", "desk")),
    )
    events = read_log(net_log)
    assert unexpected(events, allowed) == []
    # No reverse lookups either (http.server made one at bind; see httpserve.py's _listen).
    assert not [e for e in events if e.event == "socket.gethostbyaddr"]
    # Core dumps were off: a crash would not have written the frames in memory to disk.
    assert NetEvent("resource.setrlimit", [resource.RLIMIT_CORE, [0, 0]]) in events
    sent = {tuple(e.address) for e in events if e.event == "socket.sendto"}
    # The hook saw the show's real traffic: OSC feedback, sACN, the desk's OSC.
    assert {("127.0.0.1", ports[n]) for n in ("feedback", "dmx", "desk")} <= sent


def _is_shader_cache(path: Path, cache_home: Path) -> bool:
    """Mesa's cache of compiled shaders ($XDG_CACHE_HOME/mesa_shader_cache*), see README."""
    return path.is_relative_to(cache_home) and path.relative_to(cache_home).parts[0].startswith(
        "mesa_shader_cache"
    )


def test_the_notice_for_the_wall_is_shipped_and_printed() -> None:
    result = run_cli("notice")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "configs" / "notice.md").read_text(encoding="utf-8")
    assert "does not record" in result.stdout and "recognise" in result.stdout
