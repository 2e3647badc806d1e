# pylint: disable=print-used
"""CSV files of the command line, read as spreadsheets save them.

``read_table(path)``: item ids as text, semicolons with decimal commas and
Windows' encoding understood, dates written day-month-year or
month-day-year turned into ISO dates. ``read_history(path, freq)``: a
history file summed per item and period, customer returns netted.
"""

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .history import bucket_history

# day and month in either order, then the year; a time after it is dropped
_NUMERIC_DATE = r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:[ T].*)?$"


def read_table(path):
    """Read a CSV file, item ids as text: ``100`` in one file and ``"100"`` in
    a file that also has ``"P-1"`` are one item, and ``007`` stays ``007``.

    A spreadsheet's export is read as it comes: a header separated by
    semicolons and not commas is a locale with decimal commas (Danish,
    German, French Excel), a file that is not UTF-8 is Windows' Western
    encoding (an item name with "ø"), spaces around a header or an item id
    are dropped, and a ``period`` written with the year last is read in the
    order its values show (``_iso_periods``).
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    header, _newline, body = text.partition("\n")
    local = ";" in header and "," not in header
    sep = ";" if local else ","
    header = sep.join(name.strip() for name in header.split(sep))
    table = pd.read_csv(
        io.StringIO(f"{header}\n{body}"),
        sep=sep,
        decimal="," if local else ".",
        dtype={"item_id": str},
    )
    if "item_id" in table.columns:  # a padded cell ("SKU-1 ") is that item
        table["item_id"] = table["item_id"].str.strip()
    return _iso_periods(table, day_first=local)


def _iso_periods(table, day_first):
    """Return ``table`` with its year-last ``period`` texts as ISO dates.

    The day comes first where a first part is above 12, or where the first
    part never changes while the second does (a month's first day,
    ``01-07-2026``); the month comes first in the mirror cases; otherwise
    ``day_first`` decides (a semicolon file is a day-first locale). Read by
    guesswork, ``01-07-2026`` would be the 7th of January. Every distinct
    period is looked at, so a file that changes its way of writing dates
    part way down is read whole (the other dates are left to pandas).
    """
    column = table.get("period")
    if column is None or not (
        column.dtype == object or pd.api.types.is_string_dtype(column)
    ):
        return table  # no period, or read as numbers (pandas 3 reads text as str)
    codes, periods = pd.factorize(table["period"])  # an empty cell: -1
    parts = pd.Series(periods, dtype=object).astype(str).str.extract(_NUMERIC_DATE)
    matched = parts[0].notna().to_numpy()
    if not matched.any():
        return table  # ISO dates
    first = parts.loc[matched, 0].astype(int)
    second = parts.loc[matched, 1].astype(int)
    if (first > 12).any() or (second > 12).any():
        day_first = bool((first > 12).any())
    elif first.nunique() == 1 and second.nunique() > 1:
        day_first = True
    elif second.nunique() == 1 and first.nunique() > 1:
        day_first = False
    day, month = (first, second) if day_first else (second, first)
    year = parts.loc[matched, 2]
    year = year.where(year.str.len() == 4, "20" + year)
    iso = (
        year + "-" + month.astype(str).str.zfill(2) + "-" + day.astype(str).str.zfill(2)
    )
    written = np.asarray(periods, dtype=object).copy()
    written[matched] = iso.to_numpy()
    table = table.copy()
    table["period"] = np.where(codes >= 0, written[codes], table["period"])
    return table


def _count(number, word):
    return f"{number} {word}" + ("" if number == 1 else "s")


# a year without a row from any item, then a few rows: dates mistyped
STRAY_GAP = pd.Timedelta(days=366)
STRAY_SHARE = 0.01


def read_history(path, freq=None):
    """Read a history CSV file summed per item and period, returns netted.

    Periods are ``freq``'s months or weeks (``M``, ``W``), or the file's own
    periods otherwise; stderr says how many rows were returns. Rows cut off
    from the others by more than a year without a row from any item, and
    at most ``STRAY_SHARE`` of them, are left out and named on stderr: a
    sale keyed in as 2031 for 2013 started every item's forecast in 2031,
    after 16 years of zeros.
    """
    history, returned, below = bucket_history(
        read_table(path), freq if freq in ("M", "W") else None
    )
    history = _without_stray_dates(history, path)
    if returned:
        note = (
            f"note: {path}: {_count(returned, 'row')} with a negative quantity "
            "(returns) netted against the item's sales of the same period"
        )
        if below:
            note += (
                f"; {_count(below, 'period')} with more returned than sold counted as 0"
            )
        print(note, file=sys.stderr)
    return history


def _without_stray_dates(history, path):
    """``history`` without the rows a gap of over a year leaves few of."""
    dates = pd.to_datetime(history["period"])
    periods = dates.drop_duplicates().sort_values()
    gaps = periods.diff() > STRAY_GAP
    if not gaps.any():
        return history
    # each row's stretch of dates between gaps; the largest is the history
    stretch = np.searchsorted(periods[gaps].to_numpy(), dates.to_numpy(), "right")
    main = stretch == np.bincount(stretch).argmax()
    stray = history[~main]
    if len(stray) > STRAY_SHARE * len(history):
        return history
    named = pd.DataFrame({"item": stray["item_id"], "date": dates[~main]})
    shown = ", ".join(
        f"item {item} on {date:%Y-%m-%d}"
        for item, date in named.drop_duplicates()[:5].itertuples(index=False)
    )
    print(
        f"note: {path}: {_count(len(stray), 'row')} left out, more than a year "
        f"from any other row (a mistyped date?): {shown}",
        file=sys.stderr,
    )
    return history[main]
