"""Forecasting methods vectorised over items and parameter grids.

Each method takes the cleaned items x periods matrix ``qty`` (NaN before an
item's start, no NaN after it), the ascending forecast ``origins`` (number of
periods of history a forecast may use; the last one is usually the full
length), the ``horizon`` and the season length, and returns a ``MethodRun``:
forecasts of shape (origins, items, horizon) and the parameters chosen at the
last origin (one array per parameter).

Smoothing methods loop over time only: each step updates all items and all
grid points at once. Parameters are chosen per item and per origin as the grid
point with the smallest in-sample one-step squared error up to that origin, so
a backtest never looks ahead.

Initial states: SES and Holt start at the first observation (trend 0) and,
with ``warmup``, use the weight ``max(alpha, 1/k)`` at the k-th observation
(a running mean until exponential smoothing takes over). Holt-Winters starts
from the item's first season (level = its mean, seasonal indices = deviations
from it, trend 0); seasonal indices follow the calendar (period index modulo
the season length). Croston / SBA / TSB warm up the same way on demand sizes,
intervals and demand probability. The recursions are those of statsmodels'
``ExponentialSmoothing`` (additive, damped trend); tests check equality.

``seasonally_adjusted`` runs the flat methods of ``ADJUSTED_METHODS`` on
the history divided by its multiplicative seasonal indices
(``seasonal_indices``: ratios to the trend line) and multiplies their
forecasts back, for the items of a mask (the others get NaN). The backtest
origins use indices estimated on the history before the first origin, the
last origin (the forecast) indices from the whole history: no look-ahead.
"""

from dataclasses import dataclass

import numpy as np

from .classify import trend_line

SES_ALPHAS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9)
HOLT_GRID = {
    "alpha": (0.1, 0.25, 0.5, 0.8),
    "beta": (0.05, 0.2),
    "phi": (0.85, 0.95),
}
HOLT_WINTERS_GRID = {
    "alpha": (0.05, 0.15, 0.3, 0.5),
    "gamma": (0.05, 0.15, 0.3),
    "trend": ((0.0, 0.0), (0.1, 0.9)),
}
CROSTON_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
TSB_GRID = {"alpha": (0.1, 0.2, 0.3), "beta": (0.02, 0.05, 0.1, 0.2)}
MA_WINDOWS = (2, 3, 4, 6, 9, 12)
MIN_SEASONAL_INDEX = 0.1


@dataclass
class MethodRun:
    """Forecasts of one method at every origin, parameters at the last one."""

    name: str
    forecasts: np.ndarray
    params: dict
    min_periods: int


def _flat(values, horizon):
    return np.repeat(values[:, None], horizon, axis=1)


def _pick(grid_values, best):
    """Value of each item's best grid point from a (items, grid) array."""
    return np.take_along_axis(grid_values, best[:, None], axis=1)[:, 0]


def _warm_weight(weight, count, warmup):
    """Smoothing weight, or ``max(weight, 1/count)`` during warm-up.

    Rows with ``count`` 0 have no state yet and keep ``weight``.
    """
    if not warmup:
        return weight
    inverse = np.divide(1.0, count, out=np.zeros(len(count)), where=count > 0)
    if inverse.max(initial=0.0) <= weight.min():
        return weight
    return np.maximum(weight, inverse[:, None])


def naive(qty, origins, horizon, season):
    """Last observed value."""
    forecasts = np.stack([_flat(qty[:, origin - 1], horizon) for origin in origins])
    return MethodRun("naive", forecasts, {}, 1)


def historical_mean(qty, origins, horizon, season):
    """Mean of the item's whole history up to the origin."""
    observed = np.isfinite(qty)
    total = np.cumsum(np.nan_to_num(qty), axis=1)
    count = np.cumsum(observed, axis=1)
    forecasts = []
    for origin in origins:
        n = count[:, origin - 1]
        mean = np.divide(
            total[:, origin - 1], n, out=np.full(len(qty), np.nan), where=n > 0
        )
        forecasts.append(_flat(mean, horizon))
    return MethodRun("mean", np.stack(forecasts), {}, 1)


