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

    purchase_budget_ids = fields.Many2many(
        "sop.purchase.budget",
        string="Purchase Budgets Deferring",
        compute="_compute_purchase_budget_cost",
        help="The company's purchase budgets of this month on that defer lines "
        "of the proposed vendor orders.",
    )
    budget_fill_rate_without = fields.Float(
        string="Expected Fill Rate without Budget",
        compute="_compute_purchase_budget_cost",
        help="Of the products the purchase budgets defer, with the vendor "
        "orders as proposed; simulated by the daily run.",
    )
    budget_fill_rate_with = fields.Float(
        string="Expected Fill Rate with Budget",
        compute="_compute_purchase_budget_cost",
        help="The same with the deferred lines ordered in the next month.",
    )
    budget_fill_rate_cost = fields.Float(
        string="Fill Rate Cost of the Budget",
        help="In percentage points: without minus with.",
        compute="_compute_purchase_budget_cost",
    )

    def _compute_purchase_budget_cost(self):
        """Read from the budgets, as the daily run scored them."""
        month = fields.Date.context_today(self).replace(day=1)
        for cycle in self:
            budgets = self.env["sop.purchase.budget"].search(
                [
                    ("company_id", "=", cycle.company_id.id),
                    ("date_month", ">=", month),
                    ("deferred_count", ">", 0),
                ]
            )
            demand = sum(budgets.mapped("scored_demand"))

            def weighted(name, budgets=budgets, demand=demand):
                if demand <= 0:
                    return 0.0
                return sum(b[name] * b.scored_demand for b in budgets) / demand

            cycle.purchase_budget_ids = budgets
            cycle.budget_fill_rate_without = weighted("fill_rate_without")
            cycle.budget_fill_rate_with = weighted("fill_rate_with")
            cycle.budget_fill_rate_cost = weighted("fill_rate_cost")

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
