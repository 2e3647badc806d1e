"""Forecast-accuracy ledger: the frozen forecast of approved cycles vs actuals.

When a cycle is approved, each plan line (product x warehouse x month) is
copied here with its statistical and consensus forecast, the planner who
adjusted it, its category and ABC class; later plan changes do not touch it.
Once a month is over, its actual demand (the demand history rules of the
company) is recorded and the errors are computed per row; WAPE, bias, MASE and
FVA are grouped ratios (see ``sop.ratio.mixin``), right at any pivot level.

- WAPE = sum |consensus - actual| / sum actual;
- bias = sum (consensus - actual) / sum actual (> 0: over-forecast);
- MASE = mean of |consensus - actual| / scale, the scale being the in-sample
  MAE of the seasonal (else plain) naive forecast on the history before the
  cycle from the first sale on, as the forecast engine scales its backtest;
- FVA = WAPE of the statistical forecast - WAPE of the consensus (> 0: the
  planners' adjustments made the plan better).
"""

import logging

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import build_history, mase_scale
from .sop_bulk import bulk_insert, bulk_update
from .sop_common import GROUP_PLANNER, first_of_this_month
from .sop_forecast import ABC

_logger = logging.getLogger(__name__)

KEYS = ["product_id", "warehouse_id", "period"]
# Months already measured are measured again this long (late orders, returns);
# months still unknown (out of stock) are tried again for a year.
REMEASURE_MONTHS = 2
# Actual off the consensus by more than this share: forecast too low / high.
TOLERANCE = 0.3
EXCEPTIONS = [
    ("ok", "Within Tolerance"),
    ("too_low", "Too Low"),
    ("too_high", "Too High"),
]