def seasonal_naive(qty, origins, horizon, season):
    """Value of the same period one season before."""
    forecasts = np.full((len(origins), len(qty), horizon), np.nan)
    for k, origin in enumerate(origins):
        if origin >= season:
            columns = origin - season + np.arange(horizon) % season
            forecasts[k] = qty[:, columns]
    return MethodRun("seasonal_naive", forecasts, {}, season)


def moving_average(qty, origins, horizon, season, windows=MA_WINDOWS):
    """Mean of the last ``window`` periods; window chosen per item and origin."""
    n_items, n_periods = qty.shape
    total = np.concatenate(
        [np.zeros((n_items, 1)), np.cumsum(np.nan_to_num(qty), axis=1)], axis=1
    )
    count = np.concatenate(
        [np.zeros((n_items, 1)), np.cumsum(np.isfinite(qty), axis=1)], axis=1
    )
    stop = np.arange(n_periods + 1)
    means = []
    for window in windows:
        begin = np.maximum(stop - window, 0)
        n = count[:, stop] - count[:, begin]
        means.append(
            np.divide(
                total[:, stop] - total[:, begin],
                n,
                out=np.full(n.shape, np.nan),
                where=n > 0,
            )
        )
    means = np.stack(means, axis=1)
    squared = (qty[:, None, :] - means[:, :, :-1]) ** 2
    sse = np.cumsum(np.where(np.isnan(squared), 0.0, squared), axis=2)
    forecasts = np.empty((len(origins), n_items, horizon))
    for k, origin in enumerate(origins):
        best = np.argmin(sse[:, :, origin - 1], axis=1)
        forecasts[k] = _flat(_pick(means[:, :, origin], best), horizon)
    window = np.asarray(windows, dtype=float)[best]
    return MethodRun("moving_average", forecasts, {"window": window}, 2)


def _smoothing_pass(model, qty, origins, horizon):
    """Run ``model`` over time; forecast at each origin with the best grid point."""
    sse = np.zeros((len(qty), model.size))
    forecasts = np.full((len(origins), len(qty), horizon), np.nan)
    origin_index = {origin: k for k, origin in enumerate(origins)}
    best = np.zeros(len(qty), dtype=np.intp)
    for t in range(max(origins)):
        y = qty[:, t, None]
        error = y - model.predict(t)
        np.square(error, out=error)
        sse += np.fmax(error, 0.0, out=error)
        model.update(y, t)
        k = origin_index.get(t + 1)
        if k is not None:
            best = np.argmin(sse, axis=1)
            forecasts[k] = model.forecast(best, t + 1, horizon)
    return forecasts, model.params(best)


def _grid(**axes):
    """Cartesian product of parameter axes as flat (1, grid) arrays."""
    mesh = np.meshgrid(*[np.asarray(v, dtype=float) for v in axes.values()])
    return {name: m.ravel()[None, :] for name, m in zip(axes, mesh, strict=True)}


class _Holt:
    """Damped-trend Holt; SES when beta = phi = 0."""

    def __init__(self, n_items, grid, warmup):
        self.grid = grid
        self.size = grid["alpha"].shape[1]
        self.level = np.full((n_items, self.size), np.nan)
        self.trend = np.zeros((n_items, self.size))
        self.seen = np.zeros(n_items)
        self.warmup = warmup

    def predict(self, t):
        return self.level + self.grid["phi"] * self.trend

    def update(self, y, t):
        self.seen += np.isfinite(y[:, 0])
        alpha = _warm_weight(self.grid["alpha"], self.seen, self.warmup)
        beta = self.grid["beta"]
        if self.warmup:
            beta = np.where(beta > 0, _warm_weight(beta, self.seen - 1, True), 0.0)
        damped = self.grid["phi"] * self.trend
        level = self.level + damped + alpha * (y - self.level - damped)
        level = np.where(np.isnan(self.level), y, level)
        trend = beta * (level - self.level) + (1.0 - beta) * damped
        self.trend = np.where(np.isnan(trend), 0.0, trend)
        self.level = level

    def forecast(self, best, origin, horizon):
        phi = self.grid["phi"][0, best]
        steps = np.cumsum(phi[:, None] ** np.arange(1, horizon + 1), axis=1)
        return (
            _pick(self.level, best)[:, None] + steps * _pick(self.trend, best)[:, None]
        )

    def params(self, best):
        return {name: values[0, best] for name, values in self.grid.items()}


