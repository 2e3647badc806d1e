"""Statistical demand forecast: classify, backtest, select, forecast.

Public API (called by the Odoo layer and the command line)::

    run_forecast(history, horizon=12, freq="M", *, n_origins=6, outlier_k=3.0,
                 abc_thresholds=(0.8, 0.95), combine=True, progress=None,
                 interval_level=0.9, chunk_size=5000,
                 keep_model_forecasts=False, careful_abc=()) -> ForecastResult

``history`` is a long DataFrame ``item_id, period, qty`` (+ optional ``value``
or ``price``), see ``history.build_history`` for the contract (NaN qty =
unknown, imputed; missing periods = zero; history starts at the first non-zero
period). ``progress(done, total)`` is called after each chunk of items.
``careful_abc`` (e.g. ``("A",)``) adds statsmodels' per-item ETS as a
candidate for the items of those ABC classes (slow: tens of ms per item).

``ForecastResult``:

- ``forecast``: one row per item and future period: ``item_id, period,
  forecast, lower, upper, sigma, sigma_cum`` (``period`` = first day of the
  month or Monday of the ISO week; the interval is ``forecast +- z * sigma``
  at ``interval_level``, lower bound clipped at zero; ``sigma_cum`` is the
  error scale of the forecast summed from the first period to this one, from
  the summed backtest errors: level errors do not average out, so it grows
  faster than ``sqrt(h) x sigma``; ``compute_policy`` uses it for the
  lead-time demand);
- ``items``: one row per item: ``item_id, model, params, abc, xyz, pattern,
  seasonal, adi, cv2, n_periods, wape, mase, bias, sigma, reason`` (``wape``,
  ``mase``, ``bias`` are those of the kept model in the backtest; ``sigma``
  the one-step error scale; ``seasonal``: ``classify.seasonal`` on the
  cleaned history, never for intermittent or lumpy items, whose seasonal
  models did worse on the benchmarks' choose half);
- ``sigma_h``: items x horizon array of the h-step error scale;
- ``sigma_cum``: items x horizon array of the cumulative error scale;
- ``periods``: the forecast periods; ``history``: the bucketed ``History``;
- ``model_forecasts``: with ``keep_model_forecasts``, every method's forecast
  (name -> items x horizon array), else None.
"""

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import classify
from .cleaning import GROSS_OUTLIER_MAD, cap_outliers, impute_censored
from .errors import EngineInputError
from .history import History, build_history, future_periods
from .selection import select_models


@dataclass
class ForecastResult:
    """Forecast rows, per-item summary and h-step error scale of a run."""

    forecast: pd.DataFrame
    items: pd.DataFrame
    sigma_h: np.ndarray
    periods: pd.DatetimeIndex
    history: History
    model_forecasts: dict | None = None
    sigma_cum: np.ndarray | None = None


def clean_history(history, outlier_k=None):
    """Return the model-ready matrix: outliers capped, censored cells imputed."""
    return impute_censored(cap_outliers(history.qty, outlier_k), history.censored)


def _without_typos(raw, cleaned):
    """``raw`` with an item's one period more than ``GROSS_OUTLIER_MAD``
    robust standard deviations above its median sale (a typo or a one-off
    order) taken as the forecast's cleaning took it (``cleaned``, the model
    matrix; the gross band itself where the cleaning caps nothing). Such
    periods that recur (an item's real large orders) stay."""
    gross = cap_outliers(raw, GROSS_OUTLIER_MAD)
    above = np.nan_to_num(raw) > np.nan_to_num(gross)
    once = above & (above.sum(axis=1) == 1)[:, None]
    return np.where(once, np.fmin(cleaned, gross), raw)


def _check_arguments(horizon, n_origins, interval_level, chunk_size):
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise EngineInputError(f"horizon must be a positive integer, got {horizon!r}")
    if n_origins < 1:
        raise EngineInputError(f"n_origins must be at least 1, got {n_origins!r}")
    if not 0 < interval_level < 1:
        raise EngineInputError(f"interval_level must be in (0, 1): {interval_level}")
    if chunk_size < 1:
        raise EngineInputError(f"chunk_size must be positive, got {chunk_size!r}")


