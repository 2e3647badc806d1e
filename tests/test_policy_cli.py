"""Tests of the ``policy`` and ``simulate`` sub-commands on CSV files."""

import math

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.cli import main


@pytest.fixture
def files(tmp_path):
    """Write weekly forecast, items and history CSV files; return their paths."""
    weeks = pd.date_range("2026-01-05", periods=6, freq="7D")
    forecast = pd.DataFrame(
        [(item, week, 700.0, 140.0, "ets") for item in ("A", "B") for week in weeks],
        columns=["item_id", "period", "forecast", "sigma", "model"],
    )
    items = pd.DataFrame(
        {"item_id": ["A", "B"], "lead_time_days": [28.0, 0.0], "unit_cost": 2.0}
    )
    history = pd.DataFrame(
        [(item, week, 700.0) for item in ("A", "B") for week in weeks],
        columns=["item_id", "period", "qty"],
    )
    paths = {
        name: tmp_path / f"{name}.csv" for name in ("forecast", "items", "history")
    }
    forecast.to_csv(paths["forecast"], index=False)
    items.to_csv(paths["items"], index=False)
    history.to_csv(paths["history"], index=False)
    paths["policy"] = tmp_path / "policy.csv"
    return paths


def test_policy_command_writes_the_policy(files, capsys):
    code = main(
        [
            "policy",
            str(files["forecast"]),
            str(files["items"]),
            "--out",
            str(files["policy"]),
        ]
    )
    assert code == 0
    policy = pd.read_csv(files["policy"])
    assert policy.columns.tolist() == [
        "item_id",
        "safety_stock",
        "reorder_point",
        "order_up_to",
        "order_qty",
        "service_level",
        "expected_fill_rate",
    ]
    row = policy.set_index("item_id").loc["A"]
    # Weekly periods inferred; 4 weeks: LTD = 2800, SS = 1.6449 x 140 x 2.
    assert row["reorder_point"] == pytest.approx(2800 + 1.6449 * 280, abs=0.1)
    assert "2 items written" in capsys.readouterr().out


def test_policy_command_rounds_to_whole_units_and_packs(files):
    items = pd.read_csv(files["items"]).assign(rounding=1.0, multiple=[6.0, 1.0])
    items.to_csv(files["items"], index=False)
    argv = ["policy", str(files["forecast"]), str(files["items"])]
    assert main([*argv, "--out", str(files["policy"])]) == 0
    policy = pd.read_csv(files["policy"]).set_index("item_id")
    for column in ("reorder_point", "order_up_to", "order_qty"):
        assert (policy[column] % 1 == 0).all(), column
    assert policy.loc["A", "reorder_point"] == pytest.approx(
        math.ceil(2800 + 1.6449 * 280), abs=1
    )
    assert policy.loc["A", "order_qty"] % 6 == 0
    assert policy.loc["A", "order_up_to"] % 6 == 0


def test_policy_command_allocates_an_aggregate_fill_rate(files):
    code = main(
        [
            "policy",
            str(files["forecast"]),
            str(files["items"]),
            "--out",
            str(files["policy"]),
            "--aggregate-fill-rate",
            "0.97",
            "--full",
        ]
    )
    assert code == 0
    policy = pd.read_csv(files["policy"])
    assert policy["explanation"].str.contains("97.0% aggregate fill-rate").all()


