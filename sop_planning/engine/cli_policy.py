# pylint: disable=print-used
"""Sub-commands ``policy`` and ``simulate``.

``python -m sop_planning.engine policy FORECAST.csv ITEMS.csv --out POLICY.csv``
computes the inventory policy: FORECAST.csv has ``item_id, period, forecast,
sigma`` (other columns ignored; ``pattern`` fills the items' pattern when
ITEMS.csv has none); ITEMS.csv has ``item_id, lead_time_days, unit_cost``
and optionally every other column ``compute_policy`` documents (missing ones
take its defaults). With ``--history HISTORY.csv`` (``item_id, period,
qty``) the policy is the one the add-on plans (``policy_calibration.
planned_policy``): the forecast floored at the recent demand rate, the
lead-time demand law resampled from each item's own history (without
``--history``, the history file the ``forecast`` command recorded beside
FORECAST.csv, when it is still there unchanged); ``--calibrate``
adds the per-pattern aims of the items' own backtest and ``--backtest`` the
fill rate and average stock each policy would have given over the last 12
periods. POLICY.csv gets ``item_id, safety_stock, reorder_point,
order_up_to, order_qty, service_level, expected_fill_rate`` (plus
``backtest_fill_rate, backtest_avg_stock_value`` with ``--backtest``;
``--full``: every column, explanation included); ``--aggregate-fill-rate
0.95`` allocates the service levels across items (``policy_allocation``,
forecast law, no history) instead of using each item's own. With a
``rounding`` column (1 for items counted in pieces) reorder point,
order-up-to level and lot are rounded up to it and to the ``multiple``
(``policy_rounding``). The history is summed into the forecast's months or
weeks (a file of daily rows as the ``forecast`` command read it), customer
returns netted (``cli_files.read_history``). Items of ITEMS.csv without
rows in FORECAST.csv (never sold) and items of FORECAST.csv without a row in
ITEMS.csv are not planned; a note on stderr names them.

``python -m sop_planning.engine simulate HISTORY.csv POLICY.csv ITEMS.csv
[--freq D|W|M] [--lost-sales]`` replays the real demand of HISTORY.csv
(``item_id, period, qty``) through the policy and through a static min/max
from average demand with the same lot sizes, and prints per item and in
total the fill rate, stockout periods, average stock units and value.
"""

import sys

import pandas as pd

from .cli_files import read_history, read_table
from .cli_forecast import recorded_history
from .errors import EngineInputError
from .policy import PERIOD_DAYS, compute_policy, period_length_days
from .policy_allocation import allocate_service_levels
from .policy_calibration import planned_policy
from .policy_rounding import round_policy
from .simulate_backtest import backtest

POLICY_COLUMNS = [
    "item_id",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "service_level",
    "expected_fill_rate",
]
BACKTEST_COLUMNS = ["backtest_fill_rate", "backtest_avg_stock_value"]
NAMED_ITEMS = 5  # items named in a note; the others counted
NO_HISTORY_NOTE = (
    "note: {reason}: the lead-time demand law is the forecast's "
    "(normal, Poisson or negative binomial), not the add-on's: it understates "
    "the risk of slow and lumpy items, which then serve less than promised; "
    "pass --history HISTORY.csv to plan as the add-on does"
)
RECORDED_HISTORY_NOTE = (
    "note: planned as the add-on does, the lead-time demand law resampled from "
    "{history}, the history the forecast was made from (--history to give another)"
)


def _history(args):
    """Return the history CSV to plan from (or None), saying where it comes from.

    ``--history`` if given, else the history the ``forecast`` command
    recorded beside FORECAST.csv (``cli_forecast.record_source``).
    """
    if args.history is not None:
        return args.history
    history, reason = recorded_history(args.forecast)
    if history is None:
        print(NO_HISTORY_NOTE.format(reason=reason), file=sys.stderr)
    else:
        print(RECORDED_HISTORY_NOTE.format(history=history), file=sys.stderr)
    return history


def _period_freq(periods, freq):
    """Return the forecast's period as ``M`` or ``W`` (None for days), so
    that a history of daily rows is summed into the periods it plans."""
    days = period_length_days(periods, freq=freq)
    return {PERIOD_DAYS["M"]: "M", PERIOD_DAYS["W"]: "W"}.get(days)


def _note_not_planned(ids, why):
    """Say on stderr which items are not planned and why (the first few)."""
    if not len(ids):
        return
    named = ", ".join(str(item) for item in ids[:NAMED_ITEMS])
    if len(ids) > NAMED_ITEMS:
        named += f" and {len(ids) - NAMED_ITEMS} more"
    print(f"note: {len(ids)} item(s) {why}: not planned: {named}", file=sys.stderr)


