"""Does an item's policy stay put when other items come and go?

Run from the repository root::

    python3 bench/bench_policy_stability.py [--sets spares_man carparts]
        [--leave-out 5] [--service-type cycle]

Plans every item of each set in ``../shared/data`` as the add-on plans it
(``planned_policy`` with the item's history, the forecast of the
calibration bench, a 95 % target), then again with ``--leave-out`` items
left out (a product archived, a forecast no longer usable) and the rest
read in another order, and prints how many of the other items' reorder
points, order-up-to levels and promises moved, and by how much. With one
random stream per item only the items that share a fill-rate target with
the left-out ones may move (their group's allocation changed).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_policy_calibration as calibration  # noqa: E402

COLUMNS = ("reorder_point", "order_up_to", "expected_fill_rate")


def plan(items, forecast, history, freq):
    """The planned policies of ``items``, indexed by item."""
    policy = calibration.planned_policy(
        items,
        forecast,
        history,
        freq=freq,
        max_cover_days=2 * calibration.MONTH_DAYS,
    )
    return policy.set_index("item_id")


def moved(args, name):
    """Rows of the table for one set."""
    history, _matrix, periods, items, days = calibration.load(args.data_dir, name)
    items["review_days"] = days
    freq = calibration.SETS[name][1]
    holdout = calibration.SETS[name][2]
    train = history[history["period"] < periods[-holdout]]
    forecast = calibration.run_forecast(train, horizon=holdout, freq=freq)
    pattern = forecast.items.set_index("item_id")["pattern"]
    items = items.assign(
        service_level=0.95,
        service_type=args.service_type,
        pattern=pattern.reindex(items["item_id"]).fillna("").to_numpy(),
    )
    whole = plan(items, forecast.forecast, train, freq)
    kept = items.sample(frac=1.0, random_state=1).iloc[args.leave_out :]
    part = plan(kept, forecast.forecast, train, freq)
    rows = []
    for column in COLUMNS:
        before = whole.loc[part.index, column].to_numpy()
        after = part[column].to_numpy()
        change = np.abs(after - before) / np.maximum(np.abs(before), 1e-9)
        changed = change > 1e-9
        rows.append(
            f"| {name} | {column} | {len(part)} | {int(changed.sum())} | "
            f"{100 * np.median(change[changed]) if changed.any() else 0.0:.1f} |"
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=calibration.REPO.parent / "shared/data"
    )
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["spares_man", "carparts"],
        choices=calibration.SETS,
    )
    parser.add_argument("--leave-out", type=int, default=5)
    parser.add_argument(
        "--service-type", default="cycle", choices=["cycle", "fill_rate"]
    )
    args = parser.parse_args()
    print(
        f"{args.leave_out} items left out, the others read in another order; "
        f"targets as {args.service_type}\n"
    )
    print("| set | column | other items | moved | median move of those, % |")
    print("|---|---|---:|---:|---:|")
    for name in args.sets:
        print("\n".join(moved(args, name)))


if __name__ == "__main__":
    main()
