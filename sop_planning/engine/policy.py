"""Inventory policy: safety stock, reorder point, order-up-to level, lot size.

Public API: ``compute_policy(items, demand, *, period_days=None, freq=None,
service_matrix=None, max_cover_days=365, discrete_below=10, history=None,
law_options=None)``,
``reorder_point_at(policy, level)``, ``expected_fill_rate(policy)``,
``expected_stock(policy)``, ``period_length_days(periods, *,
period_days=None, freq=None)`` and ``check_item_ids(items)``.

``items``: one row per item (or item-location), columns

- ``item_id`` and ``unit_cost`` (required, cost >= 0 per unit),
- ``lead_time_days`` (required, >= 0) and ``lead_time_std_days`` (default 0),
- ``review_days`` (default 0: continuous review),
- ``service_level`` (0 < p < 1; default: from ``abc`` x ``xyz`` through
  ``service_matrix``, itself defaulting to ``DEFAULT_SERVICE_MATRIX``),
- ``service_type``: ``"cycle"`` (probability of no stockout per cycle,
  default) or ``"fill_rate"`` (share of demand served from stock),
- ``order_cost`` per order (default ``DEFAULT_ORDER_COST`` = 50 in the
  currency of ``unit_cost``, the module's default; 0 orders lot-for-lot,
  i.e. every review), ``holding_rate`` per year as a share of unit cost
  (default 0.25), ``moq`` (default 0), ``multiple`` (default 1),
- ``abc``, ``xyz``, ``pattern`` (optional classes from the forecast engine),
- ``plan_adjusted`` (default False): the demand was set by a planner, not
  only forecast; a resampled law then always takes the forecast's level,
- ``stream_key`` (default, and where empty, ``item_id``): what names the
  item's own random stream in a resampled law (``item_random``; items of
  one key draw alike): the add-on gives product and warehouse, so a
  product keeps its draws from one plan to the next.

``demand``: long ``item_id, period, forecast, sigma`` per future period (the
forecast engine's output), ``sigma`` being the standard deviation of the
forecast error of one period; optional ``sigma_cum``, the standard deviation
of the error of the forecast summed from the first period to this one (the
engine's ``sigma_cum``). The period length comes from ``period_days``,
else from ``freq`` (``D``, ``W``, ``M``), else from the spacing of periods.

Method, per item, over the protection window ``W = lead time + review``:

- lead-time demand ``LTD`` = forecast summed over the first ``W`` days (the
  real seasonal forecasts, a partial last period pro rata, the last period
  repeated past the horizon); its variance is the sum of period variances,
  or with ``sigma_cum`` its square at ``W`` (interpolated between periods,
  growing in proportion to ``W`` past the horizon: level errors add up), so
  per day ``d = LTD / W`` and ``sigma_d = sqrt(var / W)``;
- ``normal``: ``SS = z x sqrt(W x sigma_d^2 + d^2 x sigma_L^2)``, ``z`` the
  normal quantile of the cycle service level;
- ``fill_rate_loss``: same, with ``z`` solving ``G(z) = (1 - fill rate) x Q /
  sigma`` (normal loss function, ``Q`` the order quantity), never below 0;
- ``poisson`` / ``negbin`` for slow or intermittent items (pattern
  ``intermittent`` or ``lumpy``, or ``LTD < discrete_below`` units): the
  reorder point is the smallest whole ``s`` reaching the target under a
  Poisson (variance <= mean) or negative binomial law with the same mean and
  variance; ``SS = s - LTD`` (may be negative for lumpy items, whose typical
  lead-time demand is far below the mean);
- ``bootstrap`` when ``history`` (long ``item_id, period, qty``) is given:
  items with at least 12 known periods and demand in the last two years
  take their lead-time demand law from their own history, resampled and
  simulated with the policy over 40 years (``simulated_years``: 480 months,
  2086 weeks; ``policy_law``; ``law_options`` override its settings,
  ``LAW_DEFAULTS``); the reorder point, ``expected_fill_rate``
  and ``expected_stock`` all come from that simulation; fill-rate items
  of one ``pattern`` share their target at least stock value; resampled
  items of the ``fill_rate_patterns`` (erratic, intermittent, lumpy) take
  their service level as a fill rate whatever their ``service_type``
  (output ``service_type`` says so): a cycle quantile of their lead-time
  demand serves far less than the level on slow items (about 86 % for
  95 % on lumpy items reviewed daily) and buys fill far above it with much
  more stock on erratic ones (sales of widely varying size), chosen on the
  ``choose`` half of ``bench/bench_policy_calibration.py``; the resampled
  law is scaled to the forecast's level (for fill-rate targets with a level
  uncertainty of at least ``level_floor``, 7.5 %: a steady item's level
  drifts from year to year, so the allocation does not buy a near-certain
  fill on it, same fill with less stock on the ``choose`` half of
  hospital; ``group_weight``
  "forecast", the default, weighs each item in its group's target by its
  forecast, the demand the target is about, "history" by its resampled
  history; ``price_cap`` (None by default; e.g. 10, on the ``fill_rate_patterns``:
  a group buys no unit of fill whose stock value is over 10 times its
  average per unit served, and promises the fill it then gets; off because
  a pattern of one or few items then falls far short of its target, a lone
  lumpy item planned at 95 % promised 63 %), except for the
  ``history_level_patterns`` (none by default;
  ``policy_calibration.planned_policy``, whose forecast is floored at the
  recent rate, sets intermittent and lumpy): these keep the level of their
  own window; such an item forecast at zero is still
  planned at min = max = 0, but its ``expected_fill_rate`` is 0, not 1,
  when its window sold (at its own level the law sells, and a rule
  holding nothing serves none of it);
- ``reorder_point = LTD + SS``; ``order_qty`` = EOQ ``sqrt(2 x D x order_cost
  / (holding_rate x unit_cost))`` (D the yearly forecast), capped at
  ``max_cover_days`` of demand, raised to the MOQ, rounded up to the
  multiple (an item without a unit cost: a month of demand instead of
  the EOQ); ``order_up_to = reorder_point + order_qty``;
- ``coverage_days`` = average stock ``SS + Q / 2`` in days of demand.

Output: one row per item with ``item_id, demand_per_day, lead_time_demand,
lead_time_sigma`` (standard deviation of the lead-time demand),
``safety_stock, reorder_point, order_up_to, order_qty, coverage_days,
service_level, service_type, method, z, expected_fill_rate,
expected_stock, expected_stock_value, min_qty, max_qty, multiple,
own_level, explanation`` (``own_level``: a resampled law at the history's
own level, not the forecast's; expected figures come from the same lead-time demand law,
for what-if scenarios without simulation); ``min_qty`` / ``max_qty`` /
``multiple`` are the Odoo reordering rule's min, max and quantity multiple,
and ``explanation`` writes each formula with its numbers.
"""

