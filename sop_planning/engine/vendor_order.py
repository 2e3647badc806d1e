"""Vendor orders built to the vendor's terms: minimum, packs, capacity, budget.

Public API: ``build_vendor_orders(lines, vendors)``, ``ordered_quantity(need,
minimum, quantum)``, ``apply_budget(lines, budget)``,
``budget_fill_rate(items)`` and ``next_order_date(today, weekday,
interval_days)``.

``lines``: one row per reordering rule of a vendor's product that may go on
the vendor's order, columns

- ``line_id`` (unique) and ``order_key`` (the vendor order it belongs to:
  vendor x warehouse),
- ``due`` (bool): below its reorder point now (a reorder proposal exists),
- ``need_qty``: what it needs to reach its order-up-to level (> 0), in the
  product's unit,
- ``min_qty`` (optional, default 0): the least the vendor sells it from,
  in the product's unit (a need below it is raised to it, "vendor_min"),
- ``quantum``: the order step in the product's unit (purchase pack, else 1
  for pieces; 0: not rounded),
- ``unit_cost``, ``unit_volume``, ``unit_weight`` (per product unit),
- ``days_to_reorder``: days until the projected stock crosses the reorder
  point (<= 0 when due; inf without demand),
- ``days_to_stockout``: days until the projected stock runs out,
- ``unit_margin`` (optional, default 0): sale price - cost.

``vendors``: one row per ``order_key``: ``min_value``, ``free_freight``
(0: none), ``capacity_volume`` / ``capacity_weight`` (0: none),
``review_days`` (days to the vendor's following order date).

Rules, per order, in this order (each applied one is noted on its line):

1. due lines are ordered, raised to the vendor's minimum ("vendor_min")
   and rounded up to whole packs ("pack");
2. lines that cross their reorder point before the following order date
   (``days_to_reorder < review_days``) are brought forward, most urgent
   (fewest days to stockout) first, until the order reaches the minimum
   value, then the free-freight threshold ("added_min", "added_freight");
3. if still below the minimum, the vendor's other lines are added in order
   of least extra stock value ("added_min");
4. over the capacity (volume or weight), the least urgent lines are cut,
   brought-forward ones first ("cut_capacity"); a due line alone over the
   capacity is reduced to the whole packs that fit (to none when that is
   below the vendor's minimum).

Output: ``lines`` with ``qty`` (what to order, 0 if not ordered),
``status`` (due, added, cut, idle) and ``notes``: a list of ``(code,
params)`` per line, for the caller to word and translate. The order of a
group is left below its minimum when the vendor has nothing more to add
(``order_notes``: {order_key: [(code, params)]}; ``below_freight`` when
the free-freight threshold is not reached).

Vectorised per order (cumulative sums over sorted lines); the loop runs
over vendor orders, not products. No Odoo import.
"""

from datetime import timedelta

import numpy as np
import pandas as pd

from .errors import EngineInputError
from .policy_rounding import ceil_to
from .scenario import _draw_paths
from .simulate import simulate

LINE_DEFAULTS = {
    "min_qty": 0.0,
    "quantum": 0.0,
    "unit_volume": 0.0,
    "unit_weight": 0.0,
    "unit_margin": 0.0,
    "days_to_reorder": np.inf,
    "days_to_stockout": np.inf,
}
BUDGET_ITEM_COLUMNS = (
    "demand_per_day",
    "on_hand",
    "reorder_point",
    "order_up_to",
    "lead_time_days",
    "proposed_qty",
    "defer_days",
)
BUDGET_ITEM_DEFAULTS = {
    "backlog": 0.0,
    "demand_std_per_day": np.nan,
    "lead_time_std_days": 0.0,
    "review_days": 0.0,
    "multiple": 0.0,
}
# Demand paths per item scored by ``budget_fill_rate`` and their seed
BUDGET_PATHS = 20
VENDOR_DEFAULTS = {
    "min_value": 0.0,
    "free_freight": 0.0,
    "capacity_volume": 0.0,
    "capacity_weight": 0.0,
    "review_days": 0.0,
}


def next_order_date(today, weekday=None, interval_days=0, anchor=None):
    """The vendor's next order date on or after ``today``.

    ``weekday`` (0 = Monday) fixes the day; ``interval_days`` over 7 with a
    ``anchor`` date (a past order day) keeps the rhythm, e.g. every second
    Monday. No weekday: any day, ``interval_days`` after ``anchor`` (today
    without an anchor or once that day has passed).
    """
    interval = int(interval_days or 0)
    if weekday is None:
        if anchor and interval:
            return max(today, anchor + timedelta(days=interval))
        return today
    date = today + timedelta(days=(int(weekday) - today.weekday()) % 7)
    if anchor and interval > 7:
        late = (date - anchor).days % interval
        if late:
            date += timedelta(days=interval - late)
            date += timedelta(days=(int(weekday) - date.weekday()) % 7)
    return date


