"""A policy replayed on the item's own past, and aims calibrated on it.

Public API:

- ``policy_backtest(items, history, *, freq=None, period_days=None,
  replay_periods=12, origins=1, **options)``: per item, the fill rate and
  the average stock (units and value) its policy would have given over its
  own last ``replay_periods`` ("over the last 12 months this policy would
  have given X % fill with Y average stock");
- ``calibrate_pattern_aims(items, history, *, ...)``: per demand pattern,
  the service level to aim at so that the backtest reaches each item's
  target, and the gap between the law's promise and the backtest;
- ``planned_policy(items, demand, history, *, freq=None, period_days=None,
  calibrate=False, ...)``: the policy the CLI's ``policy`` command and the
  add-on compute: the forecast floored at the recent demand rate
  (``policy_demand.stock_demand``), the lead-time demand law resampled from
  the item's history (``policy_law``; intermittent and lumpy items at the
  level of their own last two years, not the floored forecast), and with
  ``calibrate`` the aims of ``calibrate_pattern_aims``.

No look-ahead: a backtest origin t plans from the history before t only
(its demand level, the recent demand rate before t, stands for the
forecast; the law and the lot come from the periods before t), then
replays the real demand of the ``replay_periods`` from t in the
lost-sales simulator, starting on hand at
the order-up-to level with nothing on order. With ``origins`` > 1 the
origins step back ``replay_periods`` at a time and the figures add up.
Rules reviewed every day with a lead time under one period are replayed
day by day, each period's sales falling on random days of it, as the law
simulates them (``policy_law.short_window``).
"""

import dataclasses
import warnings

import numpy as np
import pandas as pd

from .errors import EngineInputError
from .policy import (
    LAW_DEFAULTS,
    check_item_ids,
    compute_policy,
    period_length_days,
)
from .policy_demand import recent_demand_rate, stock_demand
from .policy_law import (
    history_matrix,
    planning_matrix,
    review_periods,
    sale_size,
    short_window,
    whole_periods,
)
from .service_level import service_level_for
from .simulate import simulate

PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
DAYS_PER_YEAR = 365.0
# the resampled law of these patterns keeps their own history's level, not
# the forecast floored at the recent rate (see ``planned_policy``)
HISTORY_LEVEL_PATTERNS = ("intermittent", "lumpy")
# patterns whose recent-rate floor leaves each span's largest period out: a
# smooth item's one month above the rest is an order or an error, not its
# level (chosen on the choose half, see README)
STEADY_FLOOR_PATTERNS = ("smooth",)


def _planned_law(options):
    """Return ``options`` with the law settings of a planned policy as defaults."""
    law = {"history_level_patterns": HISTORY_LEVEL_PATTERNS}
    return {**options, "law_options": {**law, **(options.get("law_options") or {})}}


def _flat_demand(matrix, item_ids, periods, season):
    """Return long forecast rows: each item's recent demand rate, flat.

    The rate is the one ``planned_policy`` floors the forecast at (the
    larger of the last season's and half-season's means); sigma is the
    standard deviation of the last season.
    """
    level = recent_demand_rate(matrix, season)
    with warnings.catch_warnings():  # items without a known period: sigma 0
        warnings.simplefilter("ignore", RuntimeWarning)
        sigma = np.nan_to_num(np.nanstd(matrix[:, -season:], axis=1))
    count = len(periods)
    return pd.DataFrame(
        {
            "item_id": np.repeat(item_ids, count),
            "period": np.tile(np.asarray(periods), len(item_ids)),
            "forecast": np.repeat(level, count),
            "sigma": np.repeat(sigma, count),
        }
    )


def _replay_origins(items, history, replay_periods, origins):
    """Yield (fit history, replay matrix, replay periods) of every origin."""
    item_ids = items["item_id"].to_numpy()
    matrix = history_matrix(history, item_ids)
    periods = np.sort(pd.to_datetime(history["period"]).unique())
    needed = replay_periods * origins
    if len(periods) <= needed:
        raise EngineInputError(
            f"history: {len(periods)} periods, more than {needed} needed for "
            f"{origins} origin(s) of {replay_periods} periods"
        )
    dated = pd.to_datetime(history["period"]).to_numpy()
    for back in range(origins, 0, -1):
        start = len(periods) - back * replay_periods
        window = periods[start : start + replay_periods]
        fit = history[dated < periods[start]]
        replay = np.nan_to_num(matrix[:, start : start + replay_periods])
        yield fit, matrix[:, :start], replay, window


