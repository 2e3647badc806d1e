"""Tests of the benches' DDMRP buffer zones against the OCA ddmrp formulas."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from ddmrp import ddmrp_zones  # noqa: E402


def test_zones_as_oca_ddmrp_computes_them():
    # ADU 4, DLT 10 days, lead-time factor 0.5, variability factor 0.5:
    # red base 20, red safety 10, red 30, yellow 40, green max(4 x 3, 20, 5).
    zones = ddmrp_zones(4.0, 10.0, 0.5, 0.5, order_cycle_days=3, moq=5).iloc[0]
    assert zones["red_base"] == pytest.approx(20)
    assert zones["red_safety"] == pytest.approx(10)
    assert zones["red"] == pytest.approx(30)
    assert zones["yellow"] == pytest.approx(40)
    assert zones["green"] == pytest.approx(20)
    assert zones["top_of_yellow"] == pytest.approx(70)
    assert zones["top_of_green"] == pytest.approx(90)


def test_green_zone_takes_the_largest_option():
    zones = ddmrp_zones(
        [4.0, 4.0], 10.0, 0.5, 0.5, order_cycle_days=[30, 0], moq=[0, 50]
    )
    assert zones["green"].tolist() == [120.0, 50.0]
