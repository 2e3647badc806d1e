"""The S&OP workbook (xlsxwriter), written from the CLI and from Odoo.

``write_workbook(path_or_buffer, plan, title="S&OP plan", labels=None)``
writes seven sheets from ``plan``, a dict of DataFrames (every key optional,
a missing one leaves its sheet with a note). ``labels`` maps the English
words of the workbook (``WORKBOOK_LABELS``: sheet names, headers, measures,
indicators, notes) to the reader's language; a word it lacks stays English.

- ``demand``: ``item_id, period, forecast, adjustment, consensus`` and
  optionally ``history`` (same period a year earlier), in each item's
  unit, and ``unit`` (its name: items in several units get their
  quantities labelled and totalled per unit, in this sheet, ``supply``
  and ``financial``, whose monthly demand then has no total);
- ``supply``: ``item_id, period, demand, receipts, projected_on_hand`` and
  optionally ``prior_demand`` (the demand between today and the plan, on
  its first month), ``planned_receipts``, ``projected_no_plan`` (the
  projection without planned orders), ``backorders``, ``stockout_risk``
  (0-1);
- ``financial``: ``finance.financial_plan`` rows; ``spend``:
  ``finance.purchase_spend`` rows;
- ``scenarios``: ``scenario.score_scenarios`` rows (``unscored_scenarios``:
  how many the plan has that are not scored, said when none is);
  ``approved_scenario``:
  the ``scenario`` the plan was approved with, whose simulated figures the
  Summary shows instead of the base row's;
- ``accuracy``: one row per item, any columns (``wape``, ``mase``, ``bias``
  and the classes of the forecast engine's ``items`` table);
- ``adjustments``: one row per plan line with a hidden key, and ``reasons``
  (a list of reason labels offered in its Reason column): the editable
  Adjustments sheet that the import reads back (``workbook_adjustments``);
- ``kpis``: ``kpi, value`` and optionally ``format`` (``number``, ``count``, ``money``,
  ``percent``, ``text``): shown first on the Summary, before the indicators
  derived from ``financial`` and the base (or approved) row of ``scenarios``;
- ``policy_backtest``: one row per ABC x XYZ class, columns of
  ``POLICY_BACKTEST_COLUMNS`` (rates as shares 0-1): the policies replayed
  on the last 12 months against the reordering rules before the plan; a
  table on the Summary, right of the monthly one.

Sheets: Summary (indicators, monthly table and chart), Demand plan,
Adjustments (one editable row per plan line), Supply
and Financial as item x measure rows by period with an ``All items`` block
of SUMIF formulas on top and a Total column, Scenarios (with a chart of
fill rate and stockout risk) and Accuracy as tables. Formulas carry their
computed values, so readers that do not recalculate (openpyxl) see the same
figures. Panes are frozen on headers and labels; shortages, negative
margins, adjustments and poor accuracy are coloured by conditional formats.
"""

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .finance import period_totals
from .scenario import SPEND_PREFIX
from .workbook_adjustments import (
    ADJUSTMENT_LABELS,
    ADJUSTMENTS_SHEET,
    labeller,
    sheet_title,
    write_adjustments,
)

