"""Financial plan: revenue, cost of goods, margin, inventory value, spend.

Public API:

- ``financial_plan(plan, prices)``: one row per item and period of ``plan``
  (``item_id, period, qty`` with ``qty`` the consensus demand in units, and
  optionally ``projected_on_hand`` in units at the end of the period) priced
  with ``prices`` (``item_id, unit_price, unit_cost`` in money per unit):
  ``revenue = qty x unit_price``, ``cost_of_goods = qty x unit_cost``,
  ``margin = revenue - cost_of_goods``, ``inventory_value = max(projected
  on hand, 0) x unit_cost`` (0 without a projection);
- ``purchase_spend(receipts, prices)``: cash out of planned receipts
  (``item_id, period, qty``): ``purchase_spend = qty x unit_cost`` per item
  and period, paid in the period of the receipt;
- ``period_totals(financial, spend=None)``: the sums of each period, with
  ``margin_pct`` and ``purchase_spend`` (0 in periods without receipts);
- ``plan_totals(financial, spend=None, periods_per_year=12)``: the totals of
  the horizon, average and final inventory value and inventory turns.

The same formulas as the Odoo plan lines, so both agree to the cent.
"""

import numpy as np
import pandas as pd

from .errors import EngineInputError, shown

MONEY_COLUMNS = ("revenue", "cost_of_goods", "margin", "inventory_value")


def _require(frame, name, columns):
    """Raise unless ``frame`` has every one of ``columns``."""
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise EngineInputError(f"{name}: missing column(s) {', '.join(missing)}")


def _numbers(frame, name, column):
    """Return ``frame[column]`` as finite floats >= 0, naming the first bad item."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise EngineInputError(
            f"{name}: item {frame['item_id'].iloc[first]}: column '{column}' "
            f"must be a number >= 0 (got {shown(frame[column].iloc[first])})"
        )
    return values


def _prices_of(frame, prices, name):
    """Return unit price and unit cost of each row of ``frame``."""
    _require(prices, "prices", ("item_id", "unit_price", "unit_cost"))
    if prices["item_id"].duplicated().any():
        item = prices.loc[prices["item_id"].duplicated(), "item_id"].iloc[0]
        raise EngineInputError(f"prices: item {item} appears twice")
    table = prices.set_index("item_id")
    position = table.index.get_indexer(frame["item_id"])
    if (position < 0).any():
        item = frame["item_id"].iloc[int(np.flatnonzero(position < 0)[0])]
        raise EngineInputError(f"{name}: item {item} has no price")
    unit_price = _numbers(prices, "prices", "unit_price")[position]
    unit_cost = _numbers(prices, "prices", "unit_cost")[position]
    return unit_price, unit_cost


def financial_plan(plan, prices):
    """Return revenue, cost of goods, margin and inventory value per row.

    Columns: ``item_id, period, qty, unit_price, unit_cost, revenue,
    cost_of_goods, margin, projected_on_hand, inventory_value``.
    """
    _require(plan, "plan", ("item_id", "period", "qty"))
    qty = _numbers(plan, "plan", "qty")
    on_hand = np.zeros(len(plan))
    if "projected_on_hand" in plan.columns:
        on_hand = pd.to_numeric(plan["projected_on_hand"], errors="coerce")
        on_hand = on_hand.fillna(0.0).to_numpy(float)
    unit_price, unit_cost = _prices_of(plan, prices, "plan")
    revenue = qty * unit_price
    cost_of_goods = qty * unit_cost
    return pd.DataFrame(
        {
            "item_id": plan["item_id"].to_numpy(),
            "period": pd.to_datetime(plan["period"]).to_numpy(),
            "qty": qty,
            "unit_price": unit_price,
            "unit_cost": unit_cost,
            "revenue": revenue,
            "cost_of_goods": cost_of_goods,
            "margin": revenue - cost_of_goods,
            "projected_on_hand": on_hand,
            "inventory_value": np.maximum(on_hand, 0.0) * unit_cost,
        }
    )


def purchase_spend(receipts, prices):
    """Return ``item_id, period, receipt_qty, purchase_spend`` of receipts."""
    _require(receipts, "receipts", ("item_id", "period", "qty"))
    qty = _numbers(receipts, "receipts", "qty")
    _, unit_cost = _prices_of(receipts, prices, "receipts")
    return pd.DataFrame(
        {
            "item_id": receipts["item_id"].to_numpy(),
            "period": pd.to_datetime(receipts["period"]).to_numpy(),
            "receipt_qty": qty,
            "purchase_spend": qty * unit_cost,
        }
    )


def _margin_pct(margin, revenue):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(revenue > 0, margin / revenue, np.nan)


def period_totals(financial, spend=None):
    """Return one row per period: ``period, qty, revenue, cost_of_goods,
    margin, margin_pct, inventory_value, purchase_spend``."""
    totals = financial.groupby("period", sort=True)[["qty", *MONEY_COLUMNS]].sum()
    paid = pd.Series(0.0, index=totals.index)
    if spend is not None:
        paid = spend.groupby("period")["purchase_spend"].sum()
    periods = totals.index.union(paid.index).rename("period")
    totals = totals.reindex(periods, fill_value=0.0)
    totals.insert(4, "margin_pct", _margin_pct(totals["margin"], totals["revenue"]))
    totals["purchase_spend"] = paid.reindex(periods, fill_value=0.0)
    return totals.reset_index()


def plan_totals(financial, spend=None, periods_per_year=12):
    """Return the horizon totals as a Series.

    ``qty, revenue, cost_of_goods, margin, margin_pct, inventory_value_avg``
    (mean of the period totals), ``inventory_value_end`` (last period),
    ``purchase_spend`` and ``inventory_turns`` (yearly cost of goods over
    average inventory value).
    """
    per_period = period_totals(financial, spend)
    if per_period.empty:
        raise EngineInputError("financial plan is empty")
    revenue = float(per_period["revenue"].sum())
    margin = float(per_period["margin"].sum())
    cogs = float(per_period["cost_of_goods"].sum())
    average_value = float(per_period["inventory_value"].mean())
    yearly_cogs = cogs * periods_per_year / len(per_period)
    return pd.Series(
        {
            "qty": float(per_period["qty"].sum()),
            "revenue": revenue,
            "cost_of_goods": cogs,
            "margin": margin,
            "margin_pct": float(_margin_pct(margin, revenue)),
            "inventory_value_avg": average_value,
            "inventory_value_end": float(per_period["inventory_value"].iloc[-1]),
            "purchase_spend": float(per_period["purchase_spend"].sum()),
            "inventory_turns": yearly_cogs / average_value
            if average_value > 0
            else float("nan"),
        }
    )
