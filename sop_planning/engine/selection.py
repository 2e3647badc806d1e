"""Rolling-origin backtest and per-item model selection.

``backtest_origins`` places ``n_origins`` forecast origins in the last
``horizon`` periods (e.g. 12 months, 3 origins: 12, 8 and 4 periods before the
end); each origin forecasts ``horizon`` periods and is scored on the actuals
that exist, so errors cover every step of the horizon, short ones more often.

``select_models`` runs every method at those origins and at the end of the
history, scores each item's forecasts by mean absolute error over all scored
points (the same points for every model of an item, so this ranks models
exactly as MASE does, a measure sound for intermittent demand), and keeps the
model with the lowest error, or with ``combine`` the mean of the best
``COMBINE_TOP`` models. A model is a candidate for an item only when it could
forecast at every scored origin. Items with no origin having at least
``MIN_TRAIN`` periods of history use the mean of their history ("too little
history" rule); items that never had demand get zero.

The h-step error scale ``sigma`` of the kept model is the root of the running
mean, over steps 1..h, of the backtest's mean squared error per step, made
non-decreasing in h. The "too little history" rule uses the larger of the
history's standard deviation and mean.
"""

from dataclasses import dataclass

import numpy as np

from . import methods
from .metrics import mase_scale

MIN_TRAIN = 3
COMBINE_TOP = 3
RULE_MODEL = "mean"
NO_DEMAND_MODEL = "zero"


