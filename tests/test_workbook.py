"""S&OP workbook: sheets, headers, frozen panes and totals read back."""

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sop_planning.engine.finance import financial_plan, purchase_spend
from sop_planning.engine.workbook import SHEETS, WORKBOOK_LABELS, write_workbook

PERIODS = pd.date_range("2027-01-01", periods=3, freq="MS")


def _long(**columns):
    frame = {
        "item_id": np.repeat(["A", "B"], 3),
        "period": np.tile(PERIODS, 2),
    }
    frame.update({name: np.asarray(values, float) for name, values in columns.items()})
    return pd.DataFrame(frame)


def _plan():
    forecast = [10, 12, 14, 5, 5, 5]
    adjustment = [0, 3, 0, -1, 0, 0]
    demand = _long(
        history=[9, 11, np.nan, 4, 6, 5],
        forecast=forecast,
        adjustment=adjustment,
        consensus=np.add(forecast, adjustment),
    )
    supply = _long(
        demand=demand["consensus"],
        receipts=[0, 20, 0, 10, 0, 0],
        projected_on_hand=[5, 10, -4, 9, 4, -1],
        stockout_risk=[0.0, 0.1, 0.6, 0.0, 0.0, 0.3],
    )
    prices = pd.DataFrame(
        {"item_id": ["A", "B"], "unit_price": [10.0, 4.0], "unit_cost": [6.0, 1.0]}
    )
    plan_rows = supply.rename(columns={"demand": "qty"})
    receipts = supply[["item_id", "period", "receipts"]].rename(
        columns={"receipts": "qty"}
    )
    scenarios = pd.DataFrame(
        {
            "scenario": ["Base plan", "Demand +15 %"],
            "changes": ["the plan as it is", "demand +15 %"],
            "fill_rate": [0.97, 0.93],
            "stockout_risk": [0.05, 0.12],
            "avg_stock_value": [120.0, 110.0],
            "revenue": [420.0, 483.0],
            "margin": [150.0, 172.5],
            "purchase_spend": [130.0, 150.0],
            "spend 2027-01-01": [0.0, 0.0],
        }
    )
    accuracy = pd.DataFrame(
        {"item_id": ["A", "B"], "model": ["ets", "sba"], "wape": [0.2, 0.7]}
    )
    return {
        "kpis": pd.DataFrame({"kpi": ["Items"], "value": [2], "format": ["number"]}),
        "demand": demand,
        "supply": supply,
        "financial": financial_plan(plan_rows, prices),
        "spend": purchase_spend(receipts, prices),
        "scenarios": scenarios,
        "accuracy": accuracy,
    }


def _read(plan):
    buffer = io.BytesIO()
    write_workbook(buffer, plan, title="S&OP plan 2027-01")
    buffer.seek(0)
    return openpyxl.load_workbook(buffer, data_only=True)


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _total(sheet, item, measure):
    """The Total column of the row of ``item`` and ``measure``."""
    for row in _rows(sheet):
        if row[0] == item and row[1] == measure:
            return row[-1], row[2:-1]
    raise AssertionError(f"no row {item} / {measure}")


def test_the_supply_sheet_shows_the_demand_before_the_plan():
    """The projection's first month also takes the demand between today
    and the plan: the Supply sheet shows it, so demand, receipts and the
    projected stock add up; a plan without it has no such row."""
    plan = _plan()
    plan["supply"]["prior_demand"] = np.where(
        plan["supply"]["period"] == plan["supply"]["period"].min(), 7.0, 0.0
    )
    total, months = _total(_read(plan)["Supply"], "A", "Demand before the plan")
    assert total == 7.0 and months == [7.0, 0.0, 0.0]
    measures = {row[1] for row in _rows(_read(_plan())["Supply"])}
    assert "Demand before the plan" not in measures


def test_items_in_several_units_are_totalled_per_unit():
    """Kilograms and pieces do not add up: with items in two units the All
    items rows of quantities are one per unit, each item's quantity rows
    name its unit, money still adds up and the Summary's monthly demand
    has no total."""
    plan = _plan()
    for key in ("demand", "supply", "financial"):
        plan[key]["unit"] = np.where(plan[key]["item_id"] == "A", "kg", "Units")
    book = _read(plan)
    demand = book["Demand plan"]
    total, months = _total(demand, "All items", "Consensus (kg)")
    assert total == 39.0 and months == [10, 15, 14]
    assert _total(demand, "All items", "Consensus (Units)")[0] == 14.0
    assert _total(demand, "B", "Adjustment (Units)")[0] == -1.0
    assert "Consensus" not in {row[1] for row in _rows(demand)}
    # the colour rules still find the unit-labelled rows
    rules = [
        r.formula[0] for ranges in demand.conditional_formatting for r in ranges.rules
    ]
    assert any('LEFT($B2,12)="Adjustment ("' in rule for rule in rules)
    stock, _ = _total(book["Supply"], "All items", "Receipts (kg)")
    assert stock == 20.0
    revenue, _ = _total(book["Financial"], "All items", "Revenue")
    assert revenue == pytest.approx(plan["financial"]["revenue"].sum())
    header = _rows(book["Summary"])[2]
    assert header[4] == "Demand: several units, see Demand plan"
    assert [row[4] for row in _rows(book["Summary"])[3:6]] == [None, None, None]
    one_unit = _rows(_read(_plan())["Summary"])
    assert one_unit[2][4] == "Demand" and one_unit[3][4] == 14.0