SHEETS = (
    "Summary",
    "Demand plan",
    ADJUSTMENTS_SHEET,
    "Supply",
    "Financial",
    "Scenarios",
    "Accuracy",
)
ALL_ITEMS = "All items"
# the Summary's monthly demand column when the items are in several units
MIXED_DEMAND = "Demand: several units, see Demand plan"
# column, label, number format, total over periods, aggregate over items
DEMAND_MEASURES = (
    ("history", "History (last year)", "qty", "sum", "sum"),
    ("forecast", "Forecast", "qty", "sum", "sum"),
    ("adjustment", "Adjustment", "qty", "sum", "sum"),
    ("consensus", "Consensus", "qty", "sum", "sum"),
)
SUPPLY_MEASURES = (
    ("demand", "Demand", "qty", "sum", "sum"),
    ("prior_demand", "Demand before the plan", "qty", "sum", "sum"),
    ("receipts", "Receipts", "qty", "sum", "sum"),
    ("planned_receipts", "Planned receipts", "qty", "sum", "sum"),
    ("projected_on_hand", "Projected stock", "qty", None, "sum"),
    ("projected_no_plan", "Projected stock, no new orders", "qty", None, "sum"),
    ("backorders", "Backorders", "qty", None, "sum"),
    ("stockout_risk", "Stockout risk", "percent", None, "mean"),
)
FINANCIAL_MEASURES = (
    ("revenue", "Revenue", "money", "sum", "sum"),
    ("cost_of_goods", "Cost of goods", "money", "sum", "sum"),
    ("margin", "Margin", "money", "sum", "sum"),
    ("inventory_value", "Inventory value", "money", None, "sum"),
    ("purchase_spend", "Purchase spend", "money", "sum", "sum"),
)
NUMBER_FORMATS = {
    "qty": "#,##0.0",
    "money": "#,##0.00",
    "percent": "0.0%",
    "number": "#,##0.00",
    "count": "#,##0",
    "text": "@",
}
PERCENT_COLUMNS = {
    "fill_rate",
    "stockout_risk",
    "wape",
    "bias",
    "margin_pct",
    "service_level",
    "fva",
}
MONEY_COLUMNS = {
    "revenue",
    "cost_of_goods",
    "margin",
    "avg_stock_value",
    "purchase_spend",
    "inventory_value",
    "unit_cost",
    "unit_price",
}
HEADER_LABELS = {
    "item_id": "Item",
    "abc": "ABC",
    "xyz": "XYZ",
    "wape": "WAPE",
    "mase": "MASE",
    "backtest_mase": "Backtest MASE",
    "fva": "FVA",
    "avg_stock_value": "Average stock value",
}
# policy_backtest column -> (header, number format)
POLICY_BACKTEST_COLUMNS = {
    "class": ("Class", "text"),
    "policies": ("Policies", "count"),
    "replayed": ("Replayed", "count"),
    "target": ("Target", "percent"),
    "promised": ("Promised fill", "percent"),
    "plan_fill_rate": ("Plan fill (backtest)", "percent"),
    "plan_stock_value": ("Plan avg. stock value", "money"),
    "rules": ("With a rule before", "count"),
    "rules_fill_rate": ("Rules before: fill", "percent"),
    "rules_stock_value": ("Rules before: avg. stock value", "money"),
    "set_fill_rate": ("Plan as set: fill", "percent"),
    "set_stock_value": ("Plan as set: avg. stock value", "money"),
}
POLICY_BACKTEST_TITLE = (
    "Policies replayed on the last 12 months, against the rules before the plan"
)
POLICY_BACKTEST_COLUMN = 10  # Summary column K, right of the monthly table
SPEND_LABEL = "Spend"  # a scenario's ``spend <period>`` column: "Spend <period>"
RED, AMBER, GREEN = "#F8CBAD", "#FFE699", "#C6EFCE"
# sheet, plan key, note when missing, measures, (measure, criteria, colour)
GRID_SHEETS = (
    (
        "Demand plan",
        "demand",
        "No demand plan in this plan.",
        DEMAND_MEASURES,
        (("Adjustment", ">0", GREEN), ("Adjustment", "<0", RED)),
    ),
    (
        "Supply",
        "supply",
        "No supply plan in this plan.",
        SUPPLY_MEASURES,
        (
            ("Projected stock", "<0", RED),
            ("Backorders", ">0", RED),
            ("Stockout risk", ">=0.2", AMBER),
        ),
    ),
    (
        "Financial",
        "financial",
        "No financial plan in this plan.",
        FINANCIAL_MEASURES,
        (("Margin", "<0", RED),),
    ),
)

