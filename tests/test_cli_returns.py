"""Command line: a history file of daily rows is summed into the plan's
periods, and customer returns (negative quantities) are netted against the
item's sales of their period, as the add-on nets them, instead of stopping
the run."""

import numpy as np
import pandas as pd
import pytest

from sop_planning.engine.cli import main
from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.history import bucket_history


def sales_with_returns():
    """Two items, daily rows: item A has a return in March (netted to 7) and
    one in May larger than that month's sales (counted as 0)."""
    rows = [("A", f"2030-{month:02d}-10", 10.0, 20.0) for month in range(1, 13)] + [
        ("A", "2030-03-25", -3.0, -6.0),
        ("A", "2030-05-20", -15.0, -30.0),
        ("B", "2030-01-05", 4.0, 4.0),
        ("B", "2030-02-05", np.nan, np.nan),
    ]
    return pd.DataFrame(rows, columns=["item_id", "period", "qty", "value"])


def test_returns_are_netted_per_month_and_a_month_never_goes_below_zero():
    netted, returned, below = bucket_history(sales_with_returns(), "M")
    assert (returned, below) == (2, 1)
    months = netted[netted["item_id"] == "A"].set_index("period")
    assert months.loc[pd.Timestamp("2030-03-01"), ["qty", "value"]].tolist() == [
        7.0,
        14.0,
    ]
    assert months.loc[pd.Timestamp("2030-05-01"), ["qty", "value"]].tolist() == [
        0.0,
        0.0,
    ]
    assert months["qty"].sum() == 10 * 12 - 3 - 10
    # a month of unknown demand (out of stock) stays unknown, not zero
    unknown = netted[(netted["item_id"] == "B")]
    assert unknown["qty"].isna().sum() == 1


def test_a_history_in_months_without_returns_is_left_as_it_is():
    daily = sales_with_returns().query("qty >= 0 or qty != qty")
    monthly = bucket_history(daily, "M")[0]
    assert len(monthly) == 12 + 2
    assert bucket_history(monthly, "M")[0] is monthly


def test_other_bad_quantities_are_still_refused():
    history = sales_with_returns()
    history.loc[0, "qty"] = np.inf
    with pytest.raises(EngineInputError, match="infinite for item 'A'"):
        bucket_history(history, "M")


def test_forecast_and_policy_plan_a_daily_history_with_returns_by_the_month(
    tmp_path, capsys
):
    """The policy planned from the daily file the forecast recorded is the
    one planned from that file summed into months by hand."""
    paths = {name: tmp_path / f"{name}.csv" for name in "hnfgipq"}
    history = sales_with_returns()
    history.to_csv(paths["h"], index=False)
    bucket_history(history, "M")[0].to_csv(paths["n"], index=False)
    pd.DataFrame(
        {"item_id": ["A", "B"], "lead_time_days": [30.0, 30.0], "unit_cost": [2.0, 1.0]}
    ).to_csv(paths["i"], index=False)

    assert main(["forecast", str(paths["h"]), "--out", str(paths["f"])]) == 0
    err = capsys.readouterr().err
    assert "2 rows with a negative quantity (returns) netted" in err
    assert "1 period with more returned than sold counted as 0" in err
    assert main(["forecast", str(paths["n"]), "--out", str(paths["g"])]) == 0
    assert paths["f"].read_text() == paths["g"].read_text()

    policy = ["policy", str(paths["f"]), str(paths["i"]), "--out"]
    assert main([*policy, str(paths["p"])]) == 0
    assert "2 rows with a negative quantity" in capsys.readouterr().err
    assert main([*policy, str(paths["q"]), "--history", str(paths["n"])]) == 0
    assert paths["p"].read_text() == paths["q"].read_text()
    assert pd.read_csv(paths["p"])["reorder_point"].notna().all()

    # the replay of the daily file by the month is the replay of the months
    capsys.readouterr()
    replays = []
    for source in ("h", "n"):
        args = ["simulate", str(paths[source]), str(paths["p"]), str(paths["i"])]
        assert main([*args, "--freq", "M"]) == 0
        replays.append(capsys.readouterr().out)
    assert replays[0] == replays[1]
