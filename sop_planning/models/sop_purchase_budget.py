from dateutil.relativedelta import relativedelta

from odoo import fields, models


class SopPurchaseBudget(models.Model):
    """What a company may spend on purchases in one month (optional).

    When the proposed vendor orders of a month exceed it, the daily run keeps
    the lines of highest stockout risk x margin and defers the rest.
    """

    _name = "sop.purchase.budget"
    _description = "S&OP Purchase Budget"
    _order = "date_month desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_month = fields.Date(
        string="Month", required=True, help="Any day of the month the budget is for."
    )
    amount = fields.Monetary(string="Budget", required=True)

    _amount_positive = models.Constraint(
        "CHECK (amount >= 0)", "A purchase budget cannot be negative."
    )

    def _month_budget(self, company, day):
        """The budget of ``company`` for the month of ``day``, or None."""
        first = day.replace(day=1)
        budget = self.search(
            [
                ("company_id", "=", company.id),
                ("date_month", ">=", first),
                ("date_month", "<", first + relativedelta(months=1)),
            ],
            limit=1,
        )
        return budget.amount if budget else None
