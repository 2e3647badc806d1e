"""A vendor ordered from every two weeks: protected over lead time + review."""

import numpy as np
import pytest
from test_policy_law import plan_smooth_items

from sop_planning.engine.policy_law import review_periods, short_window
from sop_planning.engine.simulate import simulate

MONTH = 30.4375
N_ITEMS = 300
LEAD_DAYS = 10
RATE = np.random.default_rng(1).uniform(5.0, 40.0, N_ITEMS)  # a month


def daily_demand(n_days, seed):
    """Seeded smooth items, Poisson sales day by day."""
    rng = np.random.default_rng(seed)
    return rng.poisson(RATE[:, None] / MONTH, (N_ITEMS, n_days)).astype(float)


def plan_and_replay(make_history, review_days, service_type):
    """Plan on 36 months of history at 95 %, a 10-day lead time and a
    vendor ordered from every ``review_days`` (0: every day); replay lost
    sales day by day on 20 new years, orders placed on the vendor's days.
    Returns (policy, reached, promised)."""
    history = daily_demand(36 * 30, seed=10).reshape(N_ITEMS, 36, 30).sum(axis=2)
    policy = plan_smooth_items(
        history,
        make_history,
        lead_time_days=float(LEAD_DAYS),
        review_days=float(review_days),
        service_type=service_type,
    )
    lead, review = review_periods(LEAD_DAYS, review_days)
    result = simulate(
        daily_demand(7300, seed=11),
        policy["reorder_point"],
        policy["order_up_to"],
        policy="RsS",
        review=review,
        lead_time=lead,
        lost_sales=True,
    )
    reached = result.served.sum() / result.demand.sum()
    promised = np.average(policy["expected_fill_rate"], weights=result.demand)
    return policy, reached, promised


@pytest.mark.parametrize("service_type", ["cycle", "fill_rate"])
def test_a_two_weekly_vendor_keeps_the_promise(make_history, service_type):
    policy, reached, promised = plan_and_replay(make_history, 14, service_type)
    assert (policy["method"] == "bootstrap").all()
    assert reached >= 0.95
    assert reached == pytest.approx(promised, abs=0.02)
    daily, _reached, _promised = plan_and_replay(make_history, 0, service_type)
    # two weeks between orders are covered by stock
    assert policy["reorder_point"].sum() > 1.5 * daily["reorder_point"].sum()


def test_the_review_joins_the_protection_window():
    lead, review = review_periods(
        np.array([2.0, 2.0, 0.3]), np.array([0.0, 0.46, 0.46])
    )
    assert lead.tolist() == pytest.approx([1.0, 1.46, 0.0])
    assert review.tolist() == [1.0, 1.0, 1.0]
    window = short_window(
        np.array([10.0, 10.0, 20.0]) / MONTH, np.array([0, 14, 14]) / MONTH
    )
    assert window.tolist() == pytest.approx([10 / MONTH, 24 / MONTH, 1.0])