def test_simulate_command_prints_totals(files, capsys):
    main(
        [
            "policy",
            str(files["forecast"]),
            str(files["items"]),
            "--out",
            str(files["policy"]),
        ]
    )
    capsys.readouterr()
    code = main(
        [
            "simulate",
            str(files["history"]),
            str(files["policy"]),
            str(files["items"]),
            "--lost-sales",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "static min/max" in out
    assert "fill_rate" in out and "avg_value" in out


def test_items_without_forecast_are_named_and_the_others_planned(files, capsys):
    """An item master lists items that never sold; a forecast may hold items
    the master lacks: the others are planned, the left-out ones named."""
    items = pd.read_csv(files["items"])
    never_sold = pd.DataFrame(
        {"item_id": ["NEW"], "lead_time_days": [14.0], "unit_cost": [3.0]}
    )
    pd.concat([items[items["item_id"] == "A"], never_sold]).to_csv(
        files["items"], index=False
    )
    argv = ["policy", str(files["forecast"]), str(files["items"])]
    assert main([*argv, "--out", str(files["policy"])]) == 0
    assert pd.read_csv(files["policy"])["item_id"].tolist() == ["A"]
    err = capsys.readouterr().err
    assert "1 item(s) of " in err and "not planned: NEW" in err
    assert "no row in" in err and "not planned: B" in err

    never_sold.to_csv(files["items"], index=False)
    assert main([*argv, "--out", str(files["policy"])]) == 2
    assert "error: no item of" in capsys.readouterr().err


def test_bad_input_exits_2_naming_the_item(files, capsys):
    items = pd.read_csv(files["items"])
    items.loc[1, "lead_time_days"] = -3
    items.to_csv(files["items"], index=False)
    code = main(
        [
            "policy",
            str(files["forecast"]),
            str(files["items"]),
            "--out",
            str(files["policy"]),
        ]
    )
    assert code == 2
    assert (
        "error: item B: column 'lead_time_days' is negative" in capsys.readouterr().err
    )


def test_policy_command_plans_from_history_as_the_add_on(
    tmp_path, make_history, capsys
):
    """--history: floor at the recent rate, law from history, backtest columns;
    without it the command says that its law is not the add-on's."""
    months = pd.date_range("2030-01-01", periods=12, freq="MS")
    forecast = pd.DataFrame(
        {"item_id": "P", "period": months, "forecast": 2.0, "sigma": 1.0}
    )
    demand = [[0, 0, 9, 0, 0, 0, 12, 0, 0, 0, 0, 15] * 3]  # lumpy, 36 months
    items = pd.DataFrame(
        {
            "item_id": ["P"],
            "lead_time_days": [61.0],
            "review_days": [30.4],
            "unit_cost": [4.0],
            "service_level": [0.95],
            "service_type": ["fill_rate"],
        }
    )
    paths = {name: tmp_path / f"{name}.csv" for name in ("f", "i", "h", "p")}
    forecast.to_csv(paths["f"], index=False)
    items.to_csv(paths["i"], index=False)
    make_history(demand, item_ids=["P"]).to_csv(paths["h"], index=False)
    args = ["policy", str(paths["f"]), str(paths["i"]), "--out", str(paths["p"])]
    assert main([*args, "--history", str(paths["h"]), "--backtest"]) == 0
    planned = pd.read_csv(paths["p"]).iloc[0]
    assert planned["backtest_fill_rate"] >= 0
    assert planned["backtest_avg_stock_value"] > 0
    # one lumpy item: its reorder points come in coarse steps, so its
    # promise is at its target or above
    assert planned["expected_fill_rate"] >= 0.95 - 0.03
    assert "--history" not in capsys.readouterr().err
    assert main(args) == 0  # the forecast's law, no history
    assert "not the add-on's" in capsys.readouterr().err
    former = pd.read_csv(paths["p"]).iloc[0]
    # the lumpy history (3 a month on average, in lumps of 9-15) needs more
    # than the forecast's 2 a month with sigma 1 suggests
    assert planned["reorder_point"] > former["reorder_point"] + 5


def test_policy_plans_from_the_history_the_forecast_was_made_from(
    tmp_path, make_history, capsys
):
    """forecast then policy, no --history: the forecast's own history is used
    (the add-on's policy), until that file changes."""
    demand = [[0, 0, 9, 0, 0, 0, 12, 0, 0, 0, 0, 15] * 3]  # lumpy, 36 months
    items = pd.DataFrame(
        {"item_id": ["P"], "lead_time_days": [61.0], "unit_cost": [4.0]}
    )
    paths = {name: tmp_path / f"{name}.csv" for name in ("f", "i", "h", "p", "q")}
    items.to_csv(paths["i"], index=False)
    make_history(demand, item_ids=["P"]).to_csv(paths["h"], index=False)
    assert main(["forecast", str(paths["h"]), "--out", str(paths["f"])]) == 0
    policy = ["policy", str(paths["f"]), str(paths["i"]), "--out"]
    assert main([*policy, str(paths["p"])]) == 0
    assert f"resampled from {paths['h']}" in capsys.readouterr().err
    assert main([*policy, str(paths["q"]), "--history", str(paths["h"])]) == 0
    assert paths["p"].read_text() == paths["q"].read_text()
    capsys.readouterr()

    make_history([[1] * 36], item_ids=["P"]).to_csv(paths["h"], index=False)
    assert main([*policy, str(paths["p"])]) == 0
    err = capsys.readouterr().err
    assert "is gone or changed since" in err and "not the add-on's" in err
    assert paths["p"].read_text() != paths["q"].read_text()


def test_item_ids_are_matched_as_text_across_files(tmp_path, make_history, capsys):
    """``100`` in ITEMS.csv is the ``100`` of a history that also holds
    ``P-1`` (read as text there), and ``007`` keeps its zeros."""
    paths = {name: tmp_path / f"{name}.csv" for name in ("h", "f", "i", "p")}
    make_history(np.full((3, 30), 5.0), item_ids=["P-1", "100", "007"]).to_csv(
        paths["h"], index=False
    )
    paths["i"].write_text("item_id,lead_time_days,unit_cost\n100,30,3\n007,30,3\n")
    assert main(["forecast", str(paths["h"]), "--out", str(paths["f"])]) == 0
    policy = ["policy", str(paths["f"]), str(paths["i"]), "--out", str(paths["p"])]
    assert main(policy) == 0
    assert "not planned: P-1" in capsys.readouterr().err
    planned = pd.read_csv(paths["p"], dtype={"item_id": str})
    assert sorted(planned["item_id"]) == ["007", "100"]


def test_an_item_listed_twice_is_named(files, capsys):
    """An item master with a row copied twice stopped the planned policy
    with a pandas traceback; it is named, as other bad input is."""
    items = pd.read_csv(files["items"])
    pd.concat([items, items.iloc[[0]]]).to_csv(files["items"], index=False)
    args = [str(files["forecast"]), str(files["items"]), "--out", str(files["policy"])]
    code = main(["policy", *args, "--history", str(files["history"])])
    assert code == 2
    assert "error: item A: column 'item_id' appears twice" in capsys.readouterr().err
