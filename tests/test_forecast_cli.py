"""Command line: forecast and backtest sub-commands."""

import numpy as np
import pandas as pd

from sop_planning.engine.cli import main


def test_backtest_prints_models_patterns_and_auto(tmp_path, capsys, make_history):
    rng = np.random.default_rng(11)
    matrix = np.vstack(
        [
            100 + 30 * np.sin(np.arange(40) * np.pi / 6) + rng.normal(0, 3, 40),
            rng.poisson(0.3, 40) * 5.0,
        ]
    )
    source = tmp_path / "history.csv"
    make_history(matrix).to_csv(source, index=False)
    assert main(["backtest", str(source), "--horizon", "6"]) == 0
    out = capsys.readouterr().out
    for word in ("wape", "mase", "bias", "holt_winters", "tsb", "auto", "smooth"):
        assert word in out
    assert "auto-selection: WAPE" in out


def test_malformed_file_fails_with_a_clear_message(tmp_path, capsys):
    source = tmp_path / "bad.csv"
    pd.DataFrame({"sku": [1], "period": ["2024-01-01"], "qty": [1]}).to_csv(source)
    assert main(["forecast", str(source), "--out", str(tmp_path / "f.csv")]) == 2
    assert "error: history lacks column(s): item_id" in capsys.readouterr().err


def test_missing_file_fails_with_exit_code_2(tmp_path, capsys):
    assert main(["backtest", str(tmp_path / "none.csv")]) == 2
    assert "error:" in capsys.readouterr().err


def test_progress_goes_to_stderr_on_long_runs(
    tmp_path, capsys, monkeypatch, make_history
):
    from sop_planning.engine import forecast

    monkeypatch.setattr(
        forecast.run_forecast,
        "__kwdefaults__",
        {**forecast.run_forecast.__kwdefaults__, "chunk_size": 2},
    )
    source = tmp_path / "history.csv"
    make_history(np.ones((5, 12))).to_csv(source, index=False)
    assert main(["forecast", str(source), "--out", str(tmp_path / "f.csv")]) == 0
    assert "forecast: 5/5 items" in capsys.readouterr().err


def test_a_danish_spreadsheet_export_reads_as_its_comma_twin(tmp_path, make_history):
    """Semicolons, decimal commas and Windows' encoding (an "ø" in an item
    id), as a Danish Excel saves a CSV: the same forecast as from the file
    with commas in UTF-8."""
    rng = np.random.default_rng(5)
    history = make_history(rng.gamma(2.0, 10.0, (2, 24)).round(1))
    history["item_id"] = history["item_id"].map({0: "Køleskab", 1: "Lås"})
    plain, local = tmp_path / "plain.csv", tmp_path / "local.csv"
    history.to_csv(plain, index=False)
    history.to_csv(local, index=False, sep=";", decimal=",", encoding="cp1252")
    assert "," in local.read_bytes().decode("cp1252").splitlines()[1]
    outputs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for source, out in zip((plain, local), outputs, strict=True):
        assert main(["forecast", str(source), "--out", str(out)]) == 0
    assert outputs[0].read_text() == outputs[1].read_text()
    assert "Køleskab" in outputs[0].read_text()


def test_a_mistyped_year_does_not_move_the_forecast(tmp_path, make_history, capsys):
    """Sales keyed in as 2041 among three years to 2022 started every
    item's forecast in 2041, after 19 years of zeros; the rows are left out
    and named, the forecast is that of the file without them."""
    history = make_history(np.full((10, 36), 20.0), item_ids=list("ABCDEFGHIJ"))
    clean, typo = tmp_path / "clean.csv", tmp_path / "typo.csv"
    history.to_csv(clean, index=False)
    stray = history.iloc[[40, 40]].assign(period=pd.Timestamp("2041-06-01"), qty=5.0)
    pd.concat([history, stray]).to_csv(typo, index=False)
    for path in (clean, typo):
        assert main(["forecast", str(path), "--out", str(path) + ".out"]) == 0
    err = capsys.readouterr().err
    assert "2 rows left out" in err and err.count("item B on 2041-06-01") == 1
    pd.testing.assert_frame_equal(
        pd.read_csv(str(clean) + ".out"), pd.read_csv(str(typo) + ".out")
    )


def test_a_slow_items_years_apart_sales_are_kept(tmp_path, capsys):
    """Sale lines of a slow item two years apart are its history, not a typo."""
    path = tmp_path / "slow.csv"
    path.write_text("item_id,period,qty\nS,2020-03-01,4\nS,2022-05-01,6\n")
    assert main(["forecast", str(path), "--out", str(tmp_path / "out.csv")]) == 0
    assert "left out" not in capsys.readouterr().err
