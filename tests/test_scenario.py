"""What-if scenarios: overlays scored with the policy engine, simulator, finance."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.policy import compute_policy
from sop_planning.engine.scenario import (
    PlanInputs,
    Scenario,
    cap_receipts,
    daily_demand,
    evaluate_plan,
    kpis_from_totals,
    scenario_items,
    scenario_spend,
    score_scenarios,
    stock_balance,
)
from sop_planning.engine.simulate import simulate

N_PATHS, SEED = 4, 3


def _inputs(n_items=8, months=6):
    rng = np.random.default_rng(7)
    ids = [f"P{i}" for i in range(n_items)]
    periods = pd.date_range("2027-01-01", periods=months, freq="MS")
    level = rng.uniform(40.0, 300.0, n_items)
    demand = pd.DataFrame(
        {
            "item_id": np.repeat(ids, months),
            "period": np.tile(periods, n_items),
            "qty": np.repeat(level, months)
            * np.tile(np.linspace(0.8, 1.2, months), n_items),
            "sigma": np.repeat(level * 0.3, months),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": ids,
            "lead_time_days": rng.integers(10, 40, n_items).astype(float),
            "unit_cost": rng.uniform(2.0, 20.0, n_items),
            "order_cost": 50.0,
            "service_level": 0.95,
            "category": np.resize(["tools", "parts"], n_items),
        }
    )
    items["unit_price"] = items["unit_cost"] * 1.6
    return PlanInputs(items, demand, "M")


def _score(inputs, *scenarios):
    scores = score_scenarios(inputs, scenarios, n_paths=N_PATHS, seed=SEED)
    return scores.set_index("scenario")


def test_scenario_equals_a_direct_engine_call_with_the_same_deltas():
    inputs = _inputs()
    scenario = Scenario(
        "mix", demand_pct=15, price_pct=-5, lead_time_days=14, service_level=0.98
    )
    row = _score(inputs, scenario).loc["mix"]

    items = inputs.items.assign(
        lead_time_days=inputs.items["lead_time_days"] + 14, service_level=0.98
    )
    demand = inputs.demand.assign(
        forecast=inputs.demand["qty"] * 1.15, sigma=inputs.demand["sigma"] * 1.15
    )
    policy = compute_policy(items, demand, freq="M")
    paths = daily_demand(inputs, N_PATHS, SEED).qty * 1.15
    unit_cost = np.repeat(items["unit_cost"].to_numpy(), N_PATHS)
    result = simulate(
        paths,
        np.repeat(policy["reorder_point"].to_numpy(), N_PATHS),
        np.repeat(policy["order_up_to"].to_numpy(), N_PATHS),
        lead_time=np.repeat(items["lead_time_days"].to_numpy(), N_PATHS),
        unit_cost=unit_cost,
        multiple=1,
        seed=SEED,
        track=True,
    )
    shipped = result.shipped.sum(axis=1).reshape(-1, N_PATHS).sum(axis=1)
    share = shipped / paths.sum(axis=1).reshape(-1, N_PATHS).sum(axis=1)
    plan_qty = demand.groupby("item_id", sort=False)["forecast"].sum().to_numpy()
    price = items["unit_price"].to_numpy() * 0.95
    revenue = (plan_qty * share * price).sum()
    cost = (plan_qty * share * items["unit_cost"].to_numpy()).sum()

    assert row["fill_rate"] == pytest.approx(result.total_fill_rate())
    assert row["avg_stock_value"] == pytest.approx(result.avg_value.sum() / N_PATHS)
    assert row["purchase_spend"] == pytest.approx(
        (result.received.sum(axis=1) * unit_cost).sum() / N_PATHS
    )
    assert row["revenue"] == pytest.approx(revenue)
    assert row["margin"] == pytest.approx(revenue - cost)


def test_items_in_whole_units_are_scored_on_whole_policies():
    inputs = _inputs()
    items = inputs.items.assign(rounding=1.0, multiple=6.0)
    scored = evaluate_plan(
        PlanInputs(items, inputs.demand, "M"), n_paths=N_PATHS, seed=SEED
    )
    raw = evaluate_plan(inputs, n_paths=N_PATHS, seed=SEED)
    policy = scored.policy
    assert (policy["reorder_point"] % 1 == 0).all()
    assert (policy["order_up_to"] % 6 == 0).all()
    assert (policy["reorder_point"] >= raw.policy["reorder_point"]).all()


def test_transfers_are_no_purchase_spend():
    """Items a warehouse is resupplied with from another (``purchased``
    False) receive transfers: stock and money as before, no cash out."""
    inputs = _inputs()
    bought = evaluate_plan(inputs, n_paths=N_PATHS, seed=SEED)
    moved = inputs.items["item_id"].isin(["P0", "P1"])
    items = inputs.items.assign(purchased=~moved)
    plan = evaluate_plan(
        PlanInputs(items, inputs.demand, "M"), n_paths=N_PATHS, seed=SEED
    )
    spend = plan.spend.groupby("item_id")["purchase_spend"].sum()
    assert spend.loc[["P0", "P1"]].sum() == 0.0
    assert spend.drop(["P0", "P1"]).sum() > 0.0
    kept = bought.spend[~bought.spend["item_id"].isin(["P0", "P1"])]
    assert plan.kpis["purchase_spend"] == pytest.approx(kept["purchase_spend"].sum())
    assert plan.kpis["avg_stock_value"] == pytest.approx(bought.kpis["avg_stock_value"])
    assert plan.kpis["margin"] == pytest.approx(bought.kpis["margin"])


def test_chunks_of_items_simulate_like_one_run():
    inputs = _inputs()
    plan = evaluate_plan(inputs, n_paths=N_PATHS, seed=SEED, chunk_items=3)
    paths = daily_demand(inputs, N_PATHS, SEED, chunk_items=3).qty
    result = simulate(
        paths,
        np.repeat(plan.policy["reorder_point"].to_numpy(), N_PATHS),
        np.repeat(plan.policy["order_up_to"].to_numpy(), N_PATHS),
        lead_time=np.repeat(inputs.items["lead_time_days"].to_numpy(), N_PATHS),
        unit_cost=np.repeat(inputs.items["unit_cost"].to_numpy(), N_PATHS),
        multiple=1,
        track=True,
    )
    assert plan.kpis["fill_rate"] == pytest.approx(result.total_fill_rate())
    assert plan.kpis["avg_stock_value"] == pytest.approx(
        result.avg_value.sum() / N_PATHS
    )
    receipts = result.received.sum(axis=1).reshape(-1, N_PATHS).mean(axis=1)
    per_item = plan.supply.groupby("item_id", sort=False)["receipts"].sum()
    np.testing.assert_allclose(per_item.to_numpy(), receipts)


def test_totals_give_the_kpis_and_add_up_over_parts_of_the_items():
    """A plan scored in parts (background jobs): summed totals, one set of KPIs."""
    inputs = _inputs()
    whole = evaluate_plan(inputs, n_paths=N_PATHS, seed=SEED)
    for name, value in kpis_from_totals("Base plan", whole.totals).items():
        if name != "scenario":
            assert value == pytest.approx(whole.kpis[name]), name
    ids = inputs.items["item_id"]
    parts = [
        evaluate_plan(
            PlanInputs(
                inputs.items[ids.isin(part)],
                inputs.demand[inputs.demand["item_id"].isin(part)],
            ),
            n_paths=N_PATHS,
            seed=SEED + n,
        )
        for n, part in enumerate((ids[:5], ids[5:]))
    ]
    summed = {key: sum(part.totals[key] for part in parts) for key in whole.totals}
    combined = kpis_from_totals("Base plan", summed)
    fill_rates = sorted(part.kpis["fill_rate"] for part in parts)
    assert fill_rates[0] <= combined["fill_rate"] <= fill_rates[1]
    assert combined["revenue"] == pytest.approx(sum(p.kpis["revenue"] for p in parts))
    assert summed["item_periods"] == whole.totals["item_periods"] == 8 * 6


def test_stock_balance_replays_the_simulator():
    inputs = _inputs(4, 3)
    paths = daily_demand(inputs, 2, SEED).qty
    result = simulate(paths, 150.0, 400.0, lead_time=9, seed=1, track=True)
    net, served_now = stock_balance(paths, result.received, result.initial_on_hand)
    np.testing.assert_allclose(np.maximum(net, 0.0), result.on_hand, atol=1e-9)
    np.testing.assert_allclose(served_now.sum(axis=1), result.served)


def test_a_backlog_at_the_start_is_bought_and_owed():
    """An item already owing customers starts below zero: the plan buys
    what it owes on top of its demand, and owes it until that arrives."""
    inputs = _inputs(2, 4)
    owed = inputs.demand.groupby("item_id")["qty"].first().to_numpy()

    def run(on_hand):
        plan = PlanInputs(inputs.items.assign(on_hand=on_hand), inputs.demand, "M")
        return evaluate_plan(plan, n_paths=N_PATHS, seed=SEED)

    empty, short = run([0.0, 0.0]), run(list(-owed))
    owed_value = (owed * inputs.items["unit_cost"]).sum()
    extra = short.kpis["purchase_spend"] - empty.kpis["purchase_spend"]
    assert extra == pytest.approx(owed_value, rel=0.01)
    first = short.supply.groupby("item_id")["backorders"].first()
    first_empty = empty.supply.groupby("item_id")["backorders"].first()
    assert (first >= first_empty).all() and (first > first_empty + 100).any()
    # the plan's own demand is served as from an empty start: the first
    # receipt brings what is owed as well
    assert short.kpis["fill_rate"] == pytest.approx(empty.kpis["fill_rate"], abs=1e-3)
    # owing more than the plan's receipts can serve: no revenue, not less
    late = inputs.items.assign(on_hand=-10 * owed, lead_time_days=200.0)
    stuck = evaluate_plan(
        PlanInputs(late, inputs.demand, "M"), n_paths=N_PATHS, seed=SEED
    )
    assert stuck.kpis["revenue"] >= 0.0


def test_demand_up_15_percent_raises_revenue_15_percent():
    scores = _score(_inputs(), Scenario("demand +15%", demand_pct=15))
    ratio = scores.loc["demand +15%", "revenue"] / scores.loc["Base plan", "revenue"]
    assert ratio == pytest.approx(1.15, rel=0.01)


def test_price_down_5_percent_changes_money_only():
    scores = _score(_inputs(), Scenario("price -5%", price_pct=-5))
    base, cheaper = scores.loc["Base plan"], scores.loc["price -5%"]
    assert cheaper["revenue"] == pytest.approx(base["revenue"] * 0.95)
    assert cheaper["fill_rate"] == base["fill_rate"]
    assert cheaper["purchase_spend"] == base["purchase_spend"]


def test_longer_lead_time_with_the_same_policy_lowers_fill_rate():
    late = Scenario("lead time +14 d", lead_time_days=14, replan_policy=False)
    scores = _score(_inputs(), late)
    assert (
        scores.loc["lead time +14 d", "fill_rate"]
        < scores.loc["Base plan", "fill_rate"] - 0.05
    )
    assert (
        scores.loc["lead time +14 d", "stockout_risk"]
        > scores.loc["Base plan", "stockout_risk"]
    )


def test_service_level_98_holds_more_stock_than_95():
    scores = _score(
        _inputs(),
        Scenario("95 %", service_level=0.95),
        Scenario("98 %", service_level=0.98),
    )
    assert scores.loc["98 %", "avg_stock_value"] > scores.loc["95 %", "avg_stock_value"]
    assert scores.loc["98 %", "fill_rate"] >= scores.loc["95 %", "fill_rate"]


def test_capacity_caps_receipts_of_every_period():
    inputs = _inputs()
    base = evaluate_plan(inputs, n_paths=N_PATHS, seed=SEED)
    tight = evaluate_plan(
        inputs,
        Scenario("capacity -40%", capacity_pct=-40),
        n_paths=N_PATHS,
        seed=SEED,
        base=base,
    )
    reference = base.supply.groupby("item_id")["receipts"].max()
    caps = tight.supply["item_id"].map(reference * 0.6)
    assert (tight.supply["receipts"] <= caps + 1e-9).all()
    assert tight.kpis["fill_rate"] < base.kpis["fill_rate"]
    assert tight.kpis["revenue"] < base.kpis["revenue"]


def test_capacity_column_binds_the_base_plan():
    inputs = _inputs()
    items = inputs.items.assign(capacity=[10.0] + [np.nan] * 7)
    plan = evaluate_plan(PlanInputs(items, inputs.demand), n_paths=2)
    first = plan.supply[plan.supply["item_id"] == "P0"]
    assert (first["receipts"] <= 10.0 + 1e-9).all()
    assert (plan.supply["receipts"][plan.supply["item_id"] != "P0"] > 10).any()


def test_cap_receipts_defers_to_the_next_period():
    paths = daily_demand(_inputs(1, 2), 1, 0)
    received = np.zeros((1, paths.qty.shape[1]))
    received[0, [0, 5, 40]] = [30.0, 50.0, 10.0]
    capped = cap_receipts(received, np.array([60.0]), paths.period_starts)
    assert capped[0, :31].sum() == 60.0
    assert capped[0, 31] == 20.0  # carried over, first day of February
    assert capped.sum() == received.sum()


def test_category_demand_overlay():
    inputs = _inputs()
    scenario = Scenario("tools +50%", category_demand_pct={"tools": 50})
    plan = evaluate_plan(inputs, scenario, n_paths=2)
    base = evaluate_plan(inputs, n_paths=2)
    ratio = plan.supply["demand"] / base.supply["demand"]
    tools = plan.supply["item_id"].map(inputs.items.set_index("item_id")["category"])
    assert np.allclose(ratio[tools == "tools"], 1.5)
    assert np.allclose(ratio[tools == "parts"], 1.0)


def test_overlays_leave_the_inputs_unchanged_and_runs_repeat():
    inputs = _inputs()
    items, demand = inputs.items.copy(), inputs.demand.copy()
    scenarios = [Scenario("all", 20, {"tools": -10}, 5, 7, -20, 0.99, 50)]
    first = _score(inputs, *scenarios)
    pd.testing.assert_frame_equal(inputs.items, items)
    pd.testing.assert_frame_equal(inputs.demand, demand)
    pd.testing.assert_frame_equal(first, _score(inputs, *scenarios))


def test_scenario_spend_is_long_and_adds_up():
    scores = score_scenarios(
        _inputs(), [Scenario("demand +15%", demand_pct=15)], n_paths=N_PATHS
    )
    spend = scenario_spend(scores)
    scores = scores.set_index("scenario")
    assert len(spend) == 2 * 6
    totals = spend.groupby("scenario")["purchase_spend"].sum()
    assert totals["demand +15%"] == pytest.approx(
        scores.loc["demand +15%", "purchase_spend"]
    )


def test_bad_inputs_name_the_item_or_column():
    inputs = _inputs()
    with pytest.raises(EngineInputError, match="lead_time_days"):
        evaluate_plan(
            PlanInputs(inputs.items.drop(columns="lead_time_days"), inputs.demand)
        )
    demand = inputs.demand.copy()
    demand.loc[3, "qty"] = -1.0
    with pytest.raises(EngineInputError, match="item P0.*'qty'"):
        evaluate_plan(PlanInputs(inputs.items, demand))
    items = inputs.items.assign(on_hand=["lots"] + [0.0] * 7)
    with pytest.raises(EngineInputError, match="item P0.*'on_hand'"):
        evaluate_plan(PlanInputs(items, inputs.demand))
    items = inputs.items.assign(lead_time_days=[np.nan] + [9.0] * 7)
    with pytest.raises(EngineInputError, match="item P0.*lead_time_days"):
        evaluate_plan(
            PlanInputs(items, inputs.demand), Scenario("late", lead_time_days=7)
        )
    demand = inputs.demand.assign(period=inputs.demand["period"] + pd.Timedelta(days=3))
    with pytest.raises(EngineInputError, match="item P0: demand period 2027-01-04"):
        evaluate_plan(PlanInputs(inputs.items, demand))


def test_vendors_faster_than_their_lead_time_deliver_at_once():
    """A lead time delta larger than an item's lead time gives 0 days, not
    a negative lead time that stops the scoring of every scenario."""
    inputs = _inputs()
    faster = Scenario("vendors 20 days faster", lead_time_days=-20)
    leads = inputs.items["lead_time_days"].to_numpy()
    assert (leads < 20).any(), "some items wait less than the delta"
    overlaid = scenario_items(inputs.items, faster)["lead_time_days"].to_numpy()
    np.testing.assert_array_equal(overlaid, np.maximum(leads - 20, 0.0))
    scores = _score(inputs, faster)
    assert scores.loc["vendors 20 days faster", "fill_rate"] >= 0.0
