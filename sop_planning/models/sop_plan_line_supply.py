from odoo import fields, models


class SopPlanLine(models.Model):
    """The supply plan of a plan line: planned receipts, stock and money.

    Written by the supply review (``sop.cycle._plan_supply``). The projection
    without plan (``projected_on_hand``) stays the "if we order nothing
    more" view that drives the shortage flags.
    """

    _inherit = "sop.plan.line"  # pylint: disable=consider-merging-classes-inherited

    planned_receipt_qty = fields.Float(
        string="Planned Receipts",
        digits="Product Unit",
        readonly=True,
        help="Orders the plan places when the projected stock position "
        "reaches the draft reorder point, received this month (lots of the "
        "draft order quantity, after the vendor lead time and its measured "
        "delay).",
    )
    planned_on_hand = fields.Float(
        string="Projected Stock with Plan",
        digits="Product Unit",
        readonly=True,
        help="Stock at month end with confirmed and planned receipts.",
    )
    purchase_spend = fields.Monetary(
        readonly=True,
        help="Confirmed and planned receipts of the month at unit cost (cash "
        "out in the month they arrive); none where the warehouse is resupplied "
        "from another (transfers).",
    )
    planned_inventory_value = fields.Monetary(
        string="Inventory Value with Plan",
        readonly=True,
        help="Positive projected stock with the plan at unit cost.",
    )