def _with_defaults(frame, defaults):
    frame = frame.copy()
    for column, default in defaults.items():
        if column not in frame.columns:
            frame[column] = default
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(default)
    return frame


def _incoming_by_day(item_ids, incoming, days):
    """Items x ``days`` matrix of the receipts on order, by day of arrival."""
    matrix = np.zeros((len(item_ids), days))
    if incoming is None or incoming.empty:
        return matrix
    row = pd.Index(item_ids).get_indexer(incoming["item_id"])
    day = pd.to_numeric(incoming["day"], errors="coerce").to_numpy(float)
    qty = pd.to_numeric(incoming["qty"], errors="coerce").to_numpy(float)
    keep = (row >= 0) & (day >= 0) & (qty > 0)
    # later than the horizon: on order all along, arriving on its last day
    day = np.minimum(day, days - 1)
    np.add.at(matrix, (row[keep], day[keep].astype(int)), qty[keep])
    return matrix


def ordered_quantity(need, minimum, quantum):
    """What a line orders for its ``need``: at least the vendor's
    ``minimum`` when it needs anything, in whole ``quantum`` steps; and
    whether the minimum raised it."""
    need = np.maximum(np.asarray(need, dtype=float), 0.0)
    minimum = np.maximum(np.asarray(minimum, dtype=float), 0.0)
    below_minimum = (need > 0) & (minimum > need + 1e-9)
    return ceil_to(np.where(below_minimum, minimum, need), quantum), below_minimum


def _fill_to(value_now, target, values):
    """Boolean mask of ``values`` (in rank order) added until ``target``.

    The line that reaches the target is included.
    """
    if value_now >= target or not len(values):
        return np.zeros(len(values), dtype=bool)
    before = value_now + np.concatenate([[0.0], np.cumsum(values)[:-1]])
    return before < target


def _build_one(group, terms):
    """Quantities, status and notes of one vendor order's lines."""
    qty = np.where(group["due"], group["rounded_qty"], 0.0)
    status = np.where(group["due"], "due", "idle").astype(object)
    notes = [list(n) for n in group["notes"]]
    value = group["rounded_qty"].to_numpy() * group["unit_cost"].to_numpy()
    order_notes = []
    min_value = terms["min_value"]
    free_freight = terms["free_freight"]
    total = float((qty * group["unit_cost"]).sum())
    soon = (~group["due"]) & (group["days_to_reorder"] < terms["review_days"])
    for target, code in ((min_value, "added_min"), (free_freight, "added_freight")):
        if target <= 0 or total >= target:
            continue
        rows = np.flatnonzero(soon & (status == "idle"))
        rows = rows[
            np.argsort(group["days_to_stockout"].to_numpy()[rows], kind="stable")
        ]
        take = rows[_fill_to(total, target, value[rows])]
        for row in take:
            qty[row] = group["rounded_qty"].iat[row]
            status[row] = "added"
            notes[row].append((code, {"target": target}))
        total += float(value[take].sum())
    if 0 < free_freight and total < free_freight and total >= min_value:
        order_notes.append(("below_freight", {"target": free_freight, "value": total}))
    if min_value > 0 and total < min_value:
        rows = np.flatnonzero(status == "idle")
        rows = rows[np.argsort(value[rows], kind="stable")]
        take = rows[_fill_to(total, min_value, value[rows])]
        for row in take:
            qty[row] = group["rounded_qty"].iat[row]
            status[row] = "added"
            notes[row].append(("added_min", {"target": min_value}))
        total += float(value[take].sum())
        if total < min_value:
            order_notes.append(("below_min", {"target": min_value, "value": total}))
    for capacity_col, unit_col in (
        ("capacity_volume", "unit_volume"),
        ("capacity_weight", "unit_weight"),
    ):
        capacity = terms[capacity_col]
        unit = group[unit_col].to_numpy()
        if capacity <= 0 or float((qty * unit).sum()) <= capacity:
            continue
        ordered = np.flatnonzero(qty > 0)
        # least urgent first: brought-forward before due, then most days left
        urgency = np.lexsort(
            (
                -group["days_to_stockout"].to_numpy()[ordered],
                group["due"].to_numpy()[ordered],
            )
        )
        for row in ordered[urgency]:
            load = float((qty * unit).sum())
            if load <= capacity:
                break
            others = load - qty[row] * unit[row]
            step = group["quantum"].iat[row] or 1.0
            fits = 0.0
            if group["due"].iat[row] and others < capacity and unit[row] > 0:
                fits = np.floor((capacity - others) / unit[row] / step + 1e-9) * step
            if fits < group["min_qty"].iat[row] - 1e-9:
                fits = 0.0  # below the vendor's minimum it cannot be bought
            qty[row] = max(fits, 0.0)
            status[row] = "cut" if qty[row] <= 0 else status[row]
            notes[row].append(
                (
                    "cut_" + capacity_col.removeprefix("capacity_"),
                    {"capacity": capacity, "qty": qty[row]},
                )
            )
    return qty, status, notes, order_notes


