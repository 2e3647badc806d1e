"""Command ``plan``: CSV files in, S&OP workbook and summary out."""

import numpy as np
import openpyxl
import pandas as pd

from sop_planning.engine import cli_plan
from sop_planning.engine.cli import main
from sop_planning.engine.scenario import evaluate_plan
from sop_planning.engine.workbook import SHEETS


def _history(path):
    rng = np.random.default_rng(5)
    periods = pd.date_range("2024-01-01", periods=24, freq="MS").strftime("%Y-%m-%d")
    frames = [
        pd.DataFrame(
            {
                "item_id": item,
                "period": periods,
                "qty": rng.poisson(level, len(periods)),
                "price": price,
            }
        )
        for item, level, price in (("A", 80, 12.0), ("B", 30, 40.0), ("C", 5, 9.5))
    ]
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_plan_round_trip(tmp_path, capsys):
    history = _history(tmp_path / "history.csv")
    items = tmp_path / "items.csv"
    # C is absent and B has an empty lead time: both take the defaults
    pd.DataFrame(
        {"item_id": ["A", "B"], "lead_time_days": [14, None], "unit_cost": [6.0, 25.0]}
    ).to_csv(items, index=False)
    xlsx = tmp_path / "plan.xlsx"
    argv = [str(history), str(items), "--xlsx", str(xlsx), "--horizon", "6"]
    code = main(["plan", *argv, "--paths", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 items, 6 periods from 2026-01-01" in out
    for name in ("Base plan", "Demand +15 %", "Service level 98 %", "Price -5 %"):
        assert name in out
    book = openpyxl.load_workbook(xlsx, data_only=True)
    assert book.sheetnames == list(SHEETS)
    demand = list(book["Demand plan"].iter_rows(values_only=True))
    assert demand[0][:3] == ("Item", "Measure", "2026-01")
    assert len(demand[0]) == 2 + 6 + 1
    scenarios = list(book["Scenarios"].iter_rows(values_only=True))
    assert len(scenarios) == 1 + 5
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Items"] == 3
    # realised prices of the history: revenue is above cost
    assert summary["Margin"] > 0


def test_plan_without_items_file(tmp_path, capsys):
    history = _history(tmp_path / "history.csv")
    xlsx = tmp_path / "plan.xlsx"
    code = main(
        ["plan", str(history), "--xlsx", str(xlsx), "--horizon", "3", "--paths", "1"]
    )
    assert code == 0
    assert xlsx.exists()
    printed = capsys.readouterr()
    assert "Base plan" in printed.out
    assert printed.err == ""  # the history has prices


def test_malformed_csv_exits_2_with_a_message(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,period,quantity\nA,2024-01-01,3\n")
    code = main(["plan", str(bad), "--xlsx", str(tmp_path / "x.xlsx")])
    assert code == 2
    assert "error: history lacks column(s): qty" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_bad_items_file_names_item_and_column(tmp_path, capsys):
    history = _history(tmp_path / "history.csv")
    items = tmp_path / "items.csv"
    items.write_text("item_id,lead_time_days,unit_cost\nA,two weeks,6\n")
    code = main(["plan", str(history), str(items), "--xlsx", str(tmp_path / "x.xlsx")])
    assert code == 2
    err = capsys.readouterr().err
    assert "item A" in err and "lead_time_days" in err


def test_missing_file_exits_2(tmp_path, capsys):
    code = main(["plan", str(tmp_path / "none.csv"), "--xlsx", str(tmp_path / "x")])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_plan_scores_the_policy_that_policy_history_writes(
    tmp_path, monkeypatch, capsys
):
    """The base plan is scored with the policy ``forecast`` then ``policy
    --history`` gives from the same history, not the forecast's law."""
    history = _history(tmp_path / "history.csv")
    items = tmp_path / "items.csv"
    pd.DataFrame(
        {
            "item_id": ["A", "B", "C"],
            "lead_time_days": [14.0, 45.0, 30.0],
            "unit_cost": [6.0, 25.0, 4.0],
            "service_level": 0.95,
        }
    ).to_csv(items, index=False)
    evaluations = []

    def keep(*args, **kwargs):
        evaluations.append(evaluate_plan(*args, **kwargs))
        return evaluations[-1]

    monkeypatch.setattr(cli_plan, "evaluate_plan", keep)
    xlsx, forecast, policy = (tmp_path / name for name in ("p.xlsx", "f.csv", "p.csv"))
    argv = ["--horizon", "6"]
    assert main(["plan", str(history), str(items), "--xlsx", str(xlsx), *argv]) == 0
    assert main(["forecast", str(history), "--out", str(forecast), *argv]) == 0
    assert main(["policy", str(forecast), str(items), "--out", str(policy)]) == 0
    capsys.readouterr()
    written = pd.read_csv(policy).set_index("item_id")
    scored = evaluations[0].policy.set_index("item_id").loc[written.index]
    for column in ("reorder_point", "order_up_to"):
        np.testing.assert_allclose(scored[column], written[column], atol=1e-3)
