"""Policies in quantities that can be counted and bought.

Public API: ``order_quantum(rounding, multiple)`` and ``round_policy(policy,
items)``.

``items`` (one row per ``item_id`` of ``policy``) may give:

- ``rounding``: the smallest quantity of the item's unit, e.g. 1 for an item
  counted in pieces, 0.01 for one in kilograms (0 or missing: not rounded);
- ``multiple``: the vendor's purchase packaging in the item's unit, e.g. 6
  for a pack of six (0 or missing: none).

The order quantum is the smallest quantity that is both whole packs and
whole ``rounding`` steps: a pack of 6 counted in pieces orders by 6, a tray
of 30 eggs counted in dozens (2.5 dozens) by 5 dozens, two trays (``rounding``
alone where there is no packaging). Then, per item:

- reorder point (Odoo's min) rounded **up** to ``rounding``: the target is
  reached at least;
- order quantity rounded up to the quantum;
- order-up-to level (Odoo's max) rounded up to the quantum, never below the
  rounded reorder point;
- safety stock = rounded reorder point - lead-time demand; coverage, expected
  fill rate and expected stock recomputed from the rounded figures with the
  forecast's law; policies of the resampled law (method ``bootstrap``) keep
  the fill rate their simulation promised (rounding up only adds stock) and
  their expected stock grows by the rounding of the reorder point and half
  that of the lot.

Vectorised over all items; no Odoo import.
"""

import numpy as np
import pandas as pd

from .policy import expected_fill_rate, expected_stock

# Quantities within this share of a step of a multiple count as that multiple
# (float noise such as 300.0000000001 stays 300).
TOLERANCE = 1e-6


def _column(items, policy, name):
    """``items[name]`` aligned on ``policy``'s item ids (NaN where missing)."""
    if name not in items.columns:
        return np.full(len(policy), np.nan)
    by_item = pd.to_numeric(items[name], errors="coerce")
    by_item.index = items["item_id"].to_numpy()
    return by_item.reindex(policy["item_id"].to_numpy()).to_numpy(float)


def ceil_to(values, step):
    """``values`` rounded up to multiples of ``step`` (as is where step <= 0)."""
    values = np.asarray(values, dtype=float)
    step = np.broadcast_to(np.asarray(step, dtype=float), values.shape)
    safe = np.where(step > 0, step, 1.0)
    rounded = np.ceil(values / safe - TOLERANCE) * safe
    # round away float noise such as 0.1 * 3 = 0.30000000000000004
    return np.where(step > 0, np.round(rounded, 9), values)


# Packs tried for a common multiple of a pack and a step; beyond, the pack is
# rounded up to whole steps.
MAX_PACKS = 1000


def order_quantum(rounding, multiple):
    """The step of order quantities: the smallest multiple of the packaging
    ``multiple`` that is whole ``rounding`` steps (either alone where the
    other is 0)."""
    rounding = np.maximum(np.nan_to_num(np.asarray(rounding, dtype=float)), 0.0)
    multiple = np.maximum(np.nan_to_num(np.asarray(multiple, dtype=float)), 0.0)
    rounding, multiple = np.broadcast_arrays(rounding, multiple)
    both = (rounding > 0) & (multiple > 0)
    quantum = np.where(multiple > 0, multiple, rounding).astype(float)
    packs = np.zeros(quantum.shape)
    safe = np.where(both, rounding, 1.0)
    for count in range(1, MAX_PACKS + 1):
        todo = both & (packs == 0)
        if not todo.any():
            break
        steps = multiple * count / safe
        whole = todo & (
            np.abs(steps - np.round(steps)) <= TOLERANCE * np.maximum(steps, 1.0)
        )
        packs = np.where(whole, count, packs)
    common = np.where(packs > 0, multiple * packs, ceil_to(multiple, safe))
    return np.where(both, np.round(common, 9), quantum)


def round_policy(policy, items):
    """Return ``policy`` (``compute_policy`` output) in buyable quantities.

    See the module docstring; items without ``rounding`` keep their reorder
    point, a packaging ``multiple`` still rounds their lot and maximum.
    """
    policy = policy.copy()
    if policy.empty:
        return policy
    rounding = np.nan_to_num(_column(items, policy, "rounding"), nan=0.0)
    multiple = _column(items, policy, "multiple")
    quantum = order_quantum(rounding, multiple)
    lead_time_demand = policy["lead_time_demand"].to_numpy(float)
    reorder_point = ceil_to(policy["reorder_point"].to_numpy(float), rounding)
    order_qty = ceil_to(policy["order_qty"].to_numpy(float), quantum)
    order_up_to = ceil_to(
        np.maximum(policy["order_up_to"].to_numpy(float), reorder_point), quantum
    )
    raised_stock = (reorder_point - policy["reorder_point"].to_numpy(float)) + (
        order_qty - policy["order_qty"].to_numpy(float)
    ) / 2
    safety = reorder_point - lead_time_demand
    demand_per_day = policy["demand_per_day"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(
            demand_per_day > 0, (safety + order_qty / 2) / demand_per_day, np.nan
        )
    changed = (quantum > 0) & (
        (reorder_point != policy["reorder_point"].to_numpy(float))
        | (order_up_to != policy["order_up_to"].to_numpy(float))
        | (order_qty != policy["order_qty"].to_numpy(float))
    )
    policy["reorder_point"] = reorder_point
    policy["order_qty"] = order_qty
    policy["order_up_to"] = order_up_to
    policy["safety_stock"] = safety
    policy["coverage_days"] = coverage
    if "min_qty" in policy.columns:
        policy["min_qty"] = reorder_point
        policy["max_qty"] = order_up_to
    policy["multiple"] = np.where(quantum > 0, quantum, policy.get("multiple", 1.0))
    resampled = (
        (policy["method"] == "bootstrap").to_numpy()
        if "method" in policy.columns
        else np.zeros(len(policy), dtype=bool)
    )
    law = policy.loc[~resampled]
    if "expected_fill_rate" in policy.columns and len(law):
        policy.loc[~resampled, "expected_fill_rate"] = expected_fill_rate(law)
    if "expected_stock" in policy.columns:
        unit_cost = np.nan_to_num(_column(items, policy, "unit_cost"), nan=0.0)
        policy.loc[resampled, "expected_stock"] += raised_stock[resampled]
        if len(law):
            policy.loc[~resampled, "expected_stock"] = expected_stock(law)
        policy["expected_stock_value"] = policy["expected_stock"] * unit_cost
    if "explanation" in policy.columns and changed.any():
        note = (
            "; rounded up: min "
            + _fmt(reorder_point[changed])
            + " (steps of "
            + _fmt(rounding[changed])
            + "), max "
            + _fmt(order_up_to[changed])
            + " and lot "
            + _fmt(order_qty[changed])
            + " (multiples of "
            + _fmt(quantum[changed])
            + ")"
        )
        policy.loc[changed, "explanation"] = (
            policy.loc[changed, "explanation"].astype(str) + note.to_numpy()
        )
    return policy


def _fmt(values):
    """Numbers as short text in plain digits: 6 not 6.0, 0.25 as is,
    3463909 not 3.46391e+06."""
    return pd.Series(
        [
            np.format_float_positional(value, precision=10, trim="-")
            for value in np.asarray(values, dtype=float)
        ]
    )