def test_scenarios_not_scored_are_said_not_hidden():
    """A plan whose scenarios are not scored on it says how many there are
    (the sheet said "No scenarios in this plan." with four of them)."""
    plan = _plan()
    plan["scenarios"] = plan["scenarios"].iloc[0:0]
    plan["unscored_scenarios"] = 4
    note = _rows(_read(plan)["Scenarios"])[0][0]
    assert note.startswith("4 scenario(s) not scored on the plan as it is")
    del plan["unscored_scenarios"]
    assert _rows(_read(plan)["Scenarios"])[0][0] == "No scenarios in this plan."


def test_sheets_headers_and_frozen_panes():
    book = _read(_plan())
    assert book.sheetnames == list(SHEETS)
    assert book["Summary"]["A1"].value == "S&OP plan 2027-01"
    for name in ("Demand plan", "Supply", "Financial"):
        header = _rows(book[name])[0]
        assert header == ["Item", "Measure", "2027-01", "2027-02", "2027-03", "Total"]
        assert book[name].freeze_panes == "C2"
    assert _rows(book["Scenarios"])[0][:4] == [
        "Scenario",
        "Changes",
        "Fill rate",
        "Stockout risk",
    ]
    assert _rows(book["Accuracy"])[0] == ["Item", "Model", "WAPE"]
    assert book["Scenarios"].freeze_panes == "B2"
    assert book["Summary"].freeze_panes == "A4"


def test_totals_equal_the_inputs():
    plan = _plan()
    book = _read(plan)
    demand = book["Demand plan"]
    total, months = _total(demand, "All items", "Consensus")
    assert total == pytest.approx(plan["demand"]["consensus"].sum())
    assert months == pytest.approx([14, 20, 19])
    assert _total(demand, "A", "Adjustment")[0] == 3.0
    # an unknown history month stays blank, it is not a zero
    assert _total(demand, "A", "History (last year)")[1][2] is None
    financial = book["Financial"]
    for measure, column in (("Revenue", "revenue"), ("Margin", "margin")):
        total, _ = _total(financial, "All items", measure)
        assert total == pytest.approx(plan["financial"][column].sum())
    spend, _ = _total(financial, "All items", "Purchase spend")
    assert spend == pytest.approx(plan["spend"]["purchase_spend"].sum())
    receipts, _ = _total(book["Supply"], "All items", "Receipts")
    assert receipts == 30.0
    summary = {row[0]: row[1] for row in _rows(book["Summary"])[3:] if row[0]}
    assert summary["Revenue"] == pytest.approx(plan["financial"]["revenue"].sum())
    # the year-end stock the cycle shows, next to the mean of the period ends
    last = plan["financial"]["period"].max()
    year_end = (
        plan["financial"]
        .loc[plan["financial"]["period"] == last, "inventory_value"]
        .sum()
    )
    assert summary["Inventory value at the end"] == pytest.approx(year_end)
    assert summary["Fill rate (simulated)"] == 0.97
    assert summary["Items"] == 2
    scenario_rows = _rows(book["Scenarios"])[1:]
    assert [row[5] for row in scenario_rows] == [420.0, 483.0]


def test_summary_simulates_the_scenario_the_plan_was_approved_with():
    """A plan approved with a scenario shows that scenario's simulated
    fill and stock, not the base plan's next to its name."""
    plan = dict(_plan(), approved_scenario="Demand +15 %")
    summary = {row[0]: row[1] for row in _rows(_read(plan)["Summary"])[3:] if row[0]}
    assert summary["Fill rate (simulated)"] == 0.93
    assert summary["Average stock value (simulated)"] == 110.0