import numpy as np
import pandas as pd
from scipy import special

from .errors import EngineInputError, shown
from .item_random import item_keys
from .policy_law import CONVERGED, bootstrap_policy, planning_matrix, whole_periods
from .service_level import normal_loss, service_level_for, z_for, z_for_fill_rate

# bound of the discrete quantile's search: 2**64 units
MAX_DOUBLINGS = 64
PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375, "MS": 30.4375}
DAYS_PER_YEAR = 365.0
# without a unit cost the EOQ has no holding cost to weigh: a month's lot
NO_COST_LOT_DAYS = 30.4375
DEFAULT_ORDER_COST = 50.0
ITEM_DEFAULTS = {
    "lead_time_std_days": 0.0,
    "review_days": 0.0,
    "service_type": "cycle",
    "order_cost": DEFAULT_ORDER_COST,
    "holding_rate": 0.25,
    "moq": 0.0,
    "multiple": 1.0,
    "abc": None,
    "xyz": None,
    "pattern": None,
    "plan_adjusted": False,
}
REQUIRED_ITEM_COLUMNS = ("item_id", "lead_time_days", "unit_cost")
MAX_LEAD_TIME_DAYS = 3650.0  # ten years: beyond, a typing or unit error
NON_NEGATIVE_COLUMNS = (
    "lead_time_days",
    "lead_time_std_days",
    "review_days",
    "unit_cost",
    "order_cost",
    "holding_rate",
    "moq",
    "multiple",
)
DISCRETE_PATTERNS = ("intermittent", "lumpy")
SERVICE_TYPES = ("cycle", "fill_rate")
# how a reorder point was set (output column ``method``)
METHODS = ("normal", "fill_rate_loss", "poisson", "negbin", "bootstrap", "zero_demand")


def _raise_for(ids, bad, column, what, values):
    """Raise ``EngineInputError`` naming the first bad item and its column."""
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        raise EngineInputError(
            f"item {ids[first]}: column '{column}' {what} (got {shown(values[first])})"
        )


def check_item_ids(items):
    """Raise ``EngineInputError`` naming the first item listed twice."""
    ids = items["item_id"].to_numpy()
    _raise_for(
        ids, items["item_id"].duplicated().to_numpy(), "item_id", "appears twice", ids
    )


