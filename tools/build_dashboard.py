"""Write the S&OP executive dashboard (an Odoo spreadsheet) as a data file.

The dashboard of ``sop_planning_dashboard`` is built here, not drawn by hand
in Odoo, so that a change is a reviewable diff::

    python3 tools/build_dashboard.py

It writes ``sop_planning_dashboard/data/files/sop_executive_dashboard.json``.
Every figure reads S&OP's stored models only (KPI snapshots, accuracy months,
plan lines, scenarios), through pivots and Odoo charts of the spreadsheet.
"""

import json
import uuid
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "sop_planning_dashboard"
    / "data"
    / "files"
    / "sop_executive_dashboard.json"
)
NAMESPACE = uuid.UUID("6f1d2c3e-7a9b-4e5f-8d0c-1b2a3c4d5e6f")
MONTH_FILTER = str(uuid.uuid5(NAMESPACE, "filter-month"))
KPI_MENU = "sop_planning.sop_kpi_snapshot_menu"
ACCURACY_MENU = "sop_planning.sop_accuracy_month_menu"
# the cycle being prepared: its scenarios and exceptions
OPEN_CYCLE = [
    ["cycle_id.state", "in", ["supply_review", "reconciliation", "executive_review"]]
]
# the last 12 months that are over: a snapshot of this month so far (Compute
# KPIs mid-month) would end every trend on a partial month
TREND_DOMAIN = [
    ["date_month", ">=", "today =1d -12m"],
    ["date_month", "<", "today =1d"],
]
GREEN, RED, GREY = "#00A04A", "#DC6965", "#8F8F8F"
TILE_WIDTH, TILE_HEIGHT, GAP = 250, 108, 10


def _id(name):
    return str(uuid.uuid5(NAMESPACE, name))


def _t(text):
    return f'=_t("{text}")'


def _measure(spec):
    """A pivot measure: ``field`` with its default aggregate, or
    ``field:aggregator`` (a stock level's lowest or highest month, not a sum
    of months)."""
    field, _sep, aggregator = spec.partition(":")
    measure = {"id": spec, "fieldName": field}
    if aggregator:
        measure["aggregator"] = aggregator
    return measure


def pivot(formula_id, name, model, measures, rows=(), domain=(), offset=None, **extra):
    """An Odoo pivot of the spreadsheet; ``offset`` binds the month filter."""
    matching = {}
    if offset is not None:
        matching[MONTH_FILTER] = {
            "chain": "date_month",
            "type": "date",
            "offset": offset,
        }
    return {
        "type": "ODOO",
        "id": str(formula_id),
        "formulaId": str(formula_id),
        "name": name,
        "model": model,
        "domain": list(domain),
        "context": {},
        "measures": [_measure(m) for m in measures],
        "rows": [{"fieldName": r} for r in rows],
        "columns": [],
        "sortedColumn": extra.get("sorted"),
        "fieldMatching": matching,
    }


PIVOTS = [
    pivot(
        1,
        "KPIs (month)",
        "sop.kpi.snapshot",
        ["fill_rate", "otif", "stockout_days", "excess_value", "turns"],
        offset=0,
    ),
    pivot(
        2,
        "KPIs (previous month)",
        "sop.kpi.snapshot",
        ["fill_rate", "otif", "stockout_days", "excess_value", "turns"],
        offset=-1,
    ),
    pivot(
        3, "Accuracy (month)", "sop.accuracy.month", ["wape", "bias", "fva"], offset=0
    ),
    pivot(
        4,
        "Accuracy (previous month)",
        "sop.accuracy.month",
        ["wape", "bias", "fva"],
        offset=-1,
    ),
    pivot(
        5,
        "Plan vs actuals by category",
        "sop.accuracy.month",
        ["consensus_qty", "actual_qty", "wape", "bias"],
        rows=["categ_id"],
        offset=0,
    ),
    pivot(
        6,
        "Scenarios of the next cycle",
        "sop.scenario",
        ["fill_rate", "avg_stock_value", "margin", "purchase_spend"],
        rows=["cycle_scenario"],  # each named with its cycle
        # a scenario whose plan changed since it was scored is not shown
        domain=[*OPEN_CYCLE, ["state", "=", "scored"]],
    ),
    pivot(
        7,
        "Top shortages",
        "sop.plan.line",
        ["__count", "projected_on_hand:min", "revenue"],
        rows=["product_id"],
        domain=[*OPEN_CYCLE, ["is_shortage", "=", True]],
        sorted={"measure": "revenue", "order": "desc", "domain": []},
    ),
    pivot(
        8,
        "Top excess stock",
        "sop.plan.line",
        ["__count", "planned_inventory_value:max"],
        rows=["product_id"],
        domain=[*OPEN_CYCLE, ["is_excess", "=", True]],
        sorted={
            "measure": "planned_inventory_value:max",
            "order": "desc",
            "domain": [],
        },
    ),
]