def _check_plan_periods(history, days):
    """Raise unless ``history`` is in periods of ``days``: daily rows for a
    monthly plan would be resampled as months (``history.bucket_history``
    sums them first)."""
    periods = pd.to_datetime(pd.Series(pd.unique(history["period"]))).dropna()
    if len(periods) < 2:
        return
    fitting = (periods.max() - periods.min()).days / days + 1
    if len(periods) > 1.05 * fitting + 1:
        raise EngineInputError(
            f"history has {len(periods)} periods where periods of {days:g} "
            f"days fit {fitting:.0f}: sum it into the plan's periods first"
        )


def policy_backtest(
    items,
    history,
    *,
    freq=None,
    period_days=None,
    replay_periods=12,
    origins=1,
    **options,
):
    """Return per item the backtest of its policy on its own last periods.

    ``items``: a ``compute_policy`` item table; ``history``: long ``item_id,
    period, qty``; ``options`` go to ``compute_policy`` (``law_options``,
    ``max_cover_days`` ...). Columns: ``item_id, backtest_demand,
    backtest_served, backtest_fill_rate`` (NaN without demand),
    ``backtest_avg_stock, backtest_avg_stock_value, backtest_promised``
    (the policy's own expected fill rate at the origin),
    ``backtest_reorder_point, backtest_order_up_to`` (the plan of the last
    origin).
    """
    days = period_length_days(history["period"], period_days=period_days, freq=freq)
    _check_plan_periods(history, days)
    options = _planned_law(options)
    item_ids = items["item_id"].to_numpy()
    totals = {
        name: np.zeros(len(items))
        for name in ("demand", "served", "stock", "value", "promised")
    }
    season = whole_periods(DAYS_PER_YEAR, days)
    window = _law_window(options, days)
    for fit, known, replay, dates in _replay_origins(
        items, history, replay_periods, origins
    ):
        flat = _flat_demand(known, item_ids, dates, season)
        policy = compute_policy(items, flat, period_days=days, history=fit, **options)
        result = _replay(
            items,
            replay,
            policy["reorder_point"].to_numpy(),
            policy["order_up_to"].to_numpy(),
            days,
            sale_size(known, window),
        )
        totals["demand"] += result.demand
        totals["served"] += result.served
        totals["stock"] += result.avg_on_hand / origins
        totals["value"] += result.avg_value / origins
        totals["promised"] += result.demand * policy["expected_fill_rate"].to_numpy()
        plan = policy[["reorder_point", "order_up_to"]].to_numpy()
    demand = totals["demand"]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(demand > 0, totals["served"] / demand, np.nan)
        promised = np.where(demand > 0, totals["promised"] / demand, np.nan)
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "backtest_demand": demand,
            "backtest_served": totals["served"],
            "backtest_fill_rate": fill,
            "backtest_avg_stock": totals["stock"],
            "backtest_avg_stock_value": totals["value"],
            "backtest_promised": promised,
            "backtest_reorder_point": plan[:, 0],
            "backtest_order_up_to": plan[:, 1],
        }
    )


def _law_window(options, days):
    """Return the law's window of history in periods (``window_days``)."""
    law = {**LAW_DEFAULTS, **(options.get("law_options") or {})}
    return whole_periods(law["window_days"], days)


