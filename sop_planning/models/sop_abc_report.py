"""ABC Pareto of a cycle's plan: products by planned value, cumulative share."""

from odoo import fields, models, tools
from odoo.tools import SQL

from .sop_forecast import ABC


class SopAbcReport(models.Model):
    """Planned value of one product in one cycle, ranked (SQL view)."""

    _name = "sop.abc.report"
    _description = "S&OP ABC Pareto"
    _auto = False
    _order = "cycle_id desc, value desc"
    _rec_name = "product_id"

    cycle_id = fields.Many2one("sop.cycle", readonly=True)
    cycle_state = fields.Selection(related="cycle_id.state")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", string="Category", readonly=True)
    abc = fields.Selection(ABC, string="ABC", readonly=True)
    consensus_qty = fields.Float(string="Consensus", readonly=True)
    value = fields.Monetary(string="Planned Value", readonly=True)
    share = fields.Float(string="Share (%)", readonly=True)
    cumulative_share = fields.Float(
        string="Cumulative Share (%)", aggregator="max", readonly=True
    )
    rank = fields.Integer(readonly=True, aggregator="min")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                  WITH product AS (
                    SELECT l.cycle_id, l.company_id, l.product_id,
                           MIN(l.categ_id) AS categ_id, MIN(f.abc) AS abc,
                           SUM(l.consensus_qty) AS consensus_qty,
                           SUM(COALESCE(NULLIF(l.revenue, 0), l.cost, 0)) AS value
                      FROM sop_plan_line l
                      LEFT JOIN sop_forecast f ON f.id = l.forecast_id
                     GROUP BY l.cycle_id, l.company_id, l.product_id
                  )
                  SELECT ROW_NUMBER() OVER (ORDER BY cycle_id, product_id) AS id,
                         *,
                         100 * value / NULLIF(SUM(value) OVER w_all, 0) AS share,
                         100 * SUM(value) OVER w_rank
                             / NULLIF(SUM(value) OVER w_all, 0) AS cumulative_share,
                         ROW_NUMBER() OVER w_rank AS rank
                    FROM product
                  WINDOW w_all AS (PARTITION BY cycle_id),
                         w_rank AS (PARTITION BY cycle_id
                                    ORDER BY value DESC, product_id)
                )
                """,
                SQL.identifier(self._table),
            )
        )
