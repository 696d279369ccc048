"""A stable fingerprint of the show state, computed the same way live and in replay."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from installation.frame import FrameState
from installation.params import Catalogue


def state_checksum(frame: FrameState, catalogue: Catalogue) -> str:
    """sha256 (first 16 hex digits) of the faces' numbers, the parameters and the scene.

    Only numbers that the events and step times decide go in, so a replay that steps the
    same times and events through the same code gives the same digest, bit for bit.
    """
    digest = hashlib.sha256()
    # Little-endian float64 whatever the machine, so a digest means the same everywhere.
    digest.update(np.ascontiguousarray(frame.faces.columns, dtype="<f8").tobytes())
    values = [frame.params[param.name] for param in catalogue]
    # json writes floats with repr: exact, and the same text on every platform.
    tail = [values, frame.scene, frame.previous_scene, frame.crossfade]
    digest.update(json.dumps(tail, separators=(",", ":")).encode())
    return digest.hexdigest()[:16]
