"""The rig on real loopback sockets: sACN and Art-Net senders, real receivers on 127.0.0.1."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from installation.lighting.commands import step_through
from installation.lighting.osc_out import DeskOscOutput
from installation.lighting.output import DmxOutput
from installation.lighting.patch import Patch, load_patch, resolve_patch_path
from installation.lighting.transport import (
    SACN_OPENING_BURST,
    ArtnetTransport,
    DmxTransport,
    SacnTransport,
)
from tests.conftest import run_cli
from tests.lighting_helpers import (
    Capture,
    Dmx,
    after_opening,
    expected_rgb,
    frame,
    parse_artnet,
    parse_sacn,
)
from tests.test_osc_feedback import _free_port

PROTOCOLS = {"sacn": parse_sacn, "artnet": parse_artnet}


@pytest.fixture
def patch() -> Patch:
    return load_patch(resolve_patch_path("demo"))


@pytest.fixture(params=sorted(PROTOCOLS))
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def capture(protocol: str) -> Iterator[Capture]:
    receiver = Capture(PROTOCOLS[protocol])
    yield receiver
    receiver.close()


def opener(protocol: str, patch: Patch, port: int) -> Callable[[], DmxTransport]:
    if protocol == "sacn":
        return lambda: SacnTransport(patch.universes, "127.0.0.1", port)
    return lambda: ArtnetTransport(patch.universes, "127.0.0.1", port)


def wash(packets: list[Dmx]) -> list[list[int]]:
    return [list(p.data[:3]) for p in packets]


def test_values_follow_the_frame_with_keep_alives_while_nothing_changes(
    protocol: str, capture: Capture, patch: Patch
) -> None:
    output = DmxOutput(patch, opener(protocol, patch, capture.port))
    output.start()
    try:
        for _ in range(5):  # the same frame again and again: nothing changes
            output.send(frame((0.2, 0.4, 0.6)))
        # Keep-alives come once a second: wait for the third packet of universe 1.
        assert capture.wait_for(lambda: len(after_opening(capture.packets(1))) >= 3, timeout=5.0)
    finally:
        output.stop()
    packets = after_opening(capture.packets(1))
    assert all(values == expected_rgb((0.2, 0.4, 0.6)) for values in wash(packets[:3]))
    # Unchanged values are repeated about once a second, not at the frame or DMX rate.
    gaps = [b.at - a.at for a, b in itertools.pairwise(packets[:3])]
    assert all(0.5 < gap < 1.5 for gap in gaps), gaps


def test_changing_values_go_out_at_most_44_times_a_second(
    protocol: str, capture: Capture, patch: Patch
) -> None:
    output = DmxOutput(patch, opener(protocol, patch, capture.port))
    output.start()
    started = time.monotonic()
    try:
        for step in range(240):  # a change every frame at 240 frames a second
            output.send(frame((step / 240, 0.5, 0.5)))
            time.sleep(1 / 240)
    finally:
        elapsed = time.monotonic() - started
        output.stop()
    sent = [p for p in after_opening(capture.packets(1)) if not p.terminated]
    assert len(sent) > 10  # it did follow the changes
    # +4: the first send, the last values at stop and the blackout/terminate repeats.
    assert len(sent) <= elapsed * 44 + 4


def _taken_by_e131_receiver(remembered: int, sequences: list[int]) -> int | None:
    """E1.31 6.7.2 as a receiver applies it: the index of the first packet it takes from a
    source whose last sequence number it remembers (None: every one discarded)."""
    last = remembered
    for index, sequence in enumerate(sequences):
        behind = (sequence - last + 128) % 256 - 128  # the signed 8-bit difference
        if not -20 < behind <= 0:
            return index
    return None


def test_a_restarted_sacn_source_is_taken_from_its_first_look_whatever_receivers_remember(
    patch: Patch,
) -> None:
    """A show that restarts keeps its CID and starts its sequence numbers afresh; a receiver
    still remembering the last run discards up to 20 packets, which at one keep-alive a
    second was 20 s of the old look (OLA showed it). The opening burst closes that gap."""
    capture = Capture(parse_sacn)
    transport = SacnTransport(patch.universes, "127.0.0.1", capture.port)
    try:
        transport.write(1, bytes([9, 8, 7]) + bytes(509))
        transport.tick()
        assert capture.wait_for(lambda: len(capture.packets(1)) >= SACN_OPENING_BURST)
    finally:
        transport.close("hold")
        capture.close()
    opening = capture.packets(1)[:SACN_OPENING_BURST]
    assert all(p.data[:3] == bytes([9, 8, 7]) for p in opening)
    sequences = [p.sequence for p in opening]
    assert sequences == [(sequences[0] + i) % 256 for i in range(SACN_OPENING_BURST)]
    taken = [_taken_by_e131_receiver(last, sequences) for last in range(256)]
    assert None not in taken, f"a receiver remembering {taken.index(None)} takes nothing"


@pytest.mark.parametrize("on_exit", ["terminate", "blackout", "hold"])
def test_what_receivers_get_at_exit(
    protocol: str, capture: Capture, patch: Patch, on_exit: str
) -> None:
    output = DmxOutput(patch, opener(protocol, patch, capture.port), on_exit=on_exit)
    output.start()
    output.send(frame((1.0, 0.5, 0.0)))
    assert capture.wait_for(lambda: len(capture.packets(1)) >= 1)
    output.stop()
    time.sleep(0.2)
    packets = capture.packets(1)
    last = packets[-1]
    if on_exit == "hold":
        assert list(last.data[:3]) == expected_rgb((1.0, 0.5, 0.0)) and not last.terminated
    elif on_exit == "terminate" and protocol == "sacn":
        assert last.terminated  # E1.31 stream-terminated, carrying the last look
        assert sum(p.terminated for p in packets) == 3
    else:  # blackout; and Art-Net, which has no stream termination, blacks out
        assert last.data == bytes(512)


def test_the_delay_holds_values_back_by_the_configured_time(protocol: str, patch: Patch) -> None:
    """An undelayed and a delayed output in the same run: the change goes out on the wire no
    sooner than `delay` after it was sent, and after the undelayed output's."""
    delay = 0.2
    now_capture, later_capture = Capture(PROTOCOLS[protocol]), Capture(PROTOCOLS[protocol])
    now = DmxOutput(patch, opener(protocol, patch, now_capture.port))
    later = DmxOutput(patch, opener(protocol, patch, later_capture.port), delay=delay)
    new = expected_rgb((1.0, 0.0, 0.0))
    try:
        for output in (now, later):
            output.start()
            output.send(frame((0.0, 0.0, 1.0)))
        assert later_capture.wait_for(lambda: len(later_capture.packets(1)) >= 1)
        time.sleep(0.1)
        sent_at = time.monotonic()  # the clock the captures stamp arrivals with
        for output in (now, later):
            output.send(frame((1.0, 0.0, 0.0)))
        assert later_capture.wait_for(
            lambda: any(list(p.data[:3]) == new for p in later_capture.packets(1))
        )
    finally:
        for output in (now, later):
            output.stop()
        now_capture.close()
        later_capture.close()
    first_now = next(p.at for p in now_capture.packets(1) if list(p.data[:3]) == new)
    first_later = next(p.at for p in later_capture.packets(1) if list(p.data[:3]) == new)
    # Never early: held back for the whole delay from the moment it was sent. (How late is
    # up to the machine's scheduler; tests assert no wall-clock figures.)
    assert first_later - sent_at >= delay, first_later - sent_at
    assert first_now < first_later
    # The blue before it was not held back any longer than the delay asks: it was there
    # until the change, and never a gap of dark between.
    between = [p for p in later_capture.packets(1) if sent_at <= p.at < first_later]
    assert all(list(p.data[:3]) == expected_rgb((0.0, 0.0, 1.0)) for p in between)