SUMMARY_LABELS = (
    "Indicator",
    "Value",
    "Revenue",
    "Cost of goods",
    "Margin",
    "Margin %",
    "Inventory value (mean of period ends)",
    "Inventory value at the end",
    "Purchase spend",
    "Fill rate (simulated)",
    "Stockout risk (share of item-periods)",
    "Average stock value (simulated)",
    "Period",
    "Demand",
    "Inventory value",
    "Revenue, margin and purchase spend",
)
# headers of the Scenarios and Accuracy tables (``_label`` of their columns)
TABLE_LABELS = (
    "Scenario",
    "Changes",
    "Fill rate",
    "Stockout risk",
    "Purchase spend",
    SPEND_LABEL,
    "Model",
    "Actual",
    "Consensus of actual months",
    "Bias",
    "Service by scenario",
)
EDIT_ADJUSTMENTS_COMMENT = (
    "Edit adjustments on the %(sheet)s sheet: the import reads that sheet only."
)
# the Scenarios sheet of a plan whose scenarios are not scored on it
UNSCORED_NOTE = (
    "%(count)s scenario(s) not scored on the plan as it is: score them to "
    "compare them here."
)
EMPTY_NOTES = (
    "No plan lines to adjust in this plan.",
    "No scenarios in this plan.",
    "No forecast accuracy in this plan.",
)
# every English word the workbook writes: the keys of ``labels``
WORKBOOK_LABELS = tuple(
    dict.fromkeys(
        (
            *SHEETS,
            ALL_ITEMS,
            MIXED_DEMAND,
            "Item",
            "Measure",
            "Total",
            *(spec[1] for grid in GRID_SHEETS for spec in grid[3]),
            *(grid[2] for grid in GRID_SHEETS),
            *EMPTY_NOTES,
            UNSCORED_NOTE,
            EDIT_ADJUSTMENTS_COMMENT,
            *HEADER_LABELS.values(),
            *TABLE_LABELS,
            *SUMMARY_LABELS,
            *(header for header, _kind in POLICY_BACKTEST_COLUMNS.values()),
            POLICY_BACKTEST_TITLE,
            *ADJUSTMENT_LABELS,
        )
    )
)


class _Formats:
    """The workbook's cell formats, created once."""

    def __init__(self, workbook):
        self.title = workbook.add_format({"bold": True, "font_size": 16})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
        )
        self.bold = workbook.add_format({"bold": True})
        self.note = workbook.add_format({"italic": True, "font_color": "#7F7F7F"})
        self.cells = {
            name: workbook.add_format({"num_format": code})
            for name, code in NUMBER_FORMATS.items()
        }
        self.bold_cells = {
            name: workbook.add_format({"num_format": code, "bold": True})
            for name, code in NUMBER_FORMATS.items()
        }
        self.fills = {
            colour: workbook.add_format({"bg_color": colour})
            for colour in (RED, AMBER, GREEN)
        }


def _period_labels(periods):
    """Return ``YYYY-MM`` for month starts, else ``YYYY-MM-DD``."""
    periods = pd.DatetimeIndex(periods)
    pattern = "%Y-%m" if (periods.day == 1).all() else "%Y-%m-%d"
    return list(periods.strftime(pattern))


def _label(column, text):
    """Return a header for a table column: ``fill_rate`` -> ``Fill rate``,
    in the reader's language (``text``)."""
    column = str(column)
    if column in HEADER_LABELS:
        return text(HEADER_LABELS[column])
    if column.startswith(SPEND_PREFIX):
        # the month, as the other sheets write it ("2027-01")
        return f"{text(SPEND_LABEL)} {column[len(SPEND_PREFIX) :][:7]}"
    return text(column[:1].upper() + column[1:].replace("_", " "))


def _cells(values):
    """Return ``values`` as Python objects, NaN as None (a blank cell)."""
    array = np.asarray(values, dtype=object)
    return [None if pd.isna(value) else value for value in array]


def _column_format(column):
    """Return the number format name of a table column."""
    if column in PERCENT_COLUMNS:
        return "percent"
    if column in MONEY_COLUMNS or str(column).startswith("spend "):
        return "money"
    return "number"


def _empty(sheet, formats, note):
    sheet.write(0, 0, note, formats.note)


def _formula_text(label):
    """``label`` as a string in a formula (its quotes doubled)."""
    return label.replace('"', '""')


