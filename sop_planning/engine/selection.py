"""Rolling-origin backtest and per-item model selection.

``backtest_origins`` places ``n_origins`` forecast origins in the last
``horizon`` periods (e.g. 12 months, 6 origins: 12, 10, 8, 6, 4 and 2 periods
before the end); each origin forecasts ``horizon`` periods and is scored on the actuals
that exist, so errors cover every step of the horizon, short ones more often.

``select_models`` runs every method at those origins and at the end of the
history, scores each item's forecasts by mean squared error over all scored
points (the same points for every model of an item, so this ranks models as
RMSSE does), and keeps the model with the lowest error, or with ``combine``
the median (per period) of the ``COMBINE_TOP`` best models, a combination
robust to one poor member. The squared error is sound for intermittent
demand: it is smallest for a forecast of the mean demand, where the absolute
error is smallest for the median, zero for most intermittent items, and so
rewards methods whose level collapses to zero after a dry spell.

Level floor: every method's forecast at an origin is at least ``FLOOR_SHARE``
of the item's mean demand over the season before that origin, so an item
that sold in the last season (12 months, 52 weeks) never gets a zero forecast
(moving averages and damped trends reach zero after a dry spell; a planner
needs a forecast and a safety stock for an item that still sells). The floor
applies in the backtest too, so selection and error scale see it.

A model is a candidate for an item only when it could forecast at every
scored origin; an item classed seasonal is scored only at the origins with a
season of its history, where the calendar-following methods can forecast (a
plan of 19 months on 30 months of history put its first origin 11 months in:
no seasonal method was a candidate there and the season was planned flat).
Items with no origin having at least ``MIN_TRAIN`` periods of history use
the mean of their history ("too little history" rule); items that never had
demand get zero. Items first sold less than half a season ago
(``new_item_rule``, model ``new_item``) are not backtested: their history
opens on a sale by construction, so one order would read as a weekly rate
(1000 units once last week gave 1000 a week for a year, and a reorder point
of 17 weeks of it). Per item, ``wape``, ``mase`` and ``bias`` are those of
the kept forecast over the backtest points, MASE scaled by the in-sample
seasonal-naive (else naive) MAE of the history before the last origin.

Items classed seasonal (``classify.seasonal``, passed as ``seasonal``)
choose only among ``SEASONAL_MODELS``, whose forecasts follow the calendar
(seasonal naive, Holt-Winters, statsmodels' ETS, and moving average / SES /
Holt on the seasonally adjusted history, ``methods.seasonally_adjusted``):
a median of a seasonal forecast and flat ones would wash the season out.

The h-step error scale ``sigma`` of the kept model is the root of the running
mean, over steps 1..h, of the backtest's mean squared error per step, made
non-decreasing in h. Error scales are measured on the real demand
(``observed``: outliers not capped; the models fit the capped one). The
"too little history" rule uses the larger of the history's standard
deviation and mean.

``sigma_cum`` is the error scale of the demand summed over steps 1..h (what
a safety stock over a lead time needs): the root mean square of the summed
backtest errors, at least the independent-errors value
``sqrt(sigma_1^2 + ... + sigma_h^2)`` and the level uncertainty
(``level_uncertainty``: level shifts seen over the whole history, and the
recent mean above the forecast); for the "too little history" rule, the
h-step error of a mean of n periods, ``sigma x sqrt(h x (1 + h / n))``,
and for new items of a mean of half a season's periods.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from . import methods
from .forecast_statsmodels import statsmodels_ets
from .metrics import mase_scale
from .policy_demand import recent_demand_rate

MIN_TRAIN = 3
COMBINE_TOP = 3
FLOOR_SHARE = 0.1
# Methods that repeat last observed values: for intermittent and lumpy items
# they mostly repeat a zero, which absolute errors reward and a stock
# policy cannot use (no demand foreseen, no stock kept).
LAST_VALUE_MODELS = ("naive", "seasonal_naive")
# Methods whose forecast follows the calendar: the only candidates of items
# classed seasonal, so that no median mixes a season with flat forecasts.
SEASONAL_MODELS = (
    "seasonal_naive",
    "holt_winters",
    "ets_statsmodels",
    *methods.ADJUSTED_METHODS,
)
RULE_MODEL = "mean"
NEW_ITEM_MODEL = "new_item"
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
    sigma_cum: np.ndarray
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
    windows = [padded[:, o : o + horizon] for o in origins]
    return np.stack(windows) if windows else np.empty((0, len(qty), horizon))


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


def _cumulative_sigma(errors, floor_variance):
    """Per-item error scale of the sum of steps 1..h (origins, items, h errors).

    The root mean square, over the origins scoring all of steps 1..h, of the
    summed backtest errors: a level error repeats in every step and does not
    average out, so the sum's error grows faster than ``sqrt(h)``. Never below
    the root of ``floor_variance`` (items x h), and non-decreasing in h.
    """
    summed = np.cumsum(errors, axis=2) ** 2
    count = np.sum(np.isfinite(summed), axis=0)
    mean_square = np.divide(
        np.nansum(summed, axis=0),
        count,
        out=np.full(count.shape, np.nan),
        where=count > 0,
    )
    return np.sqrt(np.fmax.accumulate(np.fmax(mean_square, floor_variance), axis=1))


def level_uncertainty(qty, final, season):
    """Summed-error variance of a level forecast, per item and step (items x h).

    Every period ``t`` of the history with at least half a season before it
    is an origin: the mean ``m_t`` of up to a season before ``t`` forecasts
    the sum of the next ``h`` periods, ``h m_t``; the mean square of those
    errors (real level shifts of the history included, many more origins
    than the backtest) plus the squared shortfall of the summed ``final``
    forecast below ``h m`` (``m`` the mean of the last season or of its last
    half, the larger shortfall: where the recent mean is above the kept
    model, that level may be the right one, and a safety stock must cover
    it). Steps with no origin take the last estimate, grown in proportion
    to ``h``.
    """
    n_items, n_periods = qty.shape
    horizon = final.shape[1]
    known = np.isfinite(qty)
    total = np.concatenate(
        [np.zeros((n_items, 1)), np.cumsum(np.nan_to_num(qty), axis=1)], axis=1
    )
    count = np.concatenate([np.zeros((n_items, 1)), np.cumsum(known, axis=1)], axis=1)
    origins = np.arange(1, n_periods)
    begin = np.maximum(origins - season, 0)
    fitted = (count[:, origins] - count[:, begin]) >= max(season // 2, 1)
    mean = np.divide(
        total[:, origins] - total[:, begin],
        count[:, origins] - count[:, begin],
        out=np.zeros(fitted.shape),
        where=fitted,
    )
    variance = np.full((n_items, horizon), np.nan)
    for step in range(1, min(horizon, n_periods - 1) + 1):
        usable = origins + step <= n_periods
        ahead = total[:, origins[usable] + step] - total[:, origins[usable]]
        error = np.where(fitted[:, usable], ahead - step * mean[:, usable], np.nan)
        scored = np.isfinite(error).sum(axis=1)
        if not scored.any():
            break
        variance[:, step - 1] = np.divide(
            np.nansum(error**2, axis=1),
            scored,
            out=np.full(n_items, np.nan),
            where=scored > 0,
        )
    steps = np.arange(1, horizon + 1)
    last = np.where(np.isfinite(variance), steps, 0).max(axis=1)
    rows = np.arange(n_items)
    grown = (
        variance[rows, np.maximum(last - 1, 0)][:, None]
        * (steps / np.maximum(last, 1)[:, None]) ** 2
    )
    variance = np.where(np.isfinite(variance), variance, grown)
    recent = recent_demand_rate(qty, season)
    shortfall = np.maximum(steps * recent[:, None] - np.cumsum(final, axis=1), 0.0)
    return np.nan_to_num(variance) + shortfall**2


def _rule_sigma(qty):
    observed = np.isfinite(qty)
    n = np.maximum(observed.sum(axis=1), 1)
    mean = np.nansum(qty, axis=1) / n
    spread = np.sqrt(
        np.where(observed, (np.nan_to_num(qty) - mean[:, None]) ** 2, 0.0).sum(axis=1)
        / n
    )
    return np.maximum(spread, mean)


def _mean_sigma_cum(sigma, n_mean, horizon):
    """Error of the sum of steps 1..h forecast by the mean of ``n_mean`` periods.

    ``sigma x sqrt(h x (1 + h / n))``: demand noise plus the error of the mean.
    """
    steps = np.arange(1, horizon + 1)
    n_mean = np.reshape(np.maximum(n_mean, 1), (-1, 1))
    return np.asarray(sigma)[:, None] * np.sqrt(steps * (1.0 + steps / n_mean))


def new_item_rule(qty, observed, censored, start, window):
    """Level and one-step sigma of items first sold less than ``window`` ago.

    A history that starts at the first sale always opens on a sale, so its
    mean overstates a young item's rate: one order of 1000 units last week
    is not 1000 units a week. The level is the larger of the mean over the
    last ``window`` periods, those before the first sale counted as zero,
    and the mean of the periods after the first sale (a launch that keeps
    selling); sigma is the root mean square deviation of the real demand
    (``observed``) from that level over the same window. Unknown periods
    (``censored``, imputed in ``qty``) count in none of them.
    """
    n_periods = qty.shape[1]
    periods = np.arange(n_periods)
    after = ~censored & (periods[None, :] > start[:, None])
    demand = np.nan_to_num(qty)
    in_window = ~censored[:, -window:]
    count = np.maximum(in_window.sum(axis=1), 1)
    padded_mean = np.where(in_window, demand[:, -window:], 0.0).sum(axis=1) / count
    later = after.sum(axis=1)
    after_first = np.divide(
        np.where(after, demand, 0.0).sum(axis=1),
        later,
        out=np.zeros(len(qty)),
        where=later > 0,
    )
    level = np.maximum(padded_mean, after_first)
    deviation = np.nan_to_num(observed[:, -window:]) - level[:, None]
    sigma = np.sqrt(np.where(in_window, deviation**2, 0.0).sum(axis=1) / count)
    return level, sigma


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


def _reasons(n_candidates, n_points, combine, seasonal):
    kept = f"median of the {COMBINE_TOP} best" if combine else "lowest MSE"
    return np.array(
        [
            f"backtest: {kept} of {c} {'seasonal ' if s else ''}models over {p} points"
            for c, p, s in zip(n_candidates, n_points, seasonal, strict=True)
        ],
        dtype=object,
    )


def _method_runs(qty, start, origins, horizon, season, careful, seasonal):
    for method in methods.METHODS:
        if method is methods.holt_winters:
            yield method(qty, origins, horizon, season, start=start)
        else:
            yield method(qty, origins, horizon, season)
    if careful is not None:
        yield statsmodels_ets(qty, start, origins, horizon, season, careful)
    if seasonal is not None:
        yield from methods.seasonally_adjusted(qty, origins, horizon, season, seasonal)


def level_floor(qty, origins, season):
    """``FLOOR_SHARE`` of the mean demand of the season before each origin.

    Returns an (origins, items) array; the mean is over the in-history periods
    of that season (zero for an item with no history or no demand there).
    """
    total = np.concatenate(
        [np.zeros((len(qty), 1)), np.cumsum(np.nan_to_num(qty), axis=1)], axis=1
    )
    count = np.concatenate(
        [np.zeros((len(qty), 1)), np.cumsum(np.isfinite(qty), axis=1)], axis=1
    )
    origins = np.asarray(origins)
    begin = np.maximum(origins - season, 0)
    n = (count[:, origins] - count[:, begin]).T
    volume = (total[:, origins] - total[:, begin]).T
    return FLOOR_SHARE * np.divide(volume, n, out=np.zeros(n.shape), where=n > 0)


def _run_methods(qty, start, origins, horizon, season, careful, seasonal):
    runs = []
    floor = level_floor(qty, origins, season)[:, :, None]
    for run in _method_runs(qty, start, origins, horizon, season, careful, seasonal):
        history_at = np.asarray(origins)[:, None] - start[None, :]
        run.forecasts[history_at < run.min_periods] = np.nan
        np.maximum(run.forecasts, floor, out=run.forecasts)
        runs.append(run)
    return runs


@dataclass
class Backtest:
    """Every method's backtest and final forecasts for a block of items."""

    names: np.ndarray
    runs: list
    origins: list
    backtests: np.ndarray
    finals: np.ndarray
    actuals: np.ndarray
    candidate: np.ndarray
    sq_error: np.ndarray


