"""Tests of service-level targets and normal-distribution helpers."""

import numpy as np
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.service_level import (
    DEFAULT_SERVICE_LEVEL,
    DEFAULT_SERVICE_MATRIX,
    normal_loss,
    service_level_for,
    z_for,
    z_for_fill_rate,
)


def test_z_for_textbook_values():
    assert z_for(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert z_for(0.99) == pytest.approx(2.3263, abs=1e-4)
    assert z_for(0.5) == pytest.approx(0.0, abs=1e-12)


def test_normal_loss_matches_table():
    # Standard normal loss table (Silver, Pyke & Peterson): G(0), G(1), G(2), G(1.64).
    table = {0.0: 0.3989, 1.0: 0.0833, 2.0: 0.0085, 1.64: 0.0211}
    for z, expected in table.items():
        assert normal_loss(z) == pytest.approx(expected, abs=1e-4)


def test_z_for_fill_rate_inverts_loss():
    # Q = 600, sigma = 40, fill rate 98 %: G(z) = 0.02 * 600 / 40 = 0.30.
    z = z_for_fill_rate(0.98, 600.0, 40.0)
    assert normal_loss(z) == pytest.approx(0.30, abs=1e-9)
    assert z == pytest.approx(0.2165, abs=1e-3)
    # G(1) = 0.0833: a fill rate that needs exactly z = 1.
    assert z_for_fill_rate(1 - 0.0833155 * 40 / 600, 600, 40) == pytest.approx(
        1.0, abs=1e-4
    )


def test_z_for_fill_rate_floor_and_certain_demand():
    # A lot large enough to reach the fill rate alone needs no safety stock.
    assert z_for_fill_rate(0.5, 1000.0, 10.0) == 0.0
    assert z_for_fill_rate(0.99, 10.0, 0.0) == 0.0
    assert np.all(np.diff(z_for_fill_rate(np.array([0.9, 0.95, 0.99]), 50, 20)) > 0)


def test_service_matrix_lookup_and_default():
    levels = service_level_for(["A", "c", None, "B"], ["X", "z", "Y", "Q"])
    assert levels.tolist() == [
        DEFAULT_SERVICE_MATRIX["AX"],
        DEFAULT_SERVICE_MATRIX["CZ"],
        DEFAULT_SERVICE_LEVEL,
        DEFAULT_SERVICE_LEVEL,
    ]
    assert service_level_for(["A"], ["X"], {"AX": 0.999})[0] == 0.999


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2, float("nan")])
def test_bad_probability_is_rejected(bad):
    with pytest.raises(EngineInputError, match="between 0 and 1"):
        z_for(bad)