def _write_table(sheet, frame, formats, text):
    """Write ``frame`` as a table with headers; return the data row range."""
    sheet.write_row(0, 0, [_label(col, text) for col in frame.columns], formats.header)
    for offset, column in enumerate(frame.columns):
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = pd.Series(_period_labels(values), index=frame.index)
            cell_format = formats.cells["text"]
        elif pd.api.types.is_numeric_dtype(values):
            cell_format = formats.cells[_column_format(column)]
        else:
            values = values.map(lambda value: value if pd.isna(value) else str(value))
            cell_format = None
        sheet.write_column(1, offset, _cells(values), cell_format)
        width = max(len(str(column)), 10)
        sheet.set_column(offset, offset, min(width + 2, 40))
    return 1, len(frame)


def _grid(frame, measures, periods):
    """Return (item, measure label) rows x periods of the present measures,
    and per item its unit (None when the frame has no ``unit`` column)."""
    present = [spec for spec in measures if spec[0] in frame.columns]
    columns = [spec[0] for spec in present]
    wide = (
        frame.groupby(["item_id", "period"], sort=False)[columns]
        .sum(min_count=1)
        .unstack("period")
    )
    items = pd.unique(frame["item_id"])
    blocks = {
        spec[0]: wide[spec[0]].reindex(index=items, columns=periods) for spec in present
    }
    units = None
    if "unit" in frame.columns:
        units = frame.groupby("item_id")["unit"].first().reindex(items).to_numpy()
    return items, present, blocks, units


def _block_rows(present, units, text):
    """The All items rows: (spec, label, items mask); a quantity measure of
    items in several units gets one row per unit, its label naming the
    unit (kilograms and pieces do not add up)."""
    mixed = units is not None and len(set(units)) > 1
    rows = []
    for spec in present:
        name = text(spec[1])
        if mixed and spec[2] == "qty":
            rows += [
                (spec, f"{name} ({unit})", units == unit)
                for unit in dict.fromkeys(units)
            ]
        else:
            rows.append((spec, name, None))
    return rows, mixed


def _write_grid(sheet, frame, measures, formats, text):
    """Write item x measure rows by period, an All items block and totals;
    with items in several units (``unit`` column), quantity measures are
    labelled and totalled per unit."""
    periods = pd.DatetimeIndex(sorted(pd.to_datetime(frame["period"]).unique()))
    frame = frame.assign(period=pd.to_datetime(frame["period"]))
    items, present, blocks, units = _grid(frame, measures, periods)
    block_rows, mixed = _block_rows(present, units, text)
    n_periods = len(periods)
    total_col = 2 + n_periods
    header = [text("Item"), text("Measure"), *_period_labels(periods), text("Total")]
    sheet.write_row(0, 0, header, formats.header)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 20)
    sheet.set_column(2, total_col, 11)
    first_item_row = 1 + len(block_rows) + 1
    last_item_row = first_item_row + len(items) * len(present) - 1
    label_range = f"$B${first_item_row + 1}:$B${last_item_row + 1}"
    for row, ((column, _name, fmt, total, across), label, mask) in enumerate(
        block_rows, start=1
    ):
        values = blocks[column].to_numpy(float)
        if mask is not None:
            values = np.where(mask[:, None], values, np.nan)
        sheet.write(row, 0, text(ALL_ITEMS), formats.bold)
        sheet.write(row, 1, label, formats.bold)
        function = "SUMIF" if across == "sum" else "AVERAGEIF"
        counts = np.maximum((~np.isnan(values)).sum(axis=0), 1)
        block = np.nansum(values, axis=0)
        block = block if across == "sum" else block / counts
        for offset, value in enumerate(block):
            letter = xl_col_to_name(2 + offset)
            cell_range = f"{letter}${first_item_row + 1}:{letter}${last_item_row + 1}"
            sheet.write_formula(
                row,
                2 + offset,
                f'={function}({label_range},"{_formula_text(label)}",{cell_range})',
                formats.bold_cells[fmt],
                float(value),
            )
        _write_total(sheet, row, n_periods, total, block, formats.bold_cells[fmt])
    for rank, (column, name, fmt, total, _across) in enumerate(present):
        name = text(name)
        values = blocks[column].to_numpy(float)
        item_rows = first_item_row + np.arange(len(items)) * len(present) + rank
        for index, (item, item_row, item_values) in enumerate(
            zip(items, item_rows, values, strict=True)
        ):
            label = f"{name} ({units[index]})" if mixed and fmt == "qty" else name
            sheet.write(item_row, 0, str(item))
            sheet.write(item_row, 1, label)
            sheet.write_row(item_row, 2, _cells(item_values), formats.cells[fmt])
            _write_total(
                sheet, item_row, n_periods, total, item_values, formats.cells[fmt]
            )
    return last_item_row, total_col


