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


def test_short_lead_time_keeps_the_stock_the_policy_keeps():
    """A 2-day transfer (or a 14-day vendor): the reorder point covers days,
    not the month a monthly plan waits for a receipt. Orders placed at a
    month's end arrive during the next month, before its demand is gone:
    the plan's month-end stock stays near the policy's, not a month short."""
    demand = [304.0] * 12
    rop, lot = 40.0, 71.0  # 2 days and safety; a week of demand
    planned, projected, _spend = project_supply(
        [0.0],
        [[0.0] * 12],
        [demand],
        [rop],
        [lot],
        lead_months([2.0]),
        lead_days=[2.0],
    )
    assert (projected[0] >= 0.0).all(), projected[0]
    assert (projected[0] <= rop + lot).all(), projected[0]
    # the stock balances: receipts - demand = the last month's stock
    assert abs(planned[0].sum() - sum(demand) - projected[0][-1]) < 1e-9
    # a 14-day vendor: the same
    _planned, projected, _spend = project_supply(
        [0.0],
        [[0.0] * 12],
        [demand],
        [200.0],
        [300.0],
        lead_months([14.0]),
        lead_days=[14.0],
    )
    assert (projected[0] >= 0.0).all(), projected[0]


def test_plan_supply_reads_the_lead_time_in_days():
    lines = pd.DataFrame(
        {
            "item_id": 1,
            "period": MONTHS,
            "on_hand": 0.0,
            "confirmed": 0.0,
            "demand": 304.0,
        }
    )
    policy = pd.DataFrame(
        {
            "item_id": [1],
            "reorder_point": [40.0],
            "order_qty": [71.0],
            "lead_time_days": [2.0],
        }
    )
    result = plan_supply(lines, policy)
    assert (result["projected_with_plan"] >= 0.0).all()
