from odoo import fields, models


class StockWarehouseOrderpoint(models.Model):
    _inherit = "stock.warehouse.orderpoint"

    sop_managed = fields.Boolean(
        string="Managed by S&OP",
        readonly=True,
        copy=False,
        help="Min, max and multiple come from the company's approved S&OP plan.",
    )
    sop_manual = fields.Boolean(
        string="Manual (not S&OP)",
        copy=False,
        help="S&OP never overwrites this rule, even when its plan covers the product.",
    )
    sop_policy_id = fields.Many2one(
        "sop.inventory.policy",
        string="S&OP Policy",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    sop_date_checked = fields.Date(
        string="S&OP Checked On",
        readonly=True,
        copy=False,
        help="Last day the S&OP replenishment run looked at this rule.",
    )
    sop_cycle_id = fields.Many2one(
        related="sop_policy_id.cycle_id", string="S&OP Cycle"
    )
