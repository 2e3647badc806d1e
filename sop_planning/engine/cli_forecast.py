# pylint: disable=print-used
"""Sub-commands ``forecast`` and ``backtest`` on a history CSV file.

``forecast HISTORY.csv --horizon 12 [--freq M|W] --out FORECAST.csv`` writes
``item_id, period, forecast, lower, upper, sigma, sigma_cum, model, abc, xyz,
pattern, seasonal``, and beside it ``FORECAST.csv.source.json``: the history
file it was made from (path, size, modification time), with which the
``policy`` command plans as the add-on does without being told
``--history``. ``backtest HISTORY.csv --horizon 12 [--freq M|W]`` holds out the
last ``horizon`` periods and prints WAPE, MASE, RMSSE, bias and zero-forecast
counts per model, per demand pattern and for the auto-selection. Progress
goes to stderr. Returns (negative quantities) are netted against their item's
sales of the same period (``cli_files.read_history``).
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

from .cli_files import read_history
from .forecast import run_forecast
from .forecast_backtest import AUTO, evaluate_holdout, score_table


def _progress(label):
    def report(done, total):
        if total > done or report.shown:
            report.shown = True
            end = "\n" if done == total else ""
            print(f"\r{label}: {done}/{total} items", end=end, file=sys.stderr)

    report.shown = False
    return report


def _add_common(parser):
    parser.add_argument(
        "history",
        help="CSV with columns item_id, period, qty (rows of any date; "
        "returns as negative qty are netted)",
    )
    parser.add_argument("--horizon", type=int, default=12, help="periods ahead")
    parser.add_argument("--freq", choices=("M", "W"), default="M")
    parser.add_argument("--origins", type=int, default=6, help="backtest origins")
    parser.add_argument(
        "--outlier-k", type=float, default=3.0, help="cap at k MAD (0: no capping)"
    )
    parser.add_argument(
        "--best-only",
        dest="combine",
        action="store_false",
        help="keep each item's best model instead of the median of the 3 best",
    )
    parser.add_argument(
        "--careful-abc",
        nargs="*",
        default=(),
        metavar="CLASS",
        help="also try statsmodels' per-item ETS for these ABC classes (slow)",
    )


def _options(args):
    return {
        "n_origins": args.origins,
        "outlier_k": args.outlier_k or None,
        "combine": args.combine,
        "careful_abc": tuple(args.careful_abc),
    }


SOURCE_SUFFIX = ".source.json"


def _file_stamp(path):
    """Return (size, modification time in ns) of a regular file, else None."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns) if os.path.isfile(path) else None


def record_source(out, history):
    """Write beside ``out`` the history file it was made from (or remove it).

    Nothing is recorded for standard output or a history that is no regular
    file (a pipe): it cannot be read again.
    """
    if out == "-":
        return
    source = Path(f"{out}{SOURCE_SUFFIX}")
    stamp = _file_stamp(history)
    if stamp is None:
        source.unlink(missing_ok=True)
        return
    size, mtime_ns = stamp
    record = {"history": os.path.abspath(history), "size": size, "mtime_ns": mtime_ns}
    source.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def recorded_history(forecast):
    """Return (history path or None, why not) recorded beside ``forecast``."""
    source = Path(f"{forecast}{SOURCE_SUFFIX}")
    try:
        record = json.loads(source.read_text(encoding="utf-8"))
        history, size, mtime = record["history"], record["size"], record["mtime_ns"]
    except FileNotFoundError:
        return None, "the forecast does not say which history it was made from"
    except (OSError, ValueError, KeyError, TypeError):
        return None, f"{source} cannot be read"
    if _file_stamp(history) != (size, mtime):
        return None, f"{history}, the forecast's history, is gone or changed since"
    return history, ""


def forecast_command(args):
    """Write the forecast CSV; return the exit code."""
    result = run_forecast(
        read_history(args.history, args.freq),
        args.horizon,
        args.freq,
        progress=_progress("forecast"),
        **_options(args),
    )
    table = result.forecast.copy()
    table["period"] = table["period"].dt.strftime("%Y-%m-%d")
    for column in ("model", "abc", "xyz", "pattern", "seasonal"):
        table[column] = np.repeat(result.items[column].to_numpy(), args.horizon)
    table.to_csv(args.out, index=False)
    record_source(args.out, args.history)
    return 0


def backtest_command(args):
    """Print hold-out WAPE, MASE, RMSSE and bias per model and pattern."""
    holdout = evaluate_holdout(
        read_history(args.history, args.freq),
        args.horizon,
        args.freq,
        progress=_progress("backtest"),
        **_options(args),
    )
    table = score_table(
        holdout.actual,
        holdout.forecasts,
        holdout.scale,
        holdout.patterns,
        holdout.rmsse_scale,
        holdout.recent,
    )
    overall = table[table["pattern"] == "all"].drop(columns="pattern")
    print(f"Hold-out of the last {args.horizon} periods; MASE = mean over items.")
    print(overall.to_string(index=False, float_format="{:.3f}".format))
    print("\nMASE per demand pattern:")
    per_pattern = table.pivot(index="pattern", columns="model", values="mase")
    print(per_pattern.to_string(float_format="{:.3f}".format))
    auto = overall.set_index("model").loc[AUTO]
    print(
        f"\nauto-selection: WAPE {auto.wape:.3f}  MASE {auto.mase:.3f}  "
        f"RMSSE {auto.rmsse:.3f}  bias {auto.bias:+.3f}"
    )
    return 0


def register(subparsers):
    """Add the forecast sub-commands to ``subparsers``."""
    forecast = subparsers.add_parser("forecast", help="forecast every item")
    _add_common(forecast)
    forecast.add_argument("--out", default="-", help="output CSV ('-' = stdout)")
    forecast.set_defaults(handler=forecast_command)
    backtest = subparsers.add_parser("backtest", help="hold-out accuracy per model")
    _add_common(backtest)
    backtest.set_defaults(handler=backtest_command)
