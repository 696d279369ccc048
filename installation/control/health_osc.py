"""The health document as OSC fields: one typed value per address below <prefix>/health.

Reads only the document's keys (installation/supervise/health.py), so the sender never
reaches into the show or its services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from installation.control.routes import HEALTH_FIELDS

_TAGS = {field: tag for field, tag, _ in HEALTH_FIELDS}


def health_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """By field name (see routes.HEALTH_FIELDS, plus osc/rejected/<reason>)."""
    camera = doc.get("camera") or {}
    osc = doc.get("osc") or {}
    venue = doc.get("venue") or {}
    errors = list(doc.get("errors") or [])
    raw: dict[str, Any] = {
        "status": doc.get("status", ""),
        "fps": doc.get("fps", 0.0),
        "frame_time_p99_ms": doc.get("frame_time_p99_ms", 0.0),
        "dropped_frames": doc.get("dropped_frames", 0),
        "faces": doc.get("faces", 0),
        "camera": f"{camera.get('source', '')} {camera.get('state', '')}".strip(),
        "uptime_s": doc.get("uptime_s", 0.0),
        "memory_mb": doc.get("memory_mb", 0.0),
        "osc/received": osc.get("received", 0),
        "osc/applied": osc.get("applied", 0),
        "osc/rejected": osc.get("rejected_total", 0),
        "lighting": lighting_summary(doc.get("lighting") or []),
        "venue/state": venue_summary(venue),
        "venue/next_change": venue.get("next_change", ""),
        "errors": len(errors),
        "last_error": errors[-1] if errors else "",
    }
    values = {field: _typed(_TAGS[field], value) for field, value in raw.items()}
    for reason, count in sorted((osc.get("rejected") or {}).items()):
        values[f"osc/rejected/{reason}"] = int(count)
    return values


def lighting_summary(outputs: list[Mapping[str, Any]]) -> str:
    """'sACN to 10.0.0.5 port 5568: sending; ...' or 'off' when the rig is off."""
    if not outputs:
        return "off"
    return "; ".join(
        f"{o.get('protocol', '?')} to {o.get('target', '?')}: {o.get('state', '?')}"
        for o in outputs
    )


def _typed(tag: str, value: Any) -> Any:
    """An int for "i", a float for "f", a string otherwise (None becomes 0 or "")."""
    if tag == "i":
        return int(value or 0)
    if tag == "f":
        return float(value or 0.0)
    return "" if value is None else str(value)


def venue_summary(venue: Mapping[str, Any]) -> str:
    """'open', 'closed', or either with ' (forced)' when an operator overrode the schedule."""
    if not venue:
        return "open"
    word = "open" if venue.get("open", True) else "closed"
    return f"{word} (forced)" if venue.get("forced") else word
