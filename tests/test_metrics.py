import numpy as np
import pytest

from sop_planning.engine import metrics

ACTUAL = np.array([2.0, 0.0, 4.0, 2.0])
FORECAST = np.array([1.0, 1.0, 5.0, 2.0])


def test_each_metric_on_a_tiny_array():
    assert metrics.mae(ACTUAL, FORECAST) == pytest.approx(0.75)
    assert metrics.rmse(ACTUAL, FORECAST) == pytest.approx(np.sqrt(0.75))
    assert metrics.wape(ACTUAL, FORECAST) == pytest.approx(3.0 / 8.0)
    assert metrics.bias(ACTUAL, FORECAST) == pytest.approx(1.0 / 8.0)


def test_mase_uses_seasonal_naive_scale_then_naive():
    insample = np.array([1.0, 3.0, 1.0, 3.0, 2.0])
    assert metrics.mase_scale(insample, season=2) == pytest.approx(1.0 / 3.0)
    assert metrics.mase_scale(insample, season=1) == pytest.approx(7.0 / 4.0)
    # Too short for a season: naive scale.
    assert metrics.mase_scale(insample, season=12) == pytest.approx(7.0 / 4.0)
    # Zero seasonal scale falls back to naive.
    assert metrics.mase_scale([1.0, 2.0, 1.0, 2.0], season=2) == pytest.approx(1.0)
    assert np.isnan(metrics.mase_scale([5.0, 5.0, 5.0], season=1))
    assert metrics.mase(ACTUAL, FORECAST, insample, season=2) == pytest.approx(2.25)


def test_metrics_are_per_row_on_2d_and_ignore_nan():
    actual = np.array([[1.0, 2.0, np.nan], [0.0, 0.0, 0.0]])
    forecast = np.array([[2.0, 2.0, 9.0], [1.0, 0.0, 1.0]])
    np.testing.assert_allclose(metrics.mae(actual, forecast), [0.5, 2.0 / 3.0])
    np.testing.assert_allclose(metrics.wape(actual, forecast), [1.0 / 3.0, np.nan])
    np.testing.assert_allclose(metrics.bias(actual, forecast), [1.0 / 3.0, np.nan])


def test_fva_is_reference_error_minus_forecast_error():
    reference = np.array([0.0, 0.0, 0.0, 0.0])
    assert metrics.fva(ACTUAL, FORECAST, reference) == pytest.approx(1.0 - 3.0 / 8.0)
    assert metrics.fva(
        ACTUAL, FORECAST, reference, metric=metrics.mae
    ) == pytest.approx(2.0 - 0.75)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shapes"):
        metrics.mae([1.0, 2.0], [1.0])


def test_rmsse_uses_the_naive_squared_scale():
    insample = np.array([1.0, 3.0, 1.0, 3.0, 2.0])
    assert metrics.rmsse_scale(insample) == pytest.approx(13.0 / 4.0)
    assert metrics.rmsse(ACTUAL, FORECAST, insample) == pytest.approx(
        np.sqrt(0.75 / 3.25)
    )
    assert np.isnan(metrics.rmsse_scale([4.0]))
    assert np.isnan(metrics.rmsse_scale([2.0, 2.0, 2.0]))


def test_rmsse_prefers_the_mean_where_mase_prefers_zero():
    """On intermittent demand the absolute error rewards a zero forecast."""
    insample = np.array([0.0, 4.0, 0.0, 0.0, 2.0, 0.0, 0.0, 6.0])
    actual = np.array([0.0, 0.0, 6.0, 0.0, 0.0, 3.0])
    zero = np.zeros(6)
    mean = np.full(6, insample.mean())
    assert metrics.mase(actual, zero, insample) < metrics.mase(actual, mean, insample)
    assert metrics.rmsse(actual, mean, insample) < metrics.rmsse(actual, zero, insample)
