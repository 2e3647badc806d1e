from odoo import fields, models

from .sop_common import filtered_action


class SopCycle(models.Model):
    """The purchases the budget deferred, seen from the cycle's supply review."""

    _inherit = "sop.cycle"

    deferred_purchase_count = fields.Integer(
        string="Deferred Purchases",
        compute="_compute_deferred_purchase_count",
        help="Lines of the company's proposed vendor orders that the month's "
        "purchase budget deferred.",
    )

    def _deferred_purchase_domain(self):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("reason", "=", "deferred"),
            ("order_id.state", "=", "draft"),
        ]

    def _compute_deferred_purchase_count(self):
        Line = self.env["sop.vendor.order.line"]
        for cycle in self:
            cycle.deferred_purchase_count = Line.search_count(
                cycle._deferred_purchase_domain()
            )

    def action_open_deferred_purchases(self):
        """The deferred vendor order lines of the cycle's company."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_vendor_order_line_action_deferred",
            self._deferred_purchase_domain(),
        )
