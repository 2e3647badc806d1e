from odoo import api, fields, models

from ..engine.vendor_order import next_order_date

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
WEEK_DAYS = 7


class ResPartner(models.Model):
    """A vendor's ordering terms, per company: cycle, minimum, capacity."""

    _inherit = "res.partner"

    sop_order_weekday = fields.Selection(
        WEEKDAYS,
        string="Order Day",
        company_dependent=True,
        help="The day of the week orders to this vendor go out. Empty: any day.",
    )
    sop_order_interval_days = fields.Integer(
        string="Order Every (days)",
        company_dependent=True,
        help="Days between two orders to this vendor, e.g. 7 weekly, 14 every "
        "second week, 30 monthly. Empty with an order day: weekly. It is the "
        "review period of the inventory policies of the vendor's products.",
    )
    sop_min_order_value = fields.Float(
        string="Minimum Order Value",
        company_dependent=True,
        help="The vendor's minimum order value; S&OP vendor orders bring lines "
        "forward to reach it.",
    )
    sop_order_currency_id = fields.Many2one(
        "res.currency",
        string="Terms Currency",
        company_dependent=True,
        help="Currency of the minimum order value and free-freight threshold "
        "(default: the company's).",
    )
    sop_free_freight_value = fields.Float(
        string="Free Freight From",
        company_dependent=True,
        help="Order value above which the vendor ships free (optional).",
    )
    sop_capacity_volume = fields.Float(
        string="Capacity per Order (volume)",
        company_dependent=True,
        help="Largest volume one order may hold, e.g. a container, in the "
        "products' volume unit (optional).",
    )
    sop_capacity_weight = fields.Float(
        string="Capacity per Order (weight)",
        company_dependent=True,
        help="Largest weight one order may hold, in the products' weight unit "
        "(optional).",
    )
    sop_order_lead_days = fields.Integer(
        string="Order Lead Days",
        company_dependent=True,
        help="Days before the order day the S&OP vendor order is prepared and "
        "shown to purchasing (0: on the order day).",
    )
    sop_review_days = fields.Integer(
        string="Review Period (days)",
        compute="_compute_sop_review_days",
        help="Days between two orders of this vendor: the review period of the "
        "inventory policies of its products (0: continuous review).",
    )

    @api.depends_context("company")
    @api.depends("sop_order_weekday", "sop_order_interval_days")
    def _compute_sop_review_days(self):
        for partner in self:
            interval = partner.sop_order_interval_days or 0
            if partner.sop_order_weekday and not interval:
                interval = WEEK_DAYS
            partner.sop_review_days = max(interval, 0)

    def _sop_next_order_date(self, today, anchor=None):
        """This vendor's next order date on or after ``today``."""
        self.ensure_one()
        weekday = self.sop_order_weekday
        return next_order_date(
            today,
            int(weekday) if weekday else None,
            self.sop_review_days,
            anchor,
        )