class SopAccuracyLine(models.Model):
    """Frozen forecast of one product in one warehouse for one month."""

    _name = "sop.accuracy.line"
    _inherit = ["sop.ratio.mixin"]
    _description = "S&OP Forecast Accuracy Ledger"
    _order = "date_month desc, cycle_id desc, product_id, warehouse_id"
    _rec_name = "product_id"

    _RATIOS = {
        "wape": ("abs_error", "measured_qty", 100.0),
        "stat_wape": ("stat_abs_error", "measured_qty", 100.0),
        "bias": ("error", "measured_qty", 100.0),
        "fva": ("fva_error", "measured_qty", 100.0),
        "mase": ("scaled_error", "mase_count", 1.0),
    }

    cycle_id = fields.Many2one(
        "sop.cycle", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one("product.product", required=True, index=True)
    categ_id = fields.Many2one("product.category", string="Category")
    warehouse_id = fields.Many2one("stock.warehouse", required=True)
    date_month = fields.Date(string="Month", required=True, index=True)
    lag = fields.Integer(
        string="Lag (months)", help="Months between the cycle and this month."
    )
    abc = fields.Selection(ABC, string="ABC")
    adjusted_by_id = fields.Many2one(
        "res.users", string="Planner", help="Planner who adjusted the line."
    )
    statistical_qty = fields.Float(string="Statistical", digits="Product Unit")
    consensus_qty = fields.Float(string="Consensus", digits="Product Unit")
    actual_qty = fields.Float(string="Actual", digits="Product Unit")
    has_actual = fields.Boolean(
        help="The month is over and its demand is known (not out of stock)."
    )
    is_latest = fields.Boolean(
        string="Latest Plan of the Month",
        readonly=True,
        index=True,
        help="The forecast of the month by the last plan approved before it "
        "(the smallest lag), the one the monthly trend measures: every plan "
        "that covered a month has its own row, and their sum counts the month "
        "as many times. Set when the actuals are updated.",
    )
    scale = fields.Float(
        string="MASE Scale",
        help="In-sample MAE of the seasonal naive forecast before the cycle.",
    )
    measured_qty = fields.Float(digits="Product Unit", help="Actual, once known.")
    abs_error = fields.Float(string="Absolute Error", digits="Product Unit")
    stat_abs_error = fields.Float(
        string="Statistical Abs. Error", digits="Product Unit"
    )
    error = fields.Float(
        digits="Product Unit", help="Consensus - actual (> 0: over-forecast)."
    )
    fva_error = fields.Float(
        string="FVA (qty)",
        digits="Product Unit",
        help="Statistical absolute error - consensus absolute error.",
    )
    scaled_error = fields.Float(aggregator="sum")
    mase_count = fields.Integer()
    wape = fields.Float(string="WAPE (%)", aggregator="sum")
    stat_wape = fields.Float(string="Statistical WAPE (%)", aggregator="sum")
    bias = fields.Float(string="Bias (%)", aggregator="sum")
    fva = fields.Float(string="FVA (pts)", aggregator="sum")
    mase = fields.Float(string="MASE", aggregator="sum")
    deviation = fields.Float(
        string="Deviation (%)",
        aggregator="avg",
        help="(Actual - consensus) / consensus.",
    )
    exception = fields.Selection(EXCEPTIONS, index=True)

    _line_unique = models.UniqueIndex(
        "(cycle_id, product_id, warehouse_id, date_month)",
        "The ledger has one row per cycle, product, warehouse and month.",
    )

    # ------------------------------------------------------------------
    # Freeze
    # ------------------------------------------------------------------
    @api.model
    def _freeze(self, cycle, product_ids):
        """Copy the plan lines of ``product_ids`` of an approved ``cycle``
        into the ledger (a chunk of the approval; each product's figures
        depend on its own lines and history only). The lines it copies
        replace those frozen before: a repeat doubles nothing.
        """
        cycle.ensure_one()
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.product_id, l.warehouse_id, l.date_month,
                       COALESCE(l.forecast_qty, 0), COALESCE(l.consensus_qty, 0),
                       CASE WHEN COALESCE(l.adjustment_qty, 0) != 0
                            THEN l.adjusted_by_id END,
                       l.categ_id, f.abc
                  FROM sop_plan_line l
                  LEFT JOIN sop_forecast f ON f.id = l.forecast_id
                 WHERE l.cycle_id = %s AND l.product_id = ANY(%s)
                """,
                cycle.id,
                list(product_ids),
            )
        )
        Line = self.sudo()
        Line.search(
            [("cycle_id", "=", cycle.id), ("product_id", "in", list(product_ids))]
        ).unlink()
        if not rows:
            return Line
        frame = pd.DataFrame(
            rows,
            columns=[*KEYS, "statistical", "consensus", "planner", "categ", "abc"],
        )
        frame["period"] = pd.to_datetime(frame["period"])
        frame = frame.merge(self._scales(cycle, frame), on=KEYS[:2], how="left")
        start = pd.Timestamp(cycle.date_month)
        lag = (frame["period"].dt.year - start.year) * 12 + (
            frame["period"].dt.month - start.month
        )
        ids = bulk_insert(
            Line,
            {
                "cycle_id": [cycle.id] * len(frame),
                "company_id": [cycle.company_id.id] * len(frame),
                "product_id": frame["product_id"].tolist(),
                "warehouse_id": frame["warehouse_id"].tolist(),
                "date_month": frame["period"].dt.date.tolist(),
                "lag": lag.tolist(),
                "abc": frame["abc"].tolist(),
                "adjusted_by_id": frame["planner"].tolist(),
                "categ_id": frame["categ"].tolist(),
                "statistical_qty": frame["statistical"].tolist(),
                "consensus_qty": frame["consensus"].tolist(),
                "scale": frame["scale"].tolist(),
            },
        )
        Line.invalidate_model()
        return Line.browse(ids)

    @api.model
    def _scales(self, cycle, frame):
        """MASE scale per product x warehouse from the history before ``cycle``."""
        start = cycle.date_month
        history = self.env["sop.demand.history"]._extract(
            cycle.company_id,
            self.env["stock.warehouse"].browse(frame["warehouse_id"].unique().tolist()),
            self.env["product.product"].browse(frame["product_id"].unique().tolist()),
            start - relativedelta(months=cycle.history_months),
            start,
        )
        pairs = frame[KEYS[:2]].drop_duplicates().reset_index(drop=True)
        if history.empty:
            return pairs.assign(scale=np.nan)
        # the series as the forecast run builds them
        demand_history = self.env["sop.demand.history"]
        table = demand_history._engine_input(
            history[[*KEYS, "qty"]], pairs, start - relativedelta(months=1)
        )
        matrix = build_history(table, freq="M")
        scales = demand_history._with_pair(
            pd.DataFrame(
                {
                    "item_id": matrix.item_ids,
                    "scale": np.atleast_1d(
                        mase_scale(matrix.qty, matrix.season_length)
                    ),
                }
            )
        )
        return pairs.merge(scales, on=KEYS[:2], how="left")

    # ------------------------------------------------------------------
    # Actuals
    # ------------------------------------------------------------------
    def action_update_actuals(self):
        """Button: record the actuals of the past months, then the trends.

        A step per company (``sop_step_run``): a large ledger is measured by
        background jobs and the button returns at once.
        """
        self.env["sop.cycle"]._check_group(
            GROUP_PLANNER, self.env._("update the accuracy ledger")
        )
        return self.env["sop.step.run"]._sop_start_company_steps(
            "actuals", self.env.companies
        )

    @api.model
    def _cron_update_actuals(self):
        """Nightly: actuals and monthly trends of every company (as jobs for
        a large ledger; see ``_sop_cron_company_step`` for a busy company)."""
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    self.env["sop.step.run"].sudo()._sop_cron_company_step(
                        "actuals", company
                    )
            except Exception as exc:  # noqa: BLE001 - logged, next company goes on
                _logger.warning("S&OP ledger of %s failed: %s", company.name, exc)
            self.env["ir.cron"]._commit_progress(1)

    @api.model
    def _update_actuals(self, companies):
        """Measure the rows of months that are over, per company: the
        actuals step's three parts in this transaction."""
        for company in companies:
            ledger = self.with_company(company)
            product_ids, frames, info = ledger._actuals_prepare()
            ledger._actuals_finalize(ledger._actuals_chunk(product_ids, frames), info)

    # ------------------------------------------------------------------
    # Actuals as a step of the company (sop_step_run.py)
    # ------------------------------------------------------------------
    @api.model
    def _actuals_domain(self, product_ids=None):
        """Rows of the current company to measure: months over, in a year."""
        today = first_of_this_month(self)
        domain = [
            ("company_id", "=", self.env.company.id),
            ("date_month", "<", today),
            ("date_month", ">=", today - relativedelta(months=12)),
            "|",
            ("has_actual", "=", False),
            ("date_month", ">=", today - relativedelta(months=REMEASURE_MONTHS)),
        ]
        if product_ids is not None:
            domain.append(("product_id", "in", list(product_ids)))
        return domain

    @api.model
    def _actuals_size(self, limit=None):
        """Products with rows to measure, at most ``limit``: one query that
        looks for one row per product and stops at ``limit`` products."""
        self.flush_model()
        row = self._search(self._actuals_domain())
        row.add_where(SQL("%s = pp.id", SQL.identifier(row.table, "product_id")))
        row.order = None
        row.limit = 1
        [(count,)] = self.env.execute_query(
            SQL(
                """SELECT COUNT(*) FROM (
                       SELECT 1 FROM product_product pp
                        CROSS JOIN LATERAL (%s) row_to_measure
                        LIMIT %s
                   ) products""",
                row.select(SQL("1")),
                limit,
            )
        )
        return count

    @api.model
    def _actuals_prepare(self):
        """The products of the rows to measure."""
        self.flush_model()
        product_ids = sorted(
            product.id
            for [product] in self._read_group(self._actuals_domain(), ["product_id"])
        )
        return product_ids, {}, {}

    @api.model
    def _actuals_chunk(self, product_ids, frames):
        """Measure the rows of ``product_ids`` (idempotent: values in place)."""
        self.flush_model()
        rows = self.env.execute_query(
            self._search(self._actuals_domain(product_ids)).select(
                "id",
                *KEYS[:2],
                "date_month",
                "statistical_qty",
                "consensus_qty",
                "scale",
            )
        )
        if rows:
            self._measure(self.env.company, rows, first_of_this_month(self))
        return {"rows": len(rows)}

    @api.model
    def _actuals_finalize(self, counts, info):
        """The monthly trends of the company, from every measured row."""
        self._flag_latest(self.env.company)
        self.env["sop.accuracy.month"]._rebuild(self.env.company)
        return True

    @api.model
    def _flag_latest(self, company):
        """Flag ``is_latest`` on the company's rows: per product, warehouse
        and month, the row of the smallest lag (the newest on a tie)."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE sop_accuracy_line line
                   SET is_latest = (line.id = latest.id)
                  FROM (
                    SELECT DISTINCT ON (product_id, warehouse_id, date_month)
                           id, product_id, warehouse_id, date_month
                      FROM sop_accuracy_line
                     WHERE company_id = %(company)s
                     ORDER BY product_id, warehouse_id, date_month, lag, id DESC
                  ) latest
                 WHERE line.company_id = %(company)s
                   AND line.product_id = latest.product_id
                   AND line.warehouse_id = latest.warehouse_id
                   AND line.date_month = latest.date_month
                   AND line.is_latest IS DISTINCT FROM (line.id = latest.id)
                """,
                company=company.id,
            )
        )
        self.invalidate_model(["is_latest"])

    @api.model
    def _measure(self, company, rows, today):
        lines = pd.DataFrame(rows, columns=["id", *KEYS, "stat", "cons", "scale"])
        lines["period"] = pd.to_datetime(lines["period"])
        lines = self.env["sop.demand.history"]._actuals(company, lines, today)
        known = lines["known"].to_numpy()
        act = lines["qty"].to_numpy()
        stat = lines["stat"].fillna(0.0).to_numpy()
        cons = lines["cons"].fillna(0.0).to_numpy()
        scale = lines["scale"].to_numpy(dtype=float)
        measured = np.where(known, act, 0.0)
        abs_error = np.where(known, np.abs(cons - act), 0.0)
        stat_abs_error = np.where(known, np.abs(stat - act), 0.0)
        error = np.where(known, cons - act, 0.0)
        has_scale = known & np.isfinite(scale) & (scale > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = np.where(has_scale, abs_error / scale, 0.0)
            row_ratio = np.where(measured > 0, 100.0 / measured, np.nan)
            deviation = np.where(
                cons > 0, 100.0 * (act - cons) / cons, np.where(act > 0, 100.0, 0.0)
            )
        exception = np.where(
            ~known,
            None,
            np.where(
                deviation > 100 * TOLERANCE,
                "too_low",
                np.where(deviation < -100 * TOLERANCE, "too_high", "ok"),
            ),
        )
        bulk_update(
            self,
            lines["id"].tolist(),
            {
                "actual_qty": np.where(known, act, 0.0).tolist(),
                "has_actual": known.tolist(),
                "measured_qty": measured.tolist(),
                "abs_error": abs_error.tolist(),
                "stat_abs_error": stat_abs_error.tolist(),
                "error": error.tolist(),
                "fva_error": (stat_abs_error - abs_error).tolist(),
                "scaled_error": scaled.tolist(),
                "mase_count": has_scale.astype(int).tolist(),
                "wape": (abs_error * row_ratio).tolist(),
                "stat_wape": (stat_abs_error * row_ratio).tolist(),
                "bias": (error * row_ratio).tolist(),
                "fva": ((stat_abs_error - abs_error) * row_ratio).tolist(),
                "mase": np.where(has_scale, scaled, np.nan).tolist(),
                "deviation": np.where(known, deviation, np.nan).tolist(),
                "exception": exception.tolist(),
            },
        )
