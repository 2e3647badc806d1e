"""What-if scenarios on a plan, scored with the policy engine, the simulator
and the financial plan.

Input contract, ``PlanInputs(items, demand, freq="M", history=None)``:

- ``items``: one row per item with the columns of ``policy.compute_policy``
  (``item_id, lead_time_days, unit_cost`` required; ``lead_time_std_days,
  review_days, service_level, moq, multiple, ...`` optional) and optionally
  ``unit_price`` (default: ``unit_cost``, no margin), ``category`` (default
  ``""``), ``on_hand`` (units at the start, default: the policy's
  order-up-to level; below zero: units owed to customers, served before
  the plan's demand) and ``capacity`` (most units received per plan period;
  empty or missing: unlimited);
- ``demand``: ``item_id, period, qty, sigma``: the consensus demand of each
  plan period in units and the standard deviation of its forecast error
  (``sigma`` optional, default 0; ``sigma_cum`` optional, the error of the
  demand summed from the first period, as ``compute_policy`` takes it);
  ``freq`` is the plan period, ``M`` or ``W``;
- ``history`` (optional): long ``item_id, period, qty``, each item's own
  past demand per plan period (NaN: unknown). With it every policy is
  planned as the add-on's approval and the CLI's ``policy --history``
  plan it (``policy_calibration.planned_policy``: the plan floored at the
  recent demand rate, the lead-time demand law resampled from the item's
  history, intermittent and lumpy items at their own level, fill-rate
  targets shared per pattern; the items may carry ``plan_adjusted``), and
  the demand simulated is the plan with that floor (``planned_floor``).

A ``Scenario`` is an overlay of deltas on these inputs, never a copy of them:
``demand_pct`` (every item, or ``category_demand_pct`` per category, which
replaces it for those categories; sigma scales with demand), ``price_pct``,
``lead_time_days`` (added to every vendor lead time), ``capacity_pct`` (on
the ``capacity`` column, else on the base plan's largest receipts of a
period), ``service_level`` (target of every item), ``moq_pct`` (on every
MOQ) and ``replan_policy`` (False: keep the base plan's reorder points and
order-up-to levels, to see the risk of not reacting).

Scoring (``evaluate_plan``), for the base plan and each scenario:

1. the policy: with a ``history``, ``planned_policy`` on the overlaid
   items, demand and history (the demand % scales the history too, as
   approval with the scenario does), else ``compute_policy`` on the
   overlaid items and demand (the forecast's law); then
   ``policy_rounding.round_policy`` where items give a ``rounding``;
2. the demand: ``n_paths`` daily paths per item (``daily_demand``: gamma
   law, mean ``qty / days`` and variance ``sigma^2 / days`` of each day),
   drawn from ``seed`` and scaled by each scenario's demand factor, so
   scenarios differ by their deltas only, not by noise;
3. the simulation: ``simulate`` (order up to S at or below s, checked daily,
   (R, s, S) with ``review_days``; backorders) of those paths, lead times in
   days; with a capacity, receipts above a period's capacity wait for the
   next period. Under backorders the inventory position, hence every order,
   does not depend on when receipts arrive, so the capped run is exact: the
   stock balance is replayed from the capped receipts. Items run in chunks
   of ``chunk_items`` to bound memory (rows item x path x days);
4. the money: ``finance.financial_plan`` on the plan demand and the simulated
   stock, ``finance.purchase_spend`` on the simulated receipts (none for items
   whose optional ``purchased`` column is False: transfers from another
   warehouse).

``score_scenarios(base, scenarios)`` returns one row per scenario (the base
plan first): ``scenario, fill_rate`` (demand served from stock at once /
demand), ``stockout_risk`` (share of item-periods with a day short),
``avg_stock_value`` (average daily stock x unit cost), ``revenue,
cost_of_goods, margin`` (of the plan demand delivered within the horizon,
i.e. per item the plan quantity x the share of simulated demand shipped),
``purchase_spend`` (cash out over the horizon) and one ``spend YYYY-MM-DD``
column per period. ``scenario_spend(scores)`` turns those into long rows.

``evaluate_plan(inputs, scenario=BASE, *, n_paths=10, seed=0, base=None,
chunk_items=2000, policy=None)`` scores one scenario and returns a ``PlanEvaluation``:
``kpis`` (the row above), ``policy`` (``planned_policy`` or
``compute_policy`` output), ``supply``
(``item_id, period, demand, receipts, projected_on_hand, backorders,
stockout_risk``: path means), ``financial`` and ``spend`` (``finance``),
and ``totals``, the sums behind the KPIs: the items can be scored in parts
whose ``totals`` are summed, then ``kpis_from_totals`` gives the KPIs.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import EngineInputError, shown
from .finance import financial_plan, purchase_spend
from .history import check_freq
from .policy import PERIOD_DAYS, compute_policy
from .policy_calibration import planned_floor, planned_policy
from .policy_rounding import round_policy
from .simulate import simulate

SPEND_PREFIX = "spend "
CHUNK_ITEMS = 2000
KPI_COLUMNS = (
    "scenario",
    "fill_rate",
    "stockout_risk",
    "avg_stock_value",
    "revenue",
    "cost_of_goods",
    "margin",
    "purchase_spend",
)
PERIOD_OFFSET = {"M": pd.DateOffset(months=1), "W": pd.DateOffset(weeks=1)}


@dataclass(frozen=True)
class PlanInputs:
    """A plan to score: items, consensus demand, the plan period and,
    optionally, the items' own demand history."""

    items: pd.DataFrame
    demand: pd.DataFrame
    freq: str = "M"
    history: pd.DataFrame | None = None