def _prepare_items(items, service_matrix):
    """Return ``items`` with defaults filled in and values checked."""
    missing = [col for col in REQUIRED_ITEM_COLUMNS if col not in items.columns]
    if missing:
        raise EngineInputError(f"items: missing column(s) {', '.join(missing)}")
    items = items.reset_index(drop=True).copy()
    check_item_ids(items)
    ids = items["item_id"].to_numpy()
    for column, default in ITEM_DEFAULTS.items():
        if column not in items.columns:
            items[column] = default
    for column in NON_NEGATIVE_COLUMNS:
        values = pd.to_numeric(items[column], errors="coerce").to_numpy(float)
        blank = items[column].isna().to_numpy()
        _raise_for(ids, blank, column, "is missing", items[column])
        _raise_for(ids, np.isnan(values), column, "is not a number", items[column])
        _raise_for(ids, values < 0, column, "is negative", values)
        items[column] = values
    lead = items["lead_time_days"].to_numpy()
    _raise_for(ids, lead > MAX_LEAD_TIME_DAYS, "lead_time_days", "is absurd", lead)
    matrix_level = service_level_for(items["abc"], items["xyz"], service_matrix)
    if "service_level" in items.columns:
        level = pd.to_numeric(items["service_level"], errors="coerce").to_numpy(float)
        level = np.where(np.isnan(level), matrix_level, level)
    else:
        level = matrix_level
    _raise_for(
        ids, (level <= 0) | (level >= 1), "service_level", "not in (0, 1)", level
    )
    items["service_level"] = level
    service_type = items["service_type"].fillna("cycle").astype(str).to_numpy()
    bad_type = ~np.isin(service_type, SERVICE_TYPES)
    _raise_for(ids, bad_type, "service_type", "not cycle/fill_rate", service_type)
    items["service_type"] = service_type
    return items


def period_length_days(periods, *, period_days=None, freq=None):
    """Return the length of one period in days.

    Taken from ``period_days``, else ``freq`` (``D``, ``W``, ``M``), else the
    median spacing of ``periods`` rounded to a day, a week or a month.
    """
    if period_days is not None:
        return float(period_days)
    if freq is not None:
        key = str(freq).upper()
        if key not in PERIOD_DAYS:
            raise EngineInputError(f"freq must be one of D, W, M (got {freq!r})")
        return PERIOD_DAYS[key]
    dates = pd.to_datetime(pd.Series(pd.unique(np.asarray(periods)))).sort_values()
    if len(dates) < 2:
        return PERIOD_DAYS["M"]
    step = float(dates.diff().dt.days.median())
    return min(PERIOD_DAYS.values(), key=lambda days: abs(days - step))


def _demand_matrices(demand, item_ids):
    """Return forecast, sigma, sigma_cum (or None) as items x periods matrices."""
    missing = [
        col
        for col in ("item_id", "period", "forecast", "sigma")
        if col not in demand.columns
    ]
    if missing:
        raise EngineInputError(f"demand: missing column(s) {', '.join(missing)}")
    scales = ["sigma_cum"] if "sigma_cum" in demand.columns else []
    for column in ("forecast", "sigma", *scales):
        values = pd.to_numeric(demand[column], errors="coerce").to_numpy(float)
        ids = demand["item_id"].to_numpy()
        _raise_for(ids, np.isnan(values), column, "is NaN", demand[column].to_numpy())
        _raise_for(ids, values < 0, column, "is negative", values)
    dated = demand.loc[demand["period"].notna(), "item_id"]
    # a hash lookup: np.isin sorts text ids, 13 s for 10k SKUs x 48 months
    no_rows = ~pd.Index(item_ids).isin(dated)
    _raise_for(item_ids, no_rows, "forecast", "has no rows in demand", item_ids)
    frame = demand[demand["item_id"].isin(item_ids)]
    wide = frame.pivot_table(
        index="item_id",
        columns="period",
        values=["forecast", "sigma", *scales],
        aggfunc="sum",
    )
    wide = wide.reindex(pd.Index(item_ids, name="item_id"))
    forecast = wide["forecast"].ffill(axis=1).to_numpy(float)
    sigma = wide["sigma"].ffill(axis=1).to_numpy(float)
    cumulative = None
    if scales:
        cumulative = np.nan_to_num(wide["sigma_cum"].ffill(axis=1).to_numpy(float))
    return np.nan_to_num(forecast), np.nan_to_num(sigma), cumulative


def _window_sums(matrix, window_periods):
    """Sum ``matrix`` over the first ``window_periods`` periods of each row."""
    horizon = matrix.shape[1]
    steps = np.arange(horizon)
    weights = np.clip(window_periods[:, None] - steps[None, :], 0.0, 1.0)
    beyond = np.maximum(window_periods - horizon, 0.0)
    return (matrix * weights).sum(axis=1) + beyond * matrix[:, -1]


