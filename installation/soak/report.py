"""The soak run's result: one dict (the --json object) and its plain-text form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from installation.soak.faults import Outcome
from installation.soak.harness import SoakHarness
from installation.soak.metrics import ExceptionCounter

# The targets; `passed` (the exit code) asks only for recoveries and no exceptions.
TARGET_SLOPE_MB_PER_HOUR = 1.0
TARGET_FPS_RATIO = 0.9


def build_report(
    harness: SoakHarness,
    exceptions: ExceptionCounter,
    *,
    minutes: float,
    wall_seconds: float,
    ended_by: str,
    kinds: Sequence[str],
    extra: dict[str, Any],
    machine: dict[str, Any],
) -> dict[str, Any]:
    meter, memory = harness.meter, harness.memory
    outcomes = harness.outcomes
    gl_start = sum(harness.gl_start.values()) if harness.gl_start else None
    gl_end = sum(harness.gl_end.values()) if harness.gl_end else None
    recoveries = sum(outcome.verified for outcome in outcomes)
    fitted = memory.fitted
    fds, threads = harness.quiet.first_and_last(1), harness.quiet.first_and_last(2)
    report: dict[str, Any] = {
        "minutes": minutes,
        "duration_s": round(wall_seconds, 1),
        "ended_by": ended_by,
        "frames": harness.frames,
        "warmup_s": round(harness.warmup, 1),
        "fps_outside_faults": round(meter.fps_outside, 2),
        "fps_during_faults": round(meter.fps_during, 2),
        "fps_ratio_during_faults": round(meter.ratio, 3),
        "memory_slope_mb_per_hour": round(memory.slope_per_hour, 3),
        "memory_fit_from_s": round(memory.warmup, 1),
        "memory_mb_fit_start": round(fitted[0][1], 1) if fitted else None,
        "memory_mb_end": round(memory.samples[-1][1], 1) if memory.samples else None,
        "memory_samples": len(fitted),
        "native_heap_slope_mb_per_hour": (
            round(harness.native.slope_per_hour, 3) if harness.native.samples else None
        ),
        "native_heap_mb_end": (
            round(harness.native.samples[-1][1], 1) if harness.native.samples else None
        ),
        "python_blocks_slope_per_hour": round(harness.python.slope_per_hour),
        "python_blocks_end": int(harness.python.samples[-1][1]) if harness.python.samples else None,
        "gl_objects_start": gl_start,
        "gl_objects_end": gl_end,
        "gl_objects_change": _gl_change(harness),
        "descriptors_start": fds[0],
        "descriptors_end": fds[1],
        "threads_start": threads[0],
        "threads_end": threads[1],
        "quiet_samples": len(harness.quiet.samples),
        "exceptions": exceptions.count,
        "exception_lines": exceptions.last,
        "faults": len(outcomes),
        "recoveries": recoveries,
        "per_kind": {kind: _kind_detail(kind, outcomes) for kind in kinds},
        "fault_log": [outcome.as_dict() for outcome in outcomes],
        **extra,
        "machine": machine,
    }
    report["targets_met"] = {
        "memory_slope_under_1_mb_per_hour": abs(memory.slope_per_hour) < TARGET_SLOPE_MB_PER_HOUR,
        "gl_objects_flat": gl_start is not None and gl_start == gl_end,
        "descriptors_flat": fds[0] is not None and fds[1] == fds[0],
        "threads_flat": threads[0] is not None and threads[1] == threads[0],
        "fps_ratio_within_10_percent": meter.ratio >= TARGET_FPS_RATIO,
        "zero_exceptions": exceptions.count == 0,
        "every_fault_recovered": bool(outcomes) and recoveries == len(outcomes),
    }
    report["passed"] = (
        report["targets_met"]["zero_exceptions"] and report["targets_met"]["every_fault_recovered"]
    )
    return report


def _gl_change(harness: SoakHarness) -> dict[str, int]:
    if harness.gl_start is None or harness.gl_end is None:
        return {}
    kinds = harness.gl_start.keys() | harness.gl_end.keys()
    change = {k: harness.gl_end.get(k, 0) - harness.gl_start.get(k, 0) for k in sorted(kinds)}
    return {kind: delta for kind, delta in change.items() if delta}


def _kind_detail(kind: str, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    mine = [outcome for outcome in outcomes if outcome.window.kind == kind]
    times = [o.recovery_s for o in mine if o.verified and o.recovery_s is not None]
    return {
        "injected": len(mine),
        "observed": sum(o.observed for o in mine),
        "recovered": sum(o.verified for o in mine),
        "recovery_s_max": round(max(times), 3) if times else None,
    }


def format_text(report: dict[str, Any]) -> str:
    """The report for a person: figures, faults by kind, targets."""
    lines = [
        f"soak: {report['minutes']:g} min ({report['duration_s']} s, {report['frames']} frames, "
        f"ended by {report['ended_by']}), warm-up {report['warmup_s']} s",
        f"fps: {report['fps_outside_faults']} outside faults, {report['fps_during_faults']} "
        f"during, ratio {report['fps_ratio_during_faults']}",
        f"memory: slope {report['memory_slope_mb_per_hour']} MB/h from "
        f"{report['memory_fit_from_s']} s ({report['memory_samples']} samples, "
        f"{report['memory_mb_fit_start']} -> {report['memory_mb_end']} MB)",
        f"GL objects: {report['gl_objects_start']} after warm-up, {report['gl_objects_end']} "
        f"at the end {report['gl_objects_change'] or ''}".rstrip(),
        f"descriptors: {report['descriptors_start']} -> {report['descriptors_end']}, threads: "
        f"{report['threads_start']} -> {report['threads_end']} (first and last of "
        f"{report['quiet_samples']} samples taken between faults)",
        f"exceptions: {report['exceptions']}",
        *(f"  {line}" for line in report["exception_lines"]),
        f"faults: {report['faults']} injected, {report['recoveries']} recovered",
    ]
    for kind, detail in report["per_kind"].items():
        slowest = detail["recovery_s_max"]
        took = f", slowest recovery {slowest} s" if slowest is not None else ""
        lines.append(
            f"  {kind}: {detail['injected']} injected, {detail['observed']} seen by the show, "
            f"{detail['recovered']} recovered{took}"
        )
    for entry in report["fault_log"]:
        if not entry["recovered"]:
            lines.append(f"  NOT RECOVERED: {entry}")
    met = report["targets_met"]
    lines.append("targets: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items()))
    machine = ", ".join(f"{key} {value}" for key, value in report["machine"].items())
    lines.append(f"machine: {machine}")
    lines.append("result: " + ("PASSED" if report["passed"] else "FAILED"))
    return "\n".join(lines)