# label, current formula, previous formula, format, colour when up, down
KPIS = [
    (
        "Fill rate (%)",
        'PIVOT.VALUE(1,"fill_rate")',
        'PIVOT.VALUE(2,"fill_rate")',
        "0.0",
        GREEN,
        RED,
    ),
    ("OTIF (%)", 'PIVOT.VALUE(1,"otif")', 'PIVOT.VALUE(2,"otif")', "0.0", GREEN, RED),
    (
        "Stockout days",
        'PIVOT.VALUE(1,"stockout_days")',
        'PIVOT.VALUE(2,"stockout_days")',
        "#,##0",
        RED,
        GREEN,
    ),
    (
        "Excess value",
        'PIVOT.VALUE(1,"excess_value")',
        'PIVOT.VALUE(2,"excess_value")',
        "#,##0",
        RED,
        GREEN,
    ),
    (
        "Inventory turns",
        'PIVOT.VALUE(1,"turns")',
        'PIVOT.VALUE(2,"turns")',
        "0.0",
        GREEN,
        RED,
    ),
    (
        "Forecast WAPE (%)",
        'PIVOT.VALUE(3,"wape")',
        'PIVOT.VALUE(4,"wape")',
        "0.0",
        RED,
        GREEN,
    ),
    (
        "Forecast bias (%)",
        'PIVOT.VALUE(3,"bias")',
        'PIVOT.VALUE(4,"bias")',
        "0.0",
        GREY,
        GREY,
    ),
    ("FVA (pts)", 'PIVOT.VALUE(3,"fva")', 'PIVOT.VALUE(4,"fva")', "0.0", GREEN, RED),
]

# title, model, measure, menu
TRENDS = [
    ("Fill rate by month", "sop.kpi.snapshot", "fill_rate", KPI_MENU),
    ("Stockout days by month", "sop.kpi.snapshot", "stockout_days", KPI_MENU),
    ("OTIF by month", "sop.kpi.snapshot", "otif", KPI_MENU),
    ("Forecast WAPE by month", "sop.accuracy.month", "wape", ACCURACY_MENU),
]


def shown(formula, number_format):
    """``formula`` rounded to the decimals ``number_format`` shows."""
    return f"ROUND({formula},{FORMAT_PLACES[number_format]})"


def data_sheet():
    cells = {"A1": _t("KPI"), "B1": _t("Month"), "C1": _t("Previous month")}
    formats = {}
    for index, (label, current, previous, number_format, *_colors) in enumerate(KPIS):
        row = index + 2
        cells[f"A{row}"] = _t(label)
        cells[f"B{row}"] = f"=IFERROR({shown(current, number_format)},0)"
        cells[f"C{row}"] = f"=IFERROR({shown(previous, number_format)},0)"
        formats[f"B{row}:C{row}"] = FORMAT_IDS[number_format]
    return {
        "id": "data",
        "name": "Data",
        "colNumber": 5,
        "rowNumber": 20,
        "cols": {"0": {"size": 200}, "1": {"size": 120}, "2": {"size": 120}},
        "rows": {},
        "merges": [],
        "cells": cells,
        "styles": {"A1:C1": 2},
        "formats": formats,
        "borders": {},
        "conditionalFormats": [],
        "dataValidationRules": [],
        "figures": [],
        "tables": [],
        "areGridLinesVisible": True,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "comments": {},
    }


