from odoo import fields, models
from odoo.tools import SQL


# sop.plan.line is extended here for the exception lists only.
class SopPlanLine(models.Model):
    """Shortage before the next receipt, as a searchable flag.

    Only shortages count (see ``is_shortage``): a month short beyond the
    vendor lead time is still the reordering rules' job, not an exception.
    """

    _inherit = "sop.plan.line"

    stockout_before_receipt = fields.Boolean(
        compute="_compute_stockout_before_receipt",
        search="_search_stockout_before_receipt",
        help="Shortage (projected stock below zero in a month that an order "
        "placed today cannot reach: vendor lead time) with no receipt planned "
        "in that month or before it.",
    )

    def _compute_stockout_before_receipt(self):
        flagged = set(self._stockout_line_ids(self.ids))
        for line in self:
            line.stockout_before_receipt = line.id in flagged

    def _search_stockout_before_receipt(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", self._stockout_line_ids())]

    def _stockout_line_ids(self, ids=None):
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.id FROM sop_plan_line l
                 WHERE l.is_shortage
                   AND (%(all)s OR l.id = ANY(%(ids)s))
                   AND NOT EXISTS (
                       SELECT 1 FROM sop_plan_line r
                        WHERE r.cycle_id = l.cycle_id
                          AND r.product_id = l.product_id
                          AND r.warehouse_id = l.warehouse_id
                          AND r.incoming_qty > 0
                          AND r.date_month <= l.date_month)
                """,
                all=ids is None,
                ids=ids or [],
            )
        )
        return [row[0] for row in rows]