def _write_total(sheet, row, n_periods, total, values, cell_format):
    """Write the Total cell of a grid row: a SUM formula with its value."""
    if total != "sum":
        return
    first = xl_rowcol_to_cell(row, 2)
    last = xl_rowcol_to_cell(row, 1 + n_periods)
    sheet.write_formula(
        row,
        2 + n_periods,
        f"=SUM({first}:{last})",
        cell_format,
        float(np.nansum(values)),
    )


def _highlight(sheet, formats, last_row, last_col, measure, criteria, colour):
    """Colour cells of ``measure`` rows matching ``criteria`` (e.g. ``<0``)."""
    quoted = _formula_text(measure)
    sheet.conditional_format(
        1,
        2,
        last_row,
        last_col,
        {
            "type": "formula",
            # "Adjustment", and "Adjustment (kg)" in a workbook of several units
            "criteria": f'=AND(OR($B2="{quoted}",LEFT($B2,{len(measure) + 2})='
            f'"{quoted} ("),C2{criteria})',
            "format": formats.fills[colour],
        },
    )


def _summary_kpis(plan, text):
    """Return the Summary indicators: given ``kpis`` then derived ones."""
    rows = []
    if plan.get("kpis") is not None:
        given = plan["kpis"]
        kinds = given["format"] if "format" in given else ["number"] * len(given)
        rows = list(zip(given["kpi"], given["value"], kinds, strict=True))
    financial = plan.get("financial")
    if financial is not None and len(financial):
        totals = period_totals(financial, plan.get("spend"))
        revenue = totals["revenue"].sum()
        margin = totals["margin"].sum()
        rows += [
            (text("Revenue"), revenue, "money"),
            (text("Cost of goods"), totals["cost_of_goods"].sum(), "money"),
            (text("Margin"), margin, "money"),
            (text("Margin %"), margin / revenue if revenue else None, "percent"),
            (
                text("Inventory value (mean of period ends)"),
                totals["inventory_value"].mean(),
                "money",
            ),
            (
                text("Inventory value at the end"),
                totals["inventory_value"].iloc[-1],
                "money",
            ),
            (text("Purchase spend"), totals["purchase_spend"].sum(), "money"),
        ]
    scenarios = plan.get("scenarios")
    if scenarios is not None and len(scenarios):
        approved = scenarios[scenarios["scenario"].eq(plan.get("approved_scenario"))]
        base = (approved if len(approved) else scenarios).iloc[0]
        rows += [
            (text("Fill rate (simulated)"), base.get("fill_rate"), "percent"),
            (
                text("Stockout risk (share of item-periods)"),
                base.get("stockout_risk"),
                "percent",
            ),
            (
                text("Average stock value (simulated)"),
                base.get("avg_stock_value"),
                "money",
            ),
        ]
    return rows


def _write_policy_backtest(sheet, frame, formats, text):
    """The per-class policy backtest table on the Summary sheet."""
    first = POLICY_BACKTEST_COLUMN
    sheet.write(1, first, text(POLICY_BACKTEST_TITLE), formats.bold)
    columns = [col for col in POLICY_BACKTEST_COLUMNS if col in frame]
    sheet.write_row(
        2,
        first,
        [text(POLICY_BACKTEST_COLUMNS[col][0]) for col in columns],
        formats.header,
    )
    sheet.set_column(first, first + len(columns) - 1, 14)
    for offset, column in enumerate(columns):
        kind = POLICY_BACKTEST_COLUMNS[column][1]
        values = frame[column]
        if kind == "text":
            sheet.write_column(3, first + offset, [str(value) for value in values])
        else:
            sheet.write_column(3, first + offset, _cells(values), formats.cells[kind])


