"""Error scale of summed forecasts (``sigma_cum``): what a safety stock needs."""

import numpy as np

from sop_planning.engine.forecast import run_forecast

Z90 = 1.645


def _coverage(long_history, demand, n_history, horizon):
    """Share of items whose summed forecast error is within +-1.645 scales.

    Returns (coverage with ``sigma_cum``, coverage with independent steps).
    """
    n_items = len(demand)
    result = run_forecast(long_history(demand[:, :n_history]), horizon=horizon)
    forecast = result.forecast["forecast"].to_numpy().reshape(n_items, horizon)
    error = np.abs(demand[:, n_history:].sum(axis=1) - forecast.sum(axis=1))
    independent = np.sqrt(np.sum(result.sigma_h**2, axis=1))
    cumulative = result.sigma_cum[:, -1]
    assert (cumulative >= independent - 1e-9).all()
    column = result.forecast["sigma_cum"].to_numpy().reshape(n_items, horizon)
    np.testing.assert_allclose(column, result.sigma_cum)
    return np.mean(error <= Z90 * cumulative), np.mean(error <= Z90 * independent)


def test_level_shifts_do_not_average_out_over_the_lead_time(make_history):
    # Random-walk level: the error of a 6-month sum grows like h, not sqrt(h).
    rng = np.random.default_rng(7)
    level = 200 + np.cumsum(rng.normal(0, 8, (300, 54)), axis=1)
    demand = np.clip(level + rng.normal(0, 8, level.shape), 0, None)
    cumulative, independent = _coverage(make_history, demand, 48, 6)
    assert independent < 0.6  # sqrt(h) scaling: far below the 90 % aimed at
    assert cumulative >= 0.85


def test_capped_outliers_still_count_in_the_error_scale(make_history):
    # Spikes are capped to fit the models, but real demand has them.
    rng = np.random.default_rng(3)
    demand = rng.poisson(10, (200, 54)).astype(float)
    demand[rng.random(demand.shape) < 0.08] += 150
    cumulative, independent = _coverage(make_history, demand, 48, 6)
    assert independent < 0.75
    assert cumulative >= 0.85


def test_cumulative_scale_of_the_mean_rule_and_of_no_demand(make_history):
    # Two periods of history in all: mean rule, sigma x sqrt(h (1 + h / n)); none: 0.
    demand = np.array([[4.0, 6.0], [0.0, 0.0]])
    result = run_forecast(make_history(demand), horizon=4)
    steps = np.arange(1, 5)
    expected = result.sigma_h[0] * np.sqrt(steps * (1 + steps / 2))
    np.testing.assert_allclose(result.sigma_cum[0], expected)
    assert (result.sigma_cum[1] == 0).all()


def test_cumulative_scale_of_a_new_item_counts_its_level_over_half_a_season(
    make_history,
):
    # First sold 2 months ago in 40: level from 6 months, sigma x sqrt(h (1 + h / 6)).
    demand = np.zeros((1, 40))
    demand[0, -2:] = [4.0, 6.0]
    result = run_forecast(make_history(demand), horizon=4)
    steps = np.arange(1, 5)
    expected = result.sigma_h[0] * np.sqrt(steps * (1 + steps / 6))
    np.testing.assert_allclose(result.sigma_cum[0], expected)
