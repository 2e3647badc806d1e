"""The workbook's Adjustments sheet: written with the plan, read back on import.

One row per plan line (item, warehouse, month) with the statistical forecast,
the adjustment as a quantity or a percent of the forecast, its reason and
note, and the consensus (a formula with its value). Column A holds a hidden
key that the caller chose (in Odoo ``cycle:product:warehouse:month``), so
planners may sort and filter the rows freely; the import finds each line by
its key, never by its position.

``write_adjustments(sheet, frame, formats, reasons, labels)`` takes
``frame`` with ``key, product, warehouse, period, forecast, adjustment,
adjustment_percent`` (NaN when the adjustment is a quantity), ``reason``
and ``reason_note``; ``labels`` translates the headers (English word ->
the reader's). ``read_adjustments(file, labels)`` returns the rows as typed
values: it finds the sheet and its columns under their English names or
under the names of any of ``labels`` (one mapping per language the file may
have been exported in), so a workbook exported in Danish imports too.
"""

import numpy as np
import pandas as pd

from .errors import EngineInputError

ADJUSTMENTS_SHEET = "Adjustments"
# column of the frame, header in the sheet, number format name
ADJUSTMENT_COLUMNS = (
    ("key", "Key", "text"),
    ("product", "Product", None),
    ("warehouse", "Warehouse", None),
    ("period", "Month", "text"),
    ("forecast", "Forecast", "qty"),
    ("adjustment", "Adjustment", "qty"),
    ("adjustment_percent", "Adjustment (%)", "number"),
    ("reason", "Reason", None),
    ("reason_note", "Reason note", None),
    ("consensus", "Consensus", "qty"),
)
HEADERS = {column: header for column, header, _fmt in ADJUSTMENT_COLUMNS}
# the English words of the sheet (keys of ``labels``)
ADJUSTMENT_LABELS = (ADJUSTMENTS_SHEET, *HEADERS.values())
# characters a sheet name may not hold (Excel)
SHEET_NAME_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})
SHEET_NAME_LENGTH = 31
EDITABLE = ("adjustment", "adjustment_percent", "reason", "reason_note")
NUMBERS = ("adjustment", "adjustment_percent")


def labeller(labels=None):
    """Return ``text(english)``: its label in ``labels``, else the English."""
    labels = labels or {}
    return lambda english: labels.get(english) or english


def sheet_title(name):
    """``name`` as a valid sheet name: no ``[]:*?/\\``, 31 characters."""
    title = str(name).translate(SHEET_NAME_FORBIDDEN).strip().strip("'")
    return title[:SHEET_NAME_LENGTH].strip() or "Sheet"


def _letter(column):
    return chr(ord("A") + [c for c, _h, _f in ADJUSTMENT_COLUMNS].index(column))


def write_adjustments(sheet, frame, formats, reasons=(), labels=None):
    """Write the editable table of plan lines, its hidden key and a filter."""
    text = labeller(labels)
    sheet.write_row(
        0, 0, [text(header) for _c, header, _f in ADJUSTMENT_COLUMNS], formats.header
    )
    sheet.freeze_panes(1, 4)
    sheet.set_column(0, 0, 18, None, {"hidden": True})
    sheet.set_column(1, 1, 32)
    sheet.set_column(2, 3, 11)
    sheet.set_column(4, 6, 13)
    sheet.set_column(7, 8, 22)
    sheet.set_column(9, 9, 13)
    months = pd.DatetimeIndex(pd.to_datetime(frame["period"])).strftime("%Y-%m")
    values = {
        "key": frame["key"].astype(str),
        "product": frame["product"].astype(str),
        "warehouse": frame["warehouse"].astype(str),
        "period": pd.Series(months, index=frame.index),
        "reason": frame["reason"].fillna(""),
        "reason_note": frame["reason_note"].fillna(""),
    }
    for offset, (column, _header, fmt) in enumerate(ADJUSTMENT_COLUMNS[:-1]):
        cells = values[column] if column in values else frame[column]
        cell_format = formats.cells[fmt] if fmt else None
        if column in values:
            cells = [str(value) if value else None for value in cells]
        else:
            cells = [None if pd.isna(value) else float(value) for value in cells]
        sheet.write_column(1, offset, cells, cell_format)
    percent = frame["adjustment_percent"].to_numpy(float)
    effect = np.where(
        np.isnan(percent),
        # a line never adjusted has no adjustment: the formula reads its blank as 0
        np.nan_to_num(frame["adjustment"].to_numpy(float)),
        frame["forecast"].to_numpy(float) * percent / 100,
    )
    consensus = np.maximum(frame["forecast"].to_numpy(float) + effect, 0.0)
    fc, adj, pct = (
        _letter("forecast"),
        _letter("adjustment"),
        _letter("adjustment_percent"),
    )
    last_col = len(ADJUSTMENT_COLUMNS) - 1
    for row, value in enumerate(consensus, start=2):
        sheet.write_formula(
            row - 1,
            last_col,
            f'=MAX(0,{fc}{row}+IF({pct}{row}="",{adj}{row},{fc}{row}*{pct}{row}/100))',
            formats.cells["qty"],
            float(value),
        )
    last_row = len(frame)
    sheet.autofilter(0, 0, max(last_row, 1), last_col)
    if reasons and last_row:
        col = [c for c, _h, _f in ADJUSTMENT_COLUMNS].index("reason")
        sheet.data_validation(
            1, col, last_row, col, {"validate": "list", "source": list(reasons)}
        )


