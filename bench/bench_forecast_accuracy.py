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

Every figure is on the ``report`` half of the items (``holdout_split``): the
engine's settings are chosen on the ``choose`` half. Each set also gets a
table of its items classed seasonal (``seasonal`` column of the default
run: ``classify.seasonal``, not intermittent or lumpy), engine against
seasonal naive. ``--no-autoets`` leaves out the AutoETS column (statsforecast
caps pandas below 3: do not install it where the engine runs pandas 3).

    python3 bench/bench_forecast_accuracy.py [--data-dir ../shared/data] [--no-autoets]
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

from holdout_split import REPORT, item_half  # noqa: E402
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


def evaluate(path, freq, horizon, n_jobs, autoets):
    """Score tables (report half; all items and items classed seasonal)."""
    history = pd.read_csv(path)
    started = time.perf_counter()
    holdout = evaluate_holdout(history, horizon, freq, combine=False, outlier_k=None)
    engine_seconds = time.perf_counter() - started
    combined = evaluate_holdout(history, horizon, freq, combine=True, outlier_k=None)
    capped = evaluate_holdout(history, horizon, freq)  # the defaults
    forecasts = {
        "engine auto (best model)": holdout.forecasts["auto"],
        "engine auto (combine=True)": combined.forecasts["auto"],
        "engine auto (default: combine=True, outlier_k=3)": capped.forecasts["auto"],
        "seasonal naive": holdout.forecasts["seasonal_naive"],
    }
    seconds = {"engine": engine_seconds}
    if autoets:
        forecasts["statsforecast AutoETS"], seconds["AutoETS"] = autoets_forecasts(
            holdout.result.history, horizon, n_jobs
        )
    report = item_half(holdout.result.history.item_ids) == REPORT
    seasonal = capped.result.items["seasonal"].to_numpy(dtype=bool)
    name = Path(path).name.split(".")[0]
    tables = {}
    for label, groups in (
        ("all", holdout.patterns),
        ("seasonal", np.where(seasonal, "seasonal", "not seasonal")),
    ):
        table = score_table(
            holdout.actual[report],
            {model: forecast[report] for model, forecast in forecasts.items()},
            holdout.scale[report],
            groups[report],
            holdout.rmsse_scale[report],
            holdout.recent[report],
        )
        table.insert(0, "data", name)
        tables[label] = table
    return tables["all"], tables["seasonal"], seconds


def versus_naive(table):
    """The table with each model's MASE change against seasonal naive."""
    naive = table.set_index("model").loc["seasonal naive", "mase"]
    return table.assign(mase_vs_snaive=table["mase"] / naive - 1.0)


def main(argv=None):
    """Run the accuracy benchmark; print and save the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--no-autoets", action="store_true")
    parser.add_argument("--results", default=str(REPO / "bench/results/forecast.md"))
    args = parser.parse_args(argv)
    lines = [
        "Command: `python3 bench/bench_forecast_accuracy.py"
        f"{' --no-autoets' if args.no_autoets else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores. Every figure is on the **report half** of the"
        " items (`bench/holdout_split.py`); the engine's settings were chosen on"
        " the choose half.",
        "",
    ]
    totals, seasonal_totals = [], []
    for name, freq, horizon in DATASETS:
        table, seasonal, seconds = evaluate(
            os.path.join(args.data_dir, name),
            freq,
            horizon,
            args.n_jobs,
            not args.no_autoets,
        )
        overall = versus_naive(table[table["pattern"] == "all"])
        totals.append(overall)
        classed = seasonal[seasonal["pattern"] == "seasonal"]
        if len(classed):
            classed = versus_naive(classed)
            seasonal_totals.append(classed)
        timing = ", ".join(f"{peer} {value:.1f} s" for peer, value in seconds.items())
        lines += [
            f"### {name} (hold-out {horizon} {'months' if freq == 'M' else 'weeks'};"
            f" {timing}, engine incl. hold-out scoring; report half)",
            "",
            markdown(overall),
            "",
            "Per demand pattern (MASE, report half):",
            "",
            markdown(
                table.pivot(index="pattern", columns="model", values="mase"), index=True
            ),
            "",
            "Items classed seasonal (report half):",
            "",
            markdown(classed) if len(classed) else "none",
            "",
        ]
        print("\n".join(lines[-13:]), flush=True)
    lines += [
        "### All data sets pooled, report half (MASE, RMSSE: mean over the items"
        " of the three sets; zero_forecasts: sum)",
        "",
        markdown(pooled(pd.concat(totals))),
        "",
        "Items classed seasonal, pooled (report half):",
        "",
        markdown(pooled(pd.concat(seasonal_totals))) if seasonal_totals else "none",
    ]
    print("\n".join(lines[-7:]))
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
    return versus_naive(table)


if __name__ == "__main__":
    main()