FORMAT_IDS = {"0.0": 1, "#,##0": 2, "0.0%": 3}
# decimals each format shows: a figure is rounded to them, so that a value
# just below zero (a shortage of 0.3 kg, a bias of -0.04 %) reads 0, not -0
FORMAT_PLACES = {"0.0": 1, "#,##0": 0, "0.0%": 3}
TABLE_ROWS = 6
# row, title, columns (label, measure, format), pivot, row dimension
TABLES = [
    (
        42,
        "Active plan vs actuals by category (month)",
        [
            ("Category", None, None),
            ("Plan (consensus)", "consensus_qty", "#,##0"),
            ("Actual", "actual_qty", "#,##0"),
            ("WAPE (%)", "wape", "0.0"),
            ("Bias (%)", "bias", "0.0"),
        ],
        5,
        "categ_id",
    ),
    (
        51,
        "Next cycle's scenarios side by side",
        [
            ("Scenario", None, None),
            ("Fill rate", "fill_rate", "0.0%"),
            ("Stock value", "avg_stock_value", "#,##0"),
            ("Margin", "margin", "#,##0"),
            ("Cash out (purchases)", "purchase_spend", "#,##0"),
        ],
        6,
        "cycle_scenario",
    ),
    (
        60,
        "Top shortages in the next cycle",
        [
            ("Product", None, None),
            ("Months short", "__count", "#,##0"),
            ("Lowest projected stock", "projected_on_hand:min", "#,##0"),
            ("Planned revenue", "revenue", "#,##0"),
        ],
        7,
        "product_id",
    ),
    (
        69,
        "Top excess stock in the next cycle",
        [
            ("Product", None, None),
            ("Months in excess", "__count", "#,##0"),
            ("Highest stock value", "planned_inventory_value:max", "#,##0"),
        ],
        8,
        "product_id",
    ),
]


def scorecard(index, label, colors):
    up, down = colors
    row = index + 2
    return {
        "type": "scorecard",
        "title": {"text": label, "bold": True, "color": "#434343"},
        "keyValue": f"Data!B{row}",
        "baseline": f"Data!C{row}",
        "baselineMode": "difference",
        "baselineDescr": {"text": "vs previous month"},
        "baselineColorUp": up,
        "baselineColorDown": down,
        "background": "#EFF6FF" if index < 5 else "#FFF7ED",
        "humanize": False,
    }


def trend_chart(title, model, measure):
    return {
        "type": "odoo_line",
        "title": {"text": title, "bold": True, "color": "#434343"},
        "background": "#FFFFFF",
        "legendPosition": "none",
        "metaData": {
            "groupBy": ["date_month:month"],
            "measure": measure,
            "order": None,
            "resModel": model,
            "mode": "line",
            "cumulatedStart": False,
        },
        "searchParams": {
            "comparison": None,
            "context": {},
            "domain": TREND_DOMAIN,
            "groupBy": ["date_month:month"],
            "orderBy": [],
        },
        "dataSets": [{}],
        "verticalAxisPosition": "left",
        "stacked": False,
        "cumulatedStart": False,
        "axesDesign": {},
        "fillArea": False,
        "fieldMatching": {},
    }


def figure(name, data, col, row, x, y, width, height):
    chart_id = _id(name)
    return {
        "id": chart_id,
        "tag": "chart",
        "width": width,
        "height": height,
        "col": col,
        "row": row,
        "offset": {"x": x, "y": y},
        "data": dict(data, chartId=chart_id),
    }


