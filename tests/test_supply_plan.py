"""Deterministic supply plan: planned receipts, stock with the plan, spend."""

import numpy as np
import pandas as pd

from sop_planning.engine import lead_months, plan_supply, project_supply

MONTHS = pd.date_range("2027-01-01", periods=12, freq="MS")


def _plan(on_hand, demand, rop, qty, lead_days, confirmed=None, multiple=None):
    n_months = len(demand)
    planned, projected, spend = project_supply(
        [on_hand],
        [confirmed or [0.0] * n_months],
        [demand],
        [rop],
        [qty],
        lead_months([lead_days]),
        unit_cost=[5.0],
        multiple=None if multiple is None else [multiple],
    )
    return planned[0], projected[0], spend[0]


def test_hand_computed_sawtooth():
    """On hand 100, 40 a month, reorder point 60, lots of 120, lead 1 month."""
    planned, projected, spend = _plan(100.0, [40.0] * 12, 60.0, 120.0, 30)
    expected_receipts = [0, 120, 0, 0, 120, 0, 0, 120, 0, 0, 120, 0]
    expected_stock = [60, 140, 100, 60, 140, 100, 60, 140, 100, 60, 140, 100]
    np.testing.assert_allclose(planned, expected_receipts)
    np.testing.assert_allclose(projected, expected_stock)
    np.testing.assert_allclose(spend, np.array(expected_receipts) * 5.0)


def test_longer_lead_time_counts_orders_on_the_way():
    """Lead 2 months: the order on the way counts in the position, so one
    lot is placed per reorder, and the stock dips below the reorder point
    while it travels."""
    planned, projected, _spend = _plan(100.0, [40.0] * 8, 60.0, 120.0, 61)
    np.testing.assert_allclose(planned, [0, 0, 120, 0, 0, 120, 0, 0])
    np.testing.assert_allclose(projected, [60, 20, 100, 60, 20, 100, 60, 20])


def test_deep_shortfall_orders_several_lots_rounded_to_the_pack():
    """A position far below the reorder point takes as many lots as lift it
    above; each lot is rounded up to the vendor's pack of 25."""
    planned, projected, _spend = _plan(
        0.0, [100.0, 100.0], 10.0, 40.0, 30, multiple=25.0
    )
    # start: position 0 -> one lot of 50 (40 rounded to packs of 25) arrives
    # in month 0 (lead 1 month, ordered today); end of month 0: -50 -> 2 lots
    np.testing.assert_allclose(planned, [50.0, 100.0])
    np.testing.assert_allclose(projected, [-50.0, -50.0])


def test_confirmed_receipts_delay_the_first_planned_order():
    planned, projected, _spend = _plan(
        50.0, [40.0] * 4, 30.0, 100.0, 30, confirmed=[0.0, 100.0, 0.0, 0.0]
    )
    # end of month 0: stock 10, position 110 -> no order; month 1: 70;
    # month 2: 30 -> order, arrives in month 3
    np.testing.assert_allclose(planned, [0.0, 0.0, 0.0, 100.0])
    np.testing.assert_allclose(projected, [10.0, 70.0, 30.0, 90.0])


def test_supply_plan_frame_without_policy_plans_nothing():
    """Items without a policy keep the projection without plan."""
    lines = pd.DataFrame(
        {
            "item_id": np.repeat([1, 2], 12),
            "period": np.tile(MONTHS, 2),
            "on_hand": 100.0,
            "confirmed": 0.0,
            "demand": 40.0,
        }
    ).sample(frac=1.0, random_state=3)
    policy = pd.DataFrame(
        {
            "item_id": [1],
            "reorder_point": [60.0],
            "order_qty": [120.0],
            "lead_time_days": [30.0],
            "unit_cost": [2.0],
        }
    )
    result = plan_supply(lines, policy).sort_values(["item_id", "period"])
    first, second = result[result["item_id"] == 1], result[result["item_id"] == 2]
    assert first["planned_receipts"].sum() == 480.0
    assert first["purchase_spend"].sum() == 960.0
    assert second["planned_receipts"].sum() == 0.0
    np.testing.assert_allclose(
        second["projected_with_plan"], 100.0 - 40.0 * np.arange(1, 13)
    )


def test_lead_months_rounds_to_whole_months():
    np.testing.assert_array_equal(
        lead_months([0.0, 14.0, 30.0, 45.0, 46.0, np.nan]), [1, 1, 1, 1, 2, 1]
    )
