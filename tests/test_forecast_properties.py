"""Property tests: any non-negative history gives finite, non-negative forecasts."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sop_planning.engine.cli import main
from sop_planning.engine.forecast import run_forecast

CELLS = st.one_of(
    st.just(0.0),
    st.floats(0.0, 50.0),
    st.just(1e9),
    st.just(np.nan),
)


@st.composite
def histories(draw):
    n_items = draw(st.integers(1, 4))
    n_periods = draw(st.integers(1, 40))
    return draw(arrays(float, (n_items, n_periods), elements=CELLS))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(matrix=histories(), horizon=st.integers(1, 13), combine=st.booleans())
@example(matrix=np.zeros((2, 30)), horizon=12, combine=False)
@example(matrix=np.array([[7.0]]), horizon=3, combine=True)
@example(matrix=np.r_[np.ones(30), 1e12, np.ones(5)][None, :], horizon=6, combine=False)
@example(
    matrix=np.r_[np.nan, 3.0, np.nan, np.nan, 0.0, 2.0][None, :],
    horizon=2,
    combine=False,
)
@example(matrix=np.full((1, 24), np.nan), horizon=2, combine=True)
def test_forecasts_are_finite_and_non_negative(make_history, matrix, horizon, combine):
    result = run_forecast(make_history(matrix), horizon=horizon, combine=combine)
    values = result.forecast[["forecast", "lower", "upper", "sigma"]].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert len(result.forecast) == matrix.shape[0] * horizon


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(matrix=histories(), freq=st.sampled_from(["M", "W"]))
def test_cli_round_trips(tmp_path, make_history, matrix, freq):
    source, target = tmp_path / "history.csv", tmp_path / "forecast.csv"
    history = make_history(
        matrix, freq=freq, item_ids=[f"p{i}-w1" for i in range(len(matrix))]
    )
    history.to_csv(source, index=False)
    argv = [
        "forecast",
        str(source),
        "--horizon",
        "3",
        "--freq",
        freq,
        "--out",
        str(target),
    ]
    assert main(argv) == 0
    written = pd.read_csv(target)
    expected = run_forecast(history, horizon=3, freq=freq)
    assert written["item_id"].tolist() == expected.forecast["item_id"].tolist()
    np.testing.assert_allclose(written["forecast"], expected.forecast["forecast"])
    assert list(written.columns) == [
        "item_id",
        "period",
        "forecast",
        "lower",
        "upper",
        "sigma",
        "sigma_cum",
        "model",
        "abc",
        "xyz",
        "pattern",
        "seasonal",
    ]
