"""The Adjustments sheet: written with hidden keys, read back after edits."""

import io
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sop_planning.engine import ADJUSTMENTS_SHEET, read_adjustments, write_workbook
from sop_planning.engine.errors import EngineInputError


def _adjustments():
    return pd.DataFrame(
        {
            "key": ["7:1:1:2027-01", "7:1:1:2027-02", "7:2:1:2027-01"],
            "product": ["Pump", "Pump", "Valve"],
            "warehouse": ["WH", "WH", "WH"],
            "period": pd.to_datetime(["2027-01-01", "2027-02-01", "2027-01-01"]),
            "forecast": [100.0, 100.0, 40.0],
            "adjustment": [0.0, 20.0, -10.0],
            "adjustment_percent": [np.nan, 20.0, np.nan],
            "reason": [None, "Promotion / Campaign", "Market Trend"],
            "reason_note": [None, "spring campaign", None],
        }
    )


def _book(adjustments=None):
    buffer = io.BytesIO()
    plan = {"adjustments": _adjustments() if adjustments is None else adjustments}
    plan["reasons"] = ["Promotion / Campaign", "Market Trend", "Other"]
    write_workbook(buffer, plan)
    buffer.seek(0)
    return buffer


def _save(book):
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_sheet_has_hidden_keys_a_filter_and_consensus_values():
    book = openpyxl.load_workbook(_book())
    sheet = book[ADJUSTMENTS_SHEET]
    assert [cell.value for cell in sheet[1]] == [
        "Key",
        "Product",
        "Warehouse",
        "Month",
        "Forecast",
        "Adjustment",
        "Adjustment (%)",
        "Reason",
        "Reason note",
        "Consensus",
    ]
    assert sheet.column_dimensions["A"].hidden
    assert sheet.auto_filter.ref == "A1:J4"
    assert sheet["J3"].value == '=MAX(0,E3+IF(G3="",F3,E3*G3/100))'
    assert sheet.data_validations.dataValidation[0].sqref.ranges[0].coord == "H2:H4"
    values = openpyxl.load_workbook(_book(), data_only=True)[ADJUSTMENTS_SHEET]
    assert [values[f"J{row}"].value for row in (2, 3, 4)] == [100.0, 120.0, 30.0]


def test_a_line_never_adjusted_reads_its_forecast_as_consensus():
    """A line without an adjustment (blank, as Odoo stores it) has its
    forecast as the consensus: readers that do not recalculate got "nan",
    and openpyxl could not open the file."""
    adjustments = _adjustments().assign(adjustment=[np.nan, 20.0, np.nan])
    values = openpyxl.load_workbook(_book(adjustments), data_only=True)
    sheet = values[ADJUSTMENTS_SHEET]
    assert [sheet[f"J{row}"].value for row in (2, 3, 4)] == [100.0, 120.0, 40.0]


def test_read_back_unchanged():
    rows = read_adjustments(_book())
    assert list(rows["key"]) == ["7:1:1:2027-01", "7:1:1:2027-02", "7:2:1:2027-01"]
    assert list(rows["row"]) == [2, 3, 4]
    assert rows["adjustment"].tolist() == [0.0, 20.0, -10.0]
    assert np.isnan(rows["adjustment_percent"][0])
    assert rows["adjustment_percent"][1] == 20.0
    assert rows["reason"].tolist() == ["", "Promotion / Campaign", "Market Trend"]
    assert (rows["text_in"] == "").all()


def test_sorted_edited_rows_keep_their_keys():
    book = openpyxl.load_workbook(_book())
    sheet = book[ADJUSTMENTS_SHEET]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    rows.reverse()  # sorted by product descending, say
    for number, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            sheet.cell(number, col, value)
    sheet["F2"] = "lots"  # Valve, now first: text in a number cell
    sheet["G3"] = 0.25
    sheet["G3"].number_format = "0%"  # typed as 25 % in a percent cell
    sheet["A6"] = None  # a blank row at the end is no row
    read = read_adjustments(_save(book)).set_index("key")
    assert read.loc["7:2:1:2027-01", "text_in"] == "Adjustment"
    assert read.loc["7:2:1:2027-01", "text_value"] == "lots"
    assert read.loc["7:2:1:2027-01", "row"] == 2
    assert read.loc["7:1:1:2027-02", "adjustment_percent"] == pytest.approx(25.0)
    assert len(read) == 3


def test_a_file_that_is_not_the_workbook_is_refused():
    with pytest.raises(EngineInputError, match="not an .xlsx"):
        read_adjustments(io.BytesIO(b"name,qty\nA,1\n"))
    other = openpyxl.Workbook()
    other.active.title = "Sheet1"
    with pytest.raises(EngineInputError, match="no sheet named 'Adjustments'"):
        read_adjustments(_save(other))
    book = openpyxl.load_workbook(_book())
    book[ADJUSTMENTS_SHEET]["H1"] = "Why"
    with pytest.raises(EngineInputError, match="no column 'Reason'"):
        read_adjustments(_save(book))


def test_a_plan_without_lines_notes_it():
    book = openpyxl.load_workbook(_book(_adjustments().iloc[:0]))
    note = book[ADJUSTMENTS_SHEET]["A1"].value
    assert note == "No plan lines to adjust in this plan."
    with pytest.raises(EngineInputError, match="no column 'Key'"):
        read_adjustments(_book(_adjustments().iloc[:0]))


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_a_libreoffice_saved_file_reads_the_same(tmp_path):
    source = tmp_path / "plan.xlsx"
    book = openpyxl.load_workbook(_book())
    book[ADJUSTMENTS_SHEET]["F2"] = 15
    book.save(source)
    out = tmp_path / "out"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            source,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    read = read_adjustments(out / "plan.xlsx")
    assert read["key"].tolist() == ["7:1:1:2027-01", "7:1:1:2027-02", "7:2:1:2027-01"]
    assert read["adjustment"].tolist() == [15.0, 20.0, -10.0]
    assert read["adjustment_percent"][1] == 20.0
    assert read["reason"].tolist() == ["", "Promotion / Campaign", "Market Trend"]


DANISH = {
    "Adjustments": "Justeringer",
    "Key": "Nøgle",
    "Adjustment": "Justering",
    "Adjustment (%)": "Justering (%)",
    "Reason": "Årsag",
    "Reason note": "Årsagsnote",
}


def test_a_workbook_exported_in_danish_imports():
    """The import finds the sheet and columns under the names of the
    language the file was exported in, and names them so in its errors."""
    buffer = io.BytesIO()
    write_workbook(buffer, {"adjustments": _adjustments()}, labels=DANISH)
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)
    sheet = book["Justeringer"]
    assert [cell.value for cell in sheet[1]][:3] == ["Nøgle", "Product", "Warehouse"]
    sheet["F3"] = "mange"
    with pytest.raises(EngineInputError, match="no sheet named 'Adjustments'"):
        read_adjustments(_save(book))
    english = {"Adjustments": "Adjustments"}
    read = read_adjustments(_save(book), labels=[english, DANISH])
    assert read["key"].tolist() == ["7:1:1:2027-01", "7:1:1:2027-02", "7:2:1:2027-01"]
    assert read["adjustment"].tolist()[::2] == [0.0, -10.0]
    assert read["reason_note"].tolist()[1] == "spring campaign"
    assert (read["text_in"][1], read["text_value"][1]) == ("Justering", "mange")
    # an English export reads with the Danish labels given too
    assert len(read_adjustments(_book(), labels=[DANISH])) == 3
