"""Speed of what-if scenario scoring: the base plan and three scenarios.

Run from the repository root::

    python3 bench/bench_scenario_speed.py [--items 500,5000] [--paths 10]

Synthetic items (lead time 10-60 days, MOQ 50, 95 % service level) and
12 monthly consensus quantities with a 30 % error scale, scored as the
cycle's *Score Scenarios* button does: the base plan, then demand +15 %,
lead time +14 days and service level 98 %, each re-planned and simulated
day by day on the same seeded demand paths. Each size is timed twice:
with 36 months of sales history per item (a third smooth, a third
intermittent, a third lumpy), policies planned as approval plans them
(``planned_policy``, the add-on's path), and without history (the
forecast's law). Wall-clock seconds of one run (the machine is shared;
the load average is printed). Writes ``bench/results/scenario.md``.
"""

import argparse
import dataclasses
import datetime
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from results_md import markdown, write_section  # noqa: E402

from sop_planning.engine.scenario import (  # noqa: E402
    BASE,
    PlanInputs,
    Scenario,
    evaluate_plan,
)

RESULTS = REPO / "bench" / "results" / "scenario.md"
SCENARIOS = (
    Scenario("demand +15 %", demand_pct=15),
    Scenario("lead time +14 days", lead_time_days=14),
    Scenario("service level 98 %", service_level=0.98),
)


def make_inputs(n_items, seed=1):
    """Plan inputs of ``n_items`` items over 12 months."""
    rng = np.random.default_rng(seed)
    items = pd.DataFrame(
        {
            "item_id": np.arange(n_items),
            "lead_time_days": rng.integers(10, 60, n_items).astype(float),
            "lead_time_std_days": 2.0,
            "unit_cost": rng.uniform(5, 50, n_items),
            "moq": 50.0,
            "order_cost": 50.0,
            "holding_rate": 0.25,
            "service_level": 0.95,
            "unit_price": rng.uniform(60, 80, n_items),
            "category": "all",
            "on_hand": 100.0,
        }
    )
    periods = pd.date_range("2027-01-01", periods=12, freq="MS")
    demand = pd.DataFrame(
        {
            "item_id": np.repeat(items["item_id"], len(periods)),
            "period": np.tile(periods, n_items),
        }
    )
    demand["qty"] = rng.uniform(50, 500, len(demand))
    demand["sigma"] = 0.3 * demand["qty"]
    return PlanInputs(items, demand, history=make_history(demand, rng))


def make_history(demand, rng):
    """36 past months per item at its plan's mean level: smooth, or sold in
    a few lumps (intermittent, lumpy)."""
    level = demand.groupby("item_id", sort=True)["qty"].mean().to_numpy()
    kind = np.arange(len(level)) % 3
    chance = np.array([1.0, 0.4, 0.15])[kind][:, None]
    sold = rng.random((len(level), 36)) < chance
    qty = np.where(sold, rng.poisson(level[:, None] / chance), 0.0)
    months = pd.date_range("2024-01-01", periods=36, freq="MS")
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(len(level)), 36),
            "period": np.tile(months, len(level)),
            "qty": qty.ravel(),
        }
    )


def time_scoring(n_items, n_paths, history=True):
    """Seconds to score the base plan and the three scenarios."""
    inputs = make_inputs(n_items)
    if not history:
        inputs = dataclasses.replace(inputs, history=None)
    start = time.perf_counter()
    base = evaluate_plan(inputs, BASE, n_paths=n_paths, seed=0)
    for scenario in SCENARIOS:
        evaluate_plan(inputs, scenario, base=base, n_paths=n_paths, seed=0)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="500,5000")
    parser.add_argument("--paths", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for n_items in (int(n) for n in args.items.split(",")):
        for history in (True, False):
            seconds = time_scoring(n_items, args.paths, history)
            rows.append(
                {
                    "items x 12 months": n_items,
                    "policies": "planned from history" if history else "forecast's law",
                    "demand paths": args.paths,
                    "base + 3 scenarios, s": round(seconds, 2),
                    "ms per item and scenario": round(1000 * seconds / n_items / 4, 3),
                }
            )
    table = markdown(pd.DataFrame(rows), digits=3)
    text = (
        "## Scenario scoring speed\n\n"
        f"Command: `python3 bench/bench_scenario_speed.py --items {args.items} "
        f"--paths {args.paths}`  \n"
        f"Date: {datetime.date.today()}; load average "
        f"{os.getloadavg()[0]:.1f} on the shared 2-core machine.\n\n{table}\n"
    )
    print(text)
    write_section(RESULTS, "scenario-speed", text, title="Scenario benchmarks")


if __name__ == "__main__":
    main()
