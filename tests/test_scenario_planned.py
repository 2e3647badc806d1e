"""Scenario scoring with the items' history: the policies approval sets."""

import numpy as np
import pandas as pd
import pytest
from conftest import long_history

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.policy_calibration import planned_floor, planned_policy
from sop_planning.engine.policy_rounding import round_policy
from sop_planning.engine.scenario import (
    PlanInputs,
    Scenario,
    evaluate_plan,
    scenario_items,
    scenario_policy,
    score_scenarios,
)

N_PATHS, SEED = 4, 3
PATTERNS = ["smooth", "smooth", "erratic", "intermittent", "lumpy", "lumpy"]
POLICY_COLUMNS = ["item_id", "reorder_point", "order_up_to", "order_qty", "method"]


def _inputs():
    """Six items of four patterns: 36 months of history, a 12-month plan
    below their recent sales (the floor acts), in whole pieces."""
    rng = np.random.default_rng(11)
    ids = [f"P{i}" for i in range(len(PATTERNS))]
    smooth = rng.poisson(60.0, (3, 36)).astype(float)
    slow = rng.poisson(0.8, (3, 36)) * rng.integers(3, 15, (3, 36))
    history = long_history(np.vstack([smooth, slow]), item_ids=ids)
    periods = pd.date_range("2023-01-01", periods=12, freq="MS")
    level = np.array([45.0, 50.0, 40.0, 4.0, 3.0, 2.5])
    months = np.arange(1, 13)
    demand = pd.DataFrame(
        {
            "item_id": np.repeat(ids, 12),
            "period": np.tile(periods, len(ids)),
            "qty": np.repeat(level, 12),
            "sigma": np.repeat(level * 0.4, 12),
            "sigma_cum": np.outer(level * 0.4, np.sqrt(months) * 1.3).ravel(),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": ids,
            "lead_time_days": [20.0, 45.0, 30.0, 12.0, 60.0, 25.0],
            "unit_cost": [4.0, 12.0, 7.0, 80.0, 150.0, 40.0],
            "abc": ["A", "B", "A", "C", "B", "C"],
            "xyz": ["X", "Y", "Z", "Z", "Z", "Z"],
            "pattern": PATTERNS,
            "service_level": [np.nan, np.nan, 0.9, np.nan, np.nan, np.nan],
            "rounding": 1.0,
            "multiple": [1.0, 6.0, 1.0, 1.0, 1.0, 1.0],
            "plan_adjusted": [False, True, False, False, False, False],
            "category": ["tools", "parts", "tools", "parts", "tools", "parts"],
            "on_hand": 0.0,
        }
    )
    items["unit_price"] = items["unit_cost"] * 1.5
    return PlanInputs(items, demand, "M", history=history)


def _approved(inputs, scenario, factor):
    """The policy approval with ``scenario`` sets: planned_policy on its
    items, demand x ``factor`` and history x ``factor``, then rounded."""
    items = scenario_items(inputs.items, scenario)
    demand = inputs.demand.rename(columns={"qty": "forecast"})
    scaled = ["forecast", "sigma", "sigma_cum"]
    demand[scaled] = demand[scaled] * factor
    history = inputs.history.assign(qty=inputs.history["qty"] * factor)
    return round_policy(planned_policy(items, demand, history, freq="M"), items)


@pytest.mark.parametrize(
    ("scenario", "factor"),
    [
        (Scenario("Base plan"), 1.0),
        (Scenario("busy", demand_pct=20, lead_time_days=7, service_level=0.98), 1.2),
    ],
)
def test_the_scored_policy_is_the_one_approval_sets(scenario, factor):
    inputs = _inputs()
    scored = evaluate_plan(inputs, scenario, n_paths=N_PATHS, seed=SEED).policy
    approved = _approved(inputs, scenario, factor)
    pd.testing.assert_frame_equal(
        scored[POLICY_COLUMNS], approved[POLICY_COLUMNS], check_exact=False
    )
    # the history's law, not the forecast's: slow items resampled
    assert (scored["method"] == "bootstrap").all()
    without = evaluate_plan(
        PlanInputs(inputs.items, inputs.demand, "M"), n_paths=N_PATHS, seed=SEED
    )
    assert not np.allclose(without.policy["reorder_point"], scored["reorder_point"]), (
        "without history the forecast's law sizes the policy"
    )


def test_the_plan_is_simulated_at_the_floor_the_policy_sizes_on():
    inputs = _inputs()
    plan = evaluate_plan(inputs, n_paths=N_PATHS, seed=SEED)
    floor = planned_floor(inputs.items, inputs.history, 30.4375)
    demand = plan.supply.groupby("item_id", sort=False)["demand"].min()
    planned = inputs.demand.groupby("item_id", sort=False)["qty"].min()
    expected = np.maximum(planned, floor.reindex(planned.index).fillna(0.0))
    np.testing.assert_allclose(demand.to_numpy(), expected.to_numpy())
    # P1's plan a planner set is kept, the others are floored above it
    assert demand["P1"] == 50.0
    assert (demand.drop("P1") > planned.drop("P1")).any()


def test_scenarios_differ_by_their_deltas_only():
    inputs = _inputs()
    scores = score_scenarios(
        inputs,
        [Scenario("price -5 %", price_pct=-5), Scenario("demand +15 %", demand_pct=15)],
        n_paths=N_PATHS,
        seed=SEED,
    ).set_index("scenario")
    base, cheaper = scores.loc["Base plan"], scores.loc["price -5 %"]
    assert cheaper["fill_rate"] == base["fill_rate"]
    assert cheaper["avg_stock_value"] == base["avg_stock_value"]
    assert cheaper["revenue"] == pytest.approx(base["revenue"] * 0.95)
    busier = scores.loc["demand +15 %", "revenue"] / base["revenue"]
    assert busier == pytest.approx(1.15, rel=0.02)


def test_a_part_scored_with_the_whole_plans_policy():
    """The policy planned once on the whole plan (``scenario_policy``) and
    given to the scoring of a part: that part is simulated with its rows of
    it, as the whole plan's scoring simulates them; an item without a row is
    refused."""
    inputs = _inputs()
    late = Scenario("late", lead_time_days=10.0)
    whole = evaluate_plan(inputs, late, n_paths=N_PATHS, seed=SEED)
    policy = scenario_policy(inputs, late)
    pd.testing.assert_frame_equal(policy, whole.policy)
    ids = ["P4", "P1"]
    part = PlanInputs(
        inputs.items[inputs.items["item_id"].isin(ids)].iloc[::-1],
        inputs.demand[inputs.demand["item_id"].isin(ids)],
        "M",
        history=inputs.history,
    )
    scored = evaluate_plan(part, late, n_paths=N_PATHS, seed=SEED, policy=policy)
    expected = whole.policy.set_index("item_id").loc[["P4", "P1"]]
    assert scored.policy["item_id"].tolist() == ["P4", "P1"]
    assert np.allclose(
        scored.policy["reorder_point"], expected["reorder_point"].to_numpy()
    )
    with pytest.raises(EngineInputError, match="P4: no row in the policy"):
        evaluate_plan(part, late, policy=policy[policy["item_id"] != "P4"])
