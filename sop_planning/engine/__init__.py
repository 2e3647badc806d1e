"""S&OP planning engine: forecasting, inventory policy, simulation.

Pure Python (numpy, pandas, scipy, statsmodels, xlsxwriter); no Odoo import
anywhere in this package. Data goes in and out as DataFrames / arrays with
explicit columns.

The names below are the public API that the Odoo add-on and the command line
use: ``from sop_planning.engine import run_forecast``. They are loaded on
first use, so ``import sop_planning.engine`` stays light.
"""

import importlib

# public name -> engine module that defines it
_API = {
    "EngineInputError": "errors",
    "run_forecast": "forecast",
    "AUTO": "forecast_backtest",
    "evaluate_holdout": "forecast_backtest",
    "score_table": "forecast_backtest",
    "build_history": "history",
    "net_per_period": "history",
    "mase_scale": "metrics",
    "ITEM_DEFAULTS": "policy",
    "MAX_LEAD_TIME_DAYS": "policy",
    "METHODS": "policy",
    "PERIOD_DAYS": "policy",
    "compute_policy": "policy",
    "period_length_days": "policy",
    "allocate_service_levels": "policy_allocation",
    "planned_policy": "policy_calibration",
    "rule_backtest": "policy_calibration",
    "history_matrix": "policy_law",
    "recent_demand_rate": "policy_demand",
    "stock_demand": "policy_demand",
    "round_policy": "policy_rounding",
    "BASE": "scenario",
    "KPI_COLUMNS": "scenario",
    "SPEND_PREFIX": "scenario",
    "PlanInputs": "scenario",
    "Scenario": "scenario",
    "demand_factor": "scenario",
    "evaluate_plan": "scenario",
    "kpis_from_totals": "scenario",
    "scenario_items": "scenario",
    "scenario_policy": "scenario",
    "score_scenarios": "scenario",
    "backtest": "simulate_backtest",
    "lead_months": "supply_plan",
    "project_supply": "supply_plan",
    "plan_supply": "supply_plan",
    "SHEETS": "workbook",
    "WORKBOOK_LABELS": "workbook",
    "write_workbook": "workbook",
    "ADJUSTMENTS_SHEET": "workbook_adjustments",
    "read_adjustments": "workbook_adjustments",
}
__all__ = sorted(_API)


def __getattr__(name):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
