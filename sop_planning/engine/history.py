"""Demand history: long table -> items x periods matrix.

Input contract (``build_history``): a long DataFrame with columns
``item_id, period, qty`` (no negative quantity: ``bucket_history`` nets
returns first) and optionally ``value`` (money per row) or ``price``
(money per unit). Rows may be at any granularity; they are bucketed to calendar
months (``freq="M"``, period = first day of the month) or ISO weeks
(``freq="W"``, period = Monday).

Matrix conventions (``History.qty``, shape items x periods, one global calendar):

- an item's history starts at its first non-zero period; cells before it are
  NaN and belong to no history;
- a period without any row inside an item's life is zero demand;
- a bucket whose rows all have ``qty`` NaN is unknown (censored, e.g. out of
  stock): it stays NaN here and ``censored`` marks it, so that cleaning imputes
  it and backtests never score it.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import EngineInputError, shown

SEASON_LENGTH = {"M": 12, "W": 52}
REQUIRED_COLUMNS = ("item_id", "period", "qty")
_RULE = {"M": "MS", "W": "W-MON"}


@dataclass
class History:
    """Items x periods demand matrix with its calendar and item values."""

    item_ids: np.ndarray
    periods: pd.DatetimeIndex
    qty: np.ndarray
    censored: np.ndarray
    start: np.ndarray
    value: np.ndarray
    freq: str

    @property
    def season_length(self):
        """Number of periods in a year (12 months or 52 weeks)."""
        return SEASON_LENGTH[self.freq]

    @property
    def n_periods(self):
        """Length of each item's history (0 when it never had demand)."""
        return self.qty.shape[1] - self.start


def check_freq(freq):
    """Return ``freq`` if it is ``"M"`` or ``"W"``, else raise."""
    if freq not in SEASON_LENGTH:
        raise EngineInputError(f"freq must be 'M' or 'W', got {freq!r}")
    return freq


def period_start(dates, freq):
    """Map timestamps to the start of their month or ISO week (Monday)."""
    codes, unique = pd.factorize(pd.DatetimeIndex(dates))
    unique = pd.DatetimeIndex(unique).normalize()
    if freq == "M":
        starts = unique.to_period("M").to_timestamp()
    else:
        starts = unique - pd.to_timedelta(unique.day_of_week, unit="D")
    return pd.DatetimeIndex(starts.take(codes))


def future_periods(last_period, horizon, freq):
    """Return the ``horizon`` periods that follow ``last_period``."""
    return pd.date_range(last_period, periods=horizon + 1, freq=_RULE[freq])[1:]


def _validate(history, returns_allowed=False):
    missing = [col for col in REQUIRED_COLUMNS if col not in history.columns]
    if missing:
        raise EngineInputError(f"history lacks column(s): {', '.join(missing)}")
    if history["item_id"].isna().any():
        raise EngineInputError("column item_id has empty values")
    try:
        periods = pd.to_datetime(history["period"])
    except (ValueError, TypeError) as exc:
        raise EngineInputError(f"column period has unreadable dates: {exc}") from exc
    if periods.isna().any():
        raise EngineInputError("column period has empty values")
    columns = {"qty": None, "value": None, "price": None}
    for col in columns:
        if col in history.columns:
            try:
                columns[col] = pd.to_numeric(history[col]).astype(float)
            except (ValueError, TypeError) as exc:
                raise EngineInputError(f"column {col} is not numeric: {exc}") from exc
    qty = columns["qty"]
    negative = qty < 0
    if negative.any() and not returns_allowed:
        item = history.loc[negative, "item_id"].iloc[0]
        raise EngineInputError(f"column qty is negative for item {shown(item)}")
    if not np.isfinite(qty.fillna(0.0)).all():
        item = history.loc[~np.isfinite(qty.fillna(0.0)), "item_id"].iloc[0]
        raise EngineInputError(f"column qty is infinite for item {shown(item)}")
    return periods, qty, columns["value"], columns["price"]


def _row_values(qty, value, price):
    if value is not None:
        return value.fillna(0.0)
    if price is not None:
        return (qty * price).fillna(0.0)
    return qty.fillna(0.0)