class _SimpleSmoothing(_Holt):
    """Simple exponential smoothing (no trend)."""

    def params(self, best):
        return {"alpha": self.grid["alpha"][0, best]}


class _HoltWinters:
    """Additive Holt-Winters with optional damped trend, calendar seasons."""

    def __init__(self, qty, start, season, grid):
        n_items, n_periods = qty.shape
        self.grid = grid
        self.size = grid["alpha"].shape[1]
        self.season = season
        self.start = start
        self.level = np.full((n_items, self.size), np.nan)
        self.trend = np.zeros((n_items, self.size))
        self.seasonal = np.full((season, n_items, self.size), np.nan)
        offsets = np.arange(season)
        columns = np.minimum(start[:, None] + offsets, n_periods - 1)
        first_season = np.take_along_axis(qty, columns, axis=1)
        first_season[start + season > n_periods] = np.nan
        self.initial_level = first_season.mean(axis=1)
        initial_seasonal = np.empty((n_items, season))
        np.put_along_axis(
            initial_seasonal,
            (start[:, None] + offsets) % season,
            first_season - self.initial_level[:, None],
            axis=1,
        )
        self.initial_seasonal = initial_seasonal.T

    def predict(self, t):
        """One-step prediction for period ``t`` (states start at the item's start)."""
        starting = self.start == t
        if starting.any():
            self.level[starting] = self.initial_level[starting, None]
            self.trend[starting] = 0.0
            self.seasonal[:, starting] = self.initial_seasonal[:, starting, None]
        return (
            self.level + self.grid["phi"] * self.trend + self.seasonal[t % self.season]
        )

    def update(self, y, t):
        slot = t % self.season
        seasonal = self.seasonal[slot]
        damped = self.grid["phi"] * self.trend
        error = y - self.level - damped - seasonal
        level = self.level + damped + self.grid["alpha"] * error
        beta = self.grid["beta"]
        self.trend = beta * (level - self.level) + (1.0 - beta) * damped
        self.seasonal[slot] = seasonal + self.grid["gamma"] * error
        self.level = level

    def forecast(self, best, origin, horizon):
        phi = self.grid["phi"][0, best]
        steps = np.cumsum(phi[:, None] ** np.arange(1, horizon + 1), axis=1)
        seasonal = np.take_along_axis(self.seasonal, best[None, :, None], axis=2)[
            ..., 0
        ]
        slots = (origin + np.arange(horizon)) % self.season
        return (
            _pick(self.level, best)[:, None]
            + steps * _pick(self.trend, best)[:, None]
            + seasonal[slots].T
        )

    def params(self, best):
        return {name: values[0, best] for name, values in self.grid.items()}


class _Croston:
    """Croston on demand sizes and intervals; SBA with ``debiased``.

    Until a second demand gives a first interval, the interval is taken as the
    periods elapsed since the first demand plus one.
    """

    def __init__(self, n_items, alphas, debiased):
        self.alpha = np.asarray(alphas, dtype=float)[None, :]
        self.size = self.alpha.shape[1]
        self.factor = 1.0 - self.alpha / 2.0 if debiased else np.ones_like(self.alpha)
        self.demand_size = np.zeros((n_items, self.size))
        self.interval = np.ones((n_items, self.size))
        self.n_demands = np.zeros(n_items)
        self.since_demand = np.zeros(n_items)

    def _rate(self):
        interval = np.where(
            self.n_demands[:, None] > 1, self.interval, self.since_demand[:, None] + 1
        )
        return self.factor * self.demand_size / interval

    def predict(self, t):
        return np.where(self.n_demands[:, None] > 0, self._rate(), np.nan)

    def update(self, y, t):
        demand = np.nan_to_num(y[:, 0]) > 0
        self.since_demand += np.isfinite(y[:, 0]) & (self.n_demands > 0)
        self.n_demands += demand
        weight = _warm_weight(self.alpha, self.n_demands, True)
        size = self.demand_size + weight * (np.nan_to_num(y) - self.demand_size)
        self.demand_size = np.where(demand[:, None], size, self.demand_size)
        interval_weight = _warm_weight(self.alpha, self.n_demands - 1, True)
        interval = self.interval + interval_weight * (
            self.since_demand[:, None] - self.interval
        )
        has_interval = (demand & (self.n_demands > 1))[:, None]
        self.interval = np.where(has_interval, interval, self.interval)
        self.since_demand[demand] = 0.0

    def forecast(self, best, origin, horizon):
        return _flat(_pick(self._rate(), best), horizon)

    def params(self, best):
        return {"alpha": self.alpha[0, best]}


