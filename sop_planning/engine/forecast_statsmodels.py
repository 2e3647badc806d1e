"""Careful per-item ETS with statsmodels, for the items that deserve it.

``statsmodels_ets`` fits statsmodels' ``ExponentialSmoothing`` (additive damped
trend, additive season, parameters and initial states estimated by maximum
likelihood) item by item at every origin, for the rows selected (e.g. ABC
class A, see ``run_forecast(careful_abc=...)``). It loops per item and costs
tens of milliseconds per fit, so it is an opt-in candidate next to the
vectorised methods, never the hot path. Items with less than two seasons of
history at an origin get no forecast there.
"""

import warnings

import numpy as np

from .methods import MethodRun

PARAMS = {
    "alpha": "smoothing_level",
    "beta": "smoothing_trend",
    "gamma": "smoothing_seasonal",
    "phi": "damping_trend",
}


def _fit(series, horizon, season):
    # imported here: statsmodels takes over a second to import, which every
    # command line call (policy included) paid for this opt-in candidate
    from statsmodels.tsa.holtwinters import (  # pylint: disable=import-outside-toplevel
        ExponentialSmoothing,
    )

    model = ExponentialSmoothing(
        series,
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=season,
        initialization_method="estimated",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit()
    return fitted.forecast(horizon), fitted.params


def statsmodels_ets(qty, start, origins, horizon, season, rows):
    """Per-item statsmodels ETS forecasts at each origin for ``rows`` (mask)."""
    forecasts = np.full((len(origins), len(qty), horizon), np.nan)
    params = {name: np.full(len(qty), np.nan) for name in PARAMS}
    for item in np.flatnonzero(rows):
        for k, origin in enumerate(origins):
            series = qty[item, start[item] : origin]
            if len(series) < 2 * season:
                continue
            forecasts[k, item], fitted = _fit(series, horizon, season)
        if len(qty[item, start[item] : origins[-1]]) >= 2 * season:
            for name, key in PARAMS.items():
                params[name][item] = fitted[key]
    return MethodRun("ets_statsmodels", forecasts, params, 2 * season)
