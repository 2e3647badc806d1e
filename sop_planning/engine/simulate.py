"""Inventory simulation of reorder policies, vectorised across items.

Public API: ``simulate(demand, reorder_point, order_level, *, policy="sS",
review=1, lead_time=0, lead_time_std=0, initial_on_hand=None,
lost_sales=False, unit_cost=None, multiple=None, scheduled=None,
order_from=0, seed=0, track=False, item_ids=None) -> SimulationResult``.

``demand`` is an items x periods array (days, weeks or months); every time
argument is in those periods. Per item (scalars broadcast; ``reorder_point``
and ``order_level`` may also be items x periods matrices, for levels that
change over time such as a re-planned or seasonal policy):

- ``policy="sS"``: each period, when the inventory position (on hand + on
  order - backorders) is at or below ``reorder_point`` (s), order up to
  ``order_level`` (S) - Odoo's min/max rule;
- ``policy="RsS"``: the same, reviewed every ``review`` periods only;
- ``policy="sQ"``: order whole lots of ``order_level`` (Q) until the
  position is above s.

Order quantities are rounded up to ``multiple`` when given. ``scheduled``
(items x periods) are receipts already on order at the start (they arrive
at the start of their period); ``order_from`` is the first period in which
each item may order (reviews every ``review`` periods from it), e.g. an
order deferred to next month. Each period:
receipts arrive, demand is served (backorders first), then the position is
reviewed. An order placed in period t with lead time L arrives at the start
of period t + L + 1, so the protection interval is L + review, as in the
policy formulas. With ``lead_time_std`` > 0 each order draws its own lead
time ``round(N(lead_time, lead_time_std))`` clipped to ``[0, mean + 6 std]``
from a generator seeded with ``seed`` (orders may cross). Unmet demand is
backordered, or lost with ``lost_sales=True``. Start: ``initial_on_hand``
(default S, or s + Q for ``sQ``), nothing on order, and ``initial_backlog``
(default 0) owed to customers, served before any new demand.

Per item the result gives ``fill_rate`` (demand served from stock at once /
demand, NaN without demand), ``cycle_service_level`` (share of replenishment
cycles, i.e. stretches between receipts, without stockout),
``stockout_periods``, ``avg_on_hand`` (end of period), ``avg_value``,
``orders``, and with ``track=True`` the items x periods trajectories
``on_hand`` (end of period), ``received`` and ``shipped``.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import EngineInputError

POLICIES = ("sS", "RsS", "sQ")


@dataclass
class SimulationResult:
    """Per-item outcome of a simulation (arrays of length items)."""

    fill_rate: np.ndarray
    cycle_service_level: np.ndarray
    stockout_periods: np.ndarray
    avg_on_hand: np.ndarray
    avg_value: np.ndarray
    orders: np.ndarray
    demand: np.ndarray
    served: np.ndarray
    initial_on_hand: np.ndarray
    on_hand: np.ndarray | None = None
    received: np.ndarray | None = None
    shipped: np.ndarray | None = None

    def to_frame(self, item_ids=None):
        """Return the per-item figures as a DataFrame."""
        frame = pd.DataFrame(
            {
                "fill_rate": self.fill_rate,
                "cycle_service_level": self.cycle_service_level,
                "stockout_periods": self.stockout_periods,
                "avg_on_hand": self.avg_on_hand,
                "avg_value": self.avg_value,
                "orders": self.orders,
                "demand": self.demand,
            }
        )
        if item_ids is not None:
            frame.insert(0, "item_id", np.asarray(item_ids))
        return frame

    def total_fill_rate(self):
        """Return the demand-weighted fill rate over items with demand."""
        total = self.demand.sum()
        return float(self.served.sum() / total) if total > 0 else float("nan")


def _per_item(value, n_items, name, item_ids, n_periods=None):
    """Broadcast ``value`` to one float per item and reject NaN / negatives.

    With ``n_periods``, an items x periods matrix is accepted as well and
    returned as such (a level that changes over time).
    """
    value = np.asarray(value, dtype=float)
    shape = (n_items, n_periods) if n_periods and value.ndim == 2 else (n_items,)
    array = np.broadcast_to(value, shape).copy()
    bad = np.isnan(array) | (array < 0)
    if bad.any():
        first = np.argwhere(bad)[0]
        raise EngineInputError(
            f"item {item_ids[first[0]]}: {name} must be a number >= 0 "
            f"(got {array[tuple(first)]})"
        )
    return array


def _at(level, period):
    """Return the per-item values of ``level`` in ``period``."""
    return level[:, period] if level.ndim == 2 else level


def _check_demand(demand, item_ids):
    """Return ``demand`` as a float matrix, rejecting NaN and negatives."""
    demand = np.asarray(demand, dtype=float)
    if demand.ndim != 2:
        raise EngineInputError("demand must be an items x periods matrix")
    bad = np.isnan(demand) | (demand < 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise EngineInputError(
            f"item {item_ids[row]}: demand in period {col} must be >= 0 "
            f"(got {demand[row, col]})"
        )
    return demand


def _order_quantity(policy, position, reorder_point, order_level, reviewing):
    """Return what each item orders this period before rounding."""
    due = reviewing & (position <= reorder_point)
    if policy == "sQ":
        with np.errstate(divide="ignore", invalid="ignore"):
            lots = np.floor((reorder_point - position) / order_level) + 1
        return np.where(due & (order_level > 0), lots * order_level, 0.0)
    return np.where(due, np.maximum(order_level - position, 0.0), 0.0)


def simulate(
    demand,
    reorder_point,
    order_level,
    *,
    policy="sS",
    review=1,
    lead_time=0,
    lead_time_std=0,
    initial_on_hand=None,
    initial_backlog=0,
    lost_sales=False,
    unit_cost=None,
    multiple=None,
    scheduled=None,
    order_from=0,
    seed=0,
    track=False,
    item_ids=None,
):
    """Simulate a reorder policy on ``demand`` (see the module docstring)."""
    if policy not in POLICIES:
        raise EngineInputError(f"policy must be one of {POLICIES} (got {policy!r})")
    n_items = np.asarray(demand).shape[0]
    item_ids = np.arange(n_items) if item_ids is None else np.asarray(item_ids)
    demand = _check_demand(demand, item_ids)
    n_periods = demand.shape[1]
    s = _per_item(reorder_point, n_items, "reorder_point", item_ids, n_periods)
    level = _per_item(order_level, n_items, "order_level", item_ids, n_periods)
    lead = np.round(_per_item(lead_time, n_items, "lead_time", item_ids))
    lead_std = _per_item(lead_time_std, n_items, "lead_time_std", item_ids)
    every = np.maximum(np.round(_per_item(review, n_items, "review", item_ids)), 1)
    cost = _per_item(
        1.0 if unit_cost is None else unit_cost, n_items, "unit_cost", item_ids
    )
    lot = (
        None if multiple is None else _per_item(multiple, n_items, "multiple", item_ids)
    )
    if initial_on_hand is None:
        first_level = _at(level, 0)
        initial_on_hand = _at(s, 0) + first_level if policy == "sQ" else first_level
    start = _per_item(initial_on_hand, n_items, "initial_on_hand", item_ids)
    first_order = np.round(_per_item(order_from, n_items, "order_from", item_ids))
    if policy != "RsS":
        every = np.ones(n_items)

    longest = np.ceil(lead + 6 * lead_std).astype(int)
    arrivals = np.zeros((n_items, n_periods + int(longest.max(initial=0)) + 2))
    rows = np.arange(n_items)
    rng = np.random.default_rng(seed)
    stochastic = bool((lead_std > 0).any())

    on_hand = start.copy()
    on_order = np.zeros(n_items)
    if scheduled is not None:
        scheduled = _per_item(scheduled, n_items, "scheduled", item_ids, n_periods)
        arrivals[:, :n_periods] += scheduled
        on_order += scheduled.sum(axis=1)
    backlog = _per_item(initial_backlog, n_items, "initial_backlog", item_ids)
    served = np.zeros(n_items)
    stockouts = np.zeros(n_items)
    orders = np.zeros(n_items)
    cycles = np.ones(n_items)
    short_cycles = np.zeros(n_items)
    short_in_cycle = np.zeros(n_items, dtype=bool)
    on_hand_sum = np.zeros(n_items)
    history = {
        name: np.zeros((n_items, n_periods)) if track else None
        for name in ("on_hand", "received", "shipped")
    }

    for t in range(n_periods):
        received = arrivals[:, t]
        on_hand += received
        on_order -= received
        arrived = received > 0
        cycles += arrived
        short_cycles += arrived & short_in_cycle
        short_in_cycle &= ~arrived

        from_backlog = np.minimum(on_hand, backlog)
        on_hand -= from_backlog
        backlog -= from_backlog
        now = np.minimum(on_hand, demand[:, t])
        on_hand -= now
        short = demand[:, t] - now
        if not lost_sales:
            backlog += short
        stocked_out = short > 0
        stockouts += stocked_out
        short_in_cycle |= stocked_out
        served += now

        position = on_hand + on_order - backlog
        reviewing = (t >= first_order) & ((t - first_order) % every == 0)
        qty = _order_quantity(policy, position, _at(s, t), _at(level, t), reviewing)
        if lot is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                qty = np.where(lot > 0, np.ceil(qty / lot - 1e-9) * lot, qty)
        placed = qty > 0
        if placed.any():
            delay = lead
            if stochastic:
                drawn = np.round(lead + lead_std * rng.standard_normal(n_items))
                delay = np.clip(drawn, 0, longest)
            arrivals[rows[placed], t + 1 + delay[placed].astype(int)] += qty[placed]
            on_order += qty
            orders += placed
        on_hand_sum += on_hand
        if track:
            history["on_hand"][:, t] = on_hand
            history["received"][:, t] = received
            history["shipped"][:, t] = from_backlog + now

    short_cycles += short_in_cycle
    total = demand.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill_rate = np.where(total > 0, served / total, np.nan)
    avg_on_hand = on_hand_sum / max(n_periods, 1)
    return SimulationResult(
        fill_rate=fill_rate,
        cycle_service_level=1.0 - short_cycles / cycles,
        stockout_periods=stockouts,
        avg_on_hand=avg_on_hand,
        avg_value=avg_on_hand * cost,
        orders=orders,
        demand=total,
        served=served,
        initial_on_hand=start,
        **history,
    )
