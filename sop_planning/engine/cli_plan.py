# pylint: disable=print-used
"""Sub-command ``plan``: the S&OP workbook from CSV files.

``python -m sop_planning.engine plan HISTORY.csv [ITEMS.csv] --xlsx PLAN.xlsx
[--horizon 12] [--freq M|W] [--paths 10] [--seed 0]`` forecasts HISTORY.csv
(``item_id, period, qty`` and optionally ``price`` or ``value``, as the
``forecast`` command), takes the forecast as consensus demand, computes the
inventory policy as ``policy --history`` plans it from that history
(``policy_calibration.planned_policy``: the forecast floored at the recent
demand rate, the lead-time demand law resampled from the item's own
history; each re-planning scenario the same with its deltas), simulates
it with the financial plan, scores the default scenarios (demand +15 %,
lead time +14 days with the policy unchanged, service level 98 %, price
-5 %) and writes the workbook.

ITEMS.csv has one row per item with the columns of the ``policy`` command
(``item_id, lead_time_days, lead_time_std_days, unit_cost, moq, multiple,
service_level``) and optionally ``unit_price``, ``category``, ``on_hand``,
``capacity`` and the other ``compute_policy`` columns. Missing columns,
empty cells and items absent from the file take ``ITEM_DEFAULTS``:
``service_level`` from the item's ABC x XYZ class; ``unit_price`` the
realised average price of the history (``value / qty`` or ``price``), else
``unit_cost`` (no margin); ``on_hand`` the policy's order-up-to level (a
value below zero: units owed to customers at the start);
the other ``compute_policy`` columns its own defaults.
"""

import sys

import numpy as np
import pandas as pd

from .cli_files import read_history, read_table
from .errors import EngineInputError, shown
from .forecast import run_forecast
from .policy import ITEM_DEFAULTS as POLICY_DEFAULTS
from .scenario import PlanInputs, Scenario, evaluate_plan, score_scenarios
from .workbook import write_workbook

ITEM_DEFAULTS = {
    "lead_time_days": 30.0,
    "lead_time_std_days": 0.0,
    "unit_cost": 1.0,
    "moq": 0.0,
    "multiple": 1.0,
}
DEFAULT_SCENARIOS = (
    Scenario("Demand +15 %", demand_pct=15),
    Scenario(
        "Lead time +14 days (policy unchanged)", lead_time_days=14, replan_policy=False
    ),
    Scenario("Service level 98 %", service_level=0.98),
    Scenario("Price -5 %", price_pct=-5),
)
ACCURACY_COLUMNS = ["item_id", "model", "abc", "xyz", "pattern", "wape", "mase", "bias"]
YEAR = {"M": pd.DateOffset(months=12), "W": pd.DateOffset(weeks=52)}


def _realised_price(history):
    """Return the average sales price per item, or None without prices."""
    qty = pd.to_numeric(history["qty"], errors="coerce").fillna(0.0)
    if "value" in history.columns:
        value = pd.to_numeric(history["value"], errors="coerce").fillna(0.0)
    elif "price" in history.columns:
        value = qty * pd.to_numeric(history["price"], errors="coerce").fillna(0.0)
    else:
        return None
    sums = pd.DataFrame({"item_id": history["item_id"], "qty": qty, "value": value})
    sums = sums.groupby("item_id")[["qty", "value"]].sum()
    return (sums["value"] / sums["qty"].where(sums["qty"] > 0)).rename("unit_price")


def read_items(path, classes, history):
    """Return one row per forecast item: ITEMS.csv (optional) with defaults."""
    items = classes[["item_id", "abc", "xyz", "pattern"]].copy()
    if path is not None:
        given = read_table(path)
        if "item_id" not in given.columns:
            raise EngineInputError(f"{path}: missing column item_id")
        duplicated = given["item_id"].duplicated()
        if duplicated.any():
            item = given.loc[duplicated, "item_id"].iloc[0]
            raise EngineInputError(f"{path}: item {item} appears twice")
        own = [col for col in ("abc", "xyz", "pattern") if col in given.columns]
        # ids matched as text: "7" in one file and 7 in the other are one item
        given.index = given.pop("item_id").astype(str)
        matched = given.reindex(items["item_id"].astype(str)).set_index(items.index)
        items = pd.concat([items.drop(columns=own), matched], axis=1)
    numeric = {
        col: value
        for col, value in POLICY_DEFAULTS.items()
        if isinstance(value, float) and col in items.columns
    }
    for column, default in {**numeric, **ITEM_DEFAULTS}.items():
        if column not in items.columns:
            items[column] = default
            continue
        values = pd.to_numeric(items[column], errors="coerce")
        bad = values.isna() & items[column].notna()
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise EngineInputError(
                f"item {items['item_id'].iloc[first]}: column '{column}' is not a "
                f"number (got {shown(items[column].iloc[first])})"
            )
        items[column] = values.fillna(default)
    price = _realised_price(history)
    if price is not None:
        realised = items["item_id"].map(price)
        given = items.get("unit_price", pd.Series(np.nan, index=items.index))
        items["unit_price"] = pd.to_numeric(given, errors="coerce").fillna(realised)
    return items