def _cumulative_variance(sigma_cum, window_periods):
    """Variance of the demand summed over ``window_periods`` from ``sigma_cum``.

    ``sigma_cum[:, k]`` is the error scale of the sum of periods 1..k+1; the
    variance is interpolated between whole periods and, past the horizon,
    grows with the square of the window (the last scale scaled in proportion).
    """
    horizon = sigma_cum.shape[1]
    variance = np.concatenate([np.zeros((len(sigma_cum), 1)), sigma_cum**2], axis=1)
    inside = np.clip(window_periods, 0.0, horizon)
    whole = np.minimum(np.floor(inside).astype(int), horizon - 1)
    rows = np.arange(len(sigma_cum))
    below, above = variance[rows, whole], variance[rows, whole + 1]
    within = below + (inside - whole) * (above - below)
    stretch = np.maximum(window_periods / horizon, 1.0) ** 2
    return within * stretch


def _discrete_law(mean, variance):
    """Return Poisson / negative binomial parameters of (mean, variance), and method."""
    overdispersed = variance > mean * (1 + 1e-9)
    safe_var = np.where(overdispersed, variance, mean + 1.0)
    size = np.where(overdispersed, mean**2 / (safe_var - mean), 1.0)
    prob = np.where(overdispersed, mean / safe_var, 0.5)
    method = np.where(overdispersed, "negbin", "poisson")
    return overdispersed, size, prob, method


def _discrete_cdf(k, mean, overdispersed, size, prob, shift=0):
    """Return ``P(X <= k)``; ``shift=1`` uses the size-biased law.

    Through the regularised incomplete gamma and beta functions (what
    ``scipy.stats`` computes them with, without its second of import time).
    """
    whole = np.floor(np.asarray(k, dtype=float)) + 1.0
    count = np.maximum(whole, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        poisson = special.gammaincc(count, mean)
        negbin = special.betainc(size + shift, count, prob)
    return np.where(whole >= 1.0, np.where(overdispersed, negbin, poisson), 0.0)


def _discrete_quantile(level, mean, overdispersed, size, prob):
    """Return the smallest whole ``s`` with ``P(X <= s) >= level``.

    Bisected on whole numbers, above a bound doubled until it is reached
    (infinite where it never is, as for a level of 1).
    """
    law = (mean, overdispersed, size, prob)
    level = np.broadcast_to(np.asarray(level, dtype=float), np.shape(mean))
    low = np.zeros(np.shape(mean))
    high = np.ceil(2.0 * mean) + 1.0
    for _ in range(MAX_DOUBLINGS):
        short = _discrete_cdf(high, *law) < level
        if not short.any():
            break
        high = np.where(short, 2.0 * high, high)
    never = (_discrete_cdf(high, *law) < level) | (level >= 1.0)
    unknown = np.isnan(mean) | np.isnan(level)
    high = np.where(unknown, np.nan, np.where(never, np.inf, high))
    low = np.where(np.isfinite(high), low, high)  # nothing left to bisect
    while np.any(low < high):
        middle = np.floor(0.5 * (low + high))
        reached = _discrete_cdf(middle, *law) >= level
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle + 1.0)
    return high


def _discrete_loss(s, mean, overdispersed, size, prob):
    """Return ``E[(X - s)+]`` for Poisson / negative binomial ``X``."""
    tail_from_s = 1.0 - _discrete_cdf(s - 1, mean, overdispersed, size, prob, 1)
    tail_above_s = 1.0 - _discrete_cdf(s, mean, overdispersed, size, prob)
    return np.maximum(mean * tail_from_s - s * tail_above_s, 0.0)


def _discrete_reorder_point(mean, variance, target, fill_rate, order_qty):
    """Return the smallest whole reorder point reaching the target, and method."""
    overdispersed, size, prob, method = _discrete_law(mean, variance)
    law = (mean, overdispersed, size, prob)
    cycle_point = _discrete_quantile(target, *law)
    lot = np.maximum(order_qty, 1.0)
    low = np.zeros_like(mean)
    high = _discrete_quantile(1 - 1e-9, *law)
    while np.any(low < high):
        middle = np.floor(0.5 * (low + high))
        short = _discrete_loss(middle, *law) - _discrete_loss(middle + lot, *law)
        reached = 1.0 - short / lot >= target
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle + 1)
    return np.where(fill_rate, high, cycle_point), method


def reorder_point_at(policy, level):
    """Return the reorder point of each row of a policy at cycle service ``level``.

    Uses the row's lead-time demand law: normal, or Poisson / negative
    binomial for discrete methods (whole units).
    """
    mean = policy["lead_time_demand"].to_numpy(float)
    sigma = policy["lead_time_sigma"].to_numpy(float)
    level = np.broadcast_to(np.asarray(level, dtype=float), mean.shape)
    point = mean + z_for(level) * sigma
    discrete = policy["method"].isin(["poisson", "negbin"]).to_numpy()
    if discrete.any():
        law = _discrete_law(mean[discrete], sigma[discrete] ** 2)[:3]
        point[discrete] = _discrete_quantile(level[discrete], mean[discrete], *law)
    return np.where(mean > 0, point, 0.0)


