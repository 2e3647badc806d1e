"""Financial plan: revenue, cost of goods, margin, inventory value, spend."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.finance import (
    financial_plan,
    period_totals,
    plan_totals,
    purchase_spend,
)

JAN, FEB = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")
PRICES = pd.DataFrame(
    {"item_id": ["A", "B"], "unit_price": [10.0, 4.0], "unit_cost": [6.0, 1.0]}
)


def _plan():
    return pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B"],
            "period": [JAN, FEB, JAN, FEB],
            "qty": [10.0, 20.0, 5.0, 0.0],
            "projected_on_hand": [3.0, -2.0, 7.0, np.nan],
        }
    )


def test_financial_plan_per_row():
    plan = financial_plan(_plan(), PRICES)
    assert plan["revenue"].tolist() == [100.0, 200.0, 20.0, 0.0]
    assert plan["cost_of_goods"].tolist() == [60.0, 120.0, 5.0, 0.0]
    assert plan["margin"].tolist() == [40.0, 80.0, 15.0, 0.0]
    # a shortage (negative projection) or no projection holds no stock value
    assert plan["inventory_value"].tolist() == [18.0, 0.0, 7.0, 0.0]


def test_financial_plan_without_projection_has_no_stock_value():
    plan = financial_plan(_plan().drop(columns="projected_on_hand"), PRICES)
    assert plan["inventory_value"].sum() == 0.0
    assert plan["revenue"].sum() == 320.0


def test_missing_price_names_the_item():
    plan = _plan().assign(item_id=["A", "A", "B", "C"])
    with pytest.raises(EngineInputError, match="item C has no price"):
        financial_plan(plan, PRICES)


def test_negative_price_and_bad_quantity_are_refused():
    with pytest.raises(EngineInputError, match="item B.*unit_cost"):
        financial_plan(_plan(), PRICES.assign(unit_cost=[6.0, -1.0]))
    with pytest.raises(EngineInputError, match="item A.*'qty'"):
        financial_plan(_plan().assign(qty=["x", 1, 1, 1]), PRICES)
    with pytest.raises(EngineInputError, match="missing column"):
        financial_plan(_plan().drop(columns="qty"), PRICES)


def test_purchase_spend_and_period_totals():
    receipts = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "period": [FEB, pd.Timestamp("2027-03-01")],
            "qty": [5, 8],
        }
    )
    spend = purchase_spend(receipts, PRICES)
    assert spend["purchase_spend"].tolist() == [30.0, 8.0]
    totals = period_totals(financial_plan(_plan(), PRICES), spend)
    assert totals["period"].tolist() == [JAN, FEB, pd.Timestamp("2027-03-01")]
    assert totals["revenue"].tolist() == [120.0, 200.0, 0.0]
    assert totals["purchase_spend"].tolist() == [0.0, 30.0, 8.0]
    assert totals["margin_pct"].iloc[0] == pytest.approx(55.0 / 120.0)
    assert np.isnan(totals["margin_pct"].iloc[2])


def test_plan_totals():
    financial = financial_plan(_plan(), PRICES)
    totals = plan_totals(financial, periods_per_year=12)
    assert totals["revenue"] == 320.0
    assert totals["margin"] == 135.0
    assert totals["margin_pct"] == pytest.approx(135.0 / 320.0)
    assert totals["inventory_value_avg"] == pytest.approx((25.0 + 0.0) / 2)
    assert totals["inventory_value_end"] == 0.0
    # yearly cost of goods (185 over 2 months x 6) over average stock value
    assert totals["inventory_turns"] == pytest.approx(185.0 * 6 / 12.5)
