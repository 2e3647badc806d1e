"""Forecast error metrics on arrays.

Every function takes ``actual`` and ``forecast`` of the same shape. A 1-D input
gives one number; a 2-D input (items x periods) gives one number per row.
Pairs where either value is NaN are ignored; a row with nothing to measure
gives NaN.

- ``mae``: mean absolute error.
- ``rmse``: root mean squared error.
- ``wape``: sum of absolute errors over sum of absolute actuals.
- ``bias``: sum of (forecast - actual) over sum of actuals (> 0: over-forecast).
- ``mase``: MAE scaled by ``mase_scale(insample, season)``, the in-sample MAE of
  the seasonal naive forecast, falling back to the naive one (lag 1) when the
  in-sample is shorter than a season plus one or its seasonal MAE is zero.
- ``rmsse``: root mean squared scaled error, the MSE scaled by
  ``rmsse_scale(insample)``, the in-sample mean squared error of the naive
  forecast (lag 1), then the root (M5 competition). Unlike MASE it is smallest
  for a forecast of the mean, so it does not reward zero forecasts for
  intermittent demand.
- ``fva``: forecast value added of ``forecast`` over ``reference``, the
  reference's error minus the forecast's (WAPE by default; > 0: value added).
"""

import numpy as np


def _errors(actual, forecast):
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    if actual.shape != forecast.shape:
        raise ValueError(f"shapes differ: {actual.shape} vs {forecast.shape}")
    error = forecast - actual
    return actual, error


def _ratio(numerator, denominator):
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)[()]


def _count(error):
    return np.sum(np.isfinite(error), axis=-1)


def mae(actual, forecast):
    """Mean absolute error."""
    _, error = _errors(actual, forecast)
    return _ratio(np.nansum(np.abs(error), axis=-1), _count(error))


def rmse(actual, forecast):
    """Root mean squared error."""
    _, error = _errors(actual, forecast)
    return np.sqrt(_ratio(np.nansum(error**2, axis=-1), _count(error)))


def wape(actual, forecast):
    """Weighted absolute percentage error: sum |error| / sum |actual|."""
    actual, error = _errors(actual, forecast)
    paired = np.where(np.isfinite(error), np.abs(actual), np.nan)
    return _ratio(np.nansum(np.abs(error), axis=-1), np.nansum(paired, axis=-1))


def bias(actual, forecast):
    """Relative bias: sum (forecast - actual) / sum actual."""
    actual, error = _errors(actual, forecast)
    paired = np.where(np.isfinite(error), actual, np.nan)
    return _ratio(np.nansum(error, axis=-1), np.nansum(paired, axis=-1))


def mase_scale(insample, season=1):
    """In-sample MAE of the seasonal naive forecast, else of the naive one."""
    insample = np.asarray(insample, dtype=float)
    scale = np.full(insample.shape[:-1], np.nan)[()]
    for lag in (season, 1) if season > 1 else (1,):
        if insample.shape[-1] <= lag:
            continue
        diffs = np.abs(insample[..., lag:] - insample[..., :-lag])
        lag_scale = _ratio(np.nansum(diffs, axis=-1), _count(diffs))
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, lag_scale)[()]
    return np.where(scale > 0, scale, np.nan)[()]


def mase(actual, forecast, insample, season=1):
    """Mean absolute scaled error (see ``mase_scale``)."""
    return _ratio(mae(actual, forecast), mase_scale(insample, season))


def rmsse_scale(insample):
    """In-sample mean squared error of the naive (lag 1) forecast."""
    insample = np.asarray(insample, dtype=float)
    if insample.shape[-1] < 2:
        return np.full(insample.shape[:-1], np.nan)[()]
    diffs = (insample[..., 1:] - insample[..., :-1]) ** 2
    scale = _ratio(np.nansum(diffs, axis=-1), _count(diffs))
    return np.where(scale > 0, scale, np.nan)[()]


def rmsse(actual, forecast, insample):
    """Root mean squared scaled error (see ``rmsse_scale``)."""
    return np.sqrt(_ratio(rmse(actual, forecast) ** 2, rmsse_scale(insample)))


def fva(actual, forecast, reference, metric=wape):
    """Forecast value added: ``metric(reference) - metric(forecast)``."""
    return metric(actual, reference) - metric(actual, forecast)