def _write_summary(workbook, sheet, plan, title, formats, text):
    """Indicators, the policy backtest, the per-period money table and chart."""
    sheet.write(0, 0, title, formats.title)
    backtest = plan.get("policy_backtest")
    if backtest is not None and len(backtest):
        _write_policy_backtest(sheet, backtest, formats, text)
    sheet.write_row(2, 0, [text("Indicator"), text("Value")], formats.header)
    sheet.freeze_panes(3, 0)
    kpis = _summary_kpis(plan, text)
    longest = max((len(str(name)) for name, _value, _fmt in kpis), default=0)
    sheet.set_column(0, 0, min(max(32, longest + 2), 60))
    sheet.set_column(1, 1, 16)
    for offset, (name, value, fmt) in enumerate(kpis):
        sheet.write(3 + offset, 0, name)
        cell_format = formats.cells.get(fmt, formats.cells["number"])
        if isinstance(value, str):
            sheet.write_string(3 + offset, 1, value)
        elif value is not None and not pd.isna(value):
            sheet.write_number(3 + offset, 1, float(value), cell_format)
    financial = plan.get("financial")
    if financial is None or not len(financial):
        return
    totals = period_totals(financial, plan.get("spend"))
    # kilograms and pieces do not add up: no demand total then
    mixed = "unit" in financial.columns and financial["unit"].nunique() > 1
    table = pd.DataFrame(
        {
            "Period": _period_labels(totals["period"]),
            MIXED_DEMAND if mixed else "Demand": np.nan if mixed else totals["qty"],
            "Revenue": totals["revenue"],
            "Margin": totals["margin"],
            "Inventory value": totals["inventory_value"],
            "Purchase spend": totals["purchase_spend"],
        }
    )
    sheet.write_row(2, 3, [text(column) for column in table.columns], formats.header)
    sheet.set_column(3, 8, 14)
    sheet.write_column(3, 3, table["Period"])
    sheet.write_column(3, 4, _cells(table.iloc[:, 1]), formats.cells["qty"])
    for offset, column in enumerate(table.columns[2:]):
        sheet.write_column(3, 5 + offset, _cells(table[column]), formats.cells["money"])
    name = sheet.get_name()
    last = 2 + len(table)
    chart = workbook.add_chart({"type": "column"})
    for col, colour in ((5, "#4472C4"), (6, "#70AD47"), (8, "#ED7D31")):
        chart.add_series(
            {
                "name": [name, 2, col],
                "categories": [name, 3, 3, last, 3],
                "values": [name, 3, col, last, col],
                "fill": {"color": colour},
            }
        )
    chart.set_title({"name": text("Revenue, margin and purchase spend")})
    chart.set_y_axis({"num_format": "#,##0"})
    chart.set_size({"width": 760, "height": 340})
    sheet.insert_chart(last + 2, 3, chart)


def _write_scenarios(sheet, scenarios, formats, text):
    rows = _write_table(sheet, scenarios, formats, text)
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 28)
    columns = list(scenarios.columns)
    for column, low_good in (
        ("fill_rate", False),
        ("stockout_risk", True),
        ("margin", False),
    ):
        if column in columns:
            col = columns.index(column)
            sheet.conditional_format(
                rows[0],
                col,
                rows[1],
                col,
                {
                    "type": "3_color_scale",
                    "min_color": GREEN if low_good else "#F8696B",
                    "mid_color": "#FFEB84",
                    "max_color": "#F8696B" if low_good else "#63BE7B",
                },
            )


def _scenario_chart(workbook, sheet, scenarios, text):
    """Bar chart of fill rate and stockout risk per scenario, under the table."""
    columns = list(scenarios.columns)
    name = sheet.get_name()
    shown = [col for col in ("fill_rate", "stockout_risk") if col in columns]
    if not shown:
        return
    last = len(scenarios)
    chart = workbook.add_chart({"type": "bar"})
    for column, colour in zip(shown, ("#4472C4", "#ED7D31"), strict=False):
        col = columns.index(column)
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, col, last, col],
                "fill": {"color": colour},
            }
        )
    chart.set_title({"name": text("Service by scenario")})
    chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 720, "height": 60 + 48 * last})
    sheet.insert_chart(last + 3, 0, chart)


