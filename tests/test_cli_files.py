"""Command line: dates written with the year last are read in the order the
file's values show, not guessed month first."""

import pandas as pd
import pytest

from sop_planning.engine.cli_files import read_table


def write(tmp_path, periods, sep=","):
    path = tmp_path / "history.csv"
    rows = [f"A{sep}{period}{sep}1" for period in periods]
    path.write_text("\n".join([f"item_id{sep}period{sep}qty", *rows]) + "\n")
    return path


@pytest.mark.parametrize(
    ("periods", "sep", "months"),
    [
        # a month's first day, day first: 1 July, 1 August (not 7 and 8 January)
        (["01-07-2026", "01-08-2026", "01-09-2026"], ",", [7, 8, 9]),
        # the same in month-first order
        (["07/01/2026", "08/01/2026", "09/01/2026"], ",", [7, 8, 9]),
        # a day above 12 tells the order: the 13th of March, the 2nd of March
        (["13.03.2026", "02.03.2026"], ";", [3, 3]),
        (["03/13/2026", "03/02/2026"], ",", [3, 3]),
        # nothing tells: a semicolon file is a day-first locale, two-digit years
        (["02-03-26", "03-02-26"], ";", [3, 2]),
        (["02-03-26", "03-02-26"], ",", [2, 3]),
        # ISO dates are left to pandas
        (["2026-01-02", "2026-03-04"], ",", [1, 3]),
    ],
)
def test_periods_with_the_year_last_are_read_in_their_order(
    tmp_path, periods, sep, months
):
    table = read_table(write(tmp_path, periods, sep))
    assert pd.to_datetime(table["period"]).dt.month.tolist() == months


def test_padded_headers_and_item_ids_are_the_same_columns_and_items(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("item_id , lead_time_days\nSKU-1 ,30\n SKU-2,14\n007,7\n")
    table = read_table(path)
    assert table.columns.tolist() == ["item_id", "lead_time_days"]
    assert table["item_id"].tolist() == ["SKU-1", "SKU-2", "007"]


def test_a_file_that_changes_its_way_of_writing_dates_is_read_whole(tmp_path):
    """ISO dates for the first 1200 rows, then a spreadsheet's day-first
    ones (a month's first day): every row is read as it was meant."""
    periods = ["2026-01-01"] * 1200 + ["01-02-2026", "01-03-2026", "01-04-2026"]
    table = read_table(write(tmp_path, periods))
    months = pd.to_datetime(table["period"]).dt.month.tolist()
    assert months == [1] * 1200 + [2, 3, 4]
