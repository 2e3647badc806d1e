"""Tests of the policy backtest on long demand history."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.simulate_backtest import (
    backtest,
    calibrate_aim,
    demand_matrix,
    replay_fill_rate,
    static_min_max,
)


def test_demand_matrix_fills_gaps_and_orders_periods():
    history = pd.DataFrame(
        {
            "item_id": ["B", "A", "A", "A"],
            "period": ["2026-01-12", "2026-01-12", "2026-01-05", "2026-01-19"],
            "qty": [5.0, 2.0, 1.0, None],
        }
    )
    matrix, periods = demand_matrix(history, ["A", "B", "C"])
    assert matrix.tolist() == [[1, 2, 0], [0, 5, 0], [0, 0, 0]]
    assert periods[0] == pd.Timestamp("2026-01-05")


def test_static_min_max_from_average_demand():
    minimum, maximum = static_min_max(
        np.array([[2.0, 4.0]]), np.array([3.0]), [10.0], 1.5
    )
    assert minimum[0] == pytest.approx(1.5 * 3 * 3)
    assert maximum[0] == pytest.approx(13.5 + 10)


def test_backtest_compares_policy_and_static_rule():
    # Constant demand 10 a period, lead time 2 periods (14 days on weeks):
    # min 40 / max 60 never runs short; the static min of 10 x (2 + 1) = 30
    # with the same lot of 20 does not either, and holds less.
    weeks = pd.date_range("2026-01-05", periods=20, freq="7D")
    history = pd.DataFrame({"item_id": "A", "period": weeks, "qty": 10.0})
    policy = pd.DataFrame(
        {"item_id": ["A"], "reorder_point": [40.0], "order_up_to": [60.0]}
    )
    items = pd.DataFrame(
        {"item_id": ["A"], "lead_time_days": [14.0], "unit_cost": [3.0]}
    )
    per_item, summary = backtest(history, policy, items, period_days=7)
    assert per_item["fill_rate"].iloc[0] == 1.0
    assert summary["policy"].tolist() == ["policy", "static min/max"]
    assert summary["fill_rate"].tolist() == [1.0, 1.0]
    value = summary.set_index("policy")["avg_value"]
    assert value["static min/max"] < value["policy"]


def test_backtest_names_item_without_cost():
    history = pd.DataFrame({"item_id": ["A"], "period": ["2026-01-05"], "qty": [1.0]})
    policy = pd.DataFrame(
        {"item_id": ["A"], "reorder_point": [1.0], "order_up_to": [2.0]}
    )
    items = pd.DataFrame(
        {"item_id": ["A"], "lead_time_days": [7.0], "unit_cost": [None]}
    )
    with pytest.raises(EngineInputError, match="item A: column 'unit_cost' is missing"):
        backtest(history, policy, items, period_days=7)


def rising_history():
    """Return 3 items: 10 a period for 30 periods, then 12, 14 and 16 for 20."""
    rises = np.array([12.0, 14.0, 16.0])
    return np.hstack([np.full((3, 30), 10.0), np.repeat(rises[:, None], 20, 1)])


def levels_from_mean(fit, aim):
    """Return (s, S): mean demand over lead 2 + review 1 plus z(aim) x 3, lot 10."""
    reorder_point = fit.mean(axis=1) * 3 + stats.norm.ppf(aim) * 3
    return reorder_point, reorder_point + 10.0


def test_calibrated_aim_reaches_the_target_in_the_own_backtest():
    # Demand rose in the last 20 periods: a policy aimed at 95 % from the
    # earlier mean delivers less, so the calibrated aim is higher and, built
    # at that aim, the policy reaches 95 % on the replayed periods.
    history = rising_history()
    naive = replay_fill_rate(history, 20, *levels_from_mean(history[:, :-20], 0.95), 2)
    assert naive < 0.95
    aim = calibrate_aim(levels_from_mean, history, 0.95, replay_periods=20, lead_time=2)
    assert 0.95 < aim < 0.9999
    levels = levels_from_mean(history[:, :-20], aim)
    assert replay_fill_rate(history, 20, *levels, 2) >= 0.95
    lower = levels_from_mean(history[:, :-20], aim - 0.01)
    assert replay_fill_rate(history, 20, *lower, 2) < 0.95


def test_calibrate_aim_stops_at_the_upper_bound_and_checks_the_split():
    history = rising_history()
    aim = calibrate_aim(
        levels_from_mean,
        history,
        0.999,
        replay_periods=20,
        lead_time=2,
        bounds=(0.5, 0.9),
    )
    assert aim == 0.9
    with pytest.raises(EngineInputError, match="replay_periods"):
        calibrate_aim(levels_from_mean, history, 0.95, replay_periods=50, lead_time=2)
