"""Tests of ``policy_rounding``: whole units, packaging, reorder point up."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.policy import compute_policy, expected_fill_rate
from sop_planning.engine.policy_rounding import order_quantum, round_policy


def fractional_policy(items):
    """A monthly policy whose raw figures are fractional (10.3 a day)."""
    periods = pd.date_range("2026-01-01", periods=6, freq="MS")
    demand = pd.DataFrame(
        [
            (item, period, 313.4, 41.7)
            for item in items["item_id"]
            for period in periods
        ],
        columns=["item_id", "period", "forecast", "sigma"],
    )
    return compute_policy(items, demand, freq="M")


def make_items(**columns):
    base = {
        "item_id": ["bottle", "pack", "kg", "raw"],
        "lead_time_days": 23.0,
        "unit_cost": [2.0, 2.0, 2.0, 2.0],
        "order_cost": 0.0,
        "moq": 101.3,
        "multiple": [1.0, 6.0, 0.01, 0.0],
        "rounding": [1.0, 1.0, 0.01, 0.0],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_whole_units_and_packaging_multiples():
    items = make_items()
    raw = fractional_policy(items).set_index("item_id")
    rounded = round_policy(fractional_policy(items), items).set_index("item_id")
    bottle, pack = rounded.loc["bottle"], rounded.loc["pack"]
    for column in ("reorder_point", "order_up_to", "order_qty", "min_qty", "max_qty"):
        assert bottle[column] == int(bottle[column]), column
        assert pack[column] == int(pack[column]), column
    assert pack["order_qty"] % 6 == 0 and pack["order_up_to"] % 6 == 0
    assert pack["multiple"] == 6.0 and bottle["multiple"] == 1.0
    # the reorder point goes up to the next whole unit, never down
    assert raw.loc["bottle", "reorder_point"] % 1 > 0, "the test needs a fraction"
    assert bottle["reorder_point"] == np.ceil(raw.loc["bottle", "reorder_point"])
    assert bottle["order_up_to"] >= raw.loc["bottle", "order_up_to"]
    assert bottle["safety_stock"] == pytest.approx(
        bottle["reorder_point"] - bottle["lead_time_demand"]
    )
    assert "rounded up: min" in bottle["explanation"]


def test_a_large_rule_is_explained_in_plain_digits():
    """A minimum in the millions reads as the rule holds it, not 3.46e+06."""
    items = make_items(moq=0.0)
    demand = fractional_policy(items)
    big = demand.assign(
        reorder_point=3463908.9, order_up_to=3468382.9, order_qty=4474.0
    )
    bottle = round_policy(big, items).set_index("item_id").loc["bottle"]
    assert (
        "rounded up: min 3463909 (steps of 1), max 3468383" in (bottle["explanation"])
    )
    assert "e+" not in bottle["explanation"]


def test_general_units_round_to_their_rounding_and_raw_stays():
    items = make_items()
    raw = fractional_policy(items).set_index("item_id")
    rounded = round_policy(fractional_policy(items), items).set_index("item_id")
    kg = rounded.loc["kg"]
    assert kg["reorder_point"] == pytest.approx(
        np.ceil(raw.loc["kg", "reorder_point"] * 100) / 100
    )
    assert kg["reorder_point"] >= raw.loc["kg", "reorder_point"]
    assert round(kg["reorder_point"] * 100, 6) == int(round(kg["reorder_point"] * 100))
    pd.testing.assert_series_equal(rounded.loc["raw"], raw.loc["raw"])


def test_maximum_stays_at_least_the_minimum_without_demand():
    items = make_items()
    policy = fractional_policy(items)
    policy["order_qty"] = 0.0
    policy["order_up_to"] = policy["reorder_point"]
    rounded = round_policy(policy, items).set_index("item_id")
    assert (rounded["order_up_to"] >= rounded["reorder_point"]).all()
    assert rounded.loc["pack", "order_up_to"] % 6 == 0


def test_rounding_up_never_lowers_the_promised_fill_rate():
    items = make_items()
    raw = fractional_policy(items)
    rounded = round_policy(raw, items)
    assert (rounded["expected_fill_rate"] >= raw["expected_fill_rate"] - 1e-12).all()
    promised = expected_fill_rate(rounded)
    np.testing.assert_allclose(rounded["expected_fill_rate"], promised)
    assert (rounded["expected_stock_value"] == rounded["expected_stock"] * 2.0).all()


def test_order_quantum_is_whole_packs_and_whole_steps():
    """A tray of 30 eggs counted in dozens (2.5) orders by 5 dozens, two
    trays: 3 dozens was 1.2 trays on the RFQ; packs of 5 units counted in
    dozens by 5 dozens; units bought for a product in dozens by 1 dozen."""
    quantum = order_quantum(
        [1.0, 1.0, 0.01, 1.0, 0.0, 1.0, 1.0, 0.001, 1.0],
        [6.0, 0.5, 0.25, 2.5, 0.0, 5 / 12, 1 / 12, 25.0, 0.0],
    )
    np.testing.assert_allclose(quantum, [6.0, 1.0, 0.25, 5.0, 0.0, 5.0, 1.0, 25.0, 1.0])


def test_float_noise_is_not_rounded_up():
    items = pd.DataFrame({"item_id": ["a"], "rounding": [1.0], "multiple": [6.0]})
    policy = pd.DataFrame(
        {
            "item_id": ["a"],
            "reorder_point": [300.0000000001],
            "order_up_to": [336.0000000002],
            "order_qty": [36.0],
            "lead_time_demand": [250.0],
            "demand_per_day": [10.0],
        }
    )
    rounded = round_policy(policy, items).iloc[0]
    assert rounded["reorder_point"] == 300.0
    assert rounded["order_up_to"] == 336.0


def test_resampled_policy_keeps_the_fill_rate_its_simulation_promised():
    policy = pd.DataFrame(
        {
            "item_id": [1, 2],
            "method": ["bootstrap", "bootstrap"],
            "reorder_point": [2.3, 5.0],
            "order_qty": [3.2, 4.0],
            "order_up_to": [5.5, 9.0],
            "lead_time_demand": [1.5, 3.0],
            "demand_per_day": [0.1, 0.2],
            "expected_fill_rate": [0.91, 0.95],
            "expected_stock": [3.0, 6.0],
        }
    )
    items = pd.DataFrame({"item_id": [1, 2], "rounding": [1.0, 1.0]})
    rounded = round_policy(policy, items)
    assert rounded["expected_fill_rate"].tolist() == [0.91, 0.95]
    # min 2.3 -> 3 (+0.7), lot 3.2 -> 4 (+0.8 / 2); item 2 unchanged
    assert rounded["expected_stock"].tolist() == pytest.approx([4.1, 6.0])
