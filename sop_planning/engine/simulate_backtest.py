"""Policy backtest: replay real demand through a policy and a static min/max.

Public API:

- ``demand_matrix(history, item_ids)``: long ``item_id, period, qty`` rows
  to an items x periods matrix (periods sorted, gaps and empty ``qty`` = 0).
- ``static_min_max(history, cover_periods, order_qty, factor=1.0)``: the
  min/max an Odoo user sets by hand from average demand: ``min = factor x
  average demand x cover`` (cover = lead time + review), ``max = min +
  order_qty``.
- ``backtest(history, policy, items, *, period_days, lost_sales=False,
  seed=0)``: simulate ``policy`` (``reorder_point``, ``order_up_to`` per
  item) and the static min/max with the same lot sizes on ``history``;
  returns per-item outcomes of both and a two-row summary.
- ``calibrate_aim(levels_from, history, target, *, replay_periods,
  lead_time, bounds=(0.5, 0.9999), steps=12)``: the aim that reaches
  ``target`` in the history's own backtest (see below).
- ``bisect_fill_rate(evaluate, target, low, high, steps)``: the smallest
  scalar (a policy's aim, a min/max factor) whose ``evaluate(scalar)``
  reaches the fill rate ``target``, by bisection.

Lead times and reviews in days become whole periods of ``period_days``;
items reviewing less often than once a period run as (R, s, S).
"""

import numpy as np
import pandas as pd

from .errors import EngineInputError
from .simulate import simulate


def history_qty(history):
    """Checked ``qty`` of a long ``item_id, period, qty`` history (NaN kept).

    Raises ``EngineInputError`` for a missing column or a negative quantity,
    naming the item.
    """
    missing = [col for col in ("item_id", "period", "qty") if col not in history]
    if missing:
        raise EngineInputError(f"history: missing column(s) {', '.join(missing)}")
    qty = pd.to_numeric(history["qty"], errors="coerce")
    bad = (qty < 0).to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        item = history["item_id"].iloc[first]
        raise EngineInputError(
            f"item {item}: column 'qty' is negative (got {qty.iloc[first]})"
        )
    return qty


def demand_matrix(history, item_ids):
    """Return the items x periods demand of ``item_ids`` and the periods."""
    qty = history_qty(history).fillna(0.0)
    frame = history.assign(qty=qty, period=pd.to_datetime(history["period"]))
    wide = frame.pivot_table(
        index="item_id", columns="period", values="qty", aggfunc="sum"
    )
    wide = wide.reindex(index=pd.Index(item_ids, name="item_id")).sort_index(axis=1)
    return wide.fillna(0.0).to_numpy(float), wide.columns


def static_min_max(history, cover_periods, order_qty, factor=1.0):
    """Return (min, max) of a hand-set rule from average demand per period."""
    minimum = factor * history.mean(axis=1) * cover_periods
    return minimum, minimum + np.asarray(order_qty, dtype=float)


def replay_fill_rate(history, replay_periods, reorder_point, order_up_to, lead):
    """Return the fill rate of (s, S) levels replayed on the last periods.

    Weighted by demand over the items with demand both before and in the
    replayed periods (a rule built from history cannot stock a new item).
    """
    fit, replay = history[:, :-replay_periods], history[:, -replay_periods:]
    result = simulate(
        replay,
        np.maximum(reorder_point, 0.0),
        np.maximum(order_up_to, 0.0),
        lead_time=lead,
    )
    known = (fit.sum(axis=1) > 0) & (result.demand > 0)
    total = result.demand[known].sum()
    return float(result.served[known].sum() / total) if total > 0 else 1.0


def calibrate_aim(
    levels_from,
    history,
    target,
    *,
    replay_periods,
    lead_time,
    bounds=(0.5, 0.9999),
    steps=12,
):
    """Return the aim whose policy reaches ``target`` in the history's backtest.

    Model fill rates assume the forecast law is right; real demand shifts
    level, so a policy aimed at 95 % delivers less. ``levels_from(fit, aim)``
    returns (s, S) per item from the demand matrix ``fit``; the policy is
    built from ``history`` without its last ``replay_periods``, replayed on
    them (weekly review, backorders, ``lead_time`` in periods), and ``aim`` is
    bisected within ``bounds`` until the replayed fill rate equals
    ``target``. Only ``history`` is used: aim the real policy, built from the
    whole history, at the returned value. Returns ``bounds[1]`` when even
    that falls short.
    """
    history = np.asarray(history, dtype=float)
    if not 0 < replay_periods < history.shape[1]:
        raise EngineInputError(
            f"replay_periods must be between 1 and {history.shape[1] - 1} "
            f"(got {replay_periods})"
        )
    fit = history[:, :-replay_periods]

    def achieved(aim):
        levels = levels_from(fit, aim)
        fill_rate = replay_fill_rate(history, replay_periods, *levels, lead_time)
        return {"fill_rate": fill_rate}

    return bisect_fill_rate(achieved, target, *bounds, steps)[0]