def backtest_methods(
    qty, censored, start, horizon, season, n_origins=6, careful=None, seasonal=None
):
    """Run every method at the backtest origins and at the end; score them.

    ``backtests`` is (methods, origins, items, horizon), ``finals`` (methods,
    items, horizon); ``sq_error`` (methods, items) is the sum of squared
    backtest errors, inf where the method is no candidate for the item.
    ``careful`` (items mask) adds statsmodels' per-item ETS for those items,
    ``seasonal`` (items mask) the seasonally adjusted flat methods
    (``methods.seasonally_adjusted``).
    """
    n_periods = qty.shape[1]
    origins = backtest_origins(n_periods, horizon, n_origins)
    runs = _run_methods(
        qty, start, origins + [n_periods], horizon, season, careful, seasonal
    )
    backtests = np.stack([run.forecasts[:-1] for run in runs])
    actuals = _actual_windows(qty, censored, origins, horizon)
    history_at = np.asarray(origins, dtype=float)[:, None] - start[None, :]
    scored = (history_at >= MIN_TRAIN) & np.isfinite(actuals).any(axis=2)
    if seasonal is not None:
        # a seasonal item is scored where calendar methods can forecast it:
        # at origins with a season of its history, if it has any
        full_season = scored & (history_at >= season)
        calendar_scored = seasonal & full_season.any(axis=0)
        scored = np.where(calendar_scored[None, :], full_season, scored)
    actuals = np.where(scored[:, :, None], actuals, np.nan)
    forecastable = np.isfinite(backtests).all(axis=3) | ~scored[None]
    candidate = forecastable.all(axis=1) & scored.any(axis=0)[None]
    squared = (backtests - actuals[None]) ** 2
    sq_error = np.where(candidate, np.nansum(squared, axis=(1, 3)), np.inf)
    return Backtest(
        names=np.array([run.name for run in runs], dtype=object),
        runs=runs,
        origins=origins,
        backtests=backtests,
        finals=np.stack([run.forecasts[-1] for run in runs]),
        actuals=actuals,
        candidate=candidate,
        sq_error=sq_error,
    )


