"""Speed of the inventory simulator: 10,000 items x 365 days.

Run from the repository root::

    python3 bench/bench_simulate_speed.py [--items 10000] [--days 365] [--repeat 3]

Synthetic Poisson daily demand (mean 0.5 to 50 per item), policies from
``compute_policy`` (95 % fill rate; review 1 day, 7 days for (R, s, S));
every policy type, fixed and stochastic lead times, backorders and lost
sales. Wall-clock time with ``time.perf_counter``, best
of ``--repeat`` runs (the machine is shared, so the best run is the least
disturbed one). Prints a markdown table and writes it to
``bench/results/policy.md`` (section ``simulate-speed``).
"""

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from results_md import write_section  # noqa: E402

from sop_planning.engine.policy import compute_policy  # noqa: E402
from sop_planning.engine.simulate import simulate  # noqa: E402

RESULTS = REPO / "bench" / "results" / "policy.md"


def make_case(n_items, n_days, seed=0):
    """Return daily demand and the policy computed for it."""
    rng = np.random.default_rng(seed)
    mean = rng.uniform(0.5, 50, n_items)
    demand = rng.poisson(mean[:, None], (n_items, n_days)).astype(float)
    items = pd.DataFrame(
        {
            "item_id": np.arange(n_items),
            "lead_time_days": rng.integers(2, 30, n_items).astype(float),
            "lead_time_std_days": rng.uniform(0, 3, n_items),
            "review_days": 1.0,
            "unit_cost": rng.uniform(1, 100, n_items),
            "order_cost": 20.0,
            "service_level": 0.95,
            "service_type": "fill_rate",
        }
    )
    forecast = pd.DataFrame(
        {
            "item_id": np.arange(n_items),
            "period": "2026-01-01",
            "forecast": mean,
            "sigma": np.sqrt(mean),
        }
    )
    started = time.perf_counter()
    policy = compute_policy(items, forecast, period_days=1)
    policy_seconds = time.perf_counter() - started
    weekly = compute_policy(items.assign(review_days=7.0), forecast, period_days=1)
    return demand, items, policy, weekly, policy_seconds


def best_time(repeat, run):
    """Return the best wall-clock time of ``repeat`` calls and the last result."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main(argv=None):
    """Time the simulator and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    demand, items, policy, weekly, policy_seconds = make_case(args.items, args.days)
    lead = items["lead_time_days"]
    cases = {
        "(s,S) fixed lead time, backorders": dict(lead_time=lead),
        "(s,S) stochastic lead time, backorders": dict(
            lead_time=lead, lead_time_std=items["lead_time_std_days"]
        ),
        "(s,S) stochastic lead time, lost sales": dict(
            lead_time=lead,
            lead_time_std=items["lead_time_std_days"],
            lost_sales=True,
        ),
        "(R,s,S) R = 7, stochastic lead time": dict(
            policy="RsS",
            review=7,
            lead_time=lead,
            lead_time_std=items["lead_time_std_days"],
        ),
        "(s,Q) stochastic lead time": dict(
            policy="sQ", lead_time=lead, lead_time_std=items["lead_time_std_days"]
        ),
        "(s,S) with trajectories kept": dict(lead_time=lead, track=True),
    }
    rows = [
        f"| compute_policy ({args.items} items) | {policy_seconds:.2f} | |",
    ]
    for name, options in cases.items():
        kind = options.get("policy", "sS")
        rule = weekly if kind == "RsS" else policy
        level = rule["order_qty" if kind == "sQ" else "order_up_to"]
        seconds, result = best_time(
            args.repeat,
            lambda options=options, rule=rule, level=level: simulate(
                demand,
                rule["reorder_point"],
                level,
                unit_cost=items["unit_cost"],
                **options,
            ),
        )
        rows.append(f"| {name} | {seconds:.2f} | {result.total_fill_rate():.3f} |")
    command = "python3 bench/bench_simulate_speed.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = "\n".join(
        [
            f"## Simulator speed: {args.items} items x {args.days} days",
            "",
            f"Command: `{command.strip()}`  ",
            f"Date: {datetime.date.today()}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, pandas {pd.__version__}; 2-core machine "
            f"shared with other jobs; best of {args.repeat} runs (perf_counter).",
            "",
            "| case | seconds | fill rate (sanity; target 0.95) |",
            "|---|---:|---:|",
            *rows,
            "",
            "Target: <= 5 s for 10k items x 365 days.",
        ]
    )
    print(text)
    write_section(RESULTS, "simulate-speed", text, title="Inventory policy benchmarks")


if __name__ == "__main__":
    main()
