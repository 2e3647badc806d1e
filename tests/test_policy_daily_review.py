"""A rule reviewed every day, planned and replayed on monthly history."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.policy import compute_policy
from sop_planning.engine.policy_calibration import policy_backtest
from sop_planning.engine.policy_law import review_periods

MONTH = 30.4375
N_ITEMS = 200


def smooth_demand():
    """Seeded smooth monthly demand: 100 a month, standard deviation 30."""
    rng = np.random.default_rng(5)
    return np.maximum(np.round(rng.normal(100, 30, (N_ITEMS, 48))), 0)


def long_history(matrix):
    periods = pd.date_range("2027-01-01", periods=matrix.shape[1], freq="MS")
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(len(matrix)), matrix.shape[1]),
            "period": np.tile(periods, len(matrix)),
            "qty": matrix.ravel(),
        }
    )


def flat_forecast(matrix, horizon=12):
    periods = pd.date_range("2031-01-01", periods=horizon, freq="MS")
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(len(matrix)), horizon),
            "period": np.tile(periods, len(matrix)),
            "forecast": np.repeat(matrix.mean(axis=1), horizon),
            "sigma": np.repeat(matrix.std(axis=1), horizon),
        }
    )


def two_month_items(review_days):
    return pd.DataFrame(
        {
            "item_id": np.arange(N_ITEMS),
            "lead_time_days": 2 * MONTH,
            "review_days": review_days,
            "unit_cost": 10.0,
            "service_level": 0.95,
            "service_type": "fill_rate",
            "pattern": "smooth",
        }
    )


def plan(review_days):
    demand = smooth_demand()
    return compute_policy(
        two_month_items(review_days),
        flat_forecast(demand),
        freq="M",
        history=long_history(demand),
        max_cover_days=31,
    )


def test_review_under_half_a_period_protects_over_the_lead_time_only():
    lead, review = review_periods([2.0, 0.4, 2.0, 2.0, 3.0], [0.0, 0.0, 1.0, 0.6, 4])
    assert list(lead) == [1.0, 0.0, 2.0, 2.0, 3.0]
    assert list(review) == [1.0, 1.0, 1.0, 1.0, 4.0]
    again = review_periods(lead, review)
    assert list(again[0]) == list(lead) and list(again[1]) == list(review)


def test_daily_review_sizes_a_two_month_lead_on_two_months_not_three():
    """Reviewed every day, a 2-month lead is protected over 2 months: the
    reorder point is about a month of demand (100) below the monthly
    review's, and the replay, reviewing daily too, keeps the promise."""
    monthly, daily = plan(MONTH), plan(0.0)
    assert (daily["method"] == "bootstrap").all()
    gap = monthly["reorder_point"] - daily["reorder_point"]
    assert gap.mean() == pytest.approx(100, abs=15)
    assert daily["expected_fill_rate"].mean() == pytest.approx(0.95, abs=0.01)

    demand = smooth_demand()
    items = two_month_items(0.0)
    replayed = policy_backtest(items, long_history(demand), freq="M", max_cover_days=31)
    demand_sum = replayed["backtest_demand"].sum()
    reached = replayed["backtest_served"].sum() / demand_sum
    promised = (replayed["backtest_promised"] * replayed["backtest_demand"]).sum()
    assert reached == pytest.approx(promised / demand_sum, abs=0.03)
    monthly_replay = policy_backtest(
        two_month_items(MONTH), long_history(demand), freq="M", max_cover_days=31
    )
    assert (
        replayed["backtest_avg_stock"].mean()
        < 0.85 * monthly_replay["backtest_avg_stock"].mean()
    )


def test_monthly_review_keeps_its_reorder_point():
    """Review of one period: a snapshot of the law's reorder point (first
    taken before daily review was emulated, which left it unchanged; taken
    again when each item drew from its own random stream)."""
    assert plan(MONTH)["reorder_point"].iloc[0] == pytest.approx(247.1580265164739)


def test_items_without_a_review_column_are_replayed_as_reviewed_daily():
    """ITEMS.csv without ``review_days`` (the CLI's ``policy --backtest``):
    reviewed every day, as the policy is planned, not a crash."""
    history = long_history(smooth_demand()[:20])
    items = two_month_items(0.0).iloc[:20]
    daily = policy_backtest(items, history, freq="M", max_cover_days=31)
    unsaid = policy_backtest(
        items.drop(columns="review_days"), history, freq="M", max_cover_days=31
    )
    pd.testing.assert_frame_equal(unsaid, daily)
