"""Forecast then policy of 10k items x 48 months through the engine's CLI.

Run from the repository root::

    python3 bench/bench_cli_speed.py [--items 10000] [--months 48]

A seeded synthetic monthly panel (a third smooth, a third intermittent, a
third lumpy; lead times 1-3 months; text SKUs ``SKU-00042`` as real
catalogues have) is written to a temporary folder, then
``python -m sop_planning.engine forecast`` and ``policy --history`` (the
add-on's policy: law resampled from the history) run on it as separate
processes. Prints each step's wall time, CPU time (user + system) and peak
memory (max RSS) and the machine's load average: on the shared 2-core
machine wall time depends on what else runs.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent


def write_panel(folder, n_items, n_months, seed=7):
    """Write history.csv and items.csv of a seeded synthetic panel."""
    rng = np.random.default_rng(seed)
    skus = np.char.add("SKU-", np.char.zfill(np.arange(n_items).astype(str), 5))
    kind = rng.integers(0, 3, n_items)  # smooth, intermittent, lumpy
    level = rng.gamma(2.0, 20.0, n_items)
    wave = np.sin(2 * np.pi * np.arange(n_months) / 12)[None, :]
    seasonal = (rng.random(n_items) < 0.3)[:, None]
    smooth = rng.poisson(level[:, None] * (1 + 0.3 * wave * seasonal))
    chance = np.where(kind == 1, 0.3, 0.15)[:, None]
    occurs = rng.random((n_items, n_months)) < chance
    sizes = np.where(
        kind[:, None] == 2,
        rng.geometric(0.1, (n_items, n_months)),
        rng.poisson(3, (n_items, n_months)) + 1,
    )
    qty = np.where(kind[:, None] == 0, smooth, occurs * sizes)
    periods = pd.date_range("2023-01-01", periods=n_months, freq="MS")
    pd.DataFrame(
        {
            "item_id": np.repeat(skus, n_months),
            "period": np.tile(periods.strftime("%Y-%m-%d"), n_items),
            "qty": qty.ravel(),
        }
    ).to_csv(folder / "history.csv", index=False)
    pd.DataFrame(
        {
            "item_id": skus,
            "lead_time_days": rng.integers(1, 4, n_items) * 30.4375,
            "unit_cost": np.round(rng.lognormal(np.log(20.0), 1.0, n_items), 2),
        }
    ).to_csv(folder / "items.csv", index=False)


def timed(label, command, folder):
    """Run ``command`` in ``folder``; print and return its wall and CPU time
    (and print its peak memory)."""
    started = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{label} failed: {' '.join(command)}")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss // 1024
    print(f"{label}: wall {wall:.1f} s, CPU {cpu:.1f} s, max RSS {peak} MB")
    return wall, cpu


def main():
    """Generate the panel, time both steps, print the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=48)
    args = parser.parse_args()
    engine = [sys.executable, "-m", "sop_planning.engine"]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_panel(folder, args.items, args.months)
        print(f"{args.items} items x {args.months} months; load {os.getloadavg()}")
        steps = [
            timed(
                "forecast",
                [*engine, "forecast", "history.csv", "--out", "fc.csv"],
                folder,
            ),
            timed(
                "policy --history",
                [
                    *engine,
                    "policy",
                    "fc.csv",
                    "items.csv",
                    "--history",
                    "history.csv",
                    "--out",
                    "policy.csv",
                ],
                folder,
            ),
        ]
    wall, cpu = (sum(values) for values in zip(*steps, strict=True))
    print(
        f"forecast + policy: wall {wall:.1f} s, CPU {cpu:.1f} s; load {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
