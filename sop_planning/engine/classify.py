"""Classification of items: ABC by value, XYZ by variability, SBC pattern.

All functions work on whole arrays (one entry per item):

- ``abc(values, thresholds=(0.8, 0.95))``: Pareto classes; an item is A while
  the share of the items ranked above it is below 80 %, B below 95 %, else C.
- ``xyz(cv, thresholds=(0.5, 1.0))``: X when the coefficient of variation of
  per-period demand is at most 0.5, Y at most 1.0, else Z.
- ``sbc_pattern(adi, cv2)``: Syntetos-Boylan-Croston pattern, smooth / erratic
  / intermittent / lumpy with cut-offs ADI 1.32 and CV^2 0.49 (a value equal to
  a cut-off belongs to the upper side).
- ``demand_statistics(qty)``: ADI, CV^2 of non-zero sizes and CV of per-period
  demand of an items x periods matrix whose NaN cells are outside the history.
- ``seasonal(qty, season)``: True where the history shows a season: at least
  ``MIN_SEASONS`` full seasons and calendar-slot means that a linear trend
  does not explain (F test, p-value below ``SEASONAL_P_VALUE``).
"""

import numpy as np
from scipy import special

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
NO_DEMAND = "no demand"
MIN_SEASONS = 2
SEASONAL_P_VALUE = 0.01


def abc(values, thresholds=(0.8, 0.95)):
    """Return the ABC class of each item from its value (Pareto)."""
    values = np.maximum(np.nan_to_num(np.asarray(values, dtype=float)), 0.0)
    total = values.sum()
    classes = np.full(len(values), "C", dtype=object)
    if total <= 0:
        return classes
    order = np.argsort(-values, kind="stable")
    share_above = (np.cumsum(values[order]) - values[order]) / total
    ranked = np.where(
        share_above < thresholds[0],
        "A",
        np.where(share_above < thresholds[1], "B", "C"),
    )
    classes[order] = ranked
    classes[values <= 0] = "C"
    return classes


def xyz(cv, thresholds=(0.5, 1.0)):
    """Return the XYZ class of each item from its coefficient of variation."""
    cv = np.asarray(cv, dtype=float)
    classes = np.where(
        cv <= thresholds[0], "X", np.where(cv <= thresholds[1], "Y", "Z")
    )
    return np.where(np.isnan(cv), "Z", classes).astype(object)


def sbc_pattern(adi, cv2):
    """Return the Syntetos-Boylan-Croston demand pattern of each item."""
    adi = np.asarray(adi, dtype=float)
    cv2 = np.asarray(cv2, dtype=float)
    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    pattern = np.select(
        [frequent & steady, frequent, steady],
        ["smooth", "erratic", "intermittent"],
        default="lumpy",
    ).astype(object)
    pattern[~np.isfinite(adi)] = NO_DEMAND
    return pattern


def demand_statistics(qty):
    """Return ``(adi, cv2, cv)`` per item of an items x periods matrix.

    ADI is the number of in-history periods over the number of non-zero ones
    (inf with no demand); CV^2 is the squared coefficient of variation of the
    non-zero demands; CV that of all in-history periods (zeros included).
    """
    in_history = np.isfinite(qty)
    n_periods = in_history.sum(axis=1)
    demand = np.nan_to_num(qty)
    n_demands = (demand > 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(n_demands > 0, n_periods / n_demands, np.inf)
        size_mean = demand.sum(axis=1) / n_demands
        size_var = (
            np.where(demand > 0, (demand - size_mean[:, None]) ** 2, 0.0).sum(axis=1)
            / n_demands
        )
        cv2 = np.where(n_demands > 0, size_var / size_mean**2, np.nan)
        mean = demand.sum(axis=1) / n_periods
        var = (
            np.where(in_history, (demand - mean[:, None]) ** 2, 0.0).sum(axis=1)
            / n_periods
        )
        cv = np.where(mean > 0, np.sqrt(var) / mean, np.nan)
    return adi, cv2, cv


def seasonal(qty, season, p_value=SEASONAL_P_VALUE):
    """Return a mask of the items whose history shows a season of ``season``.

    ``qty`` is items x periods, NaN outside the history. Per item, least
    squares of the history on a line (level and trend) and on a trend plus
    one mean per calendar slot (period index modulo ``season``); the item
    is seasonal when it has at least ``MIN_SEASONS`` seasons of history and
    the F test of the slot means has a p-value below ``p_value``.
    """
    in_history = np.isfinite(qty)
    n_periods = in_history.sum(axis=1)
    enough = n_periods >= MIN_SEASONS * season
    if not enough.any():
        return enough
    qty, in_history, n = qty[enough], in_history[enough], n_periods[enough]
    slots = np.eye(season)[np.arange(qty.shape[1]) % season]
    reduced = _trend_fit(qty, in_history, np.ones((qty.shape[1], 1)))[2]
    full = _trend_fit(qty, in_history, slots)[2]
    within = n - season - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = ((reduced - full) / (season - 1)) / (full / within)
        tail = np.where(full > 0, special.fdtrc(season - 1, within, ratio), 1.0)
    result = np.zeros(len(enough), dtype=bool)
    result[enough] = tail < p_value
    return result


def _trend_fit(qty, in_history, groups):
    """Least squares of each item on one level per group plus a common trend.

    ``groups`` is a periods x groups one-hot matrix (one column: a line).
    Returns the fitted levels' per-period part (items x periods, the group
    level at each period), the slope and the residual sum of squares, all
    on the ``in_history`` periods (Frisch-Waugh: the trend is fitted on
    the deviations from the group means).
    """
    weights = in_history.astype(float)
    demand = np.where(in_history, qty, 0.0)
    time = np.arange(qty.shape[1], dtype=float)
    count = weights @ groups
    seen = count > 0

    def centred(values):
        means = np.divide(values @ groups, count, out=np.zeros(count.shape), where=seen)
        return np.where(in_history, values - means @ groups.T, 0.0), means

    demand_dev, demand_means = centred(demand)
    time_dev, time_means = centred(weights * time)
    spread = (time_dev**2).sum(axis=1)
    slope = np.divide(
        (demand_dev * time_dev).sum(axis=1),
        spread,
        out=np.zeros(len(qty)),
        where=spread > 0,
    )
    residual = demand_dev - slope[:, None] * time_dev
    levels = (demand_means - slope[:, None] * time_means) @ groups.T
    return levels, slope, (residual**2).sum(axis=1)


def trend_line(qty):
    """Each item's least-squares line over its history (NaN outside it)."""
    in_history = np.isfinite(qty)
    levels, slope, _ = _trend_fit(qty, in_history, np.ones((qty.shape[1], 1)))
    fitted = levels + slope[:, None] * np.arange(qty.shape[1])
    return np.where(in_history, fitted, np.nan)