def _replay(items, replay, reorder_point, order_up_to, days, size):
    """Replay (s, S) levels on the ``replay`` matrix: review, lost sales.

    Lead time and review go through ``policy_law.review_periods``, as in
    the law the levels were set on: ``simulate`` delivers an order placed
    in period t at t + round(lead) + 1, like ``simulate_levels``, so a rule
    reviewed more often than every half period (``review_days`` 0 or
    missing: daily; a vendor ordered from every two weeks) is replayed with
    review 1 and lead max(lead + review - 1, 0) periods: protection
    max(lead + review, 1 period), the law's. A rule the law protects over a
    lead time + review under one period (``policy_law.short_window``: a
    2-day transfer, a 12-day vendor) is replayed day by day instead
    (``_daily_replay``, checked on the vendor's order cycle), or its whole
    month's sales would have to come from the stock on hand at the month's
    start (for those items ``stockout_periods`` and ``orders`` count days).
    ``size``: per item, the size of one sale. A lead time that varies
    (``lead_time_std_days``) is drawn per order, as the law draws it
    (seeded: the same replay every time).
    """
    daily = pd.Series(0.0, index=items.index)
    review = pd.to_numeric(items.get("review_days", daily), errors="coerce")
    review = np.nan_to_num(np.asarray(review, dtype=float)) / days
    lead = items["lead_time_days"].to_numpy(float) / days
    spread = pd.to_numeric(items.get("lead_time_std_days", daily), errors="coerce")
    spread = np.nan_to_num(np.asarray(spread, dtype=float)) / days
    low = np.maximum(np.nan_to_num(np.asarray(reorder_point, dtype=float)), 0.0)
    high = np.maximum(np.nan_to_num(np.asarray(order_up_to, dtype=float)), 0.0)
    cost = items["unit_cost"].to_numpy(float)
    short = short_window(lead, review) < 1.0
    parts = {}
    if (~short).any() or not short.any():  # no item at all: an empty result
        periods_lead, every = review_periods(lead[~short], review[~short])
        parts["monthly"] = simulate(
            replay[~short],
            low[~short],
            high[~short],
            review=every,
            policy="RsS",
            lead_time=periods_lead,
            lead_time_std=spread[~short],
            lost_sales=True,
            unit_cost=cost[~short],
        )
    if short.any():
        parts["daily"] = _daily_replay(
            replay[short],
            low[short],
            high[short],
            lead[short] * days,
            days,
            size[short],
            cost[short],
            spread_days=spread[short] * days,
            review_days=review[short] * days,
        )
    return _merged(parts, short)


def _merged(parts, short):
    """One per-item result of the ``monthly`` (rows not ``short``) and
    ``daily`` (rows ``short``) simulation results."""
    rows = {"monthly": ~short, "daily": short}
    first = next(iter(parts.values()))
    merged = {}
    for field in dataclasses.fields(first):
        if getattr(first, field.name) is None:
            merged[field.name] = None
            continue
        values = np.empty(len(short), dtype=getattr(first, field.name).dtype)
        for name, part in parts.items():
            values[rows[name]] = getattr(part, field.name)
        merged[field.name] = values
    return type(first)(**merged)


def _daily_replay(
    replay,
    low,
    high,
    lead_days,
    days,
    size,
    cost,
    *,
    spread_days=0.0,
    review_days=0.0,
    seed=0,
):
    """Replay ``replay`` (items x periods) day by day.

    Each period's sales, in sales of ``size`` units (the law's
    ``sale_size``), fall on days drawn at random in the period (seeded); the
    levels ``low`` / ``high`` (per item) are checked every ``review_days``
    (the vendor's order cycle; 0: every day, ``review_periods``). An order
    placed at the end of a day arrives ``lead_days`` later, give or take
    ``spread_days`` (drawn per order).
    """
    steps = max(int(round(days)), 1)
    rng = np.random.default_rng(seed)
    lump = np.where(np.isfinite(size) & (size > 0), size, 1.0)
    shares = np.full(steps, 1.0 / steps)
    daily = np.empty((len(replay), replay.shape[1] * steps))
    rows = np.arange(len(replay))
    for period in range(replay.shape[1]):  # a period at a time: memory
        qty = replay[:, period]
        whole = np.floor(qty / lump)
        days_of = daily[:, period * steps : (period + 1) * steps]
        days_of[:] = rng.multinomial(whole.astype(np.int64), shares) * lump[:, None]
        days_of[rows, rng.integers(0, steps, len(replay))] += qty - whole * lump
    review = np.broadcast_to(np.asarray(review_days, dtype=float), len(replay))
    lead, every = review_periods(lead_days * steps / days, review * steps / days)
    return simulate(
        daily,
        low,
        high,
        review=every,
        policy="RsS",
        lead_time=lead,
        lead_time_std=spread_days * steps / days,
        lost_sales=True,
        unit_cost=cost,
    )


