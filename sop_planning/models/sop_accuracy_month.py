"""Monthly accuracy trend: the ledger summed per company, month, category, planner.

Each month is measured on its latest frozen forecast (the approved cycle with
the smallest lag before the month, the ledger's ``is_latest``), so a month
counts once however many cycles planned it. Rebuilt after every actuals
update.
"""

from odoo import api, fields, models
from odoo.tools import SQL, format_date


class SopAccuracyMonth(models.Model):
    """Accuracy of one month of one company, per category and planner."""

    _name = "sop.accuracy.month"
    _inherit = ["sop.ratio.mixin"]
    _description = "S&OP Monthly Forecast Accuracy"
    _order = "date_month desc, company_id, categ_id"

    _RATIOS = {
        "wape": ("abs_error", "actual_qty", 100.0),
        "bias": ("error", "actual_qty", 100.0),
        "fva": ("fva_error", "actual_qty", 100.0),
        "mase": ("scaled_error", "mase_count", 1.0),
    }

    company_id = fields.Many2one("res.company", required=True, index=True)
    date_month = fields.Date(string="Month", required=True, index=True)
    categ_id = fields.Many2one("product.category", string="Category")
    adjusted_by_id = fields.Many2one("res.users", string="Planner")
    line_count = fields.Integer(string="Rows")
    actual_qty = fields.Float(string="Actual", digits="Product Unit")
    consensus_qty = fields.Float(string="Consensus", digits="Product Unit")
    abs_error = fields.Float(string="Absolute Error", digits="Product Unit")
    error = fields.Float(digits="Product Unit")
    fva_error = fields.Float(string="FVA (qty)", digits="Product Unit")
    scaled_error = fields.Float()
    mase_count = fields.Integer()
    wape = fields.Float(string="WAPE (%)", aggregator="sum")
    bias = fields.Float(string="Bias (%)", aggregator="sum")
    fva = fields.Float(string="FVA (pts)", aggregator="sum")
    mase = fields.Float(string="MASE", aggregator="sum")

    @api.depends("date_month", "categ_id", "adjusted_by_id")
    def _compute_display_name(self):
        for row in self:
            row.display_name = " / ".join(
                filter(
                    None,
                    (
                        row.date_month
                        and format_date(
                            self.env, row.date_month, date_format="MMM yyyy"
                        ),
                        row.categ_id.display_name,
                        row.adjusted_by_id.name,
                    ),
                )
            )

    @api.model
    def _rebuild(self, company):
        """Replace the company's monthly rows from its measured ledger rows."""
        self.env.flush_all()
        self.sudo().search([("company_id", "=", company.id)]).unlink()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sop_accuracy_month (
                    company_id, date_month, categ_id, adjusted_by_id, line_count,
                    actual_qty, consensus_qty, abs_error, error, fva_error,
                    scaled_error, mase_count, wape, bias, fva, mase,
                    create_uid, create_date, write_uid, write_date)
                SELECT company_id, date_month, categ_id, adjusted_by_id, COUNT(*),
                       SUM(measured_qty), SUM(consensus_qty), SUM(abs_error),
                       SUM(error), SUM(fva_error), SUM(scaled_error),
                       SUM(mase_count),
                       100 * SUM(abs_error) / NULLIF(SUM(measured_qty), 0),
                       100 * SUM(error) / NULLIF(SUM(measured_qty), 0),
                       100 * SUM(fva_error) / NULLIF(SUM(measured_qty), 0),
                       SUM(scaled_error) / NULLIF(SUM(mase_count), 0),
                       %(uid)s, now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC'
                  FROM sop_accuracy_line
                 WHERE company_id = %(company)s AND has_actual AND is_latest
                 GROUP BY company_id, date_month, categ_id, adjusted_by_id
                """,
                company=company.id,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
