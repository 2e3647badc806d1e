"""Stock-oriented demand level: the forecast a reorder policy should size on.

Public API: ``recent_demand_rate(qty, season)`` and ``stock_demand(demand,
rate, *, level_in_sigma_cum=True)``.

A forecast chosen for accuracy (squared error over a backtest) follows the
typical level and lags a rise; a safety stock sized on it runs short when
demand moves up, and an aggregate aim that makes up for it raises the
service level of every item, which costs stock. The policy's demand is
therefore the forecast floored at the item's recent demand rate, the larger
of the mean over the last season and over its last half (a rise in the last
half-season counts at once, a fall waits for a season of evidence):

    forecast'_t = max(forecast_t, rate)

Seasonal peaks above the rate are kept. The forecast engine's ``sigma_cum``
already counts the recent mean above the forecast as a level error
(``selection.level_uncertainty``); once the level is raised to that mean the
shortfall is in the level, so with ``level_in_sigma_cum`` its square is
taken out of ``sigma_cum``, never below the independent sum of the period
errors. Callers: ``policy_calibration.planned_policy`` (the CLI's ``policy
--history`` and ``plan``, the add-on's approval and scenario scoring; the
scoring also simulates the plan floored at that rate, ``planned_floor``) and
``bench/bench_policy_outcome.py`` (engine forecast).
"""

import numpy as np
import pandas as pd

from .errors import EngineInputError, shown


def recent_demand_rate(qty, season, without_largest=None):
    """Per item, the larger of the mean demand of the last ``season`` periods
    and of the last ``season // 2`` periods (per period).

    ``qty``: items x periods, oldest first, NaN = unknown (left out of the
    mean); fewer periods than a season use what there is. Zero for an item
    without a known period. ``without_largest`` (per item, True / False):
    each span's largest period is left out of that item's mean, so that one
    month (a one-off order, a typo) does not raise a steady item's rate
    while a level that rose shows in the others.
    """
    qty = np.atleast_2d(np.asarray(qty, dtype=float))
    if season < 1:
        raise EngineInputError(f"season must be at least 1 (got {season})")
    dropped = np.zeros(len(qty), dtype=bool)
    if without_largest is not None:
        dropped = np.broadcast_to(
            np.asarray(without_largest, dtype=bool), dropped.shape
        )
    rate = np.zeros(len(qty))
    for span in (season, max(season // 2, 1)):
        recent = qty[:, -span:]
        known = np.isfinite(recent).sum(axis=1)
        total = np.nansum(recent, axis=1)
        drop = dropped & (known > 1)
        largest = np.nanmax(np.where(drop[:, None], recent, 0.0), axis=1, initial=0.0)
        total, known = total - largest, known - drop
        mean = np.divide(total, known, out=np.zeros(len(qty)), where=known > 0)
        rate = np.maximum(rate, mean)
    return rate


def stock_demand(demand, rate, *, level_in_sigma_cum=True):
    """Return ``demand`` with its forecast floored at each item's ``rate``.

    ``demand``: long ``item_id, period, forecast, sigma`` (+ optional
    ``sigma_cum``), periods in order within each item; ``rate``: a Series of
    demand per period indexed by ``item_id`` (items not in it keep their
    forecast). See the module docstring for ``sigma_cum``.
    """
    rate = pd.Series(rate, dtype=float)
    bad = ~np.isfinite(rate.to_numpy()) | (rate.to_numpy() < 0)
    if bad.any():
        item = rate.index[int(np.flatnonzero(bad)[0])]
        raise EngineInputError(
            f"item {item}: recent demand rate must be a number >= 0 "
            f"(got {shown(rate[item])})"
        )
    if demand.empty:
        return demand.copy()
    floor = demand["item_id"].map(rate).fillna(0.0).to_numpy(float)
    forecast = pd.to_numeric(demand["forecast"], errors="coerce").to_numpy(float)
    raised = np.maximum(forecast, floor)
    result = demand.assign(forecast=raised)
    if level_in_sigma_cum and "sigma_cum" in demand.columns:
        groups = demand["item_id"].to_numpy()
        added = pd.Series(raised - forecast).groupby(groups, sort=False).cumsum()
        sigma = pd.Series(demand["sigma"].to_numpy(float))
        independent = np.sqrt((sigma**2).groupby(groups, sort=False).cumsum())
        cumulative = demand["sigma_cum"].to_numpy(float)
        remaining = np.sqrt(np.clip(cumulative**2 - added.to_numpy() ** 2, 0.0, None))
        result["sigma_cum"] = np.fmax(remaining, independent.to_numpy())
    return result
