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
    deferred_purchase_value = fields.Monetary(
        compute="_compute_deferred_purchase_count",
        help="Value of the vendor order lines the purchase budget deferred.",
    )
    deferred_purchase_note = fields.Text(
        string="Deferred by the Budget",
        compute="_compute_deferred_purchase_count",
        help="What the purchase budget costs: the deferred lines and their "
        "value per month of order date.",
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
            lines = Line.search(cycle._deferred_purchase_domain())
            months = {}
            for line in lines:
                month = months.setdefault(
                    line.order_id.date_order.strftime("%Y-%m"), [0, 0.0]
                )
                month[0] += 1
                month[1] += line.proposed_qty * line.price_unit
            cycle.deferred_purchase_count = len(lines)
            cycle.deferred_purchase_value = sum(v for _n, v in months.values())
            cycle.deferred_purchase_note = "\n".join(
                self.env._(
                    "%(month)s: %(count)s deferred lines, %(value)s",
                    month=month,
                    count=count,
                    value=cycle.company_id.currency_id.format(value),
                )
                for month, (count, value) in sorted(months.items())
            )

    def action_open_deferred_purchases(self):
        """The deferred vendor order lines of the cycle's company."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_vendor_order_line_action_deferred",
            self._deferred_purchase_domain(),
        )
