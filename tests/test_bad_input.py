"""Bad input to the engine: a clear error naming the item or column, never a crash.

Each case is what a planner's export or a vendor table really contains now and
then; the engine must either refuse it with an ``EngineInputError`` saying
what is wrong where, or handle it on purpose (asserted here).
"""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_planning.engine.cli import main
from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.forecast import run_forecast
from sop_planning.engine.policy import compute_policy
from sop_planning.engine.policy_calibration import planned_policy, policy_backtest
from sop_planning.engine.simulate import simulate

MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")


def history(qty, item="SKU-1", periods=None):
    """Long history of one item, one row per month."""
    periods = MONTHS[: len(qty)] if periods is None else periods
    return pd.DataFrame({"item_id": item, "period": periods, "qty": qty})


def items(**columns):
    """One policy item SKU-7: 30 days lead time, unit cost 10, overrides."""
    base = {"item_id": ["SKU-7"], "lead_time_days": [30.0], "unit_cost": [10.0]}
    base.update({name: [value] for name, value in columns.items()})
    return pd.DataFrame(base)


def demand(item="SKU-7", forecast=100.0, sigma=20.0):
    """Twelve months of flat forecast for ``item``."""
    return pd.DataFrame(
        {
            "item_id": item,
            "period": MONTHS[:12],
            "forecast": forecast,
            "sigma": sigma,
        }
    )


# ----------------------------------------------------------------------
# History (forecast input)
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (history([1.0, 2.0]).drop(columns="qty"), "lacks column(s): qty"),
        (history([1.0, 2.0]).drop(columns="period"), "lacks column(s): period"),
        (history(["12", "twelve"]), "column qty is not numeric"),
        (history([5.0, -3.0], item="SKU-NEG"), "negative for item 'SKU-NEG'"),
        (history([5.0, np.inf], item="SKU-INF"), "infinite for item 'SKU-INF'"),
        (
            history([1.0, 2.0], periods=["2024-01-01", "last spring"]),
            "period has unreadable dates",
        ),
        (history([1.0, 2.0], item=None), "item_id has empty values"),
        (history([]), "history is empty"),
    ],
    ids=[
        "missing-qty-column",
        "missing-period-column",
        "text-in-qty",
        "negative-qty",
        "infinite-qty",
        "unreadable-date",
        "empty-item",
        "empty-history",
    ],
)
def test_bad_history_is_refused_with_the_column_or_item(frame, message):
    with pytest.raises(EngineInputError, match=re.escape(message)):
        run_forecast(frame, horizon=3)


def test_bad_frequency_is_refused():
    with pytest.raises(EngineInputError, match="freq must be 'M' or 'W'"):
        run_forecast(history([1.0, 2.0]), horizon=3, freq="Q")


def test_history_of_one_day_gives_a_mean_forecast_and_says_why():
    one_day = pd.DataFrame({"item_id": ["NEW"], "period": ["2026-03-15"], "qty": [5.0]})
    result = run_forecast(one_day, horizon=3)
    assert result.forecast["forecast"].tolist() == [5.0, 5.0, 5.0]
    assert result.items.loc[0, "n_periods"] == 1
    assert "too little history" in result.items.loc[0, "reason"]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    position=st.integers(min_value=0, max_value=23),
    noise=st.lists(st.floats(min_value=-2.0, max_value=2.0), min_size=24, max_size=24),
    flat=st.booleans(),
)
def test_one_billion_outlier_does_not_blow_up_the_forecast(position, noise, flat):
    qty = np.full(24, 10.0) if flat else 10.0 + np.asarray(noise)
    qty[position] = 1e9
    result = run_forecast(history(qty), horizon=3)
    assert (result.forecast["forecast"] < 100.0).all(), result.items.to_dict()


