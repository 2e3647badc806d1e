"""Tests of expected fill rates and the aggregate fill-rate allocation."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.policy import (
    compute_policy,
    expected_fill_rate,
    expected_stock,
    reorder_point_at,
)
from sop_planning.engine.policy_allocation import allocate_service_levels


def daily_case(costs, forecast=100.0, sigma=20.0, moq=600.0):
    """Return items (lead time 4 days) and daily forecasts of equal demand."""
    n_items = len(costs)
    items = pd.DataFrame(
        {
            "item_id": range(n_items),
            "lead_time_days": 4.0,
            "unit_cost": costs,
            "moq": moq,
            "order_cost": 0.0,
        }
    )
    demand = pd.DataFrame(
        {
            "item_id": range(n_items),
            "period": "2026-01-01",
            "forecast": forecast,
            "sigma": sigma,
        }
    )
    return items, demand


def test_expected_fill_rate_normal_known_answer():
    # s = LTD (z = 0), sigma_LT = 40, Q = 600: 1 - 40 x G(0) / 600 = 0.97340.
    items, demand = daily_case([10.0])
    policy = compute_policy(items.assign(service_level=0.5), demand, period_days=1)
    assert policy["lead_time_sigma"].iloc[0] == pytest.approx(40.0)
    assert expected_fill_rate(policy)[0] == pytest.approx(1 - 40 * 0.398942 / 600)


def test_expected_stock_normal_known_answer():
    # s = LTD: stock left at arrival = 0 + 40 x G(0) = 15.96; plus Q / 2 = 300.
    items, demand = daily_case([10.0])
    policy = compute_policy(items.assign(service_level=0.5), demand, period_days=1)
    assert expected_stock(policy)[0] == pytest.approx(40 * 0.398942 + 300, abs=1e-3)
    assert policy["expected_stock"].iloc[0] == pytest.approx(315.958, abs=1e-3)
    assert policy["expected_stock_value"].iloc[0] == pytest.approx(3159.58, abs=0.01)
    assert policy["expected_fill_rate"].iloc[0] == pytest.approx(0.97340, abs=1e-5)


def test_expected_figures_without_demand():
    items, demand = daily_case([10.0], forecast=0.0, sigma=0.0)
    policy = compute_policy(items, demand, period_days=1)
    assert policy["expected_fill_rate"].iloc[0] == 1.0
    assert policy["expected_stock"].iloc[0] == 0.0


def test_reorder_point_at_a_level():
    items, demand = daily_case([10.0])
    policy = compute_policy(items, demand, period_days=1)
    assert reorder_point_at(policy, 0.95)[0] == pytest.approx(400 + 1.644854 * 40)


def test_fill_rate_target_reached_with_the_loss_function():
    items, demand = daily_case([10.0])
    policy = compute_policy(
        items.assign(service_level=0.99, service_type="fill_rate"),
        demand,
        period_days=1,
    )
    assert expected_fill_rate(policy)[0] == pytest.approx(0.99, abs=1e-6)


def test_allocation_favours_cheap_items_and_hits_the_target():
    items, demand = daily_case([1.0, 100.0], moq=100.0)
    policy = allocate_service_levels(items, demand, 0.97, period_days=1)
    cheap, dear = policy["service_level"]
    assert cheap > dear
    # Unclipped levels follow 1 - p = cost x Q / (lambda x d): ratio of costs.
    assert (1 - dear) / (1 - cheap) == pytest.approx(100.0, rel=1e-6)
    assert np.mean(expected_fill_rate(policy)) == pytest.approx(0.97, abs=1e-6)
    assert policy["explanation"].str.startswith("service level from the 97.0%").all()


def test_allocation_uses_less_stock_value_than_a_uniform_level():
    items, demand = daily_case([1.0, 100.0], moq=100.0)
    allocated = allocate_service_levels(items, demand, 0.97, period_days=1)
    uniform = compute_policy(
        items.assign(service_level=0.97, service_type="fill_rate"),
        demand,
        period_days=1,
    )
    assert np.mean(expected_fill_rate(uniform)) == pytest.approx(0.97, abs=1e-4)
    costs = items["unit_cost"]
    value = (allocated["safety_stock"] * costs).sum()
    assert value < (uniform["safety_stock"] * costs).sum()


def test_allocation_rejects_a_bad_target():
    items, demand = daily_case([1.0])
    with pytest.raises(EngineInputError, match="target fill rate"):
        allocate_service_levels(items, demand, 1.2, period_days=1)


def test_an_item_without_a_cost_keeps_its_own_service_level():
    """At no price per unit the allocation gave a product whose cost is not
    set the upper bound, 99.95 %; it keeps the level it was given."""
    items, demand = daily_case([0.0, 1.0, 100.0], moq=100.0)
    items["service_level"] = 0.9
    policy = allocate_service_levels(items, demand, 0.97, period_days=1)
    free, cheap, dear = policy["service_level"]
    assert free == pytest.approx(0.9)
    assert cheap > dear
    assert (
        policy["explanation"]
        .iloc[0]
        .endswith("; without a unit cost it is planned alone at its target")
    )
    assert policy["explanation"].iloc[1].startswith("service level from the 97.0%")