def _number(value, number_format):
    """Return (float or NaN, is_text) of a cell; ``10 %`` cells read as 10."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return np.nan, False
    scale = 100.0 if "%" in (number_format or "") else 1.0
    if isinstance(value, bool):
        return np.nan, True
    if isinstance(value, int | float):
        return float(value) * scale, False
    text = str(value).strip().replace("\u2212", "-")
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 1.0
    try:
        return float(text) * scale, False
    except ValueError:
        return np.nan, True


def _text(value):
    return "" if value is None else str(value).strip()


def _names(english, labels):
    """The names ``english`` may have in a file: itself and each label's,
    compared without case or surrounding spaces."""
    names = [english, *(mapping.get(english) for mapping in labels)]
    return {str(name).strip().casefold() for name in names if name}


def _adjustments_sheet(book, labels):
    """The Adjustments sheet of ``book``, under any of its names."""
    names = _names(ADJUSTMENTS_SHEET, labels)
    for title in book.sheetnames:
        if title.strip().casefold() in names:
            return book[title]
    raise EngineInputError(f"no sheet named {ADJUSTMENTS_SHEET!r}")


def _column_index(header, title, labels):
    """Column -> (position, header as written) of the columns the import reads."""
    folded = [cell.casefold() for cell in header]
    index = {}
    for column in ("key", *EDITABLE):
        names = _names(HEADERS[column], labels)
        found = [pos for pos, cell in enumerate(folded) if cell in names]
        if not found:
            raise EngineInputError(f"sheet {title!r} has no column {HEADERS[column]!r}")
        index[column] = (found[0], header[found[0]])
    # the product as the row shows it, when the column is there: a row whose
    # product was typed over is not applied to its key's product unsaid
    names = _names(HEADERS["product"], labels)
    found = [pos for pos, cell in enumerate(folded) if cell in names]
    if found:
        index["product"] = (found[0], header[found[0]])
    return index


def read_adjustments(file, labels=()):
    """Read the Adjustments sheet of a workbook (path or binary buffer).

    ``labels``: mappings English word -> translation, one per language the
    workbook may have been exported in (``write_workbook``'s ``labels``);
    the sheet and its columns are found under any of these names.
    Returns one row per non-empty sheet row: ``row`` (the sheet's row
    number), ``key``, ``product`` (as the row shows it, "" without the
    column), ``adjustment`` and ``adjustment_percent`` (floats, NaN
    when blank), ``reason``, ``reason_note`` and ``text_in`` (the header of
    a number column holding text, else "") and ``text_value`` (that text).
    Cached values are read, not
    formulas, so a file saved by Excel or LibreOffice reads the same.
    Raises ``EngineInputError`` when the file or its sheet cannot be read.
    """
    import openpyxl  # noqa: PLC0415 (only the import needs it)

    labels = [mapping for mapping in labels if mapping]
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML or format errors of a bad upload
        raise EngineInputError(f"not an .xlsx workbook ({exc})") from exc
    try:
        sheet = _adjustments_sheet(book, labels)
        rows = sheet.iter_rows()
        header = [_text(cell.value) for cell in next(rows, ())]
        located = _column_index(header, sheet.title, labels)
        index = {column: pos for column, (pos, _name) in located.items()}
        records = []
        for number, cells in enumerate(rows, start=2):
            cells = list(cells)
            picked = {
                column: (cells[col] if col < len(cells) else None)
                for column, col in index.items()
            }
            raw = {
                column: getattr(cell, "value", None) for column, cell in picked.items()
            }
            if all(_text(value) == "" for value in raw.values()):
                continue
            record = {
                "row": number,
                "key": _text(raw["key"]),
                "product": _text(raw.get("product")),
                "reason": _text(raw["reason"]),
                "reason_note": _text(raw["reason_note"]),
                "text_in": "",
                "text_value": "",
            }
            for column in NUMBERS:
                cell_format = getattr(picked[column], "number_format", None)
                value, is_text = _number(raw[column], cell_format)
                record[column] = value
                if is_text and not record["text_in"]:
                    record["text_in"] = located[column][1]
                    record["text_value"] = _text(raw[column])
            records.append(record)
    finally:
        book.close()
    columns = ["row", "key", "product", *NUMBERS, "reason", "reason_note"]
    columns += ["text_in", "text_value"]
    return pd.DataFrame(records, columns=columns)
