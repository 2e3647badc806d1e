"""Hold-out evaluation of the forecast engine (``backtest`` command, benchmarks).

``evaluate_holdout(history, horizon, freq, **options)`` holds out the last
``horizon`` periods of the calendar, runs ``run_forecast`` on the rest and
scores every method and the auto-selection on the held-out actuals (the
seasonal naive falls back to the naive forecast for items with less than a
season of history, so that every forecast covers the same items).
``score_table(actual, forecasts, scale, patterns)`` does the scoring for any
set of forecasts (items x horizon arrays), so that peers can be scored alike.

Aggregation: WAPE and bias are pooled over all items and periods (sum of
errors over sum of actuals); MASE is the mean over items of each item's MAE
divided by its in-sample seasonal-naive MAE (naive when shorter than a season
plus one) on the training history without outlier capping, items with a zero
or undefined scale left out. Censored (NaN) held-out cells are not scored.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import EngineInputError
from .forecast import clean_history, run_forecast
from .history import period_start
from .metrics import mase_scale

AUTO = "auto"


@dataclass
class Holdout:
    """Held-out actuals and forecasts aligned on the training items."""

    actual: np.ndarray
    forecasts: dict
    scale: np.ndarray
    patterns: np.ndarray
    result: object


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
    short = np.isnan(forecasts["seasonal_naive"])
    forecasts["seasonal_naive"] = np.where(
        short, forecasts["naive"], forecasts["seasonal_naive"]
    )
    forecasts[AUTO] = result.forecast["forecast"].to_numpy().reshape(-1, horizon)
    scale = mase_scale(clean_history(result.history), result.history.season_length)
    return Holdout(
        actual=actual,
        forecasts=forecasts,
        scale=scale,
        patterns=result.items["pattern"].to_numpy(),
        result=result,
    )


def _scores(actual, forecast, scale):
    error = forecast - actual
    scored = np.isfinite(error)
    absolute = np.where(scored, np.abs(error), 0.0)
    volume = np.where(scored, actual, 0.0).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        item_mae = absolute.sum(axis=1) / scored.sum(axis=1)
        item_mase = item_mae / scale
    finite = np.isfinite(item_mase)
    return {
        "wape": absolute.sum() / volume if volume > 0 else np.nan,
        "mase": item_mase[finite].mean() if finite.any() else np.nan,
        "bias": np.where(scored, error, 0.0).sum() / volume if volume > 0 else np.nan,
        "items": int(finite.sum()),
    }


def score_table(actual, forecasts, scale, patterns):
    """WAPE, MASE and bias per forecast, overall and per demand pattern."""
    rows = []
    groups = [("all", np.ones(len(actual), dtype=bool))] + [
        (pattern, patterns == pattern) for pattern in sorted(set(patterns))
    ]
    for name, forecast in forecasts.items():
        for pattern, mask in groups:
            if mask.any():
                scores = _scores(actual[mask], forecast[mask], scale[mask])
                rows.append({"model": name, "pattern": pattern, **scores})
    return pd.DataFrame(rows)
