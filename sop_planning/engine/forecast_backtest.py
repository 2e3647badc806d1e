"""Hold-out evaluation of the forecast engine (``backtest`` command, benchmarks).

``evaluate_holdout(history, horizon, freq, **options)`` holds out the last
``horizon`` periods of the calendar, runs ``run_forecast`` on the rest and
scores every method and the auto-selection on the held-out actuals. The
``seasonal_naive`` reference is the plain one on the training history (no
outlier capping, no level floor), falling back to the naive forecast for items
with less than a season of history, so that every forecast covers the same
items.
``score_table(actual, forecasts, scale, patterns)`` does the scoring for any
set of forecasts (items x horizon arrays), so that peers can be scored alike.

Aggregation: WAPE and bias are pooled over all items and periods (sum of
errors over sum of actuals); MASE is the mean over items of each item's MAE
divided by its in-sample seasonal-naive MAE (naive when shorter than a season
plus one) on the training history without outlier capping, items with a zero
or undefined scale left out; RMSSE likewise the mean over items of the root of
each item's MSE over its in-sample naive MSE. MASE, an absolute error, is
smallest for a forecast of the median, zero for most intermittent items;
RMSSE is smallest for the mean. ``zero_forecasts`` counts the items that had
demand in the last season of the training history and are forecast zero over
the whole horizon. Censored (NaN) held-out cells are not scored.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import methods
from .errors import EngineInputError
from .forecast import clean_history, run_forecast
from .history import period_start
from .metrics import bias, mae, mase_scale, rmse, rmsse_scale, wape

AUTO = "auto"


@dataclass
class Holdout:
    """Held-out actuals and forecasts aligned on the training items."""

    actual: np.ndarray
    forecasts: dict
    scale: np.ndarray
    patterns: np.ndarray
    result: object
    rmsse_scale: np.ndarray = None
    recent: np.ndarray = None


def split_history(history, horizon, freq):
    """Split a long history into training rows and the last ``horizon`` periods."""
    buckets = period_start(pd.to_datetime(history["period"]), freq)
    calendar = np.sort(buckets.unique())
    if len(calendar) <= horizon:
        raise EngineInputError(
            f"history has {len(calendar)} periods, need more than the horizon {horizon}"
        )
    held_out = np.asarray(buckets >= calendar[-horizon])
    return history[~held_out], history[held_out]


def _actual_matrix(test, item_ids, periods, freq):
    """Held-out qty per training item and period: 0 without a row, NaN unknown."""
    frame = pd.DataFrame(
        {
            "item_id": test["item_id"].to_numpy(),
            "period": period_start(pd.to_datetime(test["period"]), freq),
            "qty": pd.to_numeric(test["qty"]).astype(float).to_numpy(),
        }
    )
    sums = frame.groupby(["item_id", "period"], sort=False)["qty"].sum(min_count=1)
    rows = pd.Index(item_ids).get_indexer(sums.index.get_level_values(0))
    columns = pd.DatetimeIndex(periods).get_indexer(sums.index.get_level_values(1))
    known = (rows >= 0) & (columns >= 0)
    actual = np.zeros((len(item_ids), len(periods)))
    actual[rows[known], columns[known]] = sums.to_numpy()[known]
    return actual


def evaluate_holdout(history, horizon=12, freq="M", **options):
    """Forecast without the last ``horizon`` periods and keep what happened."""
    train, test = split_history(history, horizon, freq)
    result = run_forecast(train, horizon, freq, keep_model_forecasts=True, **options)
    actual = _actual_matrix(test, result.history.item_ids, result.periods, freq)
    forecasts = dict(result.model_forecasts)
    forecasts[AUTO] = result.forecast["forecast"].to_numpy().reshape(-1, horizon)
    training = clean_history(result.history)
    season = result.history.season_length
    forecasts["seasonal_naive"] = _reference(
        training, result.history.n_periods, horizon, season
    )
    return Holdout(
        actual=actual,
        forecasts=forecasts,
        scale=mase_scale(training, season),
        patterns=result.items["pattern"].to_numpy(),
        result=result,
        rmsse_scale=rmsse_scale(training),
        recent=np.nansum(training[:, -season:], axis=1) > 0,
    )


def _mean_finite(values):
    finite = np.isfinite(values)
    return values[finite].mean() if finite.any() else np.nan


def _reference(training, n_periods, horizon, season):
    """Plain seasonal naive forecast; naive for items shorter than a season."""
    end = [training.shape[1]]
    seasonal = methods.seasonal_naive(training, end, horizon, season).forecasts[0]
    last = methods.naive(training, end, horizon, season).forecasts[0]
    reference = np.where((n_periods < season)[:, None], last, seasonal)
    return np.clip(np.nan_to_num(reference), 0.0, None)


def _scores(actual, forecast, scale, squared_scale, recent):
    with np.errstate(divide="ignore", invalid="ignore"):
        item_mase = mae(actual, forecast) / scale
        item_rmsse = rmse(actual, forecast) / np.sqrt(squared_scale)
    scores = {
        "wape": wape(actual.ravel(), forecast.ravel()),
        "mase": _mean_finite(item_mase),
        "rmsse": _mean_finite(item_rmsse),
        "bias": bias(actual.ravel(), forecast.ravel()),
        "items": int(np.isfinite(item_mase).sum()),
    }
    if recent is not None:
        scores["zero_forecasts"] = int((recent & (forecast.sum(axis=1) <= 0)).sum())
    return scores


def score_table(actual, forecasts, scale, patterns, squared_scale=None, recent=None):
    """WAPE, MASE, RMSSE and bias per forecast, overall and per demand pattern.

    ``squared_scale`` is the RMSSE scale per item (NaN RMSSE without it);
    with ``recent`` (items mask: demand in the last season) the table counts
    the zero forecasts of those items.
    """
    if squared_scale is None:
        squared_scale = np.full(len(actual), np.nan)
    rows = []
    groups = [("all", np.ones(len(actual), dtype=bool))] + [
        (pattern, patterns == pattern) for pattern in sorted(set(patterns))
    ]
    for name, forecast in forecasts.items():
        for pattern, mask in groups:
            if mask.any():
                scores = _scores(
                    actual[mask],
                    forecast[mask],
                    scale[mask],
                    squared_scale[mask],
                    None if recent is None else recent[mask],
                )
                rows.append({"model": name, "pattern": pattern, **scores})
    return pd.DataFrame(rows)