def dashboard_sheet():
    cells, styles, figures, menus = {}, {}, [], {}
    cells["A1"] = _t("How did we do")
    styles["A1"] = 1
    for index, (label, _c, _p, _f, *colors) in enumerate(KPIS):
        line, position = divmod(index, 4)
        fig = figure(
            f"kpi-{label}",
            scorecard(index, label, colors),
            0,
            1,
            position * (TILE_WIDTH + GAP),
            5 + line * (TILE_HEIGHT + GAP),
            TILE_WIDTH,
            TILE_HEIGHT,
        )
        figures.append(fig)
        menus[fig["id"]] = ACCURACY_MENU if index >= 5 else KPI_MENU
    cells["A12"] = _t("Trends over 12 months")
    styles["A12"] = 1
    chart_width, chart_height = 2 * TILE_WIDTH + GAP, 300
    for index, (title, model, measure, menu) in enumerate(TRENDS):
        line, position = divmod(index, 2)
        fig = figure(
            f"trend-{measure}-{model}",
            trend_chart(title, model, measure),
            0,
            12,
            position * (chart_width + GAP),
            5 + line * (chart_height + GAP),
            chart_width,
            chart_height,
        )
        figures.append(fig)
        menus[fig["id"]] = menu
    formats = {}
    heading_rows = []
    for row, title, columns, pivot_id, dimension in TABLES:
        heading_rows.append(row)
        cells[f"A{row}"] = _t(title)
        styles[f"A{row}"] = 1
        for col, (label, _measure, _fmt) in zip("ABCDE", columns, strict=False):
            cells[f"{col}{row + 1}"] = _t(label)
        styles[f"A{row + 1}"] = 2
        styles[f"B{row + 1}:E{row + 1}"] = 4
        for index in range(1, TABLE_ROWS + 1):
            line = row + 1 + index
            cells[f"A{line}"] = (
                f'=IFERROR(PIVOT.HEADER({pivot_id},"#{dimension}",{index}),"")'
            )
            for col, (_label, measure, number_format) in zip(
                "BCDE", columns[1:], strict=False
            ):
                value = shown(
                    f'PIVOT.VALUE({pivot_id},"{measure}","#{dimension}",{index})',
                    number_format,
                )
                cells[f"{col}{line}"] = f'=IF(A{line}="","",IFERROR({value},""))'
                formats[f"{col}{line}"] = FORMAT_IDS[number_format]
        styles[f"A{row + 2}:E{row + 1 + TABLE_ROWS}"] = 3
    return {
        "id": "dashboard",
        "name": "Dashboard",
        "colNumber": 8,
        "rowNumber": 80,
        "cols": {
            "0": {"size": 330},
            **{str(c): {"size": 165} for c in range(1, 5)},
        },
        "rows": {"0": {"size": 40}, **{str(r - 1): {"size": 40} for r in heading_rows}},
        "merges": [],
        "cells": cells,
        "styles": styles,
        "formats": formats,
        "borders": {},
        "conditionalFormats": [],
        "dataValidationRules": [],
        "figures": figures,
        "tables": [],
        "areGridLinesVisible": False,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "comments": {},
    }, menus


def build():
    dashboard, menus = dashboard_sheet()
    return {
        "version": "18.5.10",
        "sheets": [dashboard, data_sheet()],
        "styles": {
            "1": {"textColor": "#01666B", "bold": True, "fontSize": 16},
            "2": {"bold": True, "fillColor": "#E6F2F3"},
            "3": {"textColor": "#434343", "verticalAlign": "middle"},
            "4": {"bold": True, "fillColor": "#E6F2F3", "align": "right"},
        },
        "formats": {str(v): k for k, v in FORMAT_IDS.items()},
        "borders": {},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {
            "locale": {
                "name": "English (US)",
                "code": "en_US",
                "thousandsSeparator": ",",
                "decimalSeparator": ".",
                "dateFormat": "mm/dd/yyyy",
                "timeFormat": "hh:mm:ss",
                "formulaArgSeparator": ",",
                "weekStart": 7,
            }
        },
        "pivots": {p["id"]: p for p in PIVOTS},
        "pivotNextId": len(PIVOTS) + 1,
        "customTableStyles": {},
        "globalFilters": [
            {
                "id": MONTH_FILTER,
                "type": "date",
                "label": "Month",
                "defaultValue": "last_month",
            }
        ],
        "lists": {},
        "listNextId": 1,
        "chartOdooMenusReferences": menus,
    }


def main():
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