def _select_in_chunks(qty, history, options, masks, chunk_size, progress, typos):
    n_items = len(qty)
    # the real demand the error scales are measured on, a typo taken out
    observed = np.where(history.censored, qty, typos)
    parts = []
    for first in range(0, n_items, chunk_size):
        rows = slice(first, min(first + chunk_size, n_items))
        parts.append(
            select_models(
                qty[rows],
                history.censored[rows],
                history.start[rows],
                season=history.season_length,
                careful=None if masks["careful"] is None else masks["careful"][rows],
                sparse=masks["sparse"][rows],
                seasonal=masks["seasonal"][rows],
                observed=observed[rows],
                **options,
            )
        )
        if progress is not None:
            progress(rows.stop, n_items)
    return parts


def _concat(parts, field):
    values = [getattr(part, field) for part in parts]
    if isinstance(values[0], list):
        return [value for chunk in values for value in chunk]
    return np.concatenate(values)


def run_forecast(
    history,
    horizon=12,
    freq="M",
    *,
    n_origins=6,
    outlier_k=3.0,
    abc_thresholds=(0.8, 0.95),
    combine=True,
    progress=None,
    interval_level=0.9,
    chunk_size=5000,
    keep_model_forecasts=False,
    careful_abc=(),
):
    """Forecast every item of ``history``; see the module docstring."""
    _check_arguments(horizon, n_origins, interval_level, chunk_size)
    bucketed = build_history(history, freq)
    qty = clean_history(bucketed, outlier_k)
    adi, cv2, cv = classify.demand_statistics(qty)
    # a typo's value does not make an item A
    typos = _without_typos(bucketed.qty, qty)
    sold = np.nansum(bucketed.qty, axis=1)
    kept = np.nansum(typos, axis=1)
    share = np.divide(kept, sold, out=np.ones_like(sold), where=sold > 0)
    abc = classify.abc(bucketed.value * share, abc_thresholds)
    options = {
        "horizon": horizon,
        "n_origins": n_origins,
        "combine": combine,
    }
    careful = np.isin(abc, list(careful_abc)) if careful_abc else None
    pattern = classify.sbc_pattern(adi, cv2)
    sparse = np.isin(pattern, ("intermittent", "lumpy"))
    seasonal = classify.seasonal(qty, bucketed.season_length) & ~sparse
    masks = {"careful": careful, "sparse": sparse, "seasonal": seasonal}
    parts = _select_in_chunks(
        qty, bucketed, options, masks, chunk_size, progress, typos
    )
    point = _concat(parts, "forecast")
    sigma_h = _concat(parts, "sigma")
    sigma_cum = _concat(parts, "sigma_cum")
    z_score = NormalDist().inv_cdf(0.5 + interval_level / 2.0)
    periods = future_periods(bucketed.periods[-1], horizon, freq)
    n_items = len(bucketed.item_ids)
    forecast = pd.DataFrame(
        {
            "item_id": np.repeat(bucketed.item_ids, horizon),
            "period": np.tile(periods.to_numpy(), n_items),
            "forecast": point.ravel(),
            "lower": np.clip(point - z_score * sigma_h, 0.0, None).ravel(),
            "upper": (point + z_score * sigma_h).ravel(),
            "sigma": sigma_h.ravel(),
            "sigma_cum": sigma_cum.ravel(),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": bucketed.item_ids,
            "model": _concat(parts, "model"),
            "params": _concat(parts, "params"),
            "abc": abc,
            "xyz": classify.xyz(cv),
            "pattern": pattern,
            "seasonal": seasonal,
            "adi": adi,
            "cv2": cv2,
            "n_periods": bucketed.n_periods,
            "wape": _concat(parts, "wape"),
            "mase": _concat(parts, "mase"),
            "bias": _concat(parts, "bias"),
            "sigma": sigma_h[:, 0],
            "reason": _concat(parts, "reason"),
        }
    )
    model_forecasts = None
    if keep_model_forecasts:
        model_forecasts = {
            name: np.concatenate([part.model_forecasts[name] for part in parts])
            for name in parts[0].model_forecasts
        }
    return ForecastResult(
        forecast=forecast,
        items=items,
        sigma_h=sigma_h,
        periods=periods,
        history=bucketed,
        model_forecasts=model_forecasts,
        sigma_cum=sigma_cum,
    )