@dataclass(frozen=True)
class Scenario:
    """Deltas on a plan; percentages are changes (+15 = x 1.15)."""

    name: str
    demand_pct: float = 0.0
    category_demand_pct: dict = field(default_factory=dict)
    price_pct: float = 0.0
    lead_time_days: float = 0.0
    capacity_pct: float | None = None
    service_level: float | None = None
    moq_pct: float = 0.0
    replan_policy: bool = True


BASE = Scenario("Base plan")


@dataclass
class DailyDemand:
    """Demand paths: rows are item x path (item-major), columns are days."""

    qty: np.ndarray
    period_of_day: np.ndarray
    periods: pd.DatetimeIndex
    n_paths: int

    @property
    def period_starts(self):
        """Index of the first day of each period."""
        return np.searchsorted(self.period_of_day, np.arange(len(self.periods)))


@dataclass
class PlanEvaluation:
    """Outcome of one scenario: its KPIs and the tables behind them."""

    kpis: dict
    policy: pd.DataFrame
    supply: pd.DataFrame
    financial: pd.DataFrame
    spend: pd.DataFrame
    totals: dict = field(default_factory=dict)


def demand_matrices(inputs):
    """Return item ids, periods and the items x periods ``qty`` and ``sigma``.

    With a ``history``, ``qty`` is floored at each item's recent demand
    rate, as ``planned_policy`` floors it.
    """
    freq = check_freq(inputs.freq)
    demand, items = inputs.demand, inputs.items
    for name, frame, columns in (
        ("items", items, ("item_id", "lead_time_days", "unit_cost")),
        ("demand", demand, ("item_id", "period", "qty")),
    ):
        missing = [col for col in columns if col not in frame.columns]
        if missing:
            raise EngineInputError(f"{name}: missing column(s) {', '.join(missing)}")
    item_ids = items["item_id"].to_numpy()
    frame = demand.assign(
        # one resolution for the pivot and the calendar (pandas 3 infers "us")
        period=pd.to_datetime(demand["period"]).astype("datetime64[ns]"),
        qty=pd.to_numeric(demand["qty"], errors="coerce"),
        sigma=pd.to_numeric(demand.get("sigma", 0.0), errors="coerce"),
    )
    for column in ("qty", "sigma"):
        bad = (frame[column].isna() | (frame[column] < 0)).to_numpy()
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise EngineInputError(
                f"item {frame['item_id'].iloc[first]}: demand column '{column}' "
                f"must be a number >= 0 (got {shown(demand[column].iloc[first])})"
            )
    wide = frame.pivot_table(
        index="item_id", columns="period", values=["qty", "sigma"], aggfunc="sum"
    )
    periods = pd.date_range(
        wide.columns.get_level_values(1).min(),
        wide.columns.get_level_values(1).max(),
        freq="MS" if freq == "M" else "W-MON",
    )
    off_calendar = ~frame["period"].isin(periods)
    if off_calendar.any():
        first = frame.loc[off_calendar].iloc[0]
        start = "the first day of a month" if freq == "M" else "a Monday"
        raise EngineInputError(
            f"item {first['item_id']}: demand period {first['period']:%Y-%m-%d} "
            f"is not {start}"
        )
    index = pd.Index(item_ids, name="item_id")
    qty = wide["qty"].reindex(index=index, columns=periods).fillna(0.0)
    sigma = wide["sigma"].reindex(index=index, columns=periods).fillna(0.0)
    qty = qty.to_numpy(float)
    if inputs.history is not None:  # the demand the planned policy sizes on
        floor = planned_floor(items, inputs.history, PERIOD_DAYS[freq])
        qty = np.maximum(qty, floor.reindex(index).fillna(0.0).to_numpy()[:, None])
    return item_ids, periods, qty, sigma.to_numpy(float)


