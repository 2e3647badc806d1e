"""Accuracy of the forecast engine on the shared real data sets.

Holds out the last 12 months (26 weeks for spares_man) of each data set and
scores, on the held-out actuals, the engine's auto-selection (best model per
item; with ``combine=True`` the median of the 3 best; and that with outliers
capped at 3 MAD), its seasonal
naive (naive for items with less than a season of history) and statsforecast
AutoETS fitted on the same cleaned training series (each item from its first
non-zero period, unknown periods imputed as in the engine; series on which
AutoETS fails, e.g. a single period, get statsforecast's HistoricAverage).
Items that never had demand in training are forecast zero by every method.
Metrics as in ``sop_planning.engine.forecast_backtest``: WAPE and bias
pooled, MASE the mean over items of the item's MAE over its in-sample
seasonal-naive MAE, RMSSE likewise with squared errors and the naive MSE
(MASE rewards zero forecasts for intermittent items, RMSSE does not);
``zero_forecasts`` counts items with demand in the last training season that
are forecast zero over the whole hold-out. The pooled table weighs each data
set's MASE and RMSSE by its number of scored items.

    python3 bench/bench_forecast_accuracy.py [--data-dir ../shared/data]
"""

import argparse
import os
import sys
import time
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # tiny per-series fits: threads only contend

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_md import markdown, write_section  # noqa: E402

from sop_planning.engine.forecast import clean_history  # noqa: E402
from sop_planning.engine.forecast_backtest import (  # noqa: E402
    evaluate_holdout,
    score_table,
)

DATASETS = (
    ("carparts_monthly.csv.gz", "M", 12),
    ("hospital_monthly.csv.gz", "M", 12),
    ("spares_man_weekly.csv.gz", "W", 26),
)


def autoets_forecasts(history, horizon, n_jobs):
    """statsforecast AutoETS on the engine's cleaned training series."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, HistoricAverage

    qty = clean_history(history)
    rows, cols = np.nonzero(np.isfinite(qty))
    frame = pd.DataFrame({"unique_id": rows, "ds": cols, "y": qty[rows, cols]})
    engine = StatsForecast(
        models=[AutoETS(season_length=history.season_length)],
        freq=1,
        n_jobs=n_jobs,
        fallback_model=HistoricAverage(),
    )
    started = time.perf_counter()
    predicted = engine.forecast(df=frame, h=horizon)
    seconds = time.perf_counter() - started
    predicted = predicted.reset_index() if "unique_id" not in predicted else predicted
    forecast = np.zeros((len(qty), horizon))
    values = predicted["AutoETS"].to_numpy().reshape(-1, horizon)
    forecast[predicted["unique_id"].to_numpy()[::horizon]] = values
    return np.clip(np.nan_to_num(forecast), 0.0, None), seconds


def evaluate(path, freq, horizon, n_jobs):
    """Score table (all items) of engine, seasonal naive and AutoETS."""
    history = pd.read_csv(path)
    started = time.perf_counter()
    holdout = evaluate_holdout(history, horizon, freq, combine=False, outlier_k=None)
    engine_seconds = time.perf_counter() - started
    combined = evaluate_holdout(history, horizon, freq, combine=True, outlier_k=None)
    capped = evaluate_holdout(history, horizon, freq)  # the defaults
    ets, ets_seconds = autoets_forecasts(holdout.result.history, horizon, n_jobs)
    forecasts = {
        "engine auto (best model)": holdout.forecasts["auto"],
        "engine auto (combine=True)": combined.forecasts["auto"],
        "engine auto (default: combine=True, outlier_k=3)": capped.forecasts["auto"],
        "seasonal naive": holdout.forecasts["seasonal_naive"],
        "statsforecast AutoETS": ets,
    }
    table = score_table(
        holdout.actual,
        forecasts,
        holdout.scale,
        holdout.patterns,
        holdout.rmsse_scale,
        holdout.recent,
    )
    table.insert(0, "data", Path(path).name.split(".")[0])
    seconds = {"engine": engine_seconds, "AutoETS": ets_seconds}
    return table, seconds


def main(argv=None):
    """Run the accuracy benchmark; print and save the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--results", default=str(REPO / "bench/results/forecast.md"))
    args = parser.parse_args(argv)
    lines = [
        "Command: `python3 bench/bench_forecast_accuracy.py` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores.",
        "",
    ]
    totals = []
    for name, freq, horizon in DATASETS:
        table, seconds = evaluate(
            os.path.join(args.data_dir, name), freq, horizon, args.n_jobs
        )
        overall = table[table["pattern"] == "all"]
        naive = overall.set_index("model").loc["seasonal naive", "mase"]
        overall = overall.assign(mase_vs_snaive=overall["mase"] / naive - 1.0)
        totals.append(overall)
        lines += [
            f"### {name} (hold-out {horizon} {'months' if freq == 'M' else 'weeks'};"
            f" engine {seconds['engine']:.1f} s incl. hold-out scoring,"
            f" AutoETS {seconds['AutoETS']:.1f} s)",
            "",
            markdown(overall),
            "",
            "Per demand pattern (MASE):",
            "",
            markdown(
                table.pivot(index="pattern", columns="model", values="mase"), index=True
            ),
            "",
        ]
        print("\n".join(lines[-9:]), flush=True)
    lines += [
        "### All data sets pooled (MASE, RMSSE: mean over all items of the three"
        " sets; zero_forecasts: sum)",
        "",
        markdown(pooled(pd.concat(totals))),
    ]
    print("\n".join(lines[-3:]))
    write_section(
        args.results, "accuracy", "\n".join(lines), title="Forecast benchmarks"
    )


def pooled(overall):
    """Item-weighted MASE and RMSSE per model over data sets, change vs snaive."""
    weighted = overall.assign(
        mase_items=overall["mase"] * overall["items"],
        rmsse_items=overall["rmsse"] * overall["items"],
    )
    columns = ["mase_items", "rmsse_items", "items", "zero_forecasts"]
    sums = weighted.groupby("model", sort=False)[columns].sum()
    table = pd.DataFrame(
        {
            "model": sums.index,
            "mase": sums["mase_items"] / sums["items"],
            "rmsse": sums["rmsse_items"] / sums["items"],
            "zero_forecasts": sums["zero_forecasts"].astype(int),
        }
    ).reset_index(drop=True)
    naive = table.set_index("model").loc["seasonal naive", "mase"]
    return table.assign(mase_vs_snaive=table["mase"] / naive - 1.0)


if __name__ == "__main__":
    main()
