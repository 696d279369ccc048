"""`installation bench osc`: OSC throughput, latency, flood and malformed-datagram figures.

A sender in another process (a controller is another program) sends real UDP on loopback
to the real receiver; a real Show steps at 60 frames a second on a thread, as the frame
loop does (no GL: this measures control, not rendering). Latency is from the moment a
message is sent to the end of the Show step that applied it.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import multiprocessing
import socket
import statistics
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from installation.bench.machine import describe_machine, machine_info
from installation.bench.malformed import float_message, malformed
from installation.bench.stages import stage
from installation.cliargs import amount, whole
from installation.clock import RealTimeClock
from installation.config import OscSection
from installation.control.cues import CueList
from installation.control.service import OscControl
from installation.events import Event, EventQueue, ParamChange
from installation.frame import FrameState
from installation.palette import load_palette
from installation.params import Catalogue, load_catalogue
from installation.show import Show

FRAME_RATE = 60.0
TARGET_RATE = 5_000
FLOOD_RATE = 10_000
RATES = (5000, 10000, 20000, 40000)  # tried lowest first, up to the first with loss
MALFORMED = 100_000
# Distinct values per parameter used to number messages (well inside float32 precision).
_STEPS = 100_000
RSS_EVERY_FRAMES = 60  # resident memory sampled once a second during a trial


@dataclass
class Rig:
    """OSC control and a Show stepping at `fps` on its own thread, like the frame loop."""

    catalogue: Catalogue
    fps: float = FRAME_RATE
    osc: dict[str, Any] = field(default_factory=dict)
    feedback: tuple[tuple[str, int], ...] = ()
    cues: CueList | None = None
    port: int = 0  # 0: any free port
    # (events drained, frame, perf_counter when the drain began, when the step ended)
    on_frame: Callable[[list[Event], FrameState, float, float], None] | None = None
    frames: int = 0
    last: FrameState | None = None

    def __post_init__(self) -> None:
        section = OscSection.model_validate({"query": "", "advertise": False, **self.osc})
        self.events = EventQueue()
        self.control = OscControl(
            self.catalogue,
            section,
            self.catalogue.defaults(),
            feedback_targets=self.feedback,
            cues=self.cues,
            listen_address=("127.0.0.1", self.port),
        )
        self.show = Show(self.catalogue, load_palette("bioluminescent"), self.catalogue.defaults())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-frames", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        assert self.control.receiver is not None, "the OSC port could not be opened"
        return self.control.receiver.address

    def start(self) -> Rig:
        self.clock = RealTimeClock(fps=self.fps)
        self.control.start(self.events, self.clock.now)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.control.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.clock.tick()
            drained_at = time.perf_counter()
            pending = self.events.drain()
            frame = self.show.step(now, pending)
            self.control.send(frame)
            self.frames += 1
            self.last = frame
            if self.on_frame is not None:
                self.on_frame(pending, frame, drained_at, time.perf_counter())


def numbered(catalogue: Catalogue, seq: int) -> tuple[str, float]:
    """Message `seq` as (parameter, value): each number maps to one exact value."""
    floats = [p for p in catalogue if p.type == "float"]
    param = floats[(seq // _STEPS) % len(floats)]
    assert param.min is not None and param.max is not None
    return param.name, param.min + (seq % _STEPS) * (param.max - param.min) / _STEPS


def number_of(catalogue: Catalogue, event: ParamChange) -> int:
    floats = [p.name for p in catalogue if p.type == "float"]
    param = catalogue.get(event.name)
    assert param.min is not None and param.max is not None
    fraction = (float(event.value) - param.min) / (param.max - param.min)
    return floats.index(event.name) * _STEPS + round(fraction * _STEPS)


def _send_paced(
    target: tuple[str, int], datagrams: list[bytes], rate: float, conn: Connection
) -> None:
    """Sender process: send `datagrams` at `rate` a second; return each send time."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    times = array("d", bytes(8 * len(datagrams)))
    start = time.perf_counter() + 0.05
    i, total = 0, len(datagrams)
    while i < total:
        now = time.perf_counter()
        due = start + i / rate
        if now < due:
            time.sleep(min(due - now, 0.0005))
            continue
        while i < total and start + i / rate <= now:
            times[i] = time.perf_counter()
            with contextlib.suppress(OSError):  # counted as lost by the receiver side
                sock.sendto(datagrams[i], target)
            i += 1
    conn.send_bytes(times.tobytes())
    conn.close()


