"""A weekly history's law simulates as many years as a monthly one's."""

import numpy as np
import pandas as pd
import pytest
from test_policy_slow_fill_rate import replay_reviewed_daily

from sop_planning.engine.policy import compute_policy

N_ITEMS = 600
WEEK = 7.0


def rare_weekly_demand(n_weeks, seed):
    """Seeded spare parts: a sale in 1-8 % of weeks, of widely varying size."""
    rng = np.random.default_rng(seed)
    chance = np.random.default_rng(1).uniform(0.01, 0.08, (N_ITEMS, 1))
    size = np.random.default_rng(2).gamma(1.0, 5.0, (N_ITEMS, 1)) + 1
    occurs = rng.random((N_ITEMS, n_weeks)) < chance
    return occurs * np.ceil(rng.exponential(size, (N_ITEMS, n_weeks)))


def plan_and_replay(make_history, law_options=None):
    """Plan 150 weeks of rare demand at 95 %, 7 or 16 weeks' lead time,
    reviewed daily; replay on 20 years of new weeks. Returns (reached,
    promised, average stock value)."""
    history = rare_weekly_demand(150, seed=10)
    item_ids = np.arange(N_ITEMS)
    rng = np.random.default_rng(3)
    items = pd.DataFrame(
        {
            "item_id": item_ids,
            "lead_time_days": rng.choice([7.0, 16.0], N_ITEMS) * WEEK,
            "review_days": 0.0,
            "unit_cost": np.round(rng.lognormal(np.log(20.0), 1.0, N_ITEMS), 2),
            "service_level": 0.95,
            "service_type": "cycle",
            "pattern": "lumpy",
        }
    )
    weeks = pd.date_range("2030-01-07", periods=26, freq="W-MON")
    forecast = pd.DataFrame(
        {
            "item_id": np.repeat(item_ids, len(weeks)),
            "period": np.tile(weeks, N_ITEMS),
            "forecast": np.repeat(history.mean(axis=1), len(weeks)),
            "sigma": np.repeat(history.std(axis=1), len(weeks)),
        }
    )
    policy = compute_policy(
        items,
        forecast,
        history=make_history(history, freq="W"),
        freq="W",
        max_cover_days=61,
        law_options=law_options,
    )
    result = replay_reviewed_daily(
        policy,
        items,
        rare_weekly_demand(1040, seed=11),
        period_days=WEEK,
        unit_cost=items["unit_cost"].to_numpy(),
    )
    reached = result.served.sum() / result.demand.sum()
    promised = np.average(policy["expected_fill_rate"], weights=result.demand)
    return reached, promised, result.avg_value.sum()


def test_rare_weekly_items_reach_their_target(make_history):
    """The level factor is drawn once a simulated year: 480 weeks gave 9
    draws, a candidate grid too noisy to choose on; the shared target
    then asked more than the law could give and every item took its
    largest reorder point (4 points short of 95 %, with more stock; the
    allocation kept since, the cheapest one tried that keeps its promise,
    still falls short on 480 weeks)."""
    reached, promised, _stock = plan_and_replay(make_history)
    assert reached >= 0.935
    assert reached == pytest.approx(promised, abs=0.02)
    short = plan_and_replay(make_history, {"n_periods": 480})
    assert short[0] < reached - 0.015
