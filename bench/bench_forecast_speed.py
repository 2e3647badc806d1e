"""Speed of the forecast engine against statsforecast and statsmodels.

A seeded synthetic panel (smooth seasonal, trending and intermittent items,
48 months) of 1k, 10k and 100k items. The engine runs ``run_forecast``
(auto-selection with sigma, from the long table) in a fresh process per size,
so that its peak memory (max RSS) is its own. statsforecast (AutoETS season 12
+ CrostonOptimized, ``n_jobs=2``) runs in the same benchmark after a separate
timed warm-up that compiles its numba code; above ``--sf-max-items`` it runs
on a random sample of that many items and its time is extrapolated per series.
statsmodels ``ExponentialSmoothing`` (additive trend and season, fitted per
item) runs on ``--sm-sample`` items, extrapolated per series. BLAS threads
are pinned to 1 (the peers' fits are tiny; threads only contend on 2 cores).

    python3 bench/bench_forecast_speed.py [--sizes 1000 10000 100000]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # tiny per-series fits: threads only contend

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_md import markdown, write_section  # noqa: E402

from sop_planning.engine.forecast import run_forecast  # noqa: E402

N_MONTHS = 48
HORIZON = 12


def synthetic_panel(n_items, seed=42):
    """Items x months demand: a third each smooth-seasonal, trending, intermittent."""
    rng = np.random.default_rng(seed)
    months = np.arange(N_MONTHS)
    kind = rng.integers(0, 3, n_items)[:, None]
    level = rng.gamma(2.0, 20.0, (n_items, 1))
    season = 1.0 + rng.uniform(0.0, 0.4, (n_items, 1)) * np.sin(
        2 * np.pi * (months + rng.integers(0, 12, (n_items, 1))) / 12
    )
    trend = 1.0 + rng.normal(0.0, 0.01, (n_items, 1)) * months
    occurs = rng.random((n_items, N_MONTHS)) < rng.uniform(0.1, 0.5, (n_items, 1))
    mean = np.where(
        kind == 0,
        level * season,
        np.where(kind == 1, level * np.clip(trend, 0.1, None), level * occurs),
    )
    return rng.poisson(mean).astype(float)


def long_table(matrix):
    """Long ``item_id, period, qty`` table of a panel."""
    n_items, n_periods = matrix.shape
    periods = pd.date_range("2021-01-01", periods=n_periods, freq="MS")
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_items), n_periods),
            "period": np.tile(periods.to_numpy(), n_items),
            "qty": matrix.ravel(),
        }
    )


def engine_child(n_items, combine):
    """Run the engine once in this process; print seconds and max RSS as JSON."""
    history = long_table(synthetic_panel(n_items))
    started = time.perf_counter()
    result = run_forecast(history, horizon=HORIZON, combine=combine)
    seconds = time.perf_counter() - started
    values = result.forecast["forecast"].to_numpy()
    valid = bool(np.isfinite(values).all() & (values >= 0).all())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "finite_non_negative": valid,
            }
        )
    )


def engine_run(n_items, combine):
    """Time the engine in a fresh process."""
    command = [sys.executable, __file__, "--child", str(n_items)]
    command += ["--combine"] if combine else []
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def statsforecast_run(matrix, n_jobs):
    """Seconds of AutoETS + CrostonOptimized on a panel (after warm-up)."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, CrostonOptimized

    n_items, n_periods = matrix.shape
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n_items), n_periods),
            "ds": np.tile(np.arange(n_periods), n_items),
            "y": matrix.ravel(),
        }
    )
    engine = StatsForecast(
        models=[AutoETS(season_length=12), CrostonOptimized()], freq=1, n_jobs=n_jobs
    )
    started = time.perf_counter()
    engine.forecast(df=frame, h=HORIZON)
    return time.perf_counter() - started


def statsmodels_per_series(matrix):
    """Seconds per series of a per-item statsmodels Holt-Winters fit + forecast."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for series in matrix:
            model = ExponentialSmoothing(
                series + 1.0, trend="add", seasonal="add", seasonal_periods=12
            )
            model.fit().forecast(HORIZON)
    return (time.perf_counter() - started) / len(matrix)


def main(argv=None):
    """Run the speed benchmark; print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--sf-max-items", type=int, default=1000)
    parser.add_argument("--sm-sample", type=int, default=50)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--combine", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--results", default=str(REPO / "bench/results/forecast.md"))
    args = parser.parse_args(argv)
    if args.child:
        engine_child(args.child, args.combine)
        return

    started = time.perf_counter()
    statsforecast_run(synthetic_panel(20, seed=1), args.n_jobs)
    warmup = time.perf_counter() - started
    sm_per_series = statsmodels_per_series(synthetic_panel(args.sm_sample, seed=2))
    rows = []
    for n_items in args.sizes:
        engine = engine_run(n_items, False)
        combined = engine_run(n_items, True)
        panel = synthetic_panel(n_items)
        if n_items > args.sf_max_items:
            sample = np.random.default_rng(0).choice(
                n_items, args.sf_max_items, replace=False
            )
            sf_seconds = statsforecast_run(panel[sample], args.n_jobs)
            sf_seconds *= n_items / args.sf_max_items
            sf_note = f"extrapolated from {args.sf_max_items}"
        else:
            sf_seconds = statsforecast_run(panel, args.n_jobs)
            sf_note = "measured"
        rows.append(
            {
                "items": n_items,
                "engine s": engine["seconds"],
                "engine ms/series": 1000 * engine["seconds"] / n_items,
                "engine max RSS MB": engine["max_rss_mb"],
                "finite>=0": engine["finite_non_negative"],
                "engine combine=True s": combined["seconds"],
                "statsforecast s": sf_seconds,
                "sf": sf_note,
                "speed-up vs sf": sf_seconds / engine["seconds"],
                "statsmodels s (extrap.)": sm_per_series * n_items,
                "speed-up vs sm": sm_per_series * n_items / engine["seconds"],
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    arguments = sys.argv[1:] if argv is None else argv
    header = [
        f"Command: `python3 bench/bench_forecast_speed.py {' '.join(arguments)}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores (shared with other jobs: figures are noisy).",
        "",
        f"Synthetic panel x {N_MONTHS} months, horizon {HORIZON}. statsforecast "
        f"AutoETS(12) + CrostonOptimized, n_jobs={args.n_jobs}, numba warm-up "
        f"{warmup:.1f} s timed apart; statsmodels ExponentialSmoothing(add, add, 12) "
        f"per item: {1000 * sm_per_series:.1f} ms/series on {args.sm_sample} items, "
        "extrapolated.",
        "",
        markdown(table, digits=2),
    ]
    print("\n".join(header))
    write_section(args.results, "speed", "\n".join(header), title="Forecast benchmarks")


if __name__ == "__main__":
    main()