def build_vendor_orders(lines, vendors):
    """Return (lines with qty/status/notes, order_notes); see module docstring."""
    columns = ["line_id", "order_key", "qty", "status", "notes"]
    if lines.empty:
        return pd.DataFrame(columns=columns), {}
    lines = _with_defaults(lines, LINE_DEFAULTS)
    vendors = _with_defaults(vendors, VENDOR_DEFAULTS)
    terms_by_key = {row["order_key"]: row for row in vendors.to_dict("records")}
    need = np.maximum(lines["need_qty"].to_numpy(float), 0.0)
    minimum = np.maximum(lines["min_qty"].to_numpy(float), 0.0)
    quantum = lines["quantum"].to_numpy(float)
    rounded, below_minimum = ordered_quantity(need, minimum, quantum)
    lines["rounded_qty"] = rounded
    lines["due"] = lines["due"].astype(bool)
    raised = (quantum > 1.0) & (rounded > need + 1e-9)
    lines["notes"] = [
        [("vendor_min", {"minimum": m, "need": n, "qty": r})]
        if low
        else [("pack", {"pack": q, "need": n, "qty": r})]
        if up
        else []
        for low, up, m, q, n, r in zip(
            below_minimum, raised, minimum, quantum, need, rounded, strict=True
        )
    ]
    lines["qty"] = 0.0
    lines["status"] = "idle"
    order_notes = {}
    for key, group in lines.groupby("order_key", sort=False):
        terms = terms_by_key.get(key, VENDOR_DEFAULTS)
        qty, status, notes, notes_of_order = _build_one(
            group.reset_index(drop=True), terms
        )
        lines.loc[group.index, "qty"] = qty
        lines.loc[group.index, "status"] = status
        lines.loc[group.index, "notes"] = pd.Series(notes, index=group.index)
        if notes_of_order:
            order_notes[key] = notes_of_order
    return lines, order_notes


def apply_budget(lines, budget):
    """Keep the lines of highest stockout risk x margin within ``budget``.

    ``lines``: ``line_id, value, days_to_stockout, margin`` (the margin of
    the line's quantity). Risk = 1 / (1 + days to stockout, at least 0):
    the sooner out, the higher. Lines are kept by score while they fit; a
    line that does not fit is deferred and the budget left goes on to the
    next lines that do. Returns the ``line_id`` of the lines deferred
    (empty when the total fits or ``budget`` <= 0).
    """
    if budget is None or budget <= 0 or lines.empty:
        return []
    value = lines["value"].to_numpy(float)
    if value.sum() <= budget:
        return []
    risk = 1.0 / (1.0 + np.maximum(lines["days_to_stockout"].to_numpy(float), 0.0))
    score = risk * np.maximum(lines["margin"].to_numpy(float), 0.0)
    order = np.lexsort((value, -score))
    value = value[order]
    kept = np.zeros(len(value), dtype=bool)
    left, rest = float(budget), np.arange(len(value))
    # in score order, each line that still fits: a line over what is left
    # never fits later (it only shrinks); of the others, the leading ones
    # that fit together are kept at once
    while rest.size:
        rest = rest[value[rest] <= left + 1e-9]
        count = int((np.cumsum(value[rest]) <= left + 1e-9).sum())
        kept[rest[:count]] = True
        left -= value[rest[:count]].sum()
        rest = rest[count:]
    return lines["line_id"].to_numpy()[order][~kept].tolist()


