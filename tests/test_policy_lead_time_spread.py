"""A vendor whose lead time varies: the resampled law protects against it."""

import numpy as np
import pandas as pd
import pytest
from test_policy_law import plan_smooth_items

from sop_planning.engine.policy_calibration import rule_backtest
from sop_planning.engine.policy_law import simulate_levels
from sop_planning.engine.simulate import simulate

MONTH = 30.4375
N_ITEMS = 300
LEAD_MONTHS = 2


def steady_demand(n_months, seed):
    """Seeded smooth items selling 5-40 a month (Poisson)."""
    rate = np.random.default_rng(1).uniform(5.0, 40.0, (N_ITEMS, 1))
    return np.random.default_rng(seed).poisson(rate, (N_ITEMS, n_months)).astype(float)


def plan_and_replay(make_history, planned_std_days, actual_std_days):
    """Plan 36 months of history at 95 % (monthly review, lead time two
    months with ``planned_std_days`` of spread); replay lost sales on 20
    years of new months whose orders take two months with
    ``actual_std_days`` of spread. Returns (policy, reached, promised)."""
    history = steady_demand(36, seed=10)
    policy = plan_smooth_items(
        history,
        make_history,
        lead_time_days=LEAD_MONTHS * MONTH,
        lead_time_std_days=planned_std_days,
        review_days=MONTH,
        service_type="cycle",
    )
    new = steady_demand(240, seed=11)
    result = simulate(
        new,
        policy["reorder_point"],
        policy["order_up_to"],
        policy="RsS",
        review=1,
        lead_time=LEAD_MONTHS,
        lead_time_std=actual_std_days / MONTH,
        lost_sales=True,
        seed=5,
    )
    reached = result.served.sum() / result.demand.sum()
    promised = np.average(policy["expected_fill_rate"], weights=result.demand)
    return policy, reached, promised


def test_a_varying_lead_time_keeps_the_promise(make_history):
    policy, reached, promised = plan_and_replay(make_history, MONTH, MONTH)
    assert (policy["method"] == "bootstrap").all()
    assert reached == pytest.approx(promised, abs=0.01)
    assert "(lead time drawn per order, sd 30.4 d)" in policy.loc[0, "explanation"]
    fixed, _reached, _promised = plan_and_replay(make_history, 0.0, 0.0)
    assert "drawn per order" not in fixed.loc[0, "explanation"]
    # the spread is paid for with a higher reorder point
    assert (policy["reorder_point"] > fixed["reorder_point"]).mean() > 0.95


def test_a_fixed_lead_time_law_overpromises_a_varying_vendor(make_history):
    """Why: a law that assumes the planned lead time promises more than a
    vendor one month early or late delivers."""
    _policy, reached, promised = plan_and_replay(make_history, 0.0, MONTH)
    assert promised - reached > 0.02


def test_orders_of_a_varying_lead_time_arrive_around_it():
    """One order at a time: its arrival spreads around the lead time."""
    demand = np.zeros((1, 5000))
    demand[0, ::5] = 1.0  # one unit every 5 periods, one order each
    fill = {
        spread: simulate_levels(
            demand, np.zeros(1), np.ones(1), 3.0, 1.0, lead_std=spread, seed=3
        )[0][0]
        for spread in (0.0, 2.0)
    }
    assert fill[0.0] == 1.0  # always back within the 5 periods
    # later than 4 periods in about a quarter of the orders
    assert 0.65 < fill[2.0] < 0.9


def test_the_backtest_replays_the_vendors_spread(make_history):
    """The same rules would have served less with a late-or-early vendor."""
    history = steady_demand(36, seed=10)
    items = pd.DataFrame(
        {
            "item_id": np.arange(N_ITEMS),
            "lead_time_days": LEAD_MONTHS * MONTH,
            "review_days": MONTH,
            "unit_cost": 20.0,
        }
    )
    rules = 3.5 * history.mean(axis=1)
    fill = {
        spread: rule_backtest(
            items.assign(lead_time_std_days=spread),
            make_history(history),
            rules,
            rules + history.mean(axis=1),
            freq="M",
        )["backtest_fill_rate"].mean()
        for spread in (0.0, MONTH)
    }
    assert fill[MONTH] < fill[0.0] - 0.02