class _TSB:
    """Teunter-Syntetos-Babai: demand probability times demand size."""

    def __init__(self, n_items, grid):
        self.grid = grid
        self.size = grid["alpha"].shape[1]
        self.demand_size = np.zeros((n_items, self.size))
        self.probability = np.zeros((n_items, self.size))
        self.n_demands = np.zeros(n_items)
        self.seen = np.zeros(n_items)

    def predict(self, t):
        rate = self.probability * self.demand_size
        return np.where(self.seen[:, None] > 0, rate, np.nan)

    def update(self, y, t):
        observed = np.isfinite(y[:, 0])
        demand = np.nan_to_num(y[:, 0]) > 0
        self.seen += observed
        self.n_demands += demand
        alpha = _warm_weight(self.grid["alpha"], self.n_demands, True)
        beta = _warm_weight(self.grid["beta"], self.seen, True)
        size = self.demand_size + alpha * (np.nan_to_num(y) - self.demand_size)
        self.demand_size = np.where(demand[:, None], size, self.demand_size)
        probability = self.probability + beta * (demand[:, None] - self.probability)
        self.probability = np.where(observed[:, None], probability, self.probability)

    def forecast(self, best, origin, horizon):
        return _flat(_pick(self.probability * self.demand_size, best), horizon)

    def params(self, best):
        return {name: values[0, best] for name, values in self.grid.items()}


def ses(qty, origins, horizon, season, alphas=SES_ALPHAS, warmup=True):
    """Simple exponential smoothing, alpha from a grid."""
    grid = _grid(alpha=alphas, beta=(0.0,), phi=(0.0,))
    model = _SimpleSmoothing(len(qty), grid, warmup)
    forecasts, params = _smoothing_pass(model, qty, origins, horizon)
    return MethodRun("ses", forecasts, params, 2)


def holt(qty, origins, horizon, season, grid=None, warmup=True):
    """Holt's linear method with damped trend, parameters from a grid."""
    model = _Holt(len(qty), _grid(**(grid or HOLT_GRID)), warmup)
    forecasts, params = _smoothing_pass(model, qty, origins, horizon)
    return MethodRun("holt", forecasts, params, 4)


def holt_winters(qty, origins, horizon, season, grid=None, start=None):
    """Additive Holt-Winters (no or damped trend), parameters from a grid."""
    axes = dict(grid or HOLT_WINTERS_GRID)
    trend = np.asarray(axes.pop("trend"), dtype=float)
    flat = _grid(**axes, trend_option=np.arange(len(trend)))
    option = flat.pop("trend_option").astype(int)
    flat["beta"], flat["phi"] = trend[option, 0], trend[option, 1]
    if start is None:
        start = np.argmax(np.isfinite(qty), axis=1)
    model = _HoltWinters(qty, start, season, flat)
    forecasts, params = _smoothing_pass(model, qty, origins, horizon)
    return MethodRun("holt_winters", forecasts, params, 2 * season)


def croston(qty, origins, horizon, season, alphas=CROSTON_ALPHAS, debiased=False):
    """Croston's method (SBA when ``debiased``), alpha from a grid."""
    model = _Croston(len(qty), alphas, debiased)
    forecasts, params = _smoothing_pass(model, qty, origins, horizon)
    return MethodRun("sba" if debiased else "croston", forecasts, params, 2)


