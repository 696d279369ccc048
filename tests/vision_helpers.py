"""Helpers for the vision tests: the emotion model file, fetched once if set-up did not."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from installation.vision.models import ModelError, default_model_path, fetch_model, read_model


@cache
def _model() -> tuple[Path | None, str]:
    path = default_model_path()
    try:
        read_model(path)
        return path, ""
    except ModelError:
        pass
    try:  # set-up normally did this; a bare checkout gets it here, once
        return fetch_model(path), ""
    except ModelError as exc:
        return None, str(exc)


def model_path() -> Path:
    """The verified emotion model, or skip saying why it could not be had."""
    path, why = _model()
    if path is None:
        pytest.skip(f"emotion model unavailable (offline for `installation models fetch`?): {why}")
    return path
