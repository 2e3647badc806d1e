"""Hold-out evaluation: plain seasonal-naive reference, RMSSE, zero forecasts."""

import numpy as np

from sop_planning.engine.forecast_backtest import evaluate_holdout, score_table


def test_holdout_counts_zero_forecasts_of_items_that_sold_last_season(make_history):
    # sells every July-September; trained up to December, forecast January-June
    months = np.arange(42)
    seasonal_part = np.where(np.isin(months % 12, (6, 7, 8)), 5.0, 0.0)
    smooth = 50.0 + 10.0 * np.sin(months * np.pi / 6)
    holdout = evaluate_holdout(make_history([seasonal_part, smooth]), 6, "M")
    reference = holdout.forecasts["seasonal_naive"]
    np.testing.assert_allclose(reference[0], 0.0)  # plain, not floored
    np.testing.assert_allclose(reference[1], smooth[24:30])
    assert (holdout.forecasts["auto"][0] > 0).all()
    assert holdout.recent.tolist() == [True, True]
    table = score_table(
        holdout.actual,
        {"auto": holdout.forecasts["auto"], "seasonal naive": reference},
        holdout.scale,
        holdout.patterns,
        holdout.rmsse_scale,
        holdout.recent,
    ).set_index(["model", "pattern"])
    assert table.loc[("seasonal naive", "all"), "zero_forecasts"] == 1
    assert table.loc[("auto", "all"), "zero_forecasts"] == 0
    assert np.isfinite(table.loc[("auto", "all"), "rmsse"])
