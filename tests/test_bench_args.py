"""Argument parsing of the benchmarks: sizes are read as the user writes them, or refused."""

from __future__ import annotations

import argparse

import pytest

from installation.bench.render import _sizes


def test_sizes_are_read_in_order() -> None:
    assert _sizes("1920x1080, 3840X2160") == ((1920, 1080), (3840, 2160))


@pytest.mark.parametrize("text", ["1920", "1920x", "axb", "0x10", "1920x1080,", "99999x10"])
def test_bad_sizes_are_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="WIDTHxHEIGHT"):
        _sizes(text)