def _write_accuracy(sheet, accuracy, formats, text):
    rows = _write_table(sheet, accuracy, formats, text)
    sheet.freeze_panes(1, 1)
    columns = list(accuracy.columns)
    rules = (
        ("wape", ">", 0.5),
        ("mase", ">", 1.0),
        ("bias", ">", 0.2),
        ("bias", "<", -0.2),
    )
    for column, criteria, value in rules:
        if column in columns:
            col = columns.index(column)
            sheet.conditional_format(
                rows[0],
                col,
                rows[1],
                col,
                {
                    "type": "cell",
                    "criteria": criteria,
                    "value": value,
                    "format": formats.fills[AMBER],
                },
            )


def _financial_frame(plan):
    """Financial rows with the purchase spend of the same item and period."""
    financial = plan["financial"].assign(
        period=pd.to_datetime(plan["financial"]["period"])
    )
    spend = plan.get("spend")
    if spend is None:
        return financial
    spend = spend.assign(period=pd.to_datetime(spend["period"]))
    spend = spend.groupby(["item_id", "period"], as_index=False)["purchase_spend"].sum()
    return financial.merge(spend, on=["item_id", "period"], how="outer").fillna(
        {"purchase_spend": 0.0}
    )


def write_workbook(path_or_buffer, plan, title="S&OP plan", labels=None):
    """Write the S&OP workbook to a path or a binary buffer (BytesIO);
    ``labels``: English word -> the reader's (``WORKBOOK_LABELS``)."""
    text = labeller(labels)
    options = {"in_memory": True} if hasattr(path_or_buffer, "write") else {}
    workbook = xlsxwriter.Workbook(path_or_buffer, options)
    formats = _Formats(workbook)
    sheets = _add_sheets(workbook, text)
    _write_summary(workbook, sheets["Summary"], plan, title, formats, text)
    for name, key, note, measures, highlights in GRID_SHEETS:
        frame = plan.get(key)
        if frame is None or not len(frame):
            _empty(sheets[name], formats, text(note))
            continue
        if key == "financial":
            frame = _financial_frame(plan)
        last_row, last_col = _write_grid(sheets[name], frame, measures, formats, text)
        for measure, criteria, colour in highlights:
            _highlight(
                sheets[name],
                formats,
                last_row,
                last_col,
                text(measure),
                criteria,
                colour,
            )
    adjustments = plan.get("adjustments")
    if adjustments is None or not len(adjustments):
        _empty(sheets[ADJUSTMENTS_SHEET], formats, text(EMPTY_NOTES[0]))
    else:
        write_adjustments(
            sheets[ADJUSTMENTS_SHEET],
            adjustments,
            formats,
            plan.get("reasons", ()),
            labels,
        )
        sheets["Demand plan"].write_comment(
            "B1",
            text(EDIT_ADJUSTMENTS_COMMENT)
            % {"sheet": sheets[ADJUSTMENTS_SHEET].get_name()},
        )
    scenarios = plan.get("scenarios")
    if scenarios is None or not len(scenarios):
        unscored = plan.get("unscored_scenarios", 0)
        note = (
            text(UNSCORED_NOTE) % {"count": unscored}
            if unscored
            else text(EMPTY_NOTES[1])
        )
        _empty(sheets["Scenarios"], formats, note)
    else:
        _write_scenarios(sheets["Scenarios"], scenarios, formats, text)
        _scenario_chart(workbook, sheets["Scenarios"], scenarios, text)
    accuracy = plan.get("accuracy")
    if accuracy is None or not len(accuracy):
        _empty(sheets["Accuracy"], formats, text(EMPTY_NOTES[2]))
    else:
        _write_accuracy(sheets["Accuracy"], accuracy, formats, text)
    workbook.close()


def _add_sheets(workbook, text):
    """The sheets, keyed by their English name, titled in the reader's
    language (the English name where two translations would clash)."""
    sheets, titles = {}, set()
    for name in SHEETS:
        title = sheet_title(text(name))
        if title.lower() in titles:
            title = name
        titles.add(title.lower())
        sheets[name] = workbook.add_worksheet(title)
    return sheets