def sba(qty, origins, horizon, season, alphas=CROSTON_ALPHAS):
    """Syntetos-Boylan approximation: Croston times (1 - alpha / 2)."""
    return croston(qty, origins, horizon, season, alphas, debiased=True)


def tsb(qty, origins, horizon, season, grid=None):
    """TSB with demand size weight alpha and probability weight beta."""
    model = _TSB(len(qty), _grid(**(grid or TSB_GRID)))
    forecasts, params = _smoothing_pass(model, qty, origins, horizon)
    return MethodRun("tsb", forecasts, params, 2)


METHODS = (
    naive,
    historical_mean,
    seasonal_naive,
    moving_average,
    ses,
    holt,
    holt_winters,
    croston,
    sba,
    tsb,
)
METHOD_NAMES = (
    "naive",
    "mean",
    "seasonal_naive",
    "moving_average",
    "ses",
    "holt",
    "holt_winters",
    "croston",
    "sba",
    "tsb",
)


def seasonal_indices(qty, season):
    """Multiplicative seasonal index per item and calendar slot (items x season).

    Each period's ratio to the item's least-squares trend line (a centred
    moving mean, measured on the choose half of the benchmark items, did
    worse: it leaves out half a season at each end), averaged per slot
    (period index modulo ``season``), scaled to a mean of 1 and floored at
    ``MIN_SEASONAL_INDEX``; slots without a ratio (or where the line is not
    positive) get 1.
    """
    n_periods = qty.shape[1]
    known = np.isfinite(qty)
    level = trend_line(qty)
    usable = known & (level > 0)
    ratio = np.divide(qty, level, out=np.zeros(qty.shape), where=usable)
    slots = np.eye(season)[np.arange(n_periods) % season]
    count = usable @ slots
    seen = count > 0
    index = np.divide(ratio @ slots, count, out=np.zeros(count.shape), where=seen)
    scale = index.sum(axis=1, keepdims=True) / np.maximum(seen.sum(axis=1), 1)[:, None]
    index = np.divide(index, scale, out=np.ones(index.shape), where=seen & (scale > 0))
    return np.maximum(index, MIN_SEASONAL_INDEX)


ADJUSTED_METHODS = {
    "moving_average_seasonal": moving_average,
    "ses_seasonal": ses,
    "holt_seasonal": holt,
}


def _adjusted_forecasts(qty, origins, horizon, season, stop):
    """Each adjusted method's (forecasts, params), indices from ``qty[:, :stop]``."""
    index = seasonal_indices(qty[:, :stop], season)
    adjusted = qty / index[:, np.arange(qty.shape[1]) % season]
    for method in ADJUSTED_METHODS.values():
        run = method(adjusted, origins, horizon, season)
        for k, origin in enumerate(origins):
            run.forecasts[k] *= index[:, (origin + np.arange(horizon)) % season]
        yield run.forecasts, run.params


def seasonally_adjusted(qty, origins, horizon, season, rows):
    """Runs of ``ADJUSTED_METHODS`` on the deseasonalised history of ``rows`` items.

    ``origins`` as for every method, the last one being the forecast's; the
    earlier ones use indices from the history before the first of them.
    Items outside the ``rows`` mask get NaN forecasts and parameters; an
    adjusted run needs a season of history at an origin.
    """
    runs = [
        MethodRun(name, np.full((len(origins), len(qty), horizon), np.nan), {}, season)
        for name in ADJUSTED_METHODS
    ]
    if not rows.any():
        return runs
    passes = [(slice(len(origins) - 1, None), origins[-1])]
    if len(origins) > 1:
        passes.insert(0, (slice(0, len(origins) - 1), origins[0]))
    for at, stop in passes:
        outputs = _adjusted_forecasts(qty[rows], origins[at], horizon, season, stop)
        for run, (forecasts, params) in zip(runs, outputs, strict=True):
            run.forecasts[at, rows] = forecasts
            run.params = {key: np.where(rows, 0.0, np.nan) for key in params}
            for key, values in params.items():
                run.params[key][rows] = values
    return runs
