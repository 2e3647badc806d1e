from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from .sop_common import finite_up_to

MAX_BUDGET = 1e12  # an amount past it is a typo


class SopPurchaseBudget(models.Model):
    """What a company may spend on purchases in one month (optional).

    Company-wide, or for one product category (its child categories
    included). When the proposed vendor orders of a month exceed a budget,
    the daily run keeps the lines of highest stockout risk x margin and
    defers the rest; it then scores what the deferral costs in expected
    fill rate (``budget_fill_rate``) and stores it here.
    """

    _name = "sop.purchase.budget"
    _inherit = ["sop.run.fields.mixin"]
    _description = "S&OP Purchase Budget"
    _order = "date_month desc, categ_id"
    _check_company_auto = True
    # what the daily run scores (``_score_budgets``)
    _sop_run_fields = frozenset(
        {
            "deferred_count",
            "deferred_value",
            "scored_demand",
            "fill_rate_without",
            "fill_rate_with",
            "fill_rate_cost",
        }
    )

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_month = fields.Date(
        string="Month", required=True, help="Any day of the month the budget is for."
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        index="btree_not_null",
        ondelete="cascade",
        help="Empty: the company's whole purchases. A category's budget caps "
        "the orders of its products and of its child categories.",
    )
    amount = fields.Monetary(string="Budget", required=True)
    # what the deferral costs, scored by the daily run
    deferred_count = fields.Integer(string="Deferred Lines", readonly=True)
    deferred_value = fields.Monetary(readonly=True)
    scored_demand = fields.Float(
        readonly=True,
        help="Expected demand of the deferred lines' products over the "
        "horizon scored (until the deferred order and one more order cycle "
        "would have arrived).",
    )
    fill_rate_without = fields.Float(
        string="Expected Fill Rate without Budget",
        readonly=True,
        help="Share of the deferred products' expected demand served from stock "
        "at once with the vendor orders as proposed (simulated).",
    )
    fill_rate_with = fields.Float(
        string="Expected Fill Rate with Budget",
        readonly=True,
        help="The same with the deferred lines ordered on the vendor's first "
        "order date of the next month (simulated).",
    )
    fill_rate_cost = fields.Float(
        readonly=True,
        help="The fill rate the budget costs on the deferred products, in "
        "percentage points: without minus with.",
    )

    _amount_positive = models.Constraint(
        "CHECK (amount >= 0)", "A purchase budget cannot be negative."
    )

    def _sop_run_name(self):
        return self.env._("the vendor order run")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_amount(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_amount(vals)
        return super().write(vals)

    def _check_amount(self, vals):
        """A budget is an amount from 0 to 1,000,000,000,000, checked before
        the database's own check (which would log a failed query); an empty
        amount is refused, not read as a budget of 0."""
        if "amount" not in vals:
            return
        amount = vals["amount"]
        if (
            isinstance(amount, bool)
            or not finite_up_to(amount, MAX_BUDGET)
            or amount < 0
        ):
            raise ValidationError(
                self.env._(
                    "A purchase budget is an amount from 0 to %(maximum)s, not "
                    "%(amount)s.",
                    maximum=formatLang(self.env, MAX_BUDGET, digits=0),
                    amount=amount,
                )
            )

    @api.depends("date_month", "categ_id")
    def _compute_display_name(self):
        for budget in self:
            month = budget.date_month.strftime("%Y-%m") if budget.date_month else ""
            budget.display_name = " ".join(
                filter(None, [month, budget.categ_id.display_name])
            )

    @api.constrains("company_id", "date_month", "categ_id")
    def _check_one_per_month(self):
        for budget in self:
            first = budget.date_month.replace(day=1)
            twin = self.search_count(
                [
                    ("id", "!=", budget.id),
                    ("company_id", "=", budget.company_id.id),
                    ("categ_id", "=", budget.categ_id.id),
                    ("date_month", ">=", first),
                    ("date_month", "<", first + relativedelta(months=1)),
                ],
                limit=1,
            )
            if twin:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s already has a purchase budget for "
                        "%(budget)s.",
                        company=budget.company_id.name,
                        budget=budget.display_name,
                    )
                )

    def _month_budgets(self, company, day):
        """The budgets of ``company`` for the month of ``day``, the order they
        apply in: deepest categories first, the company's total last."""
        first = day.replace(day=1)
        budgets = self.search(
            [
                ("company_id", "=", company.id),
                ("date_month", ">=", first),
                ("date_month", "<", first + relativedelta(months=1)),
            ]
        )
        return budgets.sorted(
            lambda b: (not b.categ_id, -len(b.categ_id.parent_path or ""), b.id)
        )

    def _covers(self, products):
        """The products among ``products`` this budget caps."""
        self.ensure_one()
        if not self.categ_id:
            return products
        return products.filtered(
            lambda p: (p.categ_id.parent_path or "").startswith(
                self.categ_id.parent_path
            )
        )