def _demand_plan(result, freq):
    """Forecast, adjustment (none here), consensus and last year's demand."""
    forecast = result.forecast
    past = result.history
    last_year = pd.DataFrame(
        {
            "item_id": np.repeat(past.item_ids, len(past.periods)),
            "period": np.tile(
                (past.periods + YEAR[freq]).to_numpy(), len(past.item_ids)
            ),
            "history": past.qty.ravel(),
        }
    )
    demand = forecast[["item_id", "period", "forecast"]].merge(
        last_year, on=["item_id", "period"], how="left"
    )
    demand["adjustment"] = 0.0
    demand["consensus"] = demand["forecast"]
    return demand[
        ["item_id", "period", "history", "forecast", "adjustment", "consensus"]
    ]


def _kpis(result, demand, horizon, freq):
    """Indicators of the forecast shown first on the Summary."""
    weights = np.nan_to_num(result.history.qty).sum(axis=1)
    wape = result.items["wape"].to_numpy(float)
    known = np.isfinite(wape) & (weights > 0)
    pooled = (
        float(np.average(wape[known], weights=weights[known])) if known.any() else None
    )
    unit = "months" if freq == "M" else "weeks"
    return pd.DataFrame(
        {
            "kpi": ["Items", "Horizon", "Consensus demand (units)", "Forecast WAPE"],
            "value": [
                len(result.items),
                f"{horizon} {unit}",
                demand["consensus"].sum(),
                pooled,
            ],
            "format": ["number", "text", "qty", "percent"],
        }
    )


def run_plan(args):
    """Forecast, plan, simulate, score scenarios; write the workbook."""
    history = read_history(args.history, args.freq)
    result = run_forecast(history, args.horizon, args.freq)
    items = read_items(args.items, result.items, history)
    if "unit_price" not in items.columns:
        print(
            "note: no unit_price nor history price: revenue at unit cost",
            file=sys.stderr,
        )
    demand = result.forecast[["item_id", "period", "forecast", "sigma", "sigma_cum"]]
    inputs = PlanInputs(
        items,
        demand.rename(columns={"forecast": "qty"}),
        args.freq,
        history=history[["item_id", "period", "qty"]],
    )
    base = evaluate_plan(inputs, n_paths=args.paths, seed=args.seed)
    scores = score_scenarios(
        inputs, DEFAULT_SCENARIOS, n_paths=args.paths, seed=args.seed, base=base
    )
    demand_plan = _demand_plan(result, args.freq)
    plan = {
        "kpis": _kpis(result, demand_plan, args.horizon, args.freq),
        "demand": demand_plan,
        "supply": base.supply,
        "financial": base.financial,
        "spend": base.spend,
        "scenarios": scores,
        "accuracy": result.items[ACCURACY_COLUMNS],
    }
    first = pd.Timestamp(result.periods[0])
    write_workbook(args.xlsx, plan, title=f"S&OP plan from {first:%Y-%m-%d}")
    print(
        f"{len(items)} items, {args.horizon} periods from {first:%Y-%m-%d} "
        f"written to {args.xlsx}"
    )
    table = scores[
        [
            "scenario",
            "fill_rate",
            "stockout_risk",
            "avg_stock_value",
            "revenue",
            "margin",
        ]
    ]
    print(table.to_string(index=False, float_format="{:,.3f}".format))
    return 0


def register(subparsers):
    """Add the plan sub-command to ``subparsers``."""
    plan = subparsers.add_parser(
        "plan", help="forecast, policy, simulation, finance, scenarios -> workbook"
    )
    plan.add_argument("history", help="CSV: item_id, period, qty [, price | value]")
    plan.add_argument(
        "items",
        nargs="?",
        help="CSV: item_id, lead_time_days, unit_cost, ... (default values without)",
    )
    plan.add_argument("--xlsx", required=True, help="S&OP workbook to write")
    plan.add_argument("--horizon", type=int, default=12, help="periods ahead")
    plan.add_argument("--freq", choices=("M", "W"), default="M")
    plan.add_argument("--paths", type=int, default=10, help="simulated demand paths")
    plan.add_argument("--seed", type=int, default=0, help="seed of the simulation")
    plan.set_defaults(handler=run_plan)
