"""Deterministic supply plan: planned receipts from reorder-point policies.

Public API: ``project_supply(...)`` on arrays and ``plan_supply(lines,
policy)`` on DataFrames.

Per item, month by month over the horizon, from the stock on hand:

    stock[m] = stock[m-1] + confirmed[m] + planned[m] - demand[m]
    position after month m = stock[m] + confirmed and planned still to come

At the start of the horizon and at the end of each month, when the position
is at or below the reorder point, planned orders are placed: as many lots of
the order quantity (rounded up to the order multiple, as the reordering rule
will be, ``policy_rounding.ceil_to``) as bring the position above it. An
order placed at the end of month ``m`` arrives in month ``m + lead`` (lead in
whole months, at least one); an order placed at the start arrives in month
``lead - 1``. Where the lead time in days is shorter than those whole months
(a 2-day transfer, a 14-day vendor), the order arrives before the month's
demand is gone: the position is checked against the reorder point plus the
demand of the days of the arrival month the lead time does not cover, so the
month-end stock stays near the policy's instead of a month short. Stock may
go negative (backorders are served later), as in the projection without
plan. Purchase spend = planned receipts x unit cost, in
the month they arrive. Items without a positive order quantity or a finite
reorder point get no planned orders.

Vectorised over items (numpy); the only loop is over months. No Odoo import.
"""

import numpy as np
import pandas as pd

from .policy_rounding import ceil_to

DAYS_PER_MONTH = 365.25 / 12
TOLERANCE = 1e-9


def lead_months(lead_time_days):
    """Lead times in whole months (nearest, at least one; NaN counts as one)."""
    days = np.nan_to_num(np.asarray(lead_time_days, dtype=float), nan=0.0)
    return np.maximum(np.rint(days / DAYS_PER_MONTH), 1).astype(int)


def project_supply(
    on_hand,
    confirmed,
    demand,
    reorder_point,
    order_qty,
    lead,
    unit_cost=None,
    multiple=None,
    lead_days=None,
):
    """Return ``planned, projected, spend`` arrays (items x months).

    ``on_hand`` (n,), ``confirmed`` and ``demand`` (n, T) receipts and demand
    per month, ``reorder_point`` and ``order_qty`` (n,), ``lead`` (n,) whole
    months (``lead_months``), ``unit_cost``, ``multiple`` and ``lead_days``
    (n,, the lead time in days ``lead`` was rounded from) optional.
    """
    on_hand = np.nan_to_num(np.asarray(on_hand, dtype=float))
    confirmed = np.nan_to_num(np.asarray(confirmed, dtype=float))
    demand = np.nan_to_num(np.asarray(demand, dtype=float))
    n_items, n_months = demand.shape
    reorder_point = np.asarray(reorder_point, dtype=float)
    order_qty = np.nan_to_num(np.asarray(order_qty, dtype=float))
    if multiple is not None:
        order_qty = ceil_to(order_qty, np.nan_to_num(np.asarray(multiple, float)))
    lead = np.maximum(np.asarray(lead, dtype=int), 1)
    # share of the arrival month's demand the lead time in days leaves
    # uncovered (0 where the whole months are not longer than it)
    uncovered = (
        np.zeros(n_items)
        if lead_days is None
        else np.clip(
            lead
            - np.nan_to_num(np.asarray(lead_days, dtype=float), nan=0.0)
            / DAYS_PER_MONTH,
            0.0,
            1.0,
        )
    )
    active = (order_qty > 0) & np.isfinite(reorder_point)
    safe_rop = np.where(active, reorder_point, 0.0)
    safe_qty = np.where(active, order_qty, 1.0)
    rows = np.arange(n_items)
    planned = np.zeros((n_items, n_months))
    projected = np.zeros((n_items, n_months))
    to_come = confirmed.sum(axis=1)  # confirmed receipts not yet arrived
    on_order = np.zeros(n_items)  # planned receipts not yet arrived
    stock = on_hand.copy()

    def order(position, arrival):
        nonlocal on_order
        month = np.minimum(arrival, n_months - 1)
        threshold = safe_rop + uncovered * demand[rows, month]
        short = active & (position <= threshold + TOLERANCE)
        lots = np.floor((threshold - position) / safe_qty + TOLERANCE) + 1
        qty = np.where(short, lots * safe_qty, 0.0)
        on_order = on_order + qty
        inside = short & (arrival < n_months)
        np.add.at(planned, (rows[inside], arrival[inside]), qty[inside])

    order(stock + to_come, lead - 1)
    for month in range(n_months):
        stock = stock + confirmed[:, month] + planned[:, month] - demand[:, month]
        projected[:, month] = stock
        to_come = to_come - confirmed[:, month]
        on_order = on_order - planned[:, month]
        order(stock + to_come + on_order, month + lead)
    cost = (
        np.zeros(n_items)
        if unit_cost is None
        else np.nan_to_num(np.asarray(unit_cost, dtype=float))
    )
    return planned, projected, planned * cost[:, None]


def plan_supply(lines, policy):
    """Planned receipts, stock with the plan and spend of ``lines``.

    ``lines``: ``item_id, period, on_hand, confirmed, demand`` (one row per
    item and month; ``on_hand`` is the stock before the first month).
    ``policy``: ``item_id, reorder_point, order_qty, lead_time_days`` and
    optionally ``unit_cost``, ``multiple``; items without a row get no plan.
    Returns ``lines`` with ``planned_receipts``, ``projected_with_plan`` and
    ``purchase_spend`` columns, in its own row order.
    """
    if lines.empty:
        return lines.assign(
            planned_receipts=[], projected_with_plan=[], purchase_spend=[]
        )
    frame = lines.reset_index(drop=True)
    items = pd.Index(frame["item_id"].unique())
    periods = pd.Index(np.sort(frame["period"].unique()))
    row = items.get_indexer(frame["item_id"])
    col = periods.get_indexer(frame["period"])
    shape = (len(items), len(periods))

    def matrix(column):
        values = np.zeros(shape)
        np.add.at(values, (row, col), frame[column].to_numpy(float))
        return values

    on_hand = frame.groupby("item_id")["on_hand"].first().reindex(items)
    by_item = policy.drop_duplicates("item_id").set_index("item_id").reindex(items)

    def column(name):
        if name not in by_item.columns:
            return None
        return by_item[name].to_numpy(float)

    planned, projected, spend = project_supply(
        on_hand.to_numpy(float),
        matrix("confirmed"),
        matrix("demand"),
        column("reorder_point"),
        column("order_qty"),
        lead_months(column("lead_time_days")),
        unit_cost=column("unit_cost"),
        multiple=column("multiple"),
        lead_days=column("lead_time_days"),
    )
    result = lines.copy()
    result["planned_receipts"] = planned[row, col]
    result["projected_with_plan"] = projected[row, col]
    result["purchase_spend"] = spend[row, col]
    return result