def _median_of_members(values, used):
    """Median over the used members (axis 0), zero where no member is used."""
    shape = (slice(None), slice(None)) + (None,) * (values.ndim - 2)
    members = np.where(used[shape], values, np.nan)
    members[0] = np.where(used.any(axis=0)[shape[1:]], members[0], 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(members, axis=0)


def _combination(backtest, n_items):
    top = np.argsort(backtest.sq_error, axis=0, kind="stable")[:COMBINE_TOP]
    used = np.take_along_axis(backtest.candidate, top, axis=0)
    rows = np.arange(n_items)
    member_backtests = backtest.backtests[top, :, rows]
    forecasts = _median_of_members(member_backtests, used).transpose(1, 0, 2)
    final = _median_of_members(backtest.finals[top, rows], used)
    members = [list(backtest.names[top[used[:, i], i]]) for i in range(n_items)]
    model = np.array(["median(" + "+".join(m) + ")" for m in members], dtype=object)
    return forecasts, final, model, [{"models": m} for m in members]


def _best_single(backtest, n_items):
    best = np.argmin(backtest.sq_error, axis=0)
    rows = np.arange(n_items)
    forecasts = backtest.backtests[best, :, rows].transpose(1, 0, 2)
    params = [
        {key: float(values[i]) for key, values in backtest.runs[best[i]].params.items()}
        for i in range(n_items)
    ]
    return forecasts, backtest.finals[best, rows], backtest.names[best], params


def _block(backtest, blocked):
    """Take the (methods, items) ``blocked`` pairs out of the candidates."""
    backtest.candidate = backtest.candidate & ~blocked
    backtest.sq_error = np.where(blocked, np.inf, backtest.sq_error)


def _level_only(backtest, sparse):
    """Take last-value methods out of the candidates of ``sparse`` items."""
    _block(
        backtest, np.isin(backtest.names, LAST_VALUE_MODELS)[:, None] & sparse[None, :]
    )


def _seasonal_only(backtest, seasonal):
    """Keep only calendar-following methods as candidates of ``seasonal`` items.

    An item with no seasonal candidate (e.g. an unscored one) keeps its own.
    """
    flat = ~np.isin(backtest.names, SEASONAL_MODELS)[:, None]
    has_seasonal = (backtest.candidate & ~flat).any(axis=0)
    _block(backtest, flat & (seasonal & has_seasonal)[None, :])


def select_models(
    qty,
    censored,
    start,
    horizon,
    season,
    n_origins=6,
    combine=False,
    careful=None,
    sparse=None,
    observed=None,
    seasonal=None,
):
    """Backtest all methods, keep the best per item; return a ``Selection``.

    ``sparse`` (items mask, e.g. intermittent and lumpy items) keeps only
    mean-level methods (no naive, no seasonal naive) as candidates;
    ``seasonal`` (items mask, ``classify.seasonal``) only the methods of
    ``SEASONAL_MODELS``.
    ``observed`` (default ``qty``) is the demand the error scales are
    measured on: the real one, outliers not capped, for a safety stock must
    cover them.
    """
    observed = qty if observed is None else observed
    n_items, n_periods = qty.shape
    backtest = backtest_methods(
        qty, censored, start, horizon, season, n_origins, careful, seasonal
    )
    if sparse is not None:
        _level_only(backtest, sparse)
    if seasonal is not None:
        _seasonal_only(backtest, seasonal)
    choose = _combination if combine else _best_single
    kept, final, model, params = choose(backtest, n_items)
    actuals, candidate, origins = backtest.actuals, backtest.candidate, backtest.origins
    names, runs = backtest.names, backtest.runs

    errors = kept - actuals
    real = _actual_windows(observed, censored, origins, horizon)
    real_errors = kept - np.where(np.isfinite(actuals), real, np.nan)
    sigma = _h_step_sigma(real_errors)
    independent = np.cumsum(np.nan_to_num(sigma) ** 2, axis=1)
    point = np.nan_to_num(np.clip(final, 0.0, None))
    level = level_uncertainty(observed, point, season)
    sigma_cum = _cumulative_sigma(real_errors, np.fmax(independent, level))
    item_mae, wape, bias, n_points = _item_scores(errors, actuals)
    scale = mase_scale(qty[:, : origins[-1]] if origins else qty, season)
    with np.errstate(divide="ignore", invalid="ignore"):
        mase = item_mae / scale

    has_demand = start < n_periods
    history_length = n_periods - start
    window = min(max(season // 2, 1), n_periods)
    young = has_demand & (history_length < window)
    has_backtest = candidate.any(axis=0) & ~young
    rule = has_demand & ~has_backtest & ~young
    model[rule] = RULE_MODEL
    rule_run = runs[list(names).index(RULE_MODEL)]
    final[rule] = rule_run.forecasts[-1][rule]
    rule_sigma = _rule_sigma(observed[rule])
    sigma[rule] = rule_sigma[:, None]
    sigma_cum[rule] = _mean_sigma_cum(rule_sigma, history_length[rule], horizon)
    model[young] = NEW_ITEM_MODEL
    level, young_sigma = new_item_rule(
        qty[young], observed[young], censored[young], start[young], window
    )
    final[young] = level[:, None]
    sigma[young] = young_sigma[:, None]
    sigma_cum[young] = _mean_sigma_cum(young_sigma, window, horizon)
    model[~has_demand] = NO_DEMAND_MODEL
    final[~has_demand] = 0.0
    sigma[~has_demand] = 0.0
    sigma_cum[~has_demand] = 0.0
    calendar = np.isin(names, SEASONAL_MODELS)[:, None]
    calendar_only = (candidate & calendar).any(axis=0) & ~(candidate & ~calendar).any(
        axis=0
    )
    reason = _reasons(candidate.sum(axis=0), n_points, combine, calendar_only)
    for i in np.flatnonzero(~has_backtest):
        params[i] = {}
        if young[i]:
            reason[i] = (
                f"new item: first sold {history_length[i]} "
                f"period{'s' if history_length[i] != 1 else ''} ago -> mean "
                f"of the last {window} periods, or since the first sale if higher"
            )
        elif has_demand[i]:
            reason[i] = f"too little history: {history_length[i]} periods -> mean rule"
        else:
            reason[i] = "no demand in history -> zero forecast"
    return Selection(
        model=model,
        params=params,
        forecast=np.nan_to_num(np.clip(final, 0.0, None)),
        sigma=np.nan_to_num(sigma),
        sigma_cum=np.nan_to_num(sigma_cum),
        wape=np.where(has_backtest, wape, np.nan),
        mase=np.where(has_backtest, mase, np.nan),
        bias=np.where(has_backtest, bias, np.nan),
        n_points=np.where(has_backtest, n_points, 0),
        reason=reason,
        model_forecasts={name: backtest.finals[m] for m, name in enumerate(names)},
    )
