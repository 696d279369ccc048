"""The shared argparse number types: what passes, and what each refusal says."""

from __future__ import annotations

import argparse
import re

import pytest

from installation.cliargs import amount, whole


def test_an_amount_takes_numbers_above_zero_up_to_its_limit() -> None:
    minutes = amount("minutes", "30", most=60)
    assert minutes("0.5") == 0.5 and minutes("60") == 60.0
    for bad, says in (
        ("0", "minutes > 0 and at most 60"),
        ("60.01", "at most 60"),
        ("nan", "minutes > 0"),
        ("inf", "minutes > 0"),
        ("half", "expected minutes, e.g. 30 (got 'half')"),
    ):
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(says)):
            minutes(bad)
    unlimited = amount("seconds", "2.5")
    assert unlimited("1e9") == 1e9
    with pytest.raises(argparse.ArgumentTypeError, match=r"expected seconds > 0 \(got 'inf'\)"):
        unlimited("inf")
    # A real minimum above zero (frames a second), and zero allowed (a start time).
    fps = amount("frames per second", "30", most=240, least=1)
    assert fps("1") == 1.0 and fps("240") == 240.0
    with pytest.raises(argparse.ArgumentTypeError, match=">= 1 and at most 240"):
        fps("0.5")
    start = amount("seconds", "12.5", zero_ok=True)
    assert start("0") == 0.0
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape("seconds >= 0 (got '-1')")):
        start("-1")


def test_a_whole_number_takes_integers_from_its_least() -> None:
    frames = whole("frames", least=1)
    assert frames("1") == 1 and frames("600") == 600
    for bad in ("0", "-3", "2.5", "many", ""):
        with pytest.raises(
            argparse.ArgumentTypeError,
            match=re.escape(f"expected a whole number of frames, 1 or more (got {bad!r})"),
        ):
            frames(bad)
    assert whole("datagrams")("0") == 0