def _items_with_forecast(items, forecast, args):
    """Return the rows of ITEMS.csv that FORECAST.csv has rows for.

    An item master lists items that never sold (the forecast has no rows
    for them) and a forecast may hold items the master lacks (no lead time,
    no cost): neither can be planned. Both are named on stderr and the
    other items are planned.
    """
    if "item_id" not in items.columns or not {"item_id", "period"} <= set(
        forecast.columns
    ):
        return items  # compute_policy names the missing column
    dated = forecast.loc[forecast["period"].notna(), "item_id"]
    planned = items["item_id"].isin(dated).to_numpy()
    _note_not_planned(
        items.loc[~planned, "item_id"].to_numpy(),
        f"of {args.items} have no rows in {args.forecast} (no sales in the "
        "history it was made from)",
    )
    _note_not_planned(
        pd.unique(dated[~dated.isin(items["item_id"])]),
        f"of {args.forecast} have no row in {args.items} (no lead time, no cost)",
    )
    if len(items) and not planned.any():
        raise EngineInputError(f"no item of {args.items} has rows in {args.forecast}")
    return items[planned]


def run_policy(args):
    """Compute the policy of FORECAST.csv and ITEMS.csv; write POLICY.csv."""
    forecast = read_table(args.forecast)
    items = _items_with_forecast(read_table(args.items), forecast, args)
    if "pattern" in forecast.columns and "pattern" not in items.columns:
        patterns = forecast.groupby("item_id", sort=False)["pattern"].first()
        items["pattern"] = items["item_id"].map(patterns)
    columns = list(POLICY_COLUMNS)
    history = None if args.aggregate_fill_rate is not None else _history(args)
    if history is not None:
        policy = planned_policy(
            items,
            forecast,
            read_history(history, _period_freq(forecast["period"], args.freq)),
            freq=args.freq,
            calibrate=args.calibrate,
            backtest=args.backtest,
        )
        columns += BACKTEST_COLUMNS if args.backtest else []
    elif args.aggregate_fill_rate is None:
        policy = compute_policy(items, forecast, freq=args.freq)
    else:
        policy = allocate_service_levels(
            items, forecast, args.aggregate_fill_rate, freq=args.freq
        )
    if "rounding" in items.columns:
        policy = round_policy(policy, items)
    columns = policy.columns if args.full else columns
    policy[columns].to_csv(args.out, index=False, float_format="%.4f")
    print(f"{len(policy)} items written to {args.out}")
    return 0


def run_simulate(args):
    """Backtest POLICY.csv on HISTORY.csv; print per-item and total figures."""
    history = read_history(args.history, args.freq)
    policy = read_table(args.policy)
    items = read_table(args.items)
    days = period_length_days(history["period"], freq=args.freq)
    per_item, summary = backtest(
        history,
        policy,
        items,
        period_days=days,
        lost_sales=args.lost_sales,
        seed=args.seed,
    )
    columns = [
        "item_id",
        "demand",
        "fill_rate",
        "stockout_periods",
        "avg_on_hand",
        "avg_value",
        "orders",
        "static_fill_rate",
        "static_avg_value",
    ]
    with pd.option_context("display.max_rows", args.max_rows, "display.width", 200):
        print(per_item[columns].round(3).to_string(index=False))
        print()
        print(
            "Total (fill rate weighted by demand, items without demand left out "
            "of it; stock summed over all items):"
        )
        print(summary.round(3).to_string(index=False))
    return 0


def register(subparsers):
    """Add the ``policy`` and ``simulate`` sub-commands to ``subparsers``."""
    policy = subparsers.add_parser(
        "policy", help="safety stock, reorder point, order-up-to, lot size"
    )
    policy.add_argument("forecast", help="CSV: item_id, period, forecast, sigma")
    policy.add_argument("items", help="CSV: item_id, lead_time_days, unit_cost, ...")
    policy.add_argument("--out", required=True, help="policy CSV to write")
    policy.add_argument(
        "--freq", choices=["D", "W", "M"], help="period of FORECAST (default: inferred)"
    )
    policy.add_argument(
        "--aggregate-fill-rate",
        type=float,
        help="allocate service levels per item to reach this overall fill rate "
        "at least stock value (instead of each item's own service_level)",
    )
    policy.add_argument(
        "--history",
        help="CSV: item_id, period, qty: plan as the add-on does, law from history "
        "(default: the history the forecast command recorded beside FORECAST)",
    )
    policy.add_argument(
        "--calibrate",
        action="store_true",
        help="with a history (--history or the forecast's): aims per pattern from "
        "the items' own backtest (slow)",
    )
    policy.add_argument(
        "--backtest",
        action="store_true",
        help="with a history (--history or the forecast's): fill rate and stock "
        "over the last 12 periods",
    )
    policy.add_argument("--full", action="store_true", help="write every column")
    policy.set_defaults(handler=run_policy)

    sim = subparsers.add_parser(
        "simulate", help="backtest a policy on real demand next to a static min/max"
    )
    sim.add_argument(
        "history", help="CSV: item_id, period, qty (returns as negative qty netted)"
    )
    sim.add_argument("policy", help="CSV: item_id, reorder_point, order_up_to")
    sim.add_argument("items", help="CSV: item_id, lead_time_days, unit_cost, ...")
    sim.add_argument(
        "--freq", choices=["D", "W", "M"], help="period of HISTORY (default: inferred)"
    )
    sim.add_argument("--lost-sales", action="store_true", help="lose unmet demand")
    sim.add_argument("--seed", type=int, default=0, help="seed of lead-time draws")
    sim.add_argument("--max-rows", type=int, default=50, help="item rows printed")
    sim.set_defaults(handler=run_simulate)
