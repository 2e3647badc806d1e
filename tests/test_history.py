import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.history import build_history, future_periods, period_start


def test_daily_rows_are_summed_into_calendar_months():
    history = pd.DataFrame(
        {
            "item_id": ["a", "a", "a", "a"],
            "period": ["2024-01-03", "2024-01-28", "2024-03-15", "2024-03-16"],
            "qty": [2.0, 3.0, 1.0, 1.0],
        }
    )
    result = build_history(history)
    assert list(result.periods) == list(
        pd.date_range("2024-01-01", "2024-03-01", freq="MS")
    )
    np.testing.assert_array_equal(result.qty, [[5.0, 0.0, 2.0]])


def test_weeks_start_on_monday():
    starts = period_start(["2024-01-07", "2024-01-08", "2024-01-10"], "W")
    assert list(starts) == list(
        pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-08"])
    )
    assert list(future_periods(pd.Timestamp("2024-01-08"), 2, "W")) == list(
        pd.to_datetime(["2024-01-15", "2024-01-22"])
    )


def test_history_starts_at_first_nonzero_and_nan_is_censored(make_history):
    result = build_history(make_history([[0, 0, 4, np.nan, 0, 3]]))
    assert result.start.tolist() == [2]
    assert result.n_periods.tolist() == [4]
    np.testing.assert_array_equal(np.isnan(result.qty[0, :2]), [True, True])
    assert result.censored.tolist() == [[False, False, False, True, False, False]]


def test_missing_rows_inside_life_are_zero():
    history = pd.DataFrame(
        {"item_id": [7, 7], "period": ["2024-01-01", "2024-04-01"], "qty": [1.0, 2.0]}
    )
    np.testing.assert_array_equal(build_history(history).qty, [[1.0, 0.0, 0.0, 2.0]])


def test_value_then_price_then_qty_give_item_value():
    rows = {"item_id": ["a", "b"], "period": ["2024-01-01"] * 2, "qty": [2.0, 3.0]}
    assert build_history(pd.DataFrame(rows)).value.tolist() == [2.0, 3.0]
    priced = pd.DataFrame({**rows, "price": [10.0, 1.0]})
    assert build_history(priced).value.tolist() == [20.0, 3.0]
    valued = pd.DataFrame({**rows, "value": [5.0, 7.0], "price": [10.0, 1.0]})
    assert build_history(valued).value.tolist() == [5.0, 7.0]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"item_id": [1], "qty": [1.0]}), "period"),
        (pd.DataFrame({"item_id": [1], "period": ["x"], "qty": [1.0]}), "period"),
        (pd.DataFrame({"item_id": [1], "period": ["2024-01-01"], "qty": ["a"]}), "qty"),
        (
            pd.DataFrame({"item_id": ["k9"], "period": ["2024-01-01"], "qty": [-1]}),
            "k9",
        ),
    ],
)
def test_bad_input_names_column_or_item(frame, message):
    with pytest.raises(EngineInputError, match=message):
        build_history(frame)


def test_unknown_freq_is_rejected(make_history):
    with pytest.raises(EngineInputError, match="freq"):
        build_history(make_history([[1, 2]]), freq="D")


def test_integer_item_ids_keep_their_dtype():
    ids = np.array([5 * 2**20 + 1, 7 * 2**20 + 2])
    history = pd.DataFrame(
        {"item_id": ids, "period": ["2024-01-01"] * 2, "qty": [1.0, 3.0]}
    )
    result = build_history(history)
    assert result.item_ids.dtype.kind == "i"
    assert (result.item_ids // 2**20).tolist() == [5, 7]
