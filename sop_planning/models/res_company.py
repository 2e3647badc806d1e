from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sop_horizon_months = fields.Integer(
        string="S&OP Horizon (months)",
        default=12,
        help="Default number of months a new S&OP cycle plans ahead.",
    )
    sop_history_months = fields.Integer(
        string="S&OP History Window (months)",
        default=36,
        help="Default number of months of sales history a forecast reads.",
    )
    sop_service_level = fields.Float(
        string="S&OP Default Service Level (%)",
        default=95.0,
        help="Target cycle service level used when no class-specific target applies.",
    )
    sop_demand_source = fields.Selection(
        [("ordered", "Confirmed sale order lines"), ("shipped", "Done deliveries")],
        string="S&OP Demand Source",
        default="ordered",
        required=True,
        help="Ordered demand counts confirmed sale order lines by order date; "
        "shipped demand counts done deliveries to customers by delivery date.",
    )
    sop_demand_returns = fields.Selection(
        [("net", "Net returns"), ("exclude", "Ignore returns")],
        string="S&OP Customer Returns",
        default="net",
        required=True,
        help="Net: customer returns are subtracted from the demand of the month "
        "they come back in (never below zero).",
    )
    sop_price_source = fields.Selection(
        [("pricelist", "Sales pricelist"), ("average", "Realised average price")],
        string="S&OP Revenue Price",
        default="pricelist",
        required=True,
    )
    sop_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="S&OP Pricelist",
        help="Pricelist valuing the plan; empty means the product sales price.",
    )
    sop_orderpoint_trigger = fields.Selection(
        [("auto", "Automatically"), ("manual", "Wait for purchasing")],
        string="S&OP Reordering Rules Trigger",
        default="manual",
        required=True,
        help="Reordering rules set by an approved plan either order by "
        "themselves (Odoo's scheduler) or wait until purchasing orders them "
        "from the replenishment report.",
    )
    sop_order_cost = fields.Float(
        string="S&OP Cost per Order",
        default=50.0,
        help="Cost of placing one purchase order (handling, reception); with the "
        "holding rate it sets the economic order quantity.",
    )
    sop_transfer_days = fields.Integer(
        string="S&OP Transfer Every (days)",
        default=7,
        help="A warehouse resupplied from another one receives a transfer this "
        "often: its lot is this many days of its demand (default weekly).",
    )
    sop_holding_rate = fields.Float(
        string="S&OP Holding Rate (% per year)",
        default=25.0,
        help="Yearly cost of holding stock, as a share of its value.",
    )
    sop_auto_rfq = fields.Boolean(
        string="S&OP Creates RFQs",
        help="The daily S&OP replenishment confirms its proposals into RFQs "
        "at once instead of waiting for purchasing; purchases a purchase "
        "budget of the month caps go through the vendor orders instead, "
        "where the budget defers what is over it.",
    )
    sop_purchase_user_id = fields.Many2one(
        "res.users",
        string="S&OP Purchasing Responsible",
        help="Receives the daily summary of reorder proposals (empty: the "
        "executive who approved the plan).",
    )
    sop_excess_months = fields.Integer(
        string="S&OP Excess Cover (months)",
        default=6,
        help="A projected stock above this many months of consensus demand is "
        "flagged as excess.",
    )

    _sop_horizon_positive = models.Constraint(
        "CHECK (sop_horizon_months > 0 AND sop_horizon_months <= 60)",
        "The S&OP horizon must be between 1 and 60 months.",
    )
    _sop_history_positive = models.Constraint(
        "CHECK (sop_history_months >= 3 AND sop_history_months <= 120)",
        "The S&OP history window must be between 3 and 120 months.",
    )
    _sop_service_level_range = models.Constraint(
        "CHECK (sop_service_level > 50 AND sop_service_level < 100)",
        "The S&OP service level must be above 50 % and below 100 %.",
    )
