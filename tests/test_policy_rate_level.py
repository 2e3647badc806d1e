"""An intermittent item's uncertain rate changes how often it sells."""

import numpy as np
import pytest
from test_policy_slow_fill_rate import plan_and_replay

from sop_planning.engine.policy_law import resample_demand


def steady_sized_demand(n_items, n_periods, seed):
    """Seeded intermittent demand: rare sales (5-40 % of months) of 1-3
    units, the same size give or take one: a customer's usual order."""
    rng = np.random.default_rng(seed)
    chance = np.random.default_rng(1).uniform(0.05, 0.4, (n_items, 1))
    usual = np.random.default_rng(2).integers(1, 4, (n_items, 1))
    occurs = rng.random((n_items, n_periods)) < chance
    return occurs * (usual + rng.poisson(0.3, (n_items, n_periods)))


def test_an_uncertain_rate_keeps_the_items_sale_sizes():
    """An item that sells 2 units in a third of its months: drawn again
    with an uncertain yearly level, its months still sell whole multiples
    of 2, more or fewer of them per year, at its own rate on average. Scaled
    instead, each sale takes the year's factor (2.7 units)."""
    months = np.tile([2.0, 0.0, 0.0], 8)[None, :]
    options = {"window": 24, "level_cv": [0.5], "seed": 3, "keys": [7]}
    by_rate = resample_demand(months, 1200, by_rate=[True], **options)[0]
    scaled = resample_demand(months, 1200, **options)[0]
    assert np.all(by_rate % 2.0 == 0.0)
    assert not np.all(scaled % 2.0 == 0.0)
    assert abs(by_rate.mean() / (2.0 / 3.0) - 1.0) < 0.1
    selling_months = (by_rate.reshape(100, 12) > 0).sum(axis=1)
    assert selling_months.min() < 3 and selling_months.max() > 6


def test_months_of_unknown_demand_do_not_raise_the_rate():
    """Months whose demand is unknown (a stock-out) are drawn as months
    without a sale: the added sales come at the rate of the months drawn
    from, so the mean demand is the same as with each sale scaled."""
    months = np.tile([2.0, 0.0, 0.0], 8)
    months[[4, 5, 10, 11, 16, 17]] = np.nan
    options = {"window": 24, "level_cv": [0.8], "seed": 5, "keys": [3]}
    by_rate = resample_demand(months[None, :], 2400, by_rate=[True], **options)
    scaled = resample_demand(months[None, :], 2400, **options)
    assert by_rate.mean() == pytest.approx(scaled.mean(), rel=0.04)


def test_steady_sized_intermittent_items_hold_less_for_their_target(make_history):
    """Intermittent items, planned at 95 % and replayed on 20 new years of
    the same demand: their rate uncertain, not their sale sizes, the law
    holds 13 % less stock, still reaches the target, and its promise is
    closer to what it reaches (both under-promise)."""
    by_rate = plan_and_replay(
        make_history, planned=True, demand=steady_sized_demand, pattern="intermittent"
    )
    scaled = plan_and_replay(
        make_history,
        {"rate_patterns": ()},
        planned=True,
        demand=steady_sized_demand,
        pattern="intermittent",
    )
    _policy, reached, promised, stock = by_rate
    assert reached >= 0.95
    assert stock < 0.92 * scaled[3]
    assert abs(reached - promised) < abs(scaled[1] - scaled[2]) - 0.005