def sales_matrix(inputs, item_ids, periods):
    """The items x periods demand whose money counts: the demand's optional
    ``sales`` column (an item's own sales, where ``qty`` also carries what
    other warehouses pull from it), else ``qty``; never floored, as the
    plan's revenue is its consensus."""
    demand = inputs.demand
    column = "sales" if "sales" in demand.columns else "qty"
    frame = pd.DataFrame(
        {
            "item_id": demand["item_id"].to_numpy(),
            "period": pd.to_datetime(demand["period"]).astype("datetime64[ns]"),
            "qty": pd.to_numeric(demand[column], errors="coerce").fillna(0.0),
        }
    )
    wide = frame.pivot_table(
        index="item_id", columns="period", values="qty", aggfunc="sum"
    )
    return (
        wide.reindex(index=pd.Index(item_ids), columns=periods)
        .fillna(0.0)
        .to_numpy(float)
    )


def _calendar(periods, freq):
    """Return the number of days of each period."""
    return np.asarray(((periods + PERIOD_OFFSET[freq]) - periods).days, dtype=int)


def _chunks(n_items, chunk_items):
    """Slices of at most ``chunk_items`` items."""
    return [
        slice(first, min(first + chunk_items, n_items))
        for first in range(0, n_items, chunk_items)
    ]


