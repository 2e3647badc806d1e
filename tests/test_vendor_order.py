"""Vendor orders: minimum value, packs, capacity, budget; review from the cycle."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.policy import compute_policy
from sop_planning.engine.vendor_order import (
    apply_budget,
    budget_fill_rate,
    build_vendor_orders,
    next_order_date,
)


def _lines(**columns):
    base = {
        "line_id": [1, 2, 3, 4],
        "order_key": ["v"] * 4,
        "due": [True, False, False, False],
        "need_qty": [10.0, 10.0, 10.0, 10.0],
        "quantum": [1.0, 1.0, 1.0, 1.0],
        "unit_cost": [20.0, 10.0, 10.0, 10.0],
        "days_to_reorder": [0.0, 3.0, 5.0, 40.0],
        "days_to_stockout": [2.0, 9.0, 6.0, 60.0],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_minimum_reached_by_most_urgent_brought_forward_lines():
    vendors = pd.DataFrame(
        {"order_key": ["v"], "min_value": [350.0], "review_days": [7.0]}
    )
    result, notes = build_vendor_orders(_lines(), vendors)
    by_id = result.set_index("line_id")
    # due 200, then line 3 (6 days to stockout) 100, then line 2: 400 >= 350
    assert by_id.loc[1, "status"] == "due"
    assert by_id.loc[3, "status"] == "added"
    assert by_id.loc[2, "status"] == "added"
    assert by_id.loc[4, "status"] == "idle", "crosses its ROP after the next order"
    assert (by_id["qty"] * by_id["unit_cost"]).sum() == 400.0
    assert by_id.loc[2, "notes"] == [("added_min", {"target": 350.0})]
    assert not notes


def test_a_need_below_the_vendors_minimum_is_raised_to_it_then_to_packs():
    vendors = pd.DataFrame({"order_key": ["v"], "review_days": [7.0]})
    lines = _lines(
        due=[True, True, True, False],
        need_qty=[5.0, 30.0, 0.0, 10.0],
        min_qty=[14.0, 14.0, 14.0, 0.0],
        quantum=[6.0, 6.0, 6.0, 1.0],
    )
    by_id = build_vendor_orders(lines, vendors)[0].set_index("line_id")
    # 5 -> the minimum 14 -> 3 packs of 6; 30 is above it: 5 packs
    assert by_id.loc[1, "qty"] == 18.0
    assert by_id.loc[1, "notes"] == [
        ("vendor_min", {"minimum": 14.0, "need": 5.0, "qty": 18.0})
    ]
    assert by_id.loc[2, "qty"] == 30.0
    assert by_id.loc[3, "qty"] == 0.0, "nothing needed, nothing bought"


def test_below_minimum_with_nothing_urgent_adds_least_extra_value():
    vendors = pd.DataFrame(
        {"order_key": ["v"], "min_value": [1000.0], "review_days": [1.0]}
    )
    lines = _lines(need_qty=[10.0, 10.0, 10.0, 2.0])
    result, notes = build_vendor_orders(lines, vendors)
    by_id = result.set_index("line_id")
    assert (by_id["status"] != "idle").all()
    assert notes["v"][0][0] == "below_min"


def test_pack_rounding_in_whole_packs():
    lines = _lines(need_qty=[13.0, 1, 1, 1], quantum=[12.0, 1, 1, 1])
    result, _notes = build_vendor_orders(lines, pd.DataFrame({"order_key": ["v"]}))
    first = result.set_index("line_id").loc[1]
    assert first["qty"] == 24.0
    assert first["notes"][0][0] == "pack"


def test_capacity_cuts_the_least_urgent_line():
    vendors = pd.DataFrame(
        {
            "order_key": ["v"],
            "min_value": [400.0],
            "review_days": [7.0],
            "capacity_volume": [2.5],
        }
    )
    lines = _lines(unit_volume=[0.1, 0.1, 0.1, 0.1])
    result, _notes = build_vendor_orders(lines, vendors)
    by_id = result.set_index("line_id")
    assert by_id.loc[2, "status"] == "cut", "9 days to stockout: least urgent added"
    assert by_id.loc[3, "qty"] == 10.0
    assert by_id.loc[1, "qty"] == 10.0
    assert (by_id["qty"] * 0.1).sum() <= 2.5


def test_a_due_line_cut_below_the_vendors_minimum_is_left_out():
    """A due line alone over the capacity keeps the packs that fit, unless
    that is below the vendor's minimum: it cannot be bought (its RFQ line
    would have no price)."""
    vendors = pd.DataFrame(
        {"order_key": ["v"], "review_days": [7.0], "capacity_volume": [0.6]}
    )
    lines = _lines(
        due=[True, False, False, False],
        need_qty=[10.0, 0.0, 0.0, 0.0],
        unit_volume=[0.1, 0.1, 0.1, 0.1],
    )
    fits = build_vendor_orders(lines, vendors)[0].set_index("line_id")
    assert fits.loc[1, "qty"] == 6.0, "the 6 that fit"
    minimum = build_vendor_orders(lines.assign(min_qty=8.0), vendors)[0]
    cut = minimum.set_index("line_id").loc[1]
    assert (cut["qty"], cut["status"]) == (0.0, "cut")


def test_budget_defers_lowest_risk_times_margin():
    lines = pd.DataFrame(
        {
            "line_id": [1, 2, 3],
            "value": [100.0, 100.0, 100.0],
            "days_to_stockout": [1.0, 30.0, 2.0],
            "margin": [50.0, 500.0, 10.0],
        }
    )
    # scores: 25, 16.1, 3.3 -> line 3 is deferred
    assert apply_budget(lines, 250.0) == [3]
    assert apply_budget(lines, 300.0) == []
    assert apply_budget(lines, 0.0) == []


def test_budget_left_by_a_line_that_does_not_fit_goes_to_the_next_that_do():
    lines = pd.DataFrame(
        {
            "line_id": [1, 2, 3, 4],
            "value": [900.0, 500.0, 80.0, 30.0],
            "days_to_stockout": [1.0, 2.0, 3.0, 4.0],
            "margin": [100.0, 100.0, 100.0, 100.0],
        }
    )
    # 900 fits, 500 does not, then 80 does; 30 no longer
    assert apply_budget(lines, 1000.0) == [2, 4]
    assert apply_budget(lines, 1010.0) == [2]
    assert apply_budget(lines, 10.0) == [1, 2, 3, 4]


def test_next_order_date_on_the_weekday_and_rhythm():
    monday = date(2026, 12, 7)
    assert next_order_date(date(2026, 12, 5), 0) == monday
    assert next_order_date(monday, 0) == monday
    assert next_order_date(date(2026, 12, 5), None) == date(2026, 12, 5)
    # every second Monday from 30 Nov: 14 Dec
    assert next_order_date(date(2026, 12, 5), 0, 14, date(2026, 11, 30)) == date(
        2026, 12, 14
    )


def test_monthly_review_needs_more_safety_stock_than_weekly():
    items = pd.DataFrame(
        {
            "item_id": [1, 2],
            "lead_time_days": [14.0, 14.0],
            "unit_cost": [10.0, 10.0],
            "service_level": [0.95, 0.95],
            "review_days": [7.0, 30.0],
        }
    )
    demand = pd.DataFrame(
        {
            "item_id": np.repeat([1, 2], 6),
            "period": list(pd.date_range("2027-01-01", periods=6, freq="MS")) * 2,
            "forecast": 300.0,
            "sigma": 60.0,
        }
    )
    policy = compute_policy(items, demand, freq="M").set_index("item_id")
    assert policy.loc[2, "safety_stock"] > policy.loc[1, "safety_stock"]
    assert "review 30.0" in policy.loc[2, "explanation"]


def test_free_freight_not_reached_is_said():
    vendors = pd.DataFrame(
        {
            "order_key": ["v"],
            "min_value": [300.0],
            "free_freight": [5000.0],
            "review_days": [7.0],
        }
    )
    result, notes = build_vendor_orders(_lines(), vendors)
    by_id = result.set_index("line_id")
    assert by_id.loc[3, "notes"] == [("added_min", {"target": 300.0})]
    assert by_id.loc[2, "notes"] == [("added_freight", {"target": 5000.0})]
    assert notes["v"][0][0] == "below_freight"


def _budget_items(**columns):
    base = {
        "item_id": [1, 2],
        "demand_per_day": [2.0, 0.1],
        "on_hand": [10.0, 25.0],
        "reorder_point": [12.0, 2.0],
        "order_up_to": [40.0, 30.0],
        "lead_time_days": [5.0, 5.0],
        "proposed_qty": [30.0, 5.0],
        "defer_days": [20.0, 20.0],
        "review_days": [7.0, 7.0],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_budget_fill_rate_deferring_an_item_at_risk_costs_fill_rate():
    scores = budget_fill_rate(_budget_items()).set_index("item_id")
    at_risk, safe = scores.loc[1], scores.loc[2]
    # 10 on hand at 2 a day: out in 5 days, the deferred order comes 20 days on
    assert at_risk["served_budget"] < 0.6 * at_risk["served_proposed"]
    assert safe["served_budget"] == pytest.approx(safe["demand"])
    assert safe["served_proposed"] == pytest.approx(safe["demand"])
    # the same seed, the same figures (the daily run changes nothing)
    again = budget_fill_rate(_budget_items()).set_index("item_id")
    assert again.equals(scores)


def test_budget_fill_rate_costs_less_the_sooner_the_next_month():
    def cost(defer_days):
        scores = budget_fill_rate(_budget_items(defer_days=[defer_days] * 2))
        demand = scores["demand"].sum()
        return (scores["served_proposed"].sum() - scores["served_budget"].sum()) / (
            demand
        )

    # one day late: the day's demand short; 20 days: most of the horizon short
    assert 0 < cost(1.0) < 0.1 < 0.4 < cost(20.0)
    assert budget_fill_rate(_budget_items().iloc[:0]).empty


def test_budget_fill_rate_starts_from_what_is_owed_and_what_is_coming():
    def served(**columns):
        incoming = columns.pop("incoming", None)
        scores = budget_fill_rate(_budget_items(**columns), incoming=incoming)
        return scores.set_index("item_id")["served_budget"]

    before = served()
    # 10 owed to customers: the 10 on hand go to them, the next days go short
    owed = served(backlog=[10.0, 0.0])
    assert owed.loc[1] < before.loc[1] - 5
    assert owed.loc[2] == pytest.approx(before.loc[2])
    # 30 arriving on day 3 (an open purchase) carry the item to the deferred order
    coming = pd.DataFrame(
        {"item_id": [1, 1, 9], "day": [3, 500, 1], "qty": [30, 5, 99]}
    )
    arriving = served(incoming=coming)
    assert arriving.loc[1] > before.loc[1] + 20
    assert arriving.loc[2] == pytest.approx(before.loc[2])
    # owed first, then the receipt: between the two
    assert owed.loc[1] < served(backlog=[10.0, 0.0], incoming=coming).loc[1]


def test_budget_fill_rate_bad_input():
    with pytest.raises(EngineInputError, match="defer_days"):
        budget_fill_rate(_budget_items().drop(columns="defer_days"))
    # a missing number counts as 0; an endless lead time is cut to a year
    scores = budget_fill_rate(
        _budget_items(demand_per_day=[np.nan, 1.0], lead_time_days=[5.0, np.inf])
    )
    assert scores["demand"].tolist()[0] == 0.0
    assert scores["demand"].tolist()[1] > 0.0