def send_from_process(target: tuple[str, int], datagrams: list[bytes], rate: float) -> array[float]:
    """Run the paced sender in another process; the send time of each datagram."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_send_paced, args=(target, datagrams, rate, theirs))
    process.start()
    times = array("d")
    times.frombytes(ours.recv_bytes())
    process.join()
    return times


@dataclass
class Trial:
    rate: float
    sent: int
    applied: int
    latencies_ms: list[float]
    fps: float
    rejected: dict[str, int]
    frames_late: list[int] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)  # resident memory, once a second

    @property
    def lost(self) -> int:
        return self.sent - self.applied

    def summary(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "sent": self.sent,
            "applied": self.applied,
            "lost": self.lost,
            "latency_ms_p50": _percentile(self.latencies_ms, 50),
            "latency_ms_p99": _percentile(self.latencies_ms, 99),
            "latency_ms_max": max(self.latencies_ms, default=None),
            "applied_at_next_frame": round(
                sum(1 for n in self.frames_late if n == 0) / max(1, len(self.frames_late)), 4
            ),
            "frames_late_max": max(self.frames_late, default=None),
            "frame_rate": round(self.fps, 1),
            "rejected": self.rejected,
        }


def run_trial(
    catalogue: Catalogue,
    rate: float,
    seconds: float,
    datagrams: list[bytes] | None = None,
    first: int = 0,
) -> tuple[Trial, Rig]:
    """Send numbered messages `first`, `first + 1`, ... (or `datagrams` numbered so) at
    `rate`; count what the Show applied and how late."""
    if datagrams is None:
        count = int(rate * seconds)
        datagrams = [float_message(*_address(catalogue, first + i)) for i in range(count)]
    # Preallocated, so the bench's own bookkeeping does not grow the memory it measures.
    drained_at = np.full(len(datagrams), np.nan)
    stepped_at = np.full(len(datagrams), np.nan)
    drains: list[float] = []
    rss: list[float] = []

    def on_frame(events: list[Event], _frame: FrameState, drained: float, stepped: float) -> None:
        drains.append(drained)
        if len(drains) % RSS_EVERY_FRAMES == 0:
            rss.append(rss_mb())
        for event in events:
            if isinstance(event, ParamChange) and event.origin.startswith("osc"):
                seq = number_of(catalogue, event) - first
                if 0 <= seq < len(datagrams) and np.isnan(drained_at[seq]):
                    drained_at[seq], stepped_at[seq] = drained, stepped

    rig = Rig(catalogue, on_frame=on_frame).start()
    try:
        time.sleep(0.2)
        frames_before, started = rig.frames, time.perf_counter()
        times = send_from_process(rig.address, datagrams, rate)
        elapsed = time.perf_counter() - started
        fps = (rig.frames - frames_before) / elapsed
        time.sleep(0.3)  # the last frame drains what is still queued
    finally:
        rig.stop()
    latencies, late = [], []
    applied = np.flatnonzero(~np.isnan(drained_at))
    for seq in applied:
        if seq < len(times):
            latencies.append(float(stepped_at[seq] - times[seq]) * 1000.0)
            # Frame boundaries that passed between sending and the one that applied it.
            late.append(
                bisect.bisect_left(drains, drained_at[seq])
                - bisect.bisect_right(drains, times[seq])
            )
    rejected = dict(rig.control.counters.rejected)
    trial = Trial(rate, len(datagrams), len(applied), latencies, fps, rejected)
    trial.frames_late = late
    trial.rss_mb = rss
    return trial, rig


def _address(catalogue: Catalogue, seq: int) -> tuple[str, float]:
    name, value = numbered(catalogue, seq)
    return catalogue.get(name).address, value


def rss_mb() -> float:
    statm = Path("/proc/self/statm")
    if not statm.is_file():
        return float("nan")
    import os

    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def flood(catalogue: Catalogue, rate: float, seconds: float) -> dict[str, Any]:
    """Everything at one parameter at `rate`: frame rate, memory, final state."""
    param = catalogue.get("face.follow")  # no smoothing: the state shows the value as set
    floats = [p.name for p in catalogue if p.type == "float"]
    first = floats.index(param.name) * _STEPS
    count = min(int(rate * seconds), _STEPS)
    datagrams = [float_message(*_address(catalogue, first + i)) for i in range(count)]
    trial, rig = run_trial(catalogue, rate, seconds, datagrams, first=first)
    # From one second in (the rig and its buffers set up) to the end of the flood.
    during = trial.rss_mb[1:] or [float("nan")]
    final = float(rig.show.values[param.name])
    last_sent = float(array("f", [numbered(catalogue, first + count - 1)[1]])[0])  # float32
    return {
        "rate": rate,
        "seconds": seconds,
        "sent": count,
        "applied": trial.applied,
        "frame_rate": round(trial.fps, 1),
        "rss_growth_mb": round(during[-1] - during[0], 1),
        "rss_mb_range": [round(min(during), 1), round(max(during), 1)],
        "final_equals_last_sent": final == last_sent,
        "latency_ms_p99": _percentile(trial.latencies_ms, 99),
        "rejected": trial.rejected,
    }


def malformed_run(catalogue: Catalogue, count: int, rate: float) -> dict[str, Any]:
    """`count` malformed datagrams, each followed by a valid numbered one."""
    datagrams: list[bytes] = []
    kinds: dict[str, int] = {}
    for seq, (kind, bad) in enumerate(malformed(count, seed=7)):
        kinds[kind] = kinds.get(kind, 0) + 1
        datagrams.append(bad)
        datagrams.append(float_message(*_address(catalogue, seq)))
    applied: dict[int, float] = {}

    def on_frame(events: list[Event], _frame: FrameState, _drained: float, at: float) -> None:
        for event in events:
            if isinstance(event, ParamChange) and event.origin.startswith("osc"):
                applied.setdefault(number_of(catalogue, event), at)

    rig = Rig(catalogue, on_frame=on_frame).start()
    try:
        time.sleep(0.2)
        times = send_from_process(rig.address, datagrams, rate)
        time.sleep(0.3)
        alive = rig._thread.is_alive()
    finally:
        rig.stop()
    valid_times = times[1::2]
    latencies = [(applied[s] - valid_times[s]) * 1000.0 for s in applied if s < len(valid_times)]
    return {
        "malformed_sent": count,
        "datagrams_per_second": rate,
        "kinds": kinds,
        "valid_after_each_applied": sum(1 for s in range(count) if s in applied),
        "valid_latency_ms_p99": _percentile(latencies, 99),
        "frame_loop_alive": alive,
        "rejected": dict(rig.control.counters.rejected),
    }


def run_benchmark(
    seconds: float, rates: Iterable[int], fuzz_count: int, flood_rate: int
) -> dict[str, Any]:
    catalogue = load_catalogue()
    trials: list[dict[str, Any]] = []
    best = 0
    for rate in sorted(rates):
        stage("osc", f"{rate:,} messages a second for {seconds:g} s")
        trial, _ = run_trial(catalogue, rate, seconds)
        trials.append(trial.summary())
        if trial.lost:
            break
        best = rate
    at_target = next((t for t in trials if t["rate"] == TARGET_RATE), trials[0])
    stage("osc", f"flood: {flood_rate:,} messages a second for {seconds:g} s")
    flooded = flood(catalogue, flood_rate, seconds)
    if fuzz_count:
        stage("osc", f"{fuzz_count:,} malformed datagrams, each followed by a valid one")
    return {
        "max_rate_no_loss": best,
        "latency_ms_p50": at_target["latency_ms_p50"],
        "latency_ms_p99": at_target["latency_ms_p99"],
        "latency_at_rate": at_target["rate"],
        "frame_period_ms": round(1000.0 / FRAME_RATE, 2),
        "seconds_per_trial": seconds,
        "trials": trials,
        "flood": flooded,
        # 10,000 datagrams a second: 5,000 malformed and 5,000 valid, the target rate.
        "malformed": malformed_run(catalogue, fuzz_count, rate=10_000) if fuzz_count else None,
        "switch_interval_s": sys.getswitchinterval(),
        "machine": machine_info(),
    }


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1], 3)


def register(benchmarks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = benchmarks.add_parser(
        "osc",
        help="OSC: highest loss-free rate, latency to the show state, flood, malformed input",
        description=__doc__,
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--seconds",
        type=amount("seconds", "10"),
        default=10.0,
        metavar="S",
        help="length of each trial (default 10)",
    )
    parser.add_argument(
        "--rates",
        type=_rates,
        default=RATES,
        metavar="R,R,...",
        help="messages a second to try, lowest first; stops at the first with loss "
        f"(default {','.join(map(str, RATES))})",
    )
    parser.add_argument(
        "--flood-rate",
        type=whole("messages a second", least=1),
        default=FLOOD_RATE,
        metavar="N",
        help=f"messages a second of the flood trial (default {FLOOD_RATE})",
    )
    parser.add_argument(
        "--malformed",
        type=whole("datagrams"),
        default=MALFORMED,
        metavar="N",
        help=f"malformed datagrams to send, each followed by a valid one (default {MALFORMED}; "
        "0: skip)",
    )
    parser.set_defaults(handler=_main)


def _rates(text: str) -> tuple[int, ...]:
    """'5000,10000' -> (5000, 10000): whole message rates above zero, in the order given."""
    rate = whole("messages a second", least=1)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(
            f"expected rates separated by commas, e.g. 5000,10000 (got {text!r})"
        )
    return tuple(rate(part) for part in parts)


def _main(args: argparse.Namespace) -> int:
    rates = list(args.rates)
    result = run_benchmark(args.seconds, rates, args.malformed, args.flood_rate)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"max rate with no loss over {args.seconds:g} s: {result['max_rate_no_loss']} msg/s")
    print(
        f"latency send -> applied at {result['latency_at_rate']} msg/s: "
        f"p50 {result['latency_ms_p50']} ms, p99 {result['latency_ms_p99']} ms "
        f"(frame period {result['frame_period_ms']} ms)"
    )
    for trial in result["trials"]:
        print(f"  {trial}")
    print(f"flood: {result['flood']}")
    print(f"malformed: {result['malformed']}")
    print(f"machine: {describe_machine(result['machine'])}")
    return 0
