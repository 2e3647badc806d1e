"""The workbook's words in the user's language.

The engine writes the workbook in English unless it is given ``labels``
(``engine.WORKBOOK_LABELS``: English word -> translation); the translations
live here, as terms of the add-on, so that Odoo exports and loads them.
"""

from ..engine.workbook import (
    EDIT_ADJUSTMENTS_COMMENT,
    MIXED_DEMAND,
    POLICY_BACKTEST_TITLE,
    UNSCORED_NOTE,
)


def workbook_labels(env):
    """English word of the workbook -> its translation in ``env``'s language."""
    return {
        "Summary": env._("Summary"),
        "Demand plan": env._("Demand plan"),
        "Adjustments": env._("Adjustments"),
        "Supply": env._("Supply"),
        "Financial": env._("Financial"),
        "Scenarios": env._("Scenarios"),
        "Accuracy": env._("Accuracy"),
        "All items": env._("All items"),
        MIXED_DEMAND: env._("Demand: several units, see Demand plan"),
        "Item": env._("Item"),
        "Measure": env._("Measure"),
        "Total": env._("Total"),
        "History (last year)": env._("History (last year)"),
        "Forecast": env._("Forecast"),
        "Adjustment": env._("Adjustment"),
        "Consensus": env._("Consensus"),
        "Demand": env._("Demand"),
        "Receipts": env._("Receipts"),
        "Demand before the plan": env._("Demand before the plan"),
        "Planned receipts": env._("Planned receipts"),
        "Projected stock": env._("Projected stock"),
        "Projected stock, no new orders": env._("Projected stock, no new orders"),
        "Backorders": env._("Backorders"),
        "Stockout risk": env._("Stockout risk"),
        "Revenue": env._("Revenue"),
        "Cost of goods": env._("Cost of goods"),
        "Margin": env._("Margin"),
        "Inventory value": env._("Inventory value"),
        "Purchase spend": env._("Purchase spend"),
        "No demand plan in this plan.": env._("No demand plan in this plan."),
        "No supply plan in this plan.": env._("No supply plan in this plan."),
        "No financial plan in this plan.": env._("No financial plan in this plan."),
        "No plan lines to adjust in this plan.": env._(
            "No plan lines to adjust in this plan."
        ),
        "No scenarios in this plan.": env._("No scenarios in this plan."),
        UNSCORED_NOTE: env._(
            "%(count)s scenario(s) not scored on the plan as it is: score them "
            "to compare them here."
        ),
        "No forecast accuracy in this plan.": env._(
            "No forecast accuracy in this plan."
        ),
        EDIT_ADJUSTMENTS_COMMENT: env._(
            "Edit adjustments on the %(sheet)s sheet: the import reads that sheet only."
        ),
        "ABC": env._("ABC"),
        "XYZ": env._("XYZ"),
        "WAPE": env._("WAPE"),
        "MASE": env._("MASE"),
        "Backtest MASE": env._("Backtest MASE"),
        "FVA": env._("FVA"),
        "Average stock value": env._("Average stock value"),
        "Scenario": env._("Scenario"),
        "Changes": env._("Changes"),
        "Fill rate": env._("Fill rate"),
        "Spend": env._("Spend"),
        "Model": env._("Model"),
        "Actual": env._("Actual"),
        "Consensus of actual months": env._("Consensus of actual months"),
        "Bias": env._("Bias"),
        "Service by scenario": env._("Service by scenario"),
        "Indicator": env._("Indicator"),
        "Value": env._("Value"),
        "Margin %": env._("Margin %"),
        "Inventory value (mean of period ends)": env._(
            "Inventory value (mean of period ends)"
        ),
        "Inventory value at the end": env._("Inventory value at the end"),
        "Fill rate (simulated)": env._("Fill rate (simulated)"),
        "Stockout risk (share of item-periods)": env._(
            "Stockout risk (share of item-periods)"
        ),
        "Average stock value (simulated)": env._("Average stock value (simulated)"),
        "Period": env._("Period"),
        "Revenue, margin and purchase spend": env._(
            "Revenue, margin and purchase spend"
        ),
        "Class": env._("Class"),
        "Policies": env._("Policies"),
        "Replayed": env._("Replayed"),
        "Target": env._("Target"),
        "Promised fill": env._("Promised fill"),
        "Plan fill (backtest)": env._("Plan fill (backtest)"),
        "Plan avg. stock value": env._("Plan avg. stock value"),
        "With a rule before": env._("With a rule before"),
        "Rules before: fill": env._("Rules before: fill"),
        "Rules before: avg. stock value": env._("Rules before: avg. stock value"),
        "Plan as set: fill": env._("Plan as set: fill"),
        "Plan as set: avg. stock value": env._("Plan as set: avg. stock value"),
        POLICY_BACKTEST_TITLE: env._(
            "Policies replayed on the last 12 months, against the rules before the plan"
        ),
        "Key": env._("Key"),
        "Product": env._("Product"),
        "Warehouse": env._("Warehouse"),
        "Month": env._("Month"),
        "Adjustment (%)": env._("Adjustment (%)"),
        "Reason": env._("Reason"),
        "Reason note": env._("Reason note"),
    }
