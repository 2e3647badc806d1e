"""Tests of the inventory simulator: hand-computed cases and invariants."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.policy import compute_policy
from sop_planning.engine.simulate import simulate


def test_min_max_by_hand():
    # Start 10, demand 3/period, s = 4, S = 10, lead time 1 period: orders of
    # 6 placed in periods 1, 3, 5 arrive at the start of periods 3, 5, (7).
    result = simulate(np.full((1, 6), 3.0), 4, 10, lead_time=1, track=True)
    assert result.on_hand[0].tolist() == [7, 4, 1, 4, 1, 4]
    assert result.received[0].tolist() == [0, 0, 0, 6, 0, 6]
    assert result.shipped[0].tolist() == [3] * 6
    assert result.orders[0] == 3
    assert result.fill_rate[0] == 1.0
    assert result.avg_on_hand[0] == pytest.approx(21 / 6)


@pytest.mark.parametrize(
    ("lost_sales", "shipped", "backlog_served"),
    [(False, [5, 0, 7], 3), (True, [5, 0, 4], 0)],
)
def test_backorders_and_lost_sales_by_hand(lost_sales, shipped, backlog_served):
    # Start 5, demand 8, 0, 4; s = 2, S = 10, lead time 1. Period 0 ships 5
    # and is short 3; position 0 - 3 (or 0 when lost) orders up to 10.
    result = simulate(
        np.array([[8.0, 0.0, 4.0]]),
        2,
        10,
        lead_time=1,
        initial_on_hand=5,
        lost_sales=lost_sales,
        unit_cost=2.0,
        track=True,
    )
    assert result.shipped[0].tolist() == shipped
    assert result.received[0].tolist() == [0, 0, 10 + backlog_served]
    assert result.on_hand[0].tolist() == [0, 0, 6]
    assert result.fill_rate[0] == pytest.approx(9 / 12)
    assert result.stockout_periods[0] == 1
    # Two cycles (before and after the receipt), the first one short.
    assert result.cycle_service_level[0] == pytest.approx(0.5)
    assert result.avg_value[0] == pytest.approx(2 * 6 / 3)


def test_fixed_lot_policy_by_hand():
    # s = 5, Q = 4, start 9, demand 4/period, lead time 0: a position of 5
    # orders one lot, a position of 1 orders two lots.
    result = simulate(
        np.array([[4.0, 4.0, 4.0, 4.0]]),
        5,
        4,
        policy="sQ",
        track=True,
    )
    assert result.initial_on_hand[0] == 9
    assert result.received[0].tolist() == [0, 4, 4, 4]
    assert result.on_hand[0].tolist() == [5, 5, 5, 5]
    assert result.orders[0] == 4


def test_periodic_review_by_hand():
    # Reviewed every 3 periods (0, 3): S = 12, start 12, demand 2, lead time 0.
    result = simulate(
        np.full((1, 6), 2.0),
        12,
        12,
        policy="RsS",
        review=3,
        track=True,
    )
    assert result.received[0].tolist() == [0, 2, 0, 0, 6, 0]
    assert result.on_hand[0].tolist() == [10, 10, 8, 6, 10, 8]


def test_levels_changing_over_time():
    # s = S = 6 for two periods, then 10: the order placed in period 2 tops
    # the position up to the new level (lead time 0: received next period).
    levels = np.array([[6.0, 6.0, 10.0, 10.0]])
    result = simulate(np.full((1, 4), 2.0), levels, levels, track=True)
    assert result.initial_on_hand[0] == 6
    assert result.received[0].tolist() == [0, 2, 2, 6]
    assert result.on_hand[0].tolist() == [4, 4, 4, 8]


def test_scheduled_receipts_and_first_order_period_by_hand():
    # Start 4, demand 2, s = 4, S = 10, lead time 1: 6 already on order
    # arrive in period 2; no order before period 3 (an order deferred).
    result = simulate(
        np.full((1, 6), 2.0),
        4,
        10,
        lead_time=1,
        initial_on_hand=4,
        scheduled=np.array([[0, 0, 6, 0, 0, 0]]),
        order_from=3,
        track=True,
    )
    # period 2 ends at 4 = s but may not order; period 3 orders 10 - 2 = 8
    assert result.received[0].tolist() == [0, 0, 6, 0, 0, 8]
    assert result.on_hand[0].tolist() == [2, 0, 4, 2, 0, 6]
    assert result.orders[0] == 1
    assert result.fill_rate[0] == 1.0


def test_order_multiple_rounds_up():
    result = simulate(np.full((1, 2), 3.0), 8, 10, multiple=5, track=True)
    assert result.received[0].tolist() == [0, 5]


def random_case(seed, n_items=40, n_periods=60):
    """Return lumpy random demand with random policies."""
    rng = np.random.default_rng(seed)
    demand = rng.poisson(3, (n_items, n_periods)) * (
        rng.random((n_items, n_periods)) < 0.6
    )
    s = rng.uniform(0, 30, n_items)
    return demand.astype(float), s, s + rng.uniform(0, 30, n_items), rng


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    policy=st.sampled_from(["sS", "RsS", "sQ"]),
    lost_sales=st.booleans(),
)
def test_conservation_and_no_negative_stock(seed, policy, lost_sales):
    demand, s, level, rng = random_case(seed)
    result = simulate(
        demand,
        s,
        level,
        policy=policy,
        review=rng.integers(1, 5, len(s)),
        lead_time=rng.uniform(0, 6, len(s)),
        lead_time_std=rng.uniform(0, 2, len(s)),
        lost_sales=lost_sales,
        seed=seed,
        track=True,
    )
    start = np.column_stack([result.initial_on_hand, result.on_hand[:, :-1]])
    np.testing.assert_allclose(
        start + result.received - result.shipped, result.on_hand, atol=1e-9
    )
    assert (result.on_hand >= -1e-9).all()
    assert (result.shipped <= demand.cumsum(axis=1).max() + 1e-9).all()
    served = np.nansum(result.fill_rate * result.demand)
    assert served == pytest.approx(result.served.sum())
    if lost_sales:
        assert (result.shipped <= demand + 1e-9).all()


def test_same_seed_same_result():
    demand, s, level, _ = random_case(3)
    runs = [
        simulate(demand, s, level, lead_time=4, lead_time_std=2, seed=seed)
        for seed in (7, 7, 8)
    ]
    np.testing.assert_array_equal(runs[0].avg_on_hand, runs[1].avg_on_hand)
    np.testing.assert_array_equal(runs[0].fill_rate, runs[1].fill_rate)
    assert not np.array_equal(runs[0].avg_on_hand, runs[2].avg_on_hand)


def test_policy_reaches_its_cycle_service_level():
    # (R, S) review every 5 days, lead time 3 days, demand 100 +- 20 a day,
    # S = the policy's reorder point for 95 % cycle service over 8 days: the
    # simulated share of review cycles without stockout is close to 95 %.
    rng = np.random.default_rng(1)
    n_items, n_days = 300, 400
    items = pd.DataFrame(
        {
            "item_id": range(n_items),
            "lead_time_days": 3.0,
            "review_days": 5.0,
            "unit_cost": 10.0,
            "service_level": 0.95,
        }
    )
    demand = pd.DataFrame(
        {
            "item_id": range(n_items),
            "period": "2026-01-01",
            "forecast": 100.0,
            "sigma": 20.0,
        }
    )
    policy = compute_policy(items, demand, period_days=1)
    history = np.maximum(rng.normal(100, 20, (n_items, n_days)), 0)
    level = policy["reorder_point"]
    result = simulate(history, level, level, policy="RsS", review=5, lead_time=3)
    assert np.mean(result.cycle_service_level) == pytest.approx(0.95, abs=0.01)


def test_bad_simulation_input_names_the_item():
    with pytest.raises(EngineInputError, match="item B: lead_time"):
        simulate(np.ones((2, 3)), 1, 2, lead_time=[1, -1], item_ids=["A", "B"])
    demand = np.ones((2, 3))
    demand[1, 2] = np.nan
    with pytest.raises(EngineInputError, match="item 1: demand in period 2"):
        simulate(demand, 1, 2)
    with pytest.raises(EngineInputError, match="policy"):
        simulate(demand, 1, 2, policy="xyz")


def reference_simulation(demand, s, level, policy, review, lead, lost_sales):
    """Simulate one item with plain Python, period by period."""
    on_hand = level + s if policy == "sQ" else level
    pipeline, backlog, served = {}, 0.0, 0.0
    for t, quantity in enumerate(demand):
        on_hand += pipeline.pop(t, 0.0)
        from_backlog = min(on_hand, backlog)
        on_hand, backlog = on_hand - from_backlog, backlog - from_backlog
        now = min(on_hand, quantity)
        on_hand -= now
        served += now
        if not lost_sales:
            backlog += quantity - now
        position = on_hand + sum(pipeline.values()) - backlog
        if (policy != "RsS" or t % review == 0) and position <= s:
            if policy == "sQ":
                order = level * (int((s - position) // level) + 1)
            else:
                order = level - position
            if order > 0:
                pipeline[t + lead + 1] = pipeline.get(t + lead + 1, 0.0) + order
    return served, on_hand


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    policy=st.sampled_from(["sS", "RsS", "sQ"]),
    lost_sales=st.booleans(),
)
def test_matches_a_plain_python_reference(seed, policy, lost_sales):
    demand, s, level, rng = random_case(seed, n_items=8, n_periods=30)
    s, level = np.round(s), np.round(level) + 1
    review = rng.integers(1, 4, len(s))
    lead = rng.integers(0, 5, len(s))
    result = simulate(
        demand,
        s,
        level,
        policy=policy,
        review=review,
        lead_time=lead,
        lost_sales=lost_sales,
        track=True,
    )
    for item in range(len(s)):
        served, end = reference_simulation(
            demand[item],
            s[item],
            level[item],
            policy,
            review[item],
            lead[item],
            lost_sales,
        )
        assert result.served[item] == pytest.approx(served)
        assert result.on_hand[item, -1] == pytest.approx(end)
