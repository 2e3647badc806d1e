"""Vectorised recursions against statsmodels and textbook hand computations."""

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing, Holt, SimpleExpSmoothing

from sop_planning.engine import methods

RNG = np.random.default_rng(7)
SERIES = 50.0 + 10.0 * np.sin(np.arange(36) * np.pi / 6) + RNG.normal(0, 3, 36)


def one_step_path(run):
    """One-step forecasts at origins 1..T as a flat array."""
    return run.forecasts[:, 0, 0]


def test_ses_equals_statsmodels_with_same_parameters():
    qty = SERIES[None, :]
    origins = list(range(1, len(SERIES) + 1))
    run = methods.ses(qty, origins, 1, 12, alphas=(0.3,), warmup=False)
    reference = SimpleExpSmoothing(
        SERIES, initialization_method="known", initial_level=SERIES[0]
    ).fit(smoothing_level=0.3, optimized=False)
    np.testing.assert_allclose(one_step_path(run)[:-1], reference.fittedvalues[1:])
    np.testing.assert_allclose(one_step_path(run)[-1], reference.forecast(1))


def test_damped_holt_equals_statsmodels_with_same_parameters():
    qty = SERIES[None, :]
    grid = {"alpha": (0.4,), "beta": (0.2,), "phi": (0.9,)}
    run = methods.holt(qty, [len(SERIES)], 6, 12, grid=grid, warmup=False)
    reference = Holt(
        SERIES,
        damped_trend=True,
        initialization_method="known",
        initial_level=SERIES[0],
        initial_trend=0.0,
    ).fit(smoothing_level=0.4, smoothing_trend=0.2, damping_trend=0.9, optimized=False)
    np.testing.assert_allclose(run.forecasts[0, 0], reference.forecast(6))


@pytest.mark.parametrize("offset", [0, 5])
def test_holt_winters_equals_statsmodels_with_same_parameters(offset):
    season = 12
    level = SERIES[:season].mean()
    seasonal = SERIES[:season] - level
    qty = np.concatenate([np.full(offset, np.nan), SERIES])[None, :]
    grid = {"alpha": (0.3,), "gamma": (0.2,), "trend": ((0.1, 0.9),)}
    origins = list(range(offset + 1, qty.shape[1] + 1))
    run = methods.holt_winters(qty, origins, season - 1, season, grid=grid)
    reference = ExponentialSmoothing(
        SERIES,
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=season,
        initialization_method="known",
        initial_level=level,
        initial_trend=0.0,
        initial_seasonal=seasonal,
    ).fit(
        smoothing_level=0.3,
        smoothing_trend=0.1,
        smoothing_seasonal=0.2,
        damping_trend=0.9,
        optimized=False,
    )
    np.testing.assert_allclose(one_step_path(run)[:-1], reference.fittedvalues[1:])
    # Up to h = m - 1: statsmodels drops the last seasonal update at h = m.
    np.testing.assert_allclose(run.forecasts[-1, 0], reference.forecast(season - 1))


TEXTBOOK = np.array([[3.0, 0.0, 0.0, 5.0, 0.0, 4.0, 0.0, 6.0]])


def test_croston_and_sba_on_a_textbook_series():
    # Sizes 3, 5, 4, 6 and intervals 3, 2, 2 smoothed with alpha 0.5 after a
    # running-mean warm-up: size 5.0, interval 2.25.
    croston = methods.croston(TEXTBOOK, [8], 3, 12, alphas=(0.5,))
    sba = methods.sba(TEXTBOOK, [8], 3, 12, alphas=(0.5,))
    np.testing.assert_allclose(croston.forecasts[0, 0], 5.0 / 2.25)
    np.testing.assert_allclose(sba.forecasts[0, 0], 0.75 * 5.0 / 2.25)


def test_croston_before_a_second_demand_uses_elapsed_periods():
    run = methods.croston(np.array([[4.0, 0.0, 0.0]]), [1, 3], 1, 12, alphas=(0.1,))
    np.testing.assert_allclose(run.forecasts[:, 0, 0], [4.0, 4.0 / 3.0])


def test_tsb_on_a_textbook_series():
    # Probability 1, .5, .25, .625, .3125, .65625, .328125, .6640625; size 5.
    run = methods.tsb(TEXTBOOK, [8], 2, 12, grid={"alpha": (0.5,), "beta": (0.5,)})
    np.testing.assert_allclose(run.forecasts[0, 0], 5.0 * 0.6640625)


def test_simple_methods_known_answers():
    qty = np.array([[np.nan, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    assert methods.naive(qty, [7], 2, 3).forecasts.tolist() == [[[6.0, 6.0]]]
    assert methods.historical_mean(qty, [4], 1, 3).forecasts.tolist() == [[[2.0]]]
    snaive = methods.seasonal_naive(qty, [7], 4, 3).forecasts
    assert snaive.tolist() == [[[4.0, 5.0, 6.0, 4.0]]]
    ma = methods.moving_average(qty, [7], 1, 3, windows=(2,))
    assert ma.forecasts.tolist() == [[[5.5]]]


def test_grid_search_picks_the_parameters_with_least_one_step_error():
    level_shift = np.r_[np.full(20, 10.0), np.full(20, 30.0)][None, :]
    run = methods.ses(level_shift, [40], 1, 12, alphas=(0.05, 0.9))
    assert run.params["alpha"].tolist() == [0.9]
    assert run.forecasts[0, 0, 0] == pytest.approx(30.0, abs=0.01)


def test_origins_never_look_ahead():
    qty = np.r_[np.full(10, 5.0), np.full(10, 50.0)][None, :]
    full = methods.holt(qty, [10, 20], 3, 12)
    truncated = methods.holt(qty[:, :10], [10], 3, 12)
    np.testing.assert_allclose(full.forecasts[0], truncated.forecasts[0])