def bucket_history(history, freq=None):
    """Sum a long history per item and period, returns netted.

    Periods are the calendar months or weeks of ``freq`` (``"M"``, ``"W"``),
    or the ``period`` values as given when ``freq`` is None. Return
    ``(bucketed, return_rows, periods_below_zero)``: one row per item and
    period (``value`` summed too where the table has money), a negative
    quantity (a customer return) netted against its item's sales of the
    period and a period where returns exceed sales counted as zero, as the
    add-on's "net returns" counts a month. A history already in those
    periods and without returns comes back as it is.
    """
    if not isinstance(history, pd.DataFrame):
        raise EngineInputError("history must be a pandas DataFrame")
    periods, qty, value, price = _validate(history, returns_allowed=True)
    returned = int((qty < 0).sum())
    starts = periods if freq is None else period_start(periods, check_freq(freq))
    if not returned and (starts == periods).all():
        return history, 0, 0
    frame = pd.DataFrame({"item_id": history["item_id"], "period": starts, "qty": qty})
    if value is not None or price is not None:
        frame["value"] = _row_values(qty, value, price)
    bucketed, below = net_per_period(frame, ["item_id", "period"])
    return bucketed, returned, below


def net_per_period(frame, keys, sort=False):
    """Return ``(netted, periods_below_zero)``: ``frame``'s other columns
    summed per ``keys`` (a period among them; NaN where every row is NaN),
    a period whose ``qty`` is below zero (more returned than sold) counted
    as zero in every column. The CLI's history and the add-on's "net
    returns" net alike."""
    netted = frame.groupby(keys, sort=sort, as_index=False).sum(min_count=1)
    below = netted["qty"] < 0
    netted.loc[below, [col for col in netted.columns if col not in keys]] = 0.0
    return netted, int(below.sum())


def cell_totals(cell, values, size):
    """Return ``(totals, has_rows)`` over ``size`` flat cells: per cell the
    sum of its rows' known ``values``, NaN where it has rows and none is
    known (an out-of-stock month), 0 without rows; ``has_rows`` per cell."""
    known = np.isfinite(values)
    totals = np.bincount(cell, weights=np.where(known, values, 0.0), minlength=size)
    has_rows = np.bincount(cell, minlength=size) > 0
    has_known = np.bincount(cell[known], minlength=size) > 0
    return np.where(has_rows & ~has_known, np.nan, totals), has_rows


def build_history(history, freq="M"):
    """Bucket a long history table into a ``History`` matrix.

    Item value (for ABC) is the sum of ``value``, else of ``qty * price``,
    else of ``qty``, over the whole table.
    """
    freq = check_freq(freq)
    if not isinstance(history, pd.DataFrame):
        raise EngineInputError("history must be a pandas DataFrame")
    periods, qty, value, price = _validate(history)
    if history.empty:
        raise EngineInputError("history is empty")
    buckets = period_start(periods, freq)
    codes, item_ids = pd.factorize(history["item_id"], sort=False)
    first = buckets.min()
    if freq == "M":
        col = (buckets.year - first.year) * 12 + (buckets.month - first.month)
    else:
        col = (buckets - first).days // 7
    col = np.asarray(col, dtype=np.int64)
    n_items, n_periods = len(item_ids), int(col.max()) + 1
    cell = codes * n_periods + col
    size = n_items * n_periods
    matrix = cell_totals(cell, qty.to_numpy(float), size)[0].reshape(n_items, -1)
    censored = np.isnan(matrix)
    positive = np.nan_to_num(matrix) > 0
    start = np.where(positive.any(axis=1), positive.argmax(axis=1), n_periods)
    before_start = np.arange(n_periods)[None, :] < start[:, None]
    matrix[before_start] = np.nan
    censored &= ~before_start
    item_value = np.bincount(
        codes, weights=_row_values(qty, value, price).to_numpy(), minlength=n_items
    )
    calendar = pd.date_range(first, periods=n_periods, freq=_RULE[freq])
    return History(
        item_ids=np.asarray(item_ids),
        periods=calendar,
        qty=matrix,
        censored=censored,
        start=start,
        value=item_value,
        freq=freq,
    )
