"""`installation doctor`: the ports the show would listen on, read from --config and --set."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from installation.doctor import bind_problem
from tests.conftest import run_cli


@contextmanager
def _taken() -> Iterator[tuple[int, int, int]]:
    """A UDP port and two TCP ports that another program holds (listening) meanwhile."""
    with ExitStack() as stack:
        udp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        udp.bind(("127.0.0.1", 0))
        ports = [udp.getsockname()[1]]
        for _ in range(2):
            tcp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            tcp.bind(("127.0.0.1", 0))
            tcp.listen()
            ports.append(tcp.getsockname()[1])
        yield ports[0], ports[1], ports[2]


def _line(stdout: str, name: str) -> str:
    lines = [line for line in stdout.splitlines() if re.match(rf"\s+\S+\s+{name}\s", line)]
    assert len(lines) == 1, stdout
    return lines[0]


def test_doctor_warns_of_each_taken_port_its_set_options_name() -> None:
    with _taken() as (osc, query, health):
        ports = ["--set", f"osc.listen=127.0.0.1:{osc}", "--set", f"osc.query=127.0.0.1:{query}"]
        ports += ["--set", f"health.listen=127.0.0.1:{health}"]
        result = run_cli("doctor", *ports, "--set", "osc.optional=true")
        required = run_cli("doctor", *ports)
    assert result.returncode in (0, 1), result.stderr  # 1 only for a missing part elsewhere
    assert re.search(rf"warn\s+osc port\s+UDP 127\.0\.0\.1:{osc} ", _line(result.stdout, "osc"))
    # Not optional (the default), a taken OSC port stops a show at start: doctor says missing.
    assert required.returncode == 1
    assert re.search(rf"MISSING\s+osc port\s+UDP 127\.0\.0\.1:{osc} ", required.stdout)
    for name, key, port in (("oscquery", "osc.query", query), ("health", "health.listen", health)):
        line = _line(result.stdout, name)
        assert re.search(rf"warn\s+{name}\s+TCP 127\.0\.0\.1:{port} \({key}\) unavailable", line)
        assert "in use" in line
    assert "warn" not in _line(result.stdout, "config")  # the --set values were valid


def _free(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_doctor_reports_free_ports_and_leaves_out_the_ones_turned_off() -> None:
    osc, health = _free(socket.SOCK_DGRAM), _free(socket.SOCK_STREAM)
    result = run_cli(
        "doctor",
        "--set",
        f"osc.listen=127.0.0.1:{osc}",
        "--set",
        'osc.query=""',
        "--set",
        f"health.listen=127.0.0.1:{health}",
    )
    out = result.stdout
    assert re.search(rf"ok\s+osc port\s+UDP 127\.0\.0\.1:{osc} is free", out), out
    assert re.search(r"ok\s+oscquery\s+off \(osc\.query = \"\"\)", out)
    assert re.search(rf"ok\s+health\s+TCP 127\.0\.0\.1:{health} is free", out)


def test_a_bad_set_is_reported_by_doctor_like_a_bad_config() -> None:
    result = run_cli("doctor", "--set", "health.listen=nowhere")
    assert result.returncode == 1
    assert re.search(r"MISSING\s+config\s+.*health\.listen", result.stdout), result.stdout
    assert "Traceback" not in result.stderr


def test_a_port_is_free_until_another_program_listens_on_it() -> None:
    with _taken() as (udp, tcp, _):
        assert bind_problem("UDP", f"127.0.0.1:{udp}") is not None
        assert bind_problem("TCP", f"127.0.0.1:{tcp}") is not None
    assert bind_problem("TCP", f"127.0.0.1:{tcp}") is None  # closed: free again at once
    assert bind_problem("UDP", f"127.0.0.1:{udp}") is None
