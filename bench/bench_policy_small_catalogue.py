"""Do policies keep their promise in a small company's catalogue?

Run from the repository root::

    python3 bench/bench_policy_small_catalogue.py [--half report|choose]
        [--sets carparts spares_man spares_man_monthly] [--size 40]
        [--catalogues 20]

A small company plans a few dozen products: a demand pattern then has a
handful of items, or one, to share its fill-rate target. Draws
``--catalogues`` catalogues of ``--size`` items from the half's items of
each set in ``../shared/data`` (those that sold in the training months),
plans each catalogue alone as the add-on plans it (``planned_policy``,
95 % cycle targets as the add-on's classes, the calibration bench's
forecast, lead times and costs), replays the held-out year (lost sales,
each rule from its order-up-to level) and prints per pattern the
demand-weighted promise, the reached fill rate and the stock value over
all catalogues, next to the same items planned within the whole half.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_policy_calibration as calibration  # noqa: E402

PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")


class SmallCatalogues:
    """One set's items, forecast and held-out year (``calibration.load``)."""

    def __init__(self, args, name):
        history, matrix, periods, items, days = calibration.load(args.data_dir, name)
        self.name, self.days = name, days
        self.freq, holdout = calibration.SETS[name][1], calibration.SETS[name][2]
        self.train, self.held_out = matrix[:, :-holdout], matrix[:, -holdout:]
        self.history = history[history["period"] < periods[-holdout]]
        self.forecast = calibration.run_forecast(
            self.history, horizon=holdout, freq=self.freq
        )
        pattern = self.forecast.items.set_index("item_id")["pattern"]
        self.pattern = pattern.reindex(items["item_id"]).fillna("").to_numpy()
        self.items = items.assign(
            review_days=days,
            service_level=0.95,
            service_type="cycle",
            pattern=self.pattern,
        )
        half = calibration.item_half(items["item_id"].to_numpy()) == args.half
        self.pool = np.flatnonzero(half & (self.train.sum(axis=1) > 0))

    def plan(self, rows):
        """Policies of the items ``rows`` planned together, in their order."""
        policy = calibration.planned_policy(
            self.items.iloc[rows],
            self.forecast.forecast,
            self.history,
            freq=self.freq,
            max_cover_days=2 * calibration.MONTH_DAYS,
        )
        return policy.set_index("item_id").loc[self.items["item_id"].iloc[rows]]

    def replay(self, rows, policy):
        """(served, demand, average stock value, promise) per item of ``rows``."""
        replay = calibration.Replay(
            self.held_out[rows],
            self.train[rows],
            self.items["lead_time_days"].to_numpy()[rows] / self.days,
            self.items["review_days"].to_numpy()[rows] / self.days,
            self.items["unit_cost"].to_numpy()[rows],
        )
        result = replay.run(
            policy["reorder_point"].to_numpy(), policy["order_up_to"].to_numpy()
        )
        promise = policy["expected_fill_rate"].to_numpy()
        return result.served, result.demand, result.avg_value, promise


def table_rows(args, name):
    """Rows of the table for one set."""
    data = SmallCatalogues(args, name)
    whole = data.plan(data.pool)
    position = {row: index for index, row in enumerate(data.pool)}
    rng = np.random.default_rng(calibration.SEED)
    alone, within, picked = [], [], []
    for _ in range(args.catalogues):
        rows = np.sort(rng.choice(data.pool, args.size, replace=False))
        alone.append(data.replay(rows, data.plan(rows)))
        within.append(data.replay(rows, whole.iloc[[position[r] for r in rows]]))
        picked.append(rows)
    pattern = data.pattern[np.concatenate(picked)]
    figures = {}
    for kind, parts in (("alone", alone), ("within the half", within)):
        served, demand, value, promise = (
            np.concatenate(p) for p in zip(*parts, strict=True)
        )
        figures[kind] = served, demand, value, promise
    rows = []
    for name_of in PATTERNS:
        members = pattern == name_of
        counted = members & (figures["alone"][1] > 0)
        if counted.sum() < args.min_items:
            continue
        cells = []
        for served, demand, value, promise in figures.values():
            weight = demand[counted]
            cells += [
                f"{np.average(promise[counted], weights=weight):.3f}",
                f"{served[counted].sum() / weight.sum():.3f}",
                f"{value[members].sum() / 1000:.0f} k",
            ]
        rows.append(
            f"| {name} | {name_of} | {int(counted.sum())} | " + " | ".join(cells) + " |"
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=calibration.REPO.parent / "shared/data"
    )
    parser.add_argument("--half", default="report", choices=["report", "choose"])
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["carparts", "spares_man"],
        choices=list(calibration.SETS),
    )
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--catalogues", type=int, default=20)
    parser.add_argument("--min-items", type=int, default=20)
    args = parser.parse_args()
    print(
        f"{args.catalogues} catalogues of {args.size} items each, {args.half} half; "
        "item-plans with demand in the held-out year\n"
    )
    print(
        "| set | pattern | item-plans | alone: promised | reached | stock value "
        "| within the half: promised | reached | stock value |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.sets:
        print("\n".join(table_rows(args, name)))


if __name__ == "__main__":
    main()
