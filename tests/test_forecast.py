"""run_forecast end to end on small synthetic histories."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.forecast import run_forecast

MONTHS = np.arange(48)
SEASONAL = 100.0 + 30.0 * np.sin(2 * np.pi * MONTHS / 12)


def test_seasonal_series_is_recovered(make_history):
    noise = np.random.default_rng(3).normal(0.0, 2.0, 48)
    result = run_forecast(make_history([SEASONAL + noise]), horizon=12, combine=False)
    expected = 100.0 + 30.0 * np.sin(2 * np.pi * np.arange(48, 60) / 12)
    np.testing.assert_allclose(result.forecast["forecast"], expected, atol=6.0)
    assert result.items.loc[0, "model"] in {"holt_winters", "seasonal_naive"}
    assert result.items.loc[0, "pattern"] == "smooth"


def test_output_shapes_periods_and_intervals(make_history):
    history = make_history([SEASONAL, np.r_[np.zeros(40), 5.0, 0, 0, 7, 0, 0, 0, 6]])
    result = run_forecast(history, horizon=6)
    forecast = result.forecast
    assert list(forecast.columns) == [
        "item_id",
        "period",
        "forecast",
        "lower",
        "upper",
        "sigma",
        "sigma_cum",
    ]
    assert len(forecast) == 12
    assert forecast["period"].iloc[0] == pd.Timestamp("2024-01-01")
    assert (forecast["lower"] <= forecast["forecast"]).all()
    assert (forecast["forecast"] <= forecast["upper"]).all()
    assert result.sigma_h.shape == (2, 6)
    assert (np.diff(result.sigma_h, axis=1) >= 0).all()
    assert list(result.items.columns) == [
        "item_id",
        "model",
        "params",
        "abc",
        "xyz",
        "pattern",
        "seasonal",
        "adi",
        "cv2",
        "n_periods",
        "wape",
        "mase",
        "bias",
        "sigma",
        "reason",
    ]
    assert result.items["n_periods"].tolist() == [48, 8]
    assert result.items["abc"].tolist() == ["A", "C"]
    assert result.items.loc[1, "pattern"] in {"intermittent", "lumpy"}


def test_short_history_uses_the_mean_rule_and_no_demand_gets_zero(make_history):
    # The whole history is 2 months: too short to backtest, mean rule.
    matrix = np.array([[4.0, 6.0], [0.0, 0.0]])
    history = make_history(matrix, item_ids=["p2-w1", "p3-w1"])
    result = run_forecast(history, horizon=3, combine=False)
    items = result.items.set_index("item_id")
    assert items.loc["p2-w1", "model"] == "mean"
    assert items.loc["p2-w1", "reason"] == "too little history: 2 periods -> mean rule"
    assert items.loc["p2-w1", "params"] == {}
    rows = result.forecast.set_index("item_id")
    np.testing.assert_allclose(rows.loc["p2-w1", "forecast"], 5.0)
    assert items.loc["p3-w1", "model"] == "zero"
    np.testing.assert_allclose(rows.loc["p3-w1", "forecast"], 0.0)


def test_one_order_of_a_new_item_is_not_a_monthly_rate(make_history):
    # 24 months of history; "lump" was ordered once, 1000 units, last month;
    # "launch" sold 4 then 6 in the last two months. Half a season = 6 months.
    matrix = np.zeros((3, 24))
    matrix[0] = SEASONAL[:24]
    matrix[1, -1] = 1000.0
    matrix[2, -2:] = [4.0, 6.0]
    history = make_history(matrix, item_ids=["p1", "lump", "launch"])
    result = run_forecast(history, horizon=3, combine=False)
    items = result.items.set_index("item_id")
    rows = result.forecast.set_index("item_id")
    # Lump: 1000 over the last 6 months, not 1000 a month.
    np.testing.assert_allclose(rows.loc["lump", "forecast"], 1000.0 / 6)
    # sigma: RMS of (1000 - 166.7, 5 x -166.7) = sqrt((833.3^2 + 5 x 166.7^2) / 6)
    np.testing.assert_allclose(items.loc["lump", "sigma"], 372.678, rtol=1e-4)
    # Launch: the months after the first sale (6) beat 10 / 6.
    np.testing.assert_allclose(rows.loc["launch", "forecast"], 6.0)
    assert items.loc["launch", "model"] == "new_item"
    assert items.loc["launch", "reason"].startswith(
        "new item: first sold 2 periods ago"
    )
    assert np.isnan(items.loc["launch", "mase"])
    assert items.loc["p1", "reason"].startswith("backtest: lowest MSE of")


def test_a_new_items_unknown_months_do_not_repeat_its_first_order(make_history):
    # Ordered once (1000), then a month out of stock (unknown): imputing that
    # month from the item's own mean would count the order twice.
    matrix = np.zeros((3, 24))
    matrix[0] = SEASONAL[:24]
    matrix[1, -3:] = [1000.0, np.nan, 0.0]
    matrix[2, -2:] = [1000.0, np.nan]
    history = make_history(matrix, item_ids=["p1", "gap", "last"])
    rows = run_forecast(history, horizon=3).forecast.set_index("item_id")
    # 1000 over the 5 known months of the last 6; none known after it sold.
    np.testing.assert_allclose(rows.loc["gap", "forecast"], 200.0)
    np.testing.assert_allclose(rows.loc["last", "forecast"], 200.0)


def test_unknown_periods_are_imputed_not_learned_as_zero(make_history):
    row = np.full(36, 10.0)
    row[30:] = np.nan
    result = run_forecast(make_history([row]), horizon=3)
    np.testing.assert_allclose(result.forecast["forecast"], 10.0)
    zeros = row.copy()
    zeros[30:] = 0.0
    assert (
        run_forecast(make_history([zeros]), horizon=3).forecast["forecast"].iloc[0]
        < 10.0
    )


def test_parameters_are_reported_per_item(make_history):
    result = run_forecast(make_history([SEASONAL]), horizon=2, combine=False)
    params = result.items.loc[0, "params"]
    model = result.items.loc[0, "model"]
    expected = {
        "holt_winters": {"alpha", "beta", "gamma", "phi"},
        "seasonal_naive": set(),
    }
    assert set(params) == expected[model]


def test_combine_takes_the_median_of_the_three_best(make_history):
    result = run_forecast(make_history([SEASONAL]), horizon=2, combine=True)
    members = result.items.loc[0, "params"]["models"]
    assert len(members) == 3
    assert result.items.loc[0, "model"] == "median(" + "+".join(members) + ")"
    assert result.items.loc[0, "reason"].startswith("backtest: median of the 3 best")


def test_weekly_forecast_periods_are_mondays(make_history):
    result = run_forecast(make_history([np.full(60, 3.0)], freq="W"), 4, "W")
    assert (result.forecast["period"].dt.day_of_week == 0).all()
    np.testing.assert_allclose(result.forecast["forecast"], 3.0)


def test_progress_is_reported_per_chunk(make_history):
    calls = []
    run_forecast(
        make_history(np.ones((5, 12))),
        horizon=2,
        chunk_size=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_chunking_does_not_change_the_result(make_history):
    rng = np.random.default_rng(5)
    history = make_history(rng.poisson(3.0, (7, 30)))
    whole = run_forecast(history, horizon=4)
    chunked = run_forecast(history, horizon=4, chunk_size=3)
    pd.testing.assert_frame_equal(whole.forecast, chunked.forecast)


def test_model_forecasts_are_kept_on_request(make_history):
    result = run_forecast(make_history([SEASONAL]), 3, keep_model_forecasts=True)
    assert set(result.model_forecasts) >= {"ses", "holt_winters", "croston", "tsb"}
    assert result.model_forecasts["ses"].shape == (1, 3)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"horizon": 0}, "horizon"),
        ({"n_origins": 0}, "n_origins"),
        ({"freq": "Q"}, "freq"),
    ],
)
def test_bad_arguments_are_rejected(make_history, options, message):
    with pytest.raises(EngineInputError, match=message):
        run_forecast(make_history([SEASONAL]), **options)


def test_careful_statsmodels_ets_is_a_candidate_for_chosen_classes(make_history):
    noise = np.random.default_rng(4).normal(0.0, 2.0, (2, 48))
    history = make_history(np.vstack([SEASONAL * 30, SEASONAL]) + noise)
    result = run_forecast(
        history, horizon=3, careful_abc=("A",), keep_model_forecasts=True
    )
    careful = result.model_forecasts["ets_statsmodels"]
    assert result.items["abc"].tolist() == ["A", "C"]
    assert np.isfinite(careful[0]).all()
    assert np.isnan(careful[1]).all()
    np.testing.assert_allclose(
        careful[0], result.model_forecasts["holt_winters"][0], rtol=0.1
    )


def test_intermittent_items_get_a_mean_level_forecast(make_history):
    """A spare part selling every few months is not forecast zero."""
    # the best model by absolute error alone is naive, which forecasts 0
    row = np.array(
        [5, 0, 5, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        + [2, 6, 0, 1, 0, 0, 0, 0, 0, 0, 6, 0, 6, 0, 0, 0, 0, 0],
        dtype=float,
    )
    for combine in (False, True):
        result = run_forecast(make_history([row]), horizon=6, combine=combine)
        item = result.items.iloc[0]
        assert item["pattern"] in ("intermittent", "lumpy")
        assert "naive" not in item["model"].replace("seasonal_naive", "")
        assert "seasonal_naive" not in item["model"]
        assert result.forecast["forecast"].mean() > 0.3 * row.mean()


def test_item_that_sold_in_the_last_season_never_gets_a_zero_forecast(make_history):
    """A spare part dry for 30 weeks but sold this year keeps a positive forecast."""
    # moving averages and damped Holt end at zero after the dry spell; their
    # median used to be the forecast: zero, so no stock for a selling item
    rng = np.random.default_rng(7)
    sales = np.where(rng.random(104) < 0.3, rng.integers(1, 6, 104), 0.0)
    row = np.r_[3.0, sales, np.zeros(30)]
    last_season_mean = row[-52:].mean()
    assert last_season_mean > 0
    for combine in (False, True):
        result = run_forecast(
            make_history([row], freq="W"), horizon=26, freq="W", combine=combine
        )
        forecast = result.forecast["forecast"].to_numpy()
        assert (forecast >= 0.1 * last_season_mean - 1e-12).all()
        assert (result.forecast["upper"] > forecast).all()