def test_a_receiver_that_is_gone_costs_one_log_line_every_10_s(
    protocol: str, patch: Patch, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 0 makes every send fail at once (EINVAL), like a host that went away.
    output = DmxOutput(patch, opener(protocol, patch, 0))
    output.start()
    for step in range(60):
        output.send(frame((step / 60, 0.0, 0.0)))
        time.sleep(0.005)
    output.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    # Dozens of failed sends in well under 10 s: one line, and the output went on to the end.
    assert len(warnings) == 1, warnings
    assert ("sACN to" if protocol == "sacn" else "Art-Net to") in warnings[0]


def test_the_fixture_test_steps_red_green_blue_white_off(
    protocol: str, capture: Capture, patch: Patch
) -> None:
    transport = opener(protocol, patch, capture.port)()
    steps: list[str] = []
    try:
        step_through(
            patch, patch.select("wash"), transport, 0.0, lambda f, s: steps.append(s),
            sleep=lambda s: None,
        )  # fmt: skip
    finally:
        transport.close("hold")
    assert steps == ["red", "green", "blue", "white", "off"]
    assert capture.wait_for(lambda: len(after_opening(capture.packets(1))) >= 5)
    assert wash(after_opening(capture.packets(1))) == [
        [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]
    ]  # fmt: skip


def test_desk_osc_gets_mood_access_and_scene(patch: Patch) -> None:
    desk = Capture()
    output = DeskOscOutput([("127.0.0.1", desk.port)], "/nova")
    output.start(None, None)
    output.send(frame((0.25, 0.5, 0.75), scene="disparity", access_share=0.4))
    output.stop()
    assert desk.wait_for(lambda: len(desk.raw) >= 3)
    desk.close()
    messages = {m.address: m.params for m in (OscMessage(data) for _, data in desk.raw)}
    assert messages["/nova/light/mood"] == pytest.approx([0.25, 0.5, 0.75])
    assert messages["/nova/light/access"] == pytest.approx([0.4])
    assert messages["/nova/light/scene"] == ["disparity"]


@pytest.mark.gl
def test_a_headless_show_drives_the_rig(protocol: str, capture: Capture) -> None:
    """`installation run` on the simulated crowd: the wash follows the mood, then exits."""
    desk = Capture()
    try:
        result = run_cli(
            "run", "--source", "sim", "--headless", "--duration", "4",
            "--set", f"lighting.protocol={protocol}",
            "--set", "lighting.target=127.0.0.1",
            "--set", f"lighting.port={capture.port}",
            "--set", "lighting.patch=configs/fixtures/demo.toml",
            "--set", f"lighting.osc=['127.0.0.1:{desk.port}']",
            "--set", f"osc.listen=127.0.0.1:{_free_port()}", "--set", "osc.query=''",
            "--set", "osc.advertise=false",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        time.sleep(0.2)
    finally:
        desk.close()
    packets = capture.packets(1)
    assert len(packets) > 5
    moods = [
        m.params for m in (OscMessage(data) for _, data in desk.raw)
        if m.address == "/nova/light/mood"
    ]  # fmt: skip
    assert len(moods) > 5  # the mood changed while the show ran, and the wash with it
    assert len({tuple(p.data[:3]) for p in packets}) > 3
    expected = expected_rgb(tuple(moods[-1]))  # type: ignore[arg-type]
    if protocol == "sacn":
        assert packets[-1].terminated
        last_look = packets[-1]
    else:
        assert packets[-1].data == bytes(512)  # Art-Net "terminate": blackout
        last_look = next(p for p in reversed(packets) if p.data != bytes(512))
    # The last values of the show, after the curve, within one DMX step.
    assert all(abs(a - b) <= 1 for a, b in zip(last_look.data[:3], expected, strict=True))


def test_the_fixture_test_command(protocol: str, capture: Capture, tmp_path: Path) -> None:
    result = run_cli(
        "lighting", "test", "--fixture", "wash", "--step", "0.05",
        "--set", f"lighting.protocol={protocol}", "--set", f"lighting.port={capture.port}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wash (rgb, universe 1, address 1): red" in result.stdout
    blue = [0, 0, 255]
    assert capture.wait_for(lambda: any(list(p.data[:3]) == blue for p in capture.packets(1)))
    missing = run_cli("lighting", "test", "--fixture", "nope", "--set", "lighting.protocol=sacn")
    assert missing.returncode == 2 and "no fixture named 'nope'" in missing.stderr