def bisect_fill_rate(evaluate, target, low, high, steps):
    """Return ``(scalar, outcome, reached)`` for the fill rate ``target``.

    ``evaluate(scalar)`` returns an outcome with a ``fill_rate`` that grows
    with the scalar. The scalar is bisected ``steps`` times within [low,
    high]; it is the smallest value found that reaches ``target``, with its
    outcome, or ``high`` and its outcome with ``reached`` False when even
    ``high`` falls short.
    """
    best = evaluate(high)
    if best["fill_rate"] < target:
        return high, best, False
    for _ in range(steps):
        middle = 0.5 * (low + high)
        outcome = evaluate(middle)
        if outcome["fill_rate"] < target:
            low = middle
        else:
            high, best = middle, outcome
    return high, best, True


def summarise(results):
    """Return one row per named ``SimulationResult``: totals over all items.

    The fill rate is weighted by demand and counts only items with demand;
    stock and value are summed over every item.
    """
    rows = []
    for name, result in results.items():
        has_demand = result.demand > 0
        rows.append(
            {
                "policy": name,
                "fill_rate": result.total_fill_rate(),
                "cycle_service_level": float(
                    np.mean(result.cycle_service_level[has_demand])
                ),
                "stockout_periods": float(result.stockout_periods.sum()),
                "avg_on_hand": float(result.avg_on_hand.sum()),
                "avg_value": float(result.avg_value.sum()),
                "orders": float(result.orders.sum()),
                "items_with_demand": int(has_demand.sum()),
            }
        )
    return pd.DataFrame(rows)


def backtest(history, policy, items, *, period_days, lost_sales=False, seed=0):
    """Simulate ``policy`` and a static min/max on real ``history``.

    ``history``: long ``item_id, period, qty``; ``policy``: ``item_id,
    reorder_point, order_up_to``; ``items``: ``item_id, lead_time_days,
    unit_cost`` and optional ``lead_time_std_days``, ``review_days``.
    Returns ``(per_item, summary)``.
    """
    frame = policy.merge(items, on="item_id", how="left", suffixes=("", "_item"))
    for column in ("lead_time_days", "unit_cost"):
        if column not in frame:
            raise EngineInputError(f"items: missing column {column}")
        missing = frame[column].isna().to_numpy()
        if missing.any():
            item = frame["item_id"].iloc[int(np.flatnonzero(missing)[0])]
            raise EngineInputError(f"item {item}: column '{column}' is missing")
    item_ids = frame["item_id"].to_numpy()
    demand, _ = demand_matrix(history, item_ids)
    lead = frame["lead_time_days"].to_numpy(float) / period_days
    lead_std = frame.get("lead_time_std_days", pd.Series(0.0, index=frame.index))
    review = frame.get("review_days", pd.Series(0.0, index=frame.index))
    review = np.maximum(np.round(review.fillna(0).to_numpy(float) / period_days), 1)
    common = {
        "policy": "RsS" if (review > 1).any() else "sS",
        "review": review,
        "lead_time": lead,
        "lead_time_std": lead_std.fillna(0).to_numpy(float) / period_days,
        "lost_sales": lost_sales,
        "unit_cost": frame["unit_cost"].to_numpy(float),
        "seed": seed,
        "item_ids": item_ids,
    }
    reorder_point = frame["reorder_point"].to_numpy(float)
    order_up_to = frame["order_up_to"].to_numpy(float)
    lot = order_up_to - reorder_point
    static_min, static_max = static_min_max(demand, lead + review, lot)
    results = {
        "policy": simulate(demand, reorder_point, order_up_to, **common),
        "static min/max": simulate(demand, static_min, static_max, **common),
    }
    per_item = results["policy"].to_frame(item_ids)
    per_item["static_fill_rate"] = results["static min/max"].fill_rate
    per_item["static_avg_value"] = results["static min/max"].avg_value
    return per_item, summarise(results)