def _expected_shortage(policy, point):
    """Return ``E[(X - point)+]`` for the lead-time demand X of each row."""
    mean = policy["lead_time_demand"].to_numpy(float)
    sigma = policy["lead_time_sigma"].to_numpy(float)
    point = np.asarray(point, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        normal = sigma * normal_loss((point - mean) / sigma)
    short = np.where(sigma > 0, normal, np.maximum(mean - point, 0.0))
    discrete = policy["method"].isin(["poisson", "negbin"]).to_numpy()
    if discrete.any():
        law = _discrete_law(mean[discrete], sigma[discrete] ** 2)[:3]
        short[discrete] = _discrete_loss(point[discrete], mean[discrete], *law)
    return np.nan_to_num(short)


def expected_fill_rate(policy):
    """Return the expected fill rate of each row of a ``compute_policy`` result.

    ``1 - (E[(X - s)+] - E[(X - s - Q)+]) / Q`` with X the lead-time demand
    (normal, Poisson or negative binomial as the row's method), s the reorder
    point and Q the order quantity (at least one unit); 1 without demand.
    """
    point = policy["reorder_point"].to_numpy(float)
    lot = np.maximum(policy["order_qty"].to_numpy(float), 1.0)
    short = _expected_shortage(policy, point) - _expected_shortage(policy, point + lot)
    fill = np.clip(1.0 - short / lot, 0.0, 1.0)
    return np.where(policy["lead_time_demand"].to_numpy(float) > 0, fill, 1.0)


def expected_stock(policy):
    """Return the expected average on-hand stock of each row.

    ``SS + E[(X - s)+] + Q / 2``: the stock left when an order arrives (the
    safety stock, plus the shortage the backorders did not take from it),
    plus half a lot.
    """
    point = policy["reorder_point"].to_numpy(float)
    mean = policy["lead_time_demand"].to_numpy(float)
    left = point - mean + _expected_shortage(policy, point)
    return np.maximum(left, 0.0) + policy["order_qty"].to_numpy(float) / 2


def _order_quantity(items, demand_per_day, max_cover_days):
    """Return EOQ capped at ``max_cover_days``, raised to MOQ, rounded up;
    an item without a unit cost (0 where it is not set) orders a month of
    demand (``NO_COST_LOT_DAYS``), not the most the cap allows."""
    yearly = demand_per_day * DAYS_PER_YEAR
    holding = items["holding_rate"].to_numpy() * items["unit_cost"].to_numpy()
    order_cost = items["order_cost"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        eoq = np.sqrt(2.0 * yearly * order_cost / holding)
    eoq = np.nan_to_num(eoq, nan=0.0, posinf=np.inf)
    eoq = np.where(
        items["unit_cost"].to_numpy() > 0, eoq, demand_per_day * NO_COST_LOT_DAYS
    )
    capped = np.minimum(eoq, demand_per_day * max_cover_days)
    lot = np.maximum(capped, items["moq"].to_numpy())
    multiple = items["multiple"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        lots = np.maximum(np.ceil(lot / multiple - 1e-9), 0.0)
        rounded = np.where(multiple > 0, lots * multiple, lot)
    return eoq, np.where(demand_per_day > 0, rounded, 0.0)


def _fmt(values, digits=1):
    """Format numbers for explanations."""
    return pd.Series(np.round(np.asarray(values, dtype=float), digits)).astype(str)


def _explain_shared(pattern, fill, capped, price_cap):
    """Return the note of items whose pattern shares its fill-rate target
    (``capped``: the items whose group buys no fill above ``price_cap``)."""
    cap = (
        f", no fill bought at more than {price_cap:g} x the group's average "
        "stock value per unit served"
        if price_cap
        else ""
    )
    note = (
        "; the target is shared by the "
        + pd.Series(pattern, dtype=object)
        + " items: their reorder points are chosen together to reach it at "
        "the least stock value" + pd.Series(np.where(capped, cap, ""), dtype=object)
    )
    return (note + "; this item's simulated fill rate " + _fmt(fill, 3)).to_numpy()


def _explain_short(group, fill, target, weight):
    """Return per item the note of its ``group`` when the group's simulated
    fill rate (``weight``-ed, as the allocation weighs its items) falls short
    of its target, else an empty note."""
    frame = pd.DataFrame(
        {"group": group, "served": fill * weight, "wanted": target * weight}
    ).assign(weight=weight)
    sums = frame.groupby("group")[["served", "wanted", "weight"]].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        group_fill = (sums["served"] / sums["weight"]).to_numpy()
        group_target = (sums["wanted"] / sums["weight"]).to_numpy()
    note = (
        "; together they fall short of the target, at a simulated fill rate of "
        + _fmt(group_fill, 3)
    )
    return np.where(group_fill < group_target - CONVERGED, note, "")


def _explain(frame, window, lead, review, sd_day, d_window, lt_std, eoq, own_level):
    """Return the explanation text of every item.

    ``own_level``: per item, whether a resampled law keeps the history's level.
    """
    z = _fmt(frame["z"], 3)
    normal = (
        "SS = "
        + z
        + " x sqrt("
        + _fmt(window)
        + " x "
        + _fmt(sd_day, 2)
        + "^2 + "
        + _fmt(d_window, 2)
        + "^2 x "
        + _fmt(lt_std)
        + "^2) = "
        + _fmt(frame["safety_stock"])
    )
    fill_rate_z = "z = " + z + " from G(z) = (1 - " + _fmt(frame["service_level"], 3)
    fill_rate_z += (
        ") x Q "
        + _fmt(frame["order_qty"])
        + " / sigma "
        + _fmt(frame["lead_time_sigma"])
    )
    fill_rate_z += "; "
    discrete = (
        "ROP = smallest s reaching "
        + frame["service_type"].str.replace("_", " ")
        + " "
        + _fmt(frame["service_level"], 3)
        + " under "
        + frame["method"]
        + "(mean "
        + _fmt(frame["lead_time_demand"])
        + ", sd "
        + _fmt(frame["lead_time_sigma"])
        + "); SS = ROP - LTD = "
        + _fmt(frame["safety_stock"])
    )
    resampled = (
        frame["service_type"]
        .map({"fill_rate": "for a simulated fill rate of "})
        .fillna("= quantile of lead-time demand at ")
        .radd("ROP ")
        + _fmt(frame["service_level"], 3)
        + pd.Series(
            np.where(
                own_level,
                " on the item's own demand history resampled at its own level ",
                " on the item's own demand history resampled to the forecast level ",
            )
        )
        + "(bootstrap)"
        + pd.Series(
            np.where(
                lt_std > 0,
                " (lead time drawn per order, sd " + _fmt(lt_std) + " d)",
                "",
            )
        )
        + "; SS = ROP - LTD = "
        + _fmt(frame["safety_stock"])
    )
    method = frame["method"]
    safety = np.where(
        method == "bootstrap",
        resampled,
        np.where(method.isin(["poisson", "negbin"]), discrete, normal),
    )
    safety = np.where(
        method.isin(["poisson", "negbin", "bootstrap"]),
        safety,
        np.where(method == "fill_rate_loss", fill_rate_z + normal, normal),
    )
    text = (
        "LTD = "
        + _fmt(frame["lead_time_demand"])
        + " over "
        + _fmt(window)
        + " d (lead "
        + _fmt(lead)
        + " + review "
        + _fmt(review)
        + "); "
        + safety
        + "; ROP = "
        + _fmt(frame["reorder_point"])
        + "; Q = EOQ "
        + _fmt(eoq)
        + " -> "
        + _fmt(frame["order_qty"])
        + " (MOQ, multiple); max = ROP + Q = "
        + _fmt(frame["order_up_to"])
    )
    return text.where(method != "zero_demand", "no forecast demand: min = max = 0")


MIN_HISTORY_PERIODS = 12
MAX_SIMULATED_PERIODS = 2086  # 40 years of weeks (speed)
LAW_DEFAULTS = {
    "fill_rate_patterns": ("erratic", "intermittent", "lumpy"),
    "history_level_patterns": (),
    "window_days": 2 * DAYS_PER_YEAR,
    "simulated_years": 40,
    "n_periods": None,
    "level_spread": 1.5,
    "rate_patterns": ("intermittent",),
    "rate_level_spread": 2.25,
    "level_floor": 0.075,
    "group_weight": "forecast",
    "price_cap": None,
    "block": 1,
    "to_forecast": True,
    "allocate": True,
    "lost_sales": True,
    "seed": 0,
}


def _group_weights(kind, level):
    """Return per item its weight in its group's fill-rate target, or None.

    ``"history"``: the resampled demand's mean (None); ``"forecast"``: the
    forecast demand per period ``level``, the demand the target is about.
    """
    if kind == "history":
        return None
    if kind == "forecast":
        return level
    raise EngineInputError(f"group_weight must be history or forecast (got {kind!r})")


def _stream_keys(items):
    """Per item the key of its random stream: ``stream_key``, else its id."""
    if "stream_key" not in items.columns:
        return items["item_id"]
    return items["stream_key"].where(items["stream_key"].notna(), items["item_id"])


def _bootstrap_rows(history, item_ids, inputs, candidates, options):
    """Return (rows, reorder point, fill rate, stock, sells, capped at) of
    the resampled items.

    Items with at least ``MIN_HISTORY_PERIODS`` known periods and some demand
    in the last ``window`` of them take their law from their own history
    (``policy_law``); the others keep the forecast's law. ``sells``: per
    item, whether its history qualifies (resampled or not); ``capped at``:
    per item, the level its gross outliers were capped at (NaN: none,
    ``planning_matrix``).
    """
    options = {**LAW_DEFAULTS, **options}
    for name in (
        "fill_rate_patterns",
        "history_level_patterns",
        "rate_patterns",
        "to_forecast",
        "level_floor",
        "group_weight",
        "price_cap",
    ):
        options.pop(name)  # read by compute_policy
    if not options.pop("allocate"):
        inputs = {**inputs, "groups": None}
    days = options.pop("period_days")
    options.setdefault("window", whole_periods(options.pop("window_days"), days))
    options.setdefault("segment", whole_periods(DAYS_PER_YEAR, days))
    years = options.pop("simulated_years")
    if options["n_periods"] is None:
        # the level factor is drawn once a year: as many years whatever the
        # period, at most MAX_SIMULATED_PERIODS
        options["n_periods"] = min(
            whole_periods(years * DAYS_PER_YEAR, days), MAX_SIMULATED_PERIODS
        )
    matrix, capped_at = planning_matrix(history, item_ids)
    recent = matrix[:, -options["window"] :]
    known = np.isfinite(recent).sum(axis=1)
    sells = (known >= MIN_HISTORY_PERIODS) & (np.nansum(recent, axis=1) > 0)
    rows = np.flatnonzero(candidates & sells)
    if not len(rows):
        return rows, np.zeros(0), np.zeros(0), np.zeros(0), sells, capped_at
    picked = {
        name: None if value is None else np.asarray(value)[rows]
        for name, value in inputs.items()
    }
    point, fill, stock = bootstrap_policy(matrix[rows], **picked, **options)
    return rows, point, fill, stock, sells, capped_at


def compute_policy(
    items,
    demand,
    *,
    period_days=None,
    freq=None,
    service_matrix=None,
    max_cover_days=DAYS_PER_YEAR,
    discrete_below=10.0,
    history=None,
    law_options=None,
):
    """Return the inventory policy of every item (see the module docstring)."""
    items = _prepare_items(items, service_matrix)
    item_ids = items["item_id"].to_numpy()
    days = period_length_days(demand["period"], period_days=period_days, freq=freq)
    forecast, sigma, sigma_cum = _demand_matrices(demand, item_ids)
    lead = items["lead_time_days"].to_numpy()
    lt_std = items["lead_time_std_days"].to_numpy()
    review = items["review_days"].to_numpy()
    window = lead + review
    ltd = _window_sums(forecast, window / days)
    if sigma_cum is None:
        ltd_var = _window_sums(sigma**2, window / days)
    else:
        ltd_var = _cumulative_variance(sigma_cum, window / days)
    first_rate = forecast[:, 0] / days
    with np.errstate(divide="ignore", invalid="ignore"):
        d_window = np.where(window > 0, ltd / window, first_rate)
        sd_day = np.where(window > 0, np.sqrt(ltd_var / window), 0.0)
    sigma_total = np.sqrt(ltd_var + d_window**2 * lt_std**2)
    demand_per_day = forecast.mean(axis=1) / days
    eoq, order_qty = _order_quantity(items, demand_per_day, max_cover_days)
    target = items["service_level"].to_numpy()
    fill_rate = items["service_type"].to_numpy() == "fill_rate"

    z = np.where(
        fill_rate,
        z_for_fill_rate(target, np.maximum(order_qty, 1.0), sigma_total),
        z_for(target),
    )
    safety = z * sigma_total
    method = np.where(fill_rate, "fill_rate_loss", "normal").astype(object)

    zero = (ltd <= 0) & (demand_per_day <= 0)
    pattern = items["pattern"].astype(str).str.lower().to_numpy()
    service_type = items["service_type"].to_numpy(object).copy()
    resampled = None
    own_level = np.zeros(len(items), dtype=bool)
    if history is not None:
        law = {**LAW_DEFAULTS, **(law_options or {})}
        # slow, lumpy and erratic items resampled: their target is a fill rate
        as_fill_rate = fill_rate | np.isin(pattern, law["fill_rate_patterns"])
        # their law keeps the level of their own history, not the forecast's
        # unless a planner set their demand
        own_level = (
            ~np.asarray(law["to_forecast"], dtype=bool)
            | np.isin(pattern, law["history_level_patterns"])
        ) & ~items["plan_adjusted"].fillna(False).to_numpy(bool)
        groups = items["pattern"].fillna("").astype(str).to_numpy(object)
        group_weights = _group_weights(law["group_weight"], d_window * days)
        resampled = _bootstrap_rows(
            history,
            item_ids,
            {
                "level": d_window * days,
                "lead": lead / days,
                "review": review / days,
                "lead_std": lt_std / days,
                "order_qty": order_qty,
                "target": target,
                "fill_rate": as_fill_rate,
                "unit_cost": items["unit_cost"].to_numpy(float),
                "groups": groups,
                "by_rate": np.isin(pattern, law["rate_patterns"]),
                "to_forecast": ~own_level,
                "level_floor": np.where(as_fill_rate, law["level_floor"], 0.0),
                "demand_weight": group_weights,
                "keys": item_keys(_stream_keys(items)),
                "price_cap": np.where(
                    np.isin(pattern, law["fill_rate_patterns"]),
                    law["price_cap"] or np.nan,
                    np.nan,
                ),
            },
            ~zero,
            {"period_days": days, **(law_options or {})},
        )
    discrete = (np.isin(pattern, DISCRETE_PATTERNS) | (ltd < discrete_below)) & (
        ltd > 0
    )
    if resampled is not None:
        discrete[resampled[0]] = False
    if discrete.any():
        point, discrete_law = _discrete_reorder_point(
            ltd[discrete],
            sigma_total[discrete] ** 2,
            target[discrete],
            fill_rate[discrete],
            order_qty[discrete],
        )
        safety[discrete] = point - ltd[discrete]
        method[discrete] = discrete_law
        z[discrete] = np.nan
    safety[zero] = 0.0
    method[zero] = "zero_demand"
    if resampled is not None:
        rows, point = resampled[0], resampled[1]
        safety[rows] = point - ltd[rows]
        method[rows] = "bootstrap"
        z[rows] = np.nan
        service_type[rows] = np.where(as_fill_rate[rows], "fill_rate", "cycle")
    # below a 50 % target z < 0: safety stock may be negative, the point not
    safety = np.maximum(safety, -ltd)
    reorder_point = ltd + safety
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(
            demand_per_day > 0, (safety + order_qty / 2) / demand_per_day, np.nan
        )
    frame = pd.DataFrame(
        {
            "item_id": item_ids,
            "demand_per_day": demand_per_day,
            "lead_time_demand": ltd,
            "lead_time_sigma": sigma_total,
            "safety_stock": safety,
            "reorder_point": reorder_point,
            "order_up_to": reorder_point + order_qty,
            "order_qty": order_qty,
            "coverage_days": coverage,
            "service_level": target,
            "service_type": service_type,
            "method": pd.Series(method, dtype=object),
            "z": z,
        }
    )
    frame["expected_fill_rate"] = expected_fill_rate(frame)
    frame["expected_stock"] = expected_stock(frame)
    if resampled is not None:
        rows, _point, fill, stock, sells, capped_at = resampled
        frame.loc[rows, "expected_fill_rate"] = fill
        frame.loc[rows, "expected_stock"] = stock
        # at its own level the law of an item forecast at zero still sells:
        # a rule holding nothing serves none of it
        idle = zero & own_level & sells
        frame.loc[idle, "expected_fill_rate"] = 0.0
    frame["expected_stock_value"] = frame["expected_stock"] * items["unit_cost"]
    frame["min_qty"] = frame["reorder_point"]
    frame["max_qty"] = frame["order_up_to"]
    frame["multiple"] = items["multiple"].to_numpy()
    frame["own_level"] = own_level
    frame["explanation"] = _explain(
        frame, window, lead, review, sd_day, d_window, lt_std, eoq, own_level
    )
    no_cost = items["unit_cost"].to_numpy(float) <= 0
    frame.loc[no_cost & ~zero, "explanation"] += (
        "; without a unit cost the EOQ is a month of demand"
    )
    if resampled is not None:
        frame.loc[idle, "explanation"] += (
            "; its own history sold in the window: expected fill rate 0"
        )
        capped = np.isfinite(capped_at)
        frame.loc[capped, "explanation"] += (
            "; periods of its history above "
            + _fmt(capped_at[capped]).to_numpy()
            + " counted as that (a typo or a one-off order)"
        )
        if law["allocate"]:
            shared = np.zeros(len(items), dtype=bool)
            shared[resampled[0]] = as_fill_rate[resampled[0]]
            free = shared & no_cost
            frame.loc[free, "explanation"] += (
                "; without a unit cost it is planned alone at its target"
            )
            shared &= ~free
            capped = np.isin(pattern, law["fill_rate_patterns"]) & bool(
                law["price_cap"]
            )
            frame.loc[shared, "explanation"] += _explain_shared(
                pattern[shared],
                frame.loc[shared, "expected_fill_rate"],
                capped[shared],
                law["price_cap"],
            )
            if group_weights is not None:  # "history": the law's own weights
                frame.loc[shared, "explanation"] += _explain_short(
                    groups[shared],
                    frame.loc[shared, "expected_fill_rate"].to_numpy(),
                    target[shared],
                    group_weights[shared],
                )
    return frame