def budget_fill_rate(items, incoming=None, n_paths=BUDGET_PATHS, seed=0):
    """Expected fill rate of deferred lines, as proposed and as deferred.

    ``items``: one row per deferred line: ``item_id, demand_per_day,
    on_hand`` (stock at the order date), ``reorder_point, order_up_to,
    lead_time_days, proposed_qty, defer_days`` (days until the first order
    date of the next budget month), optional ``backlog`` (deliveries owed
    at the order date, served first from stock and arrivals),
    ``demand_std_per_day`` (default: Poisson-like, the square root of the
    mean), ``lead_time_std_days``, ``review_days`` (the vendor's order
    cycle), ``multiple``. ``incoming`` (optional): ``item_id, day, qty``,
    receipts already on order, arriving ``day`` days after the order date
    (0: today; one later than the horizon arrives on its last day: it is on
    order all along).

    Both runs simulate the same ``n_paths`` daily demand paths (gamma,
    seeded) with the min/max policy reviewed on the vendor's cycle, up to
    the day the deferred order and one more cycle have arrived:

    - proposed: ``proposed_qty`` ordered today arrives after the lead
      time; the next order goes out one cycle later;
    - budget: nothing ordered until ``defer_days``, then the policy orders.

    Returns ``item_id, demand, served_proposed, served_budget``: expected
    demand over the item's horizon and the part served from stock at once
    (path means), for the caller to sum into fill rates.
    """
    columns = ["item_id", "demand", "served_proposed", "served_budget"]
    if items.empty:
        return pd.DataFrame(columns=columns)
    missing = [col for col in BUDGET_ITEM_COLUMNS if col not in items.columns]
    if missing:
        raise EngineInputError(f"items: missing column(s) {', '.join(missing)}")
    # a number missing or not a number counts as 0 (no demand, no stock)
    items = _with_defaults(
        items, {**dict.fromkeys(BUDGET_ITEM_COLUMNS, 0.0), **BUDGET_ITEM_DEFAULTS}
    )
    per_day = np.maximum(items["demand_per_day"].to_numpy(float), 0.0)
    std = items["demand_std_per_day"].to_numpy(float)
    std = np.where(np.isnan(std), np.sqrt(per_day), np.maximum(std, 0.0))
    # at most a year each: the horizon stays a few months of days
    lead = np.round(np.clip(items["lead_time_days"].to_numpy(float), 0.0, 366.0))
    review = np.clip(np.round(items["review_days"].to_numpy(float)), 1.0, 366.0)
    defer = np.clip(np.round(items["defer_days"].to_numpy(float)), 1.0, 366.0)
    horizon = (defer + lead + review + 1).astype(int)
    days = int(horizon.max())
    paths = _draw_paths(
        (per_day * days)[:, None],
        (std * np.sqrt(days))[:, None],
        np.array([days]),
        n_paths,
        np.random.default_rng(seed),
    )
    # each item scored up to its own horizon
    paths *= np.repeat(np.arange(days)[None, :] < horizon[:, None], n_paths, axis=0)

    def rows(values):
        return np.repeat(np.asarray(values, dtype=float), n_paths)

    arrival = np.minimum(lead + 1, days - 1).astype(int)
    on_order = _incoming_by_day(items["item_id"], incoming, days)
    scheduled = on_order.copy()
    scheduled[np.arange(len(items)), arrival] += np.maximum(
        items["proposed_qty"].to_numpy(float), 0.0
    )
    common = {
        "policy": "RsS",
        "review": rows(review),
        "lead_time": rows(lead),
        "lead_time_std": rows(items["lead_time_std_days"].clip(lower=0.0)),
        "initial_on_hand": rows(items["on_hand"].clip(lower=0.0)),
        "initial_backlog": rows(items["backlog"].clip(lower=0.0)),
        "multiple": rows(items["multiple"].clip(lower=0.0)),
        "seed": seed,
    }
    levels = (
        rows(items["reorder_point"].clip(lower=0.0)),
        rows(items["order_up_to"].clip(lower=0.0)),
    )
    proposed = simulate(
        paths,
        *levels,
        scheduled=np.repeat(scheduled, n_paths, axis=0),
        order_from=rows(review),
        **common,
    )
    budget = simulate(
        paths,
        *levels,
        scheduled=np.repeat(on_order, n_paths, axis=0),
        order_from=rows(defer),
        **common,
    )

    def path_mean(values):
        return values.reshape(-1, n_paths).mean(axis=1)

    return pd.DataFrame(
        {
            "item_id": items["item_id"].to_numpy(),
            "demand": path_mean(proposed.demand),
            "served_proposed": path_mean(proposed.served),
            "served_budget": path_mean(budget.served),
        }
    )