def _draw_paths(qty, sigma, days, n_paths, rng):
    """Daily gamma draws (rows item x path) with each period's mean and variance."""
    mean = np.repeat(qty / days, days, axis=1)
    std = np.repeat(sigma / np.sqrt(days), days, axis=1)
    random = (mean > 0) & (std > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(random, (mean / std) ** 2, 1.0)
        scale = np.where(random, std**2 / mean, 0.0)
    draws = rng.standard_gamma(np.repeat(shape, n_paths, axis=0))
    return np.where(
        np.repeat(random, n_paths, axis=0),
        draws * np.repeat(scale, n_paths, axis=0),
        np.repeat(mean, n_paths, axis=0),
    )


def _generator(seed, rows):
    """The random generator of the chunk of items ``rows``."""
    return np.random.default_rng([seed, rows.start])


def daily_demand(inputs, n_paths=10, seed=0, chunk_items=CHUNK_ITEMS):
    """Draw ``n_paths`` daily demand paths per item of the base ``inputs``.

    The paths ``evaluate_plan`` simulates: chunks of ``chunk_items`` items,
    each from a generator seeded with ``(seed, first item of the chunk)``.
    """
    if n_paths < 1:
        raise EngineInputError(f"n_paths must be at least 1 (got {n_paths!r})")
    _, periods, qty, sigma = demand_matrices(inputs)
    days = _calendar(periods, inputs.freq)
    paths = [
        _draw_paths(qty[rows], sigma[rows], days, n_paths, _generator(seed, rows))
        for rows in _chunks(len(qty), chunk_items)
    ]
    period_of_day = np.repeat(np.arange(len(periods)), days)
    return DailyDemand(np.concatenate(paths), period_of_day, periods, n_paths)


def _item_column(items, column, default, signed=False):
    """Return ``items[column]`` as floats, ``default`` where empty.

    A value that is not a number, or is negative (infinite if ``signed``),
    raises naming its item.
    """
    if column not in items.columns:
        return np.full(len(items), float(default))
    values = pd.to_numeric(items[column], errors="coerce").to_numpy(float)
    out = np.isinf(values) if signed else values < 0
    bad = (np.isnan(values) & items[column].notna().to_numpy()) | out
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kind = "finite number" if signed else "number >= 0"
        raise EngineInputError(
            f"item {items['item_id'].iloc[first]}: column '{column}' must be a "
            f"{kind} (got {shown(items[column].iloc[first])})"
        )
    return np.where(np.isnan(values), default, values)


def demand_factor(items, scenario):
    """Return each item's demand factor under ``scenario``."""
    pct = np.full(len(items), float(scenario.demand_pct))
    if scenario.category_demand_pct:
        category = items.get("category", pd.Series("", index=items.index))
        category = category.fillna("").astype(str)
        by_category = category.map(
            {str(key): value for key, value in scenario.category_demand_pct.items()}
        )
        pct = np.where(by_category.isna(), pct, by_category.to_numpy(float))
    return np.maximum(1.0 + pct / 100.0, 0.0)


def scenario_items(items, scenario):
    """Return the items with the scenario's lead time, MOQ, service level, price."""
    unit_cost = _item_column(items, "unit_cost", 0.0)
    unit_price = _item_column(items, "unit_price", np.nan)
    unit_price = np.where(np.isnan(unit_price), unit_cost, unit_price)
    overlay = {
        # vendors faster than their lead time deliver at once, not before
        "lead_time_days": np.maximum(
            _item_column(items, "lead_time_days", np.nan) + scenario.lead_time_days,
            0.0,
        ),
        "moq": _item_column(items, "moq", 0.0) * (1.0 + scenario.moq_pct / 100.0),
        "unit_price": unit_price * (1.0 + scenario.price_pct / 100.0),
    }
    if scenario.service_level is not None:
        overlay["service_level"] = float(scenario.service_level)
    return items.assign(**overlay)


def _capacity(items, scenario, reference):
    """Return the most units each item may receive per period."""
    capacity = _item_column(items, "capacity", np.inf)
    if scenario.capacity_pct is None:
        return capacity
    base = np.where(np.isfinite(capacity), capacity, reference)
    return np.maximum(base * (1.0 + scenario.capacity_pct / 100.0), 0.0)


def cap_receipts(received, capacity, period_starts):
    """Defer receipts above each period's ``capacity`` to the next period.

    ``received``: rows x days; ``period_starts``: first day of each period.
    """
    capped = np.empty_like(received)
    waiting = np.zeros(len(received))
    bounds = np.append(period_starts, received.shape[1])
    for first, stop in zip(bounds[:-1], bounds[1:], strict=True):
        wanted = waiting[:, None] + np.cumsum(received[:, first:stop], axis=1)
        delivered = np.minimum(wanted, capacity[:, None])
        capped[:, first:stop] = np.diff(delivered, axis=1, prepend=0.0)
        waiting = wanted[:, -1] - delivered[:, -1]
    return capped


def stock_balance(demand, received, initial_on_hand):
    """Return net stock (on hand - backorders) at the end of each day and
    the demand served from stock at once, under backorders."""
    net = initial_on_hand[:, None] + np.cumsum(received - demand, axis=1)
    served_now = np.clip(net + demand, 0.0, demand)
    return net, served_now


def _long(item_ids, periods, **columns):
    """Return a long ``item_id, period, ...`` table from items x periods."""
    n_items, n_periods = len(item_ids), len(periods)
    frame = {
        "item_id": np.repeat(item_ids, n_periods),
        "period": np.tile(periods.to_numpy(), n_items),
    }
    frame.update({name: values.ravel() for name, values in columns.items()})
    return pd.DataFrame(frame)


def _simulate_paths(items, policy, paths, n_paths, seed):
    """Run the simulator on the paths; return its result and the net stock
    it starts with (below zero: owed to customers)."""

    def rows(values):
        return np.repeat(values, n_paths)

    order_up_to = policy["order_up_to"].to_numpy(float)
    on_hand = _item_column(items, "on_hand", np.nan, signed=True)  # owed < 0
    on_hand = np.where(np.isnan(on_hand), order_up_to, on_hand)
    review = np.maximum(np.round(_item_column(items, "review_days", 0.0)), 1.0)
    result = simulate(
        paths,
        rows(policy["reorder_point"].to_numpy(float)),
        rows(order_up_to),
        policy="RsS" if (review > 1).any() else "sS",
        review=rows(review),
        lead_time=rows(items["lead_time_days"].to_numpy(float)),
        lead_time_std=rows(_item_column(items, "lead_time_std_days", 0.0)),
        initial_on_hand=rows(np.maximum(on_hand, 0.0)),
        initial_backlog=rows(np.maximum(-on_hand, 0.0)),
        unit_cost=rows(_item_column(items, "unit_cost", 0.0)),
        multiple=rows(policy["multiple"].to_numpy(float)),
        seed=seed,
        track=True,
        item_ids=rows(items["item_id"].to_numpy()),
    )
    return result, rows(on_hand)


def _simulate_chunk(items, policy, paths, capacity, period_starts, n_paths, seed):
    """Simulate the paths of some items; return per-item figures.

    Items x periods: ``receipts``, ``projected_on_hand`` and ``backorders``
    (path means at the period's end), ``stockout_risk`` (share of paths with
    a day short in the period); per item, summed over paths: ``demand``,
    ``served_now``, ``open_orders`` (backorders at the end) and
    ``stock_days`` (average daily stock).
    """
    result, start = _simulate_paths(items, policy, paths, n_paths, seed)
    received = result.received
    if np.isfinite(capacity).any():
        received = cap_receipts(received, np.repeat(capacity, n_paths), period_starts)
    net, served_now = stock_balance(paths, received, start)
    short = np.logical_or.reduceat(paths - served_now > 1e-9, period_starts, axis=1)
    ends = np.append(period_starts[1:], net.shape[1]) - 1

    def path_mean(matrix):
        return matrix.reshape(-1, n_paths, matrix.shape[1]).mean(axis=1)

    def path_sum(values):
        return values.reshape(-1, n_paths).sum(axis=1)

    return {
        "receipts": path_mean(np.add.reduceat(received, period_starts, axis=1)),
        "projected_on_hand": path_mean(np.maximum(net[:, ends], 0.0)),
        "backorders": path_mean(np.maximum(-net[:, ends], 0.0)),
        "stockout_risk": path_mean(short.astype(float)),
        "demand": path_sum(paths.sum(axis=1)),
        "served_now": path_sum(served_now.sum(axis=1)),
        # of the plan's own demand: a backlog it started with is served first
        "open_orders": path_sum(
            np.minimum(np.maximum(-net[:, -1], 0.0), paths.sum(axis=1))
        ),
        "stock_days": path_sum(np.maximum(net, 0.0).mean(axis=1)),
    }


def _simulate_items(items, policy, demand, capacity, options):
    """Simulate every item, chunk by chunk; return the per-item figures.

    ``demand``: items x periods ``qty`` and ``sigma`` of the base plan, the
    scenario's demand ``factor`` per item and the ``days`` of each period.
    """
    qty, sigma, factor, days = demand
    n_paths, seed, chunk_items = options
    period_starts = np.concatenate([[0], np.cumsum(days)[:-1]])
    parts = []
    for rows in _chunks(len(items), chunk_items):
        paths = _draw_paths(
            qty[rows], sigma[rows], days, n_paths, _generator(seed, rows)
        )
        paths *= np.repeat(factor[rows], n_paths)[:, None]
        parts.append(
            _simulate_chunk(
                items.iloc[rows],
                policy.iloc[rows],
                paths,
                capacity[rows],
                period_starts,
                n_paths,
                seed + rows.start,
            )
        )
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _totals(items, outcome, financial, n_paths):
    """The sums behind the KPIs: they add up over parts of the items."""
    demand = outcome["demand"]
    with np.errstate(divide="ignore", invalid="ignore"):
        delivered = np.where(demand > 0, 1.0 - outcome["open_orders"] / demand, 1.0)
    delivered = np.repeat(delivered, outcome["receipts"].shape[1])
    unit_cost = _item_column(items, "unit_cost", 0.0)
    return {
        "served": float(outcome["served_now"].sum()),
        "demand": float(demand.sum()),
        "short_item_periods": float(outcome["stockout_risk"].sum()),
        "item_periods": float(outcome["stockout_risk"].size),
        "avg_stock_value": float((outcome["stock_days"] * unit_cost).sum() / n_paths),
        "revenue": float((financial["revenue"] * delivered).sum()),
        "cost_of_goods": float((financial["cost_of_goods"] * delivered).sum()),
    }


def kpis_from_totals(name, totals):
    """The KPIs of scenario ``name`` from the (summed) ``totals`` of its items."""
    demand, periods = totals["demand"], totals["item_periods"]
    return {
        "scenario": name,
        "fill_rate": totals["served"] / demand if demand > 0 else float("nan"),
        "stockout_risk": totals["short_item_periods"] / periods
        if periods
        else float("nan"),
        "avg_stock_value": totals["avg_stock_value"],
        "revenue": totals["revenue"],
        "cost_of_goods": totals["cost_of_goods"],
        "margin": totals["revenue"] - totals["cost_of_goods"],
    }


def _planned_policy(inputs, items, factor):
    """``planned_policy`` of the overlaid ``items``: the plan's demand and the
    history, both x each item's demand ``factor``."""
    scale = pd.Series(factor, index=items["item_id"].to_numpy())
    demand = inputs.demand
    by_row = demand["item_id"].map(scale).fillna(1.0).to_numpy()
    columns = {
        "item_id": demand["item_id"].to_numpy(),
        "period": pd.to_datetime(demand["period"]).to_numpy(),
        "forecast": pd.to_numeric(demand["qty"]).to_numpy(float) * by_row,
        "sigma": by_row * 0.0,
    }
    if "sigma" in demand.columns:
        columns["sigma"] = pd.to_numeric(demand["sigma"]).to_numpy(float) * by_row
    if "sigma_cum" in demand.columns:
        columns["sigma_cum"] = pd.to_numeric(demand["sigma_cum"]).to_numpy() * by_row
    history = inputs.history
    history = history.assign(
        qty=pd.to_numeric(history["qty"]) * history["item_id"].map(scale).fillna(1.0)
    )
    return planned_policy(items, pd.DataFrame(columns), history, freq=inputs.freq)


def scenario_policy(inputs, scenario=BASE):
    """The policy ``evaluate_plan`` plans for ``scenario`` on ``inputs``.

    With a ``history``, ``planned_policy`` (step 1 of the scoring), else
    ``compute_policy`` on the forecast's law; rounded where items give a
    ``rounding``. Planned once for a whole plan, it can be given to the
    ``evaluate_plan`` of each part of the items (``policy``), so that the
    items of one pattern share their fill-rate target across the plan.
    """
    items = scenario_items(inputs.items, scenario)
    factor = demand_factor(items, scenario)
    if inputs.history is None:  # the forecast's law
        item_ids, periods, qty, sigma = demand_matrices(inputs)
        demand = _long(
            item_ids,
            periods,
            forecast=qty * factor[:, None],
            sigma=sigma * factor[:, None],
        )
        policy = compute_policy(items, demand, freq=inputs.freq)
    else:
        policy = _planned_policy(inputs, items, factor)
    if "rounding" in items.columns:  # whole units, packs: as approved
        policy = round_policy(policy, items)
    return policy


def _policy_rows(policy, item_ids):
    """The rows of ``policy`` (planned beforehand) of ``item_ids``, in order."""
    missing = ~pd.Index(item_ids).isin(policy["item_id"])
    if missing.any():
        raise EngineInputError(
            f"item {item_ids[np.flatnonzero(missing)[0]]}: no row in the policy given"
        )
    return policy.set_index("item_id").loc[item_ids].reset_index()


def evaluate_plan(
    inputs,
    scenario=BASE,
    *,
    n_paths=10,
    seed=0,
    base=None,
    chunk_items=CHUNK_ITEMS,
    policy=None,
):
    """Score ``scenario`` on ``inputs``; return a ``PlanEvaluation``.

    ``base``, the base plan's evaluation (computed when needed and not
    given), gives the policy kept when the scenario does not replan and the
    capacity reference. ``policy``: the scenario's ``scenario_policy``
    planned beforehand, e.g. on the whole plan whose items are scored here
    in parts (its rows of these items are used); else it is planned here.
    Items are simulated in chunks of ``chunk_items``
    (memory), with the paths of ``daily_demand``; the chunk starting at item
    ``k`` draws lead times with seed ``seed + k``.
    """
    if n_paths < 1:
        raise EngineInputError(f"n_paths must be at least 1 (got {n_paths!r})")
    item_ids, periods, qty, sigma = demand_matrices(inputs)
    options = (n_paths, seed, chunk_items)
    needs_base = scenario.capacity_pct is not None or not scenario.replan_policy
    if base is None and needs_base:
        base = evaluate_plan(
            inputs, n_paths=n_paths, seed=seed, chunk_items=chunk_items
        )
    items = scenario_items(inputs.items, scenario)
    factor = demand_factor(items, scenario)
    plan_qty = qty * factor[:, None]
    if not scenario.replan_policy and base is not None:
        policy = base.policy
    elif policy is not None:
        policy = _policy_rows(policy, item_ids)
    else:
        policy = scenario_policy(inputs, scenario)
    reference = None
    if base is not None:
        receipts = base.supply.groupby("item_id", sort=False)["receipts"].max()
        reference = receipts.reindex(item_ids).to_numpy(float)
    capacity = _capacity(items, scenario, reference)
    demand = (qty, sigma, factor, _calendar(periods, inputs.freq))
    outcome = _simulate_items(items, policy, demand, capacity, options)
    supply = _long(
        item_ids,
        periods,
        demand=plan_qty,
        sales=sales_matrix(inputs, item_ids, periods) * factor[:, None],
        **{
            key: outcome[key]
            for key in ("receipts", "projected_on_hand", "backorders", "stockout_risk")
        },
    )
    prices = items[["item_id", "unit_price", "unit_cost"]]
    # money on the sales, served as the simulated demand is
    financial = financial_plan(
        supply.drop(columns="demand").rename(columns={"sales": "qty"}), prices
    )
    receipts = supply[["item_id", "period", "receipts"]]
    # transfers from another warehouse (``purchased`` False) cost no cash
    bought = _item_column(items, "purchased", 1.0) > 0
    spend = purchase_spend(
        receipts.rename(columns={"receipts": "qty"}),
        prices.assign(unit_cost=prices["unit_cost"].where(bought, 0.0)),
    )
    totals = _totals(items, outcome, financial, n_paths)
    spend_per_period = spend.groupby("period")["purchase_spend"].sum()
    totals["purchase_spend"] = float(spend_per_period.sum())
    figures = kpis_from_totals(scenario.name, totals)
    figures["purchase_spend"] = totals["purchase_spend"]
    kpis = {column: figures[column] for column in KPI_COLUMNS}
    for period, value in spend_per_period.items():
        kpis[f"{SPEND_PREFIX}{period:%Y-%m-%d}"] = float(value)
    return PlanEvaluation(kpis, policy, supply, financial, spend, totals)


def score_scenarios(
    base_inputs, scenarios, *, n_paths=10, seed=0, base=None, chunk_items=CHUNK_ITEMS
):
    """Return one row of KPIs per scenario, the base plan first.

    ``base``: the base plan's ``evaluate_plan`` result when already computed
    (with the same ``n_paths``, ``seed`` and ``chunk_items``).
    """
    options = {"n_paths": n_paths, "seed": seed, "chunk_items": chunk_items}
    if base is None:
        base = evaluate_plan(base_inputs, BASE, **options)
    rows = [base.kpis]
    for scenario in scenarios:
        rows.append(evaluate_plan(base_inputs, scenario, base=base, **options).kpis)
    return pd.DataFrame(rows)


def scenario_spend(scores):
    """Return ``scenario, period, purchase_spend`` rows of ``score_scenarios``."""
    columns = [col for col in scores.columns if col.startswith(SPEND_PREFIX)]
    long = scores.melt(id_vars="scenario", value_vars=columns, value_name="amount")
    long["period"] = pd.to_datetime(long["variable"].str[len(SPEND_PREFIX) :])
    long = long.rename(columns={"amount": "purchase_spend"})
    return long[["scenario", "period", "purchase_spend"]]
