from odoo import fields, models

KINDS = [
    ("created", "New Policy"),
    ("plan", "Plan Approved"),
    ("refresh", "Nightly Refresh"),
    ("archived", "Left the Plan"),
]


class SopInventoryPolicyChange(models.Model):
    """One material change of an inventory policy: its reorder point and maximum
    before and after, when, under which plan and why.

    Written by the approval and the nightly refresh (``sop.inventory.policy.
    _sync_policies``); the last ``HISTORY_LENGTH`` changes of a policy are kept.
    """

    _name = "sop.inventory.policy.change"
    _description = "S&OP Inventory Policy Change"
    _order = "date desc, id desc"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "sop.inventory.policy",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(related="policy_id.product_id")
    warehouse_id = fields.Many2one(related="policy_id.warehouse_id")
    cycle_id = fields.Many2one(
        "sop.cycle", string="Plan", ondelete="set null", check_company=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    kind = fields.Selection(KINDS, string="Change", required=True, readonly=True)
    old_reorder_point = fields.Float(digits="Product Unit", readonly=True)
    new_reorder_point = fields.Float(digits="Product Unit", readonly=True)
    old_max_qty = fields.Float(
        string="Old Maximum", digits="Product Unit", readonly=True
    )
    new_max_qty = fields.Float(
        string="New Maximum", digits="Product Unit", readonly=True
    )
    reason = fields.Char(string="Why", readonly=True)