def test_formulas_and_conditional_colours_are_written():
    buffer = io.BytesIO()
    write_workbook(buffer, _plan())
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)
    demand = book["Demand plan"]
    assert demand["F2"].value == "=SUM(C2:E2)"
    assert demand["C2"].value.startswith("=SUMIF(")
    rules = [
        rule.formula[0]
        for ranges in book["Supply"].conditional_formatting
        for rule in ranges.rules
    ]
    assert rules == [
        'AND(OR($B2="Projected stock",LEFT($B2,17)="Projected stock ("),C2<0)',
        'AND(OR($B2="Backorders",LEFT($B2,12)="Backorders ("),C2>0)',
        'AND(OR($B2="Stockout risk",LEFT($B2,15)="Stockout risk ("),C2>=0.2)',
    ]
    assert len(book["Scenarios"].conditional_formatting) == 3
    assert book["Summary"]._charts
    assert book["Scenarios"]._charts


def test_an_empty_plan_still_has_every_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_workbook(str(path), {})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    assert book["Supply"]["A1"].value == "No supply plan in this plan."


def test_summary_shows_the_policy_backtest_per_class():
    """The executive's per-class replay sits on the Summary, right of the money."""
    backtest = pd.DataFrame(
        {
            "class": ["AX", "CZ", "All classes"],
            "policies": [3, 2, 5],
            "replayed": [3, 1, 4],
            "target": [0.98, 0.85, 0.95],
            "promised": [0.97, 0.86, 0.95],
            "plan_fill_rate": [0.96, 0.82, 0.94],
            "plan_stock_value": [900.0, 2500.0, 3400.0],
            "rules": [1, 1, 2],
            "rules_fill_rate": [0.99, 0.30, 0.71],
            "rules_stock_value": [1500.0, 290.0, 1790.0],
        }
    )
    book = _read({**_plan(), "policy_backtest": backtest})
    sheet = book["Summary"]
    assert sheet["K3"].value == "Class"
    assert [sheet.cell(row, 11).value for row in (4, 5, 6)] == [
        "AX",
        "CZ",
        "All classes",
    ]
    assert sheet["P5"].value == pytest.approx(0.82)  # plan fill of CZ
    assert sheet["P5"].number_format == "0.0%"
    assert sheet["T5"].value == pytest.approx(290.0)  # rules' stock value of CZ
    assert sheet["D3"].value == "Period", "the monthly table stays in place"


def _marked(text):
    return isinstance(text, str) and text.startswith("§")


def test_every_word_comes_from_the_labels():
    """A reader's language: sheet names, headers, measures, indicators and
    formulas all take the labels given; the caller's data stays as given."""
    labels = {english: f"§{english}" for english in WORKBOOK_LABELS}
    buffer = io.BytesIO()
    write_workbook(buffer, _plan(), title="Plan", labels=labels)
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)
    assert book.sheetnames == [f"§{name}" for name in SHEETS]
    for name in ("Demand plan", "Supply", "Financial"):
        sheet = book[f"§{name}"]
        header = [cell.value for cell in sheet[1]]
        assert header == [
            "§Item",
            "§Measure",
            "2027-01",
            "2027-02",
            "2027-03",
            "§Total",
        ]
        measures = [row[1] for row in _rows(sheet)[1:] if row[1]]
        assert all(_marked(measure) for measure in measures), measures
        assert _marked(sheet["A2"].value)  # All items
    sums = book["§Demand plan"]["C2"].value
    assert '"§History (last year)"' in sums
    rules = [
        rule.formula[0]
        for ranges in book["§Supply"].conditional_formatting
        for rule in ranges.rules
    ]
    assert rules[0].startswith('AND(OR($B2="§Projected stock",')
    scenario_header = [cell.value for cell in book["§Scenarios"][1]]
    assert scenario_header[:3] == ["§Scenario", "§Changes", "§Fill rate"]
    # the month as the other sheets write it, not 2027-01-01
    assert scenario_header[-1] == "§Spend 2027-01"
    assert all(_marked(cell) for cell in scenario_header)
    assert all(_marked(cell.value) for cell in book["§Accuracy"][1])
    summary = book["§Summary"]
    assert (summary["A3"].value, summary["B3"].value) == ("§Indicator", "§Value")
    indicators = [row[0] for row in _rows(summary)[3:] if row[0]]
    assert indicators[0] == "Items", "the caller's indicators are its own"
    assert all(_marked(name) for name in indicators[1:]), indicators
    assert all(_marked(cell.value) for cell in summary[3][3:9])
    comment = book["§Demand plan"]["B1"].comment
    assert comment is None, "no adjustments in this plan, no comment"
    adjustments = book["§Adjustments"]
    assert adjustments["A1"].value == "§No plan lines to adjust in this plan."


def test_a_label_that_is_no_sheet_name_is_made_one():
    labels = {"Summary": "Resumé: [plan]", "Supply": "Demand plan"}
    buffer = io.BytesIO()
    write_workbook(buffer, {}, labels=labels)
    buffer.seek(0)
    names = openpyxl.load_workbook(buffer).sheetnames
    assert names[0] == "Resumé   plan"
    assert names[3] == "Supply", "a clash keeps the English name"
