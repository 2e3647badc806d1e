"""Seasonal items keep their season in the plan; flat items get none."""

import numpy as np
import pytest

from sop_planning.engine import classify, methods
from sop_planning.engine.forecast import run_forecast

JULY = 6  # month index from January = 0; histories start in January


def beverage(n_months, seed, noise=0.2):
    """A drink selling about 65 in January-February and 450 in July, +-20 %."""
    months = np.arange(n_months)
    profile = 259.0 * (1.0 + 0.75 * np.cos(2 * np.pi * (months - JULY) / 12))
    rng = np.random.default_rng(seed)
    return np.round(profile * (1.0 + rng.normal(0.0, noise, n_months)))


def flat(n_months, seed, noise=0.2):
    rng = np.random.default_rng(seed)
    return np.round(200.0 * (1.0 + rng.normal(0.0, noise, n_months)))


@pytest.mark.parametrize("n_months", [36, 48])
def test_plan_of_a_noisy_seasonal_item_peaks_in_july(make_history, n_months):
    series = np.stack([beverage(n_months, seed) for seed in range(8)])
    result = run_forecast(make_history(series), horizon=12)
    assert result.items["seasonal"].all()
    plan = result.forecast["forecast"].to_numpy().reshape(len(series), 12)
    months = result.forecast["period"].dt.month.to_numpy().reshape(len(series), 12)
    peak_month = np.take_along_axis(months, plan.argmax(axis=1)[:, None], 1)[:, 0]
    assert np.all(np.abs(peak_month - (JULY + 1)) <= 1), peak_month
    # the true peak / trough ratio is 7; a washed-out plan is near 1
    ratio = plan.max(axis=1) / plan.min(axis=1)
    assert np.all((ratio > 3.5) & (ratio < 14.0)), ratio
    for model in result.items["model"]:
        assert not {"ses", "holt", "mean", "moving_average"} & set(
            model.removeprefix("median(").removesuffix(")").split("+")
        ), model


@pytest.mark.parametrize(("n_months", "horizon"), [(24, 13), (30, 19)])
def test_a_plan_reaching_far_past_a_short_history_keeps_the_season(
    make_history, n_months, horizon
):
    """Two years of history planned a month ahead (13 months), or 30
    months planned 7 months ahead: the backtest's first origins hold less
    than a season, where no calendar method forecasts; the plan still
    follows the season (it was flat)."""
    series = np.stack([beverage(n_months, seed) for seed in range(8)])
    result = run_forecast(make_history(series), horizon=horizon)
    assert result.items["seasonal"].all()
    plan = result.forecast["forecast"].to_numpy().reshape(len(series), horizon)
    months = result.forecast["period"].dt.month.to_numpy().reshape(len(series), -1)
    july = np.nanmean(np.where(months == JULY + 1, plan, np.nan), axis=1)
    january = np.nanmean(np.where(months == 1, plan, np.nan), axis=1)
    # the true July / January ratio is about 6; a flat plan gives 1
    assert np.all(july > 3.0 * january), (july, january)


def test_flat_noisy_item_is_not_seasonal_and_gets_no_season(make_history):
    series = np.stack([flat(48, seed) for seed in range(20)])
    result = run_forecast(make_history(series), horizon=12)
    assert result.items["seasonal"].sum() <= 2  # a 90 % test: some false alarms
    flat_items = result.items["seasonal"].to_numpy() == 0
    plan = result.forecast["forecast"].to_numpy().reshape(len(series), 12)
    ratio = plan.max(axis=1) / plan.min(axis=1)
    assert np.all(ratio[flat_items] < 1.25), ratio


def test_seasonal_needs_two_full_seasons_and_is_not_given_to_sparse_items(
    make_history,
):
    short = beverage(23, seed=1)
    lumpy = np.zeros(48)
    lumpy[[6, 18, 30, 42]] = [10.0, 80.0, 5.0, 90.0]  # July only, 4 orders
    matrix = np.full((2, 48), np.nan)
    matrix[0, -23:] = short
    matrix[1] = lumpy
    assert not classify.seasonal(matrix[:1], 12).any()
    result = run_forecast(make_history(np.nan_to_num(matrix)), horizon=12)
    assert result.items["pattern"].iloc[1] in ("intermittent", "lumpy")
    assert classify.seasonal(matrix[1:], 12).all()  # the test alone sees July
    assert not result.items["seasonal"].any()


def test_seasonal_indices_recover_a_multiplicative_season():
    months = np.arange(60)
    season = 1.0 + 0.5 * np.sin(2 * np.pi * months / 12)
    qty = (100.0 + 2.0 * months) * season  # trend and season
    index = methods.seasonal_indices(qty[None, :], 12)[0]
    np.testing.assert_allclose(index, season[:12], atol=0.03)


def test_adjusted_backtest_uses_no_later_index():
    """The backtest origins' indices come from the history before the first one."""
    qty = np.stack([beverage(48, seed=2), beverage(48, seed=3)])
    changed = qty.copy()
    changed[:, 40] *= 5.0  # after the first backtest origin
    origins = [36, 38, 48]
    rows = np.array([True, False])
    before = methods.seasonally_adjusted(qty, origins, 12, 12, rows)
    after = methods.seasonally_adjusted(changed, origins, 12, 12, rows)
    for run, other in zip(before, after, strict=True):
        np.testing.assert_allclose(run.forecasts[:2], other.forecasts[:2])
        assert np.isnan(run.forecasts[:, 1]).all()
        assert not np.allclose(run.forecasts[2, 0], other.forecasts[2, 0])