@settings(max_examples=25, deadline=None, derandomize=True)
@given(junk=st.text(min_size=1, max_size=8).filter(lambda s: not _is_number(s)))
def test_any_text_in_the_qty_column_is_a_clear_error(junk):
    frame = history(["4", junk, "6"])
    with pytest.raises(EngineInputError, match="qty"):
        run_forecast(frame, horizon=2)


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------
# Policy input (vendor data, service level)
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"lead_time_days": -5.0}, "item SKU-7: column 'lead_time_days' is negative"),
        (
            {"lead_time_days": np.nan},
            "item SKU-7: column 'lead_time_days' is missing",
        ),
        (
            {"lead_time_days": "two weeks"},
            "item SKU-7: column 'lead_time_days' is not a number",
        ),
        (
            {"unit_cost": "1,87"},  # a decimal comma in a comma-separated file
            r"item SKU-7: column 'unit_cost' is not a number \(got '1,87'\)",
        ),
        ({"lead_time_days": 1e6}, "item SKU-7: column 'lead_time_days' is absurd"),
        ({"lead_time_days": np.inf}, "item SKU-7: column 'lead_time_days' is absurd"),
        ({"unit_cost": -1.0}, "item SKU-7: column 'unit_cost' is negative"),
        ({"moq": -10.0}, r"item SKU-7: column 'moq' is negative \(got -10\.0\)$"),
        ({"service_level": 0.0}, "item SKU-7: column 'service_level' not in"),
        ({"service_level": 1.0}, "item SKU-7: column 'service_level' not in"),
        ({"service_type": "best"}, "item SKU-7: column 'service_type' not cycle"),
    ],
    ids=[
        "negative-lead-time",
        "missing-lead-time",
        "text-lead-time",
        "decimal-comma-cost",
        "absurd-lead-time",
        "infinite-lead-time",
        "negative-cost",
        "negative-moq",
        "service-level-0",
        "service-level-100",
        "unknown-service-type",
    ],
)
def test_bad_item_is_refused_naming_it(columns, message):
    with pytest.raises(EngineInputError, match=message):
        compute_policy(items(**columns), demand(), freq="M")


def test_items_without_lead_time_column_are_refused():
    with pytest.raises(EngineInputError, match="missing column.*lead_time_days"):
        compute_policy(items().drop(columns="lead_time_days"), demand(), freq="M")


def test_item_listed_twice_is_refused():
    twice = pd.concat([items(), items()], ignore_index=True)
    with pytest.raises(EngineInputError, match="item SKU-7: column 'item_id' appears"):
        compute_policy(twice, demand(), freq="M")


def test_item_without_demand_rows_is_refused():
    with pytest.raises(EngineInputError, match="has no rows in demand"):
        compute_policy(items(), demand(item="OTHER"), freq="M")


def test_demand_with_missing_forecast_is_refused():
    gaps = demand()
    gaps.loc[3, "forecast"] = np.nan
    with pytest.raises(EngineInputError, match="item SKU-7: column 'forecast' is NaN"):
        compute_policy(items(), gaps, freq="M")


def test_a_daily_history_for_a_monthly_plan_is_refused():
    """Resampled as if each day were a month, it would plan nonsense."""
    days = pd.date_range("2024-01-01", periods=400, freq="D")
    daily = history(np.ones(400), item="SKU-7", periods=days)
    with pytest.raises(EngineInputError, match="history has 400 periods where"):
        planned_policy(items(), demand(), daily, freq="M")
    with pytest.raises(EngineInputError, match="sum it into the plan's periods"):
        policy_backtest(items(), daily, freq="M")
    monthly = history(np.ones(14), item="SKU-7")
    assert len(planned_policy(items(), demand(), monthly, freq="M")) == 1