def backtest_origins(n_periods, horizon, n_origins):
    """Ascending backtest origins (periods of history used) inside the last horizon."""
    step = max(1, horizon // max(n_origins, 1))
    origins = {n_periods - horizon + k * step for k in range(n_origins)}
    return sorted(o for o in origins if 1 <= o < n_periods)


@dataclass
class Selection:
    """Per-item outcome of the selection (arrays with one row per item)."""

    model: np.ndarray
    params: list
    forecast: np.ndarray
    sigma: np.ndarray
    wape: np.ndarray
    mase: np.ndarray
    bias: np.ndarray
    n_points: np.ndarray
    reason: np.ndarray
    model_forecasts: dict


def _actual_windows(qty, censored, origins, horizon):
    """Actuals after each origin, NaN where censored or beyond the data."""
    scored = np.where(censored, np.nan, qty)
    padded = np.concatenate([scored, np.full((len(qty), horizon), np.nan)], axis=1)
    return np.stack([padded[:, o : o + horizon] for o in origins])


def _h_step_sigma(errors):
    """Per-item sigma for each step from backtest errors (origins, items, h)."""
    squared = errors**2
    total = np.nansum(squared, axis=0)
    count = np.sum(np.isfinite(squared), axis=0)
    running = np.divide(
        np.cumsum(total, axis=1),
        np.cumsum(count, axis=1),
        out=np.full(total.shape, np.nan),
        where=np.cumsum(count, axis=1) > 0,
    )
    sigma = np.fmax.accumulate(np.sqrt(running), axis=1)
    return np.where(np.isnan(sigma), np.fmin.reduce(sigma, axis=1)[:, None], sigma)


def _rule_sigma(qty):
    observed = np.isfinite(qty)
    n = np.maximum(observed.sum(axis=1), 1)
    mean = np.nansum(qty, axis=1) / n
    spread = np.sqrt(
        np.where(observed, (np.nan_to_num(qty) - mean[:, None]) ** 2, 0.0).sum(axis=1)
        / n
    )
    return np.maximum(spread, mean)


def _item_scores(errors, actuals):
    """WAPE, bias and MAE of each item over its scored backtest points."""
    absolute = np.nansum(np.abs(errors), axis=(0, 2))
    count = np.sum(np.isfinite(errors), axis=(0, 2))
    paired = np.where(np.isfinite(errors), actuals, np.nan)
    volume = np.nansum(paired, axis=(0, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        mae = np.where(count > 0, absolute / count, np.nan)
        wape = np.where(volume > 0, absolute / volume, np.nan)
        bias = np.where(volume > 0, np.nansum(errors, axis=(0, 2)) / volume, np.nan)
    return mae, wape, bias, count


def _reasons(n_candidates, n_points, combine):
    kept = f"mean of the {COMBINE_TOP} best" if combine else "lowest MAE"
    return np.array(
        [
            f"backtest: {kept} of {c} models over {p} points"
            for c, p in zip(n_candidates, n_points, strict=True)
        ],
        dtype=object,
    )


def _run_methods(qty, start, origins, horizon, season):
    runs = []
    for method in methods.METHODS:
        if method is methods.holt_winters:
            run = method(qty, origins, horizon, season, start=start)
        else:
            run = method(qty, origins, horizon, season)
        history_at = np.asarray(origins)[:, None] - start[None, :]
        run.forecasts[history_at < run.min_periods] = np.nan
        np.clip(run.forecasts, 0.0, None, out=run.forecasts)
        runs.append(run)
    return runs


def select_models(qty, censored, start, horizon, season, n_origins=3, combine=False):
    """Backtest all methods, keep the best per item; return a ``Selection``."""
    n_items, n_periods = qty.shape
    origins = backtest_origins(n_periods, horizon, n_origins)
    runs = _run_methods(qty, start, origins + [n_periods], horizon, season)
    names = np.array([run.name for run in runs], dtype=object)
    backtests = np.stack([run.forecasts[:-1] for run in runs])
    finals = np.stack([run.forecasts[-1] for run in runs])
    actuals = _actual_windows(qty, censored, origins, horizon)

    history_at = np.asarray(origins, dtype=float)[:, None] - start[None, :]
    scored = (history_at >= MIN_TRAIN) & np.isfinite(actuals).any(axis=2)
    actuals = np.where(scored[:, :, None], actuals, np.nan)
    errors = backtests - actuals[None]
    forecastable = np.isfinite(backtests).all(axis=3) | ~scored[None]
    candidate = forecastable.all(axis=1) & scored.any(axis=0)[None]
    abs_error = np.where(candidate, np.nansum(np.abs(errors), axis=(1, 3)), np.inf)
    order = np.argsort(abs_error, axis=0, kind="stable")
    if combine:
        top = order[:COMBINE_TOP]
        used = np.take_along_axis(candidate, top, axis=0)
        weights = used / np.maximum(used.sum(axis=0), 1)
        rows = np.arange(n_items)
        backtest = np.einsum("kn,knoh->onh", weights, backtests[top, :, rows])
        final = np.einsum("kn,knh->nh", weights, finals[top, rows])
        labels = [
            "combo(" + "+".join(names[top[used[:, i], i]]) + ")" for i in range(n_items)
        ]
        model = np.array(labels, dtype=object)
        params = [{"models": list(names[top[used[:, i], i]])} for i in range(n_items)]
    else:
        best = order[0]
        rows = np.arange(n_items)
        backtest = backtests[best, :, rows].transpose(1, 0, 2)
        final = finals[best, rows]
        model = names[best]
        params = [
            {key: float(values[i]) for key, values in runs[best[i]].params.items()}
            for i in range(n_items)
        ]

    errors = backtest - actuals
    sigma = _h_step_sigma(errors)
    item_mae, wape, bias, n_points = _item_scores(errors, actuals)
    scale = mase_scale(qty[:, : origins[-1]] if origins else qty, season)
    with np.errstate(divide="ignore", invalid="ignore"):
        mase = item_mae / scale

    has_backtest = candidate.any(axis=0)
    has_demand = start < n_periods
    rule = has_demand & ~has_backtest
    model[rule] = RULE_MODEL
    rule_run = runs[list(names).index(RULE_MODEL)]
    final[rule] = rule_run.forecasts[-1][rule]
    sigma[rule] = _rule_sigma(qty[rule])[:, None]
    model[~has_demand] = NO_DEMAND_MODEL
    final[~has_demand] = 0.0
    sigma[~has_demand] = 0.0
    reason = _reasons(candidate.sum(axis=0), n_points, combine)
    history_length = n_periods - start
    for i in np.flatnonzero(~has_backtest):
        params[i] = {}
        reason[i] = (
            f"too little history: {history_length[i]} periods -> mean rule"
            if has_demand[i]
            else "no demand in history -> zero forecast"
        )
    return Selection(
        model=model,
        params=params,
        forecast=np.nan_to_num(np.clip(final, 0.0, None)),
        sigma=np.nan_to_num(sigma),
        wape=np.where(has_backtest, wape, np.nan),
        mase=np.where(has_backtest, mase, np.nan),
        bias=np.where(has_backtest, bias, np.nan),
        n_points=np.where(has_backtest, n_points, 0),
        reason=reason,
        model_forecasts={name: finals[m] for m, name in enumerate(names)},
    )