def rule_backtest(
    items,
    history,
    min_qty,
    max_qty,
    *,
    freq=None,
    period_days=None,
    replay_periods=12,
):
    """Return per item the replay of given rules on its last ``replay_periods``.

    ``min_qty`` / ``max_qty``: one reorder point and order-up-to level per
    row of ``items`` (``item_id, lead_time_days, unit_cost`` and optional
    ``review_days``), e.g. the reordering rules a company had before a plan.
    Same months, simulator and start (on hand at the max) as
    ``policy_backtest``. Columns: ``item_id, backtest_demand,
    backtest_served, backtest_fill_rate`` (NaN without demand),
    ``backtest_avg_stock, backtest_avg_stock_value``.
    """
    days = period_length_days(history["period"], period_days=period_days, freq=freq)
    items = items.reset_index(drop=True)
    _fit, known, replay, _dates = next(
        _replay_origins(items, history, replay_periods, 1)
    )
    low = np.asarray(min_qty, dtype=float)
    size = sale_size(known, _law_window({}, days))
    result = _replay(items, replay, low, np.fmax(max_qty, low), days, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(result.demand > 0, result.served / result.demand, np.nan)
    return pd.DataFrame(
        {
            "item_id": items["item_id"].to_numpy(),
            "backtest_demand": result.demand,
            "backtest_served": result.served,
            "backtest_fill_rate": fill,
            "backtest_avg_stock": result.avg_on_hand,
            "backtest_avg_stock_value": result.avg_value,
        }
    )


def _group_rate(frame, groups, numerator, denominator="backtest_demand"):
    """Return per group the ratio of two summed columns (NaN when empty)."""
    sums = frame.groupby(groups)[[numerator, denominator]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return sums[numerator] / sums[denominator].where(sums[denominator] > 0)


def calibrate_pattern_aims(
    items,
    history,
    *,
    freq=None,
    period_days=None,
    replay_periods=12,
    origins=2,
    steps=7,
    bounds=(0.5, 0.9995),
    **options,
):
    """Return per pattern (aim offset, promise gap) from the items' own backtest.

    Items are grouped by ``pattern`` (smooth / erratic / intermittent /
    lumpy; others form one group). For each group the offset ``a`` added to
    every item's ``service_level`` is bisected (``steps`` times, all groups
    at once, within ``bounds``) until the backtest fill rate of the group
    reaches the group's demand-weighted target. Returns a DataFrame indexed
    by group: ``offset``, ``target``, ``reached`` (backtest at the offset),
    ``promised`` (the law's expected fill at that aim, demand-weighted) and
    ``items``. Offsets are 0 for a group without backtest demand.
    """
    items = items.reset_index(drop=True)
    group = _groups(items)
    level = pd.to_numeric(items["service_level"], errors="coerce").to_numpy(float)
    names = pd.Index(sorted(set(group)))

    def assess(offset):
        aim = np.clip(level + offset.reindex(group).to_numpy(), *bounds)
        frame = policy_backtest(
            items.assign(service_level=aim),
            history,
            freq=freq,
            period_days=period_days,
            replay_periods=replay_periods,
            origins=origins,
            **options,
        )
        frame["group"] = group
        frame["wanted"] = frame["backtest_demand"] * level
        frame["promised_demand"] = (
            frame["backtest_promised"].fillna(0.0) * frame["backtest_demand"]
        )
        counted = frame["backtest_demand"] > 0
        return pd.DataFrame(
            {
                "target": _group_rate(frame, "group", "wanted"),
                "reached": _group_rate(frame, "group", "backtest_served"),
                "promised": _group_rate(frame, "group", "promised_demand"),
                "items": counted.groupby(frame["group"]).sum(),
            }
        ).reindex(names)

    low = pd.Series(bounds[0] - level.max(initial=bounds[0]), index=names)
    low = np.maximum(low, -0.1)
    high = pd.Series(bounds[1] - level.min(initial=bounds[1]), index=names)
    empty = pd.Series(False, index=names)
    for _ in range(steps):
        middle = 0.5 * (low + high)
        outcome = assess(middle)
        empty = outcome["reached"].isna()
        reached = (outcome["reached"] >= outcome["target"]) | empty
        high = high.where(~reached, middle)
        low = low.where(reached, middle)
    high = high.where(~empty, 0.0)
    result = assess(high)
    result.insert(0, "offset", high)
    return result


def _service_levels(items, service_matrix=None):
    """Return each item's target: its ``service_level``, else from ABC x XYZ."""
    default = service_level_for(
        items.get("abc", pd.Series(None, index=items.index)),
        items.get("xyz", pd.Series(None, index=items.index)),
        service_matrix,
    )
    if "service_level" not in items.columns:
        return default
    level = pd.to_numeric(items["service_level"], errors="coerce").to_numpy(float)
    return np.where(np.isnan(level), default, level)


def planned_floor(items, history, period_days):
    """Per item the recent demand rate ``planned_policy`` floors its forecast
    at (``policy_demand.recent_demand_rate`` over a season of
    ``period_days`` periods, each span's largest period left out for items
    of the ``STEADY_FLOOR_PATTERNS`` and for items with a gross outlier in
    the season: that month was a typo or a one-off order, whatever the
    pattern); items a planner set (``plan_adjusted``) are left out: their
    plan is taken as it is. A Series by ``item_id``."""
    item_ids = items["item_id"].to_numpy()
    season = whole_periods(DAYS_PER_YEAR, period_days)
    pattern = items.get("pattern", pd.Series("", index=items.index))
    steady = pattern.astype(str).str.lower().isin(STEADY_FLOOR_PATTERNS).to_numpy()
    matrix, capped_at = planning_matrix(history, item_ids)
    recent = np.nan_to_num(matrix[:, -season:], nan=-np.inf)
    outlier = np.max(recent, axis=1, initial=-np.inf) >= capped_at  # NaN: False
    rate = pd.Series(
        recent_demand_rate(matrix, season, without_largest=steady | outlier),
        index=item_ids,
    )
    if "plan_adjusted" in items.columns:
        rate = rate[~items["plan_adjusted"].fillna(False).to_numpy(bool)]
    return rate


def planned_policy(
    items,
    demand,
    history,
    *,
    freq=None,
    period_days=None,
    calibrate=False,
    backtest=False,
    replay_periods=12,
    origins=2,
    **options,
):
    """Return the policy of every item planned from its forecast and history.

    The forecast is floored at the item's recent demand rate
    (``planned_floor``, a season of periods) unless a planner set it
    (``plan_adjusted``), the lead-time demand law is
    resampled from ``history`` (``policy_law``): for intermittent and lumpy
    items (``HISTORY_LEVEL_PATTERNS``, ``law_options`` may override) at the
    level of their own window, not the floored forecast, since the larger
    of two noisy means overstates a slow item's rate and the law's level
    spread already carries that rate's uncertainty (chosen on the
    ``choose`` half of ``bench/bench_policy_calibration.py``: the promise
    kept with far less stock). With ``calibrate`` each
    pattern's aim is raised or lowered by its ``calibrate_pattern_aims``
    offset (``replay_periods`` x ``origins`` of the item's own past) and the
    ``expected_fill_rate`` is the law's minus the gap the backtest showed
    between the law's promise and the replay, so that it is the fill rate
    the past says the policy gives. Columns: those of ``compute_policy``
    plus ``target`` (the item's own service level; ``service_level`` is
    then the aim), ``recent_rate`` (the floor, ``planned_floor``; NaN where
    a planner set the plan) and, with ``backtest``, the ``policy_backtest`` columns
    of the last ``replay_periods``. ``options`` go to ``compute_policy``.
    """
    days = period_length_days(demand["period"], period_days=period_days, freq=freq)
    _check_plan_periods(history, days)
    options = _planned_law(options)
    items = items.reset_index(drop=True)
    check_item_ids(items)
    floor = planned_floor(items, history, days)
    demand = stock_demand(demand, floor)
    target = _service_levels(items, options.get("service_matrix"))
    items = items.assign(service_level=target)
    group = _groups(items)
    gap = np.zeros(len(items))
    common = {"period_days": days, "replay_periods": replay_periods, **options}
    if calibrate:
        aims = calibrate_pattern_aims(items, history, origins=origins, **common)
        offset = aims["offset"].reindex(group).fillna(0.0).to_numpy()
        items = items.assign(service_level=np.clip(target + offset, 0.5, 0.9995))
        difference = (aims["promised"] - aims["reached"]).fillna(0.0)
        gap = difference.reindex(group).fillna(0.0).to_numpy()
    policy = compute_policy(items, demand, period_days=days, history=history, **options)
    policy["expected_fill_rate"] = np.clip(
        policy["expected_fill_rate"].to_numpy() - gap, 0.0, 1.0
    )
    policy.insert(policy.columns.get_loc("service_level"), "target", target)
    policy["recent_rate"] = policy["item_id"].map(floor)
    if backtest:
        replayed = policy_backtest(items, history, **common)
        policy = policy.merge(replayed, on="item_id", how="left")
    return policy


def _groups(items):
    """Return the calibration group of every item: its pattern, else "other"."""
    pattern = items.get("pattern", pd.Series(None, index=items.index))
    pattern = pattern.astype(str).str.lower().to_numpy()
    return np.where(np.isin(pattern, PATTERNS), pattern, "other")