def test_zero_lead_time_and_zero_price_give_a_finite_policy():
    policy = compute_policy(
        items(lead_time_days=0.0, unit_cost=0.0, review_days=7.0),
        demand(),
        freq="M",
    )
    row = policy.iloc[0]
    for column in ("safety_stock", "reorder_point", "order_up_to", "order_qty"):
        assert np.isfinite(row[column]) and row[column] >= 0, column
    # a week of review still needs a week of demand
    assert row["lead_time_demand"] == pytest.approx(100.0 * 7 / 30.4375)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    lead=st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=3650.0)),
    level=st.floats(min_value=0.5, max_value=0.999),
    cost=st.floats(min_value=0.0, max_value=1e6),
    mean=st.floats(min_value=0.0, max_value=1e6),
)
def test_any_plausible_item_gets_a_finite_non_negative_policy(lead, level, cost, mean):
    policy = compute_policy(
        items(lead_time_days=lead, service_level=level, unit_cost=cost),
        demand(forecast=mean, sigma=mean / 5),
        freq="M",
    )
    row = policy.iloc[0]
    for column in ("reorder_point", "order_up_to", "order_qty"):
        assert np.isfinite(row[column]) and row[column] >= 0, (column, row[column])


# ----------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------
def test_negative_on_hand_is_refused_naming_the_item():
    with pytest.raises(EngineInputError, match="item P1: initial_on_hand must be"):
        simulate(
            np.full((1, 6), 5.0), 10.0, 20.0, initial_on_hand=-5.0, item_ids=["P1"]
        )


def test_a_backlog_at_the_start_is_served_first():
    demand_matrix = np.array([[5.0, 5.0]])
    # nothing arrives within the two periods: the stock goes to what is owed
    kept = simulate(demand_matrix, 0.0, 0.0, initial_on_hand=10.0, lead_time=5)
    owing = simulate(
        demand_matrix,
        0.0,
        0.0,
        initial_on_hand=10.0,
        initial_backlog=10.0,
        lead_time=5,
    )
    assert kept.fill_rate[0] == 1.0
    assert owing.fill_rate[0] == 0.0
    with pytest.raises(EngineInputError, match="item P1: initial_backlog must be"):
        simulate(demand_matrix, 0.0, 0.0, initial_backlog=-1.0, item_ids=["P1"])


def test_negative_demand_is_refused_naming_item_and_period():
    demand_matrix = np.full((2, 4), 5.0)
    demand_matrix[1, 2] = -1.0
    with pytest.raises(EngineInputError, match="item P2: demand in period 2"):
        simulate(demand_matrix, 10.0, 20.0, item_ids=["P1", "P2"])


# ----------------------------------------------------------------------
# Command line on CSV files: exit code 2 and the reason on stderr
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("item_id,period\nA,2024-01-01\n", "lacks column(s): qty"),
        ("item_id,period,qty\nA,2024-01-01,12\nA,2024-02-01,n/a!\n", "not numeric"),
        ("item_id,period,qty\nA,2024-01-01,12\nA,someday,3\n", "unreadable dates"),
    ],
    ids=["csv-missing-column", "csv-text-in-number", "csv-bad-date"],
)
def test_forecast_command_reports_bad_csv(tmp_path, capsys, rows, message):
    path = tmp_path / "history.csv"
    path.write_text(rows)
    code = main(["forecast", str(path), "--horizon", "2", "--out", "-"])
    assert code == 2
    assert message in capsys.readouterr().err


def test_policy_command_reports_item_with_text_lead_time(tmp_path, capsys):
    demand().to_csv(tmp_path / "forecast.csv", index=False)
    items(lead_time_days="three weeks").to_csv(tmp_path / "items.csv", index=False)
    code = main(
        [
            "policy",
            str(tmp_path / "forecast.csv"),
            str(tmp_path / "items.csv"),
            "--out",
            str(tmp_path / "policy.csv"),
        ]
    )
    assert code == 2
    assert "item SKU-7: column 'lead_time_days'" in capsys.readouterr().err
    assert not (tmp_path / "policy.csv").exists()


def test_missing_file_is_reported(tmp_path, capsys):
    code = main(["forecast", str(tmp_path / "nowhere.csv"), "--out", "-"])
    assert code == 2
    assert "nowhere.csv" in capsys.readouterr().err
