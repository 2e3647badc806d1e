from odoo import fields, models


class SopForecast(models.Model):
    """The draft inventory policy of a product x warehouse of the cycle.

    Computed by the supply review from the consensus plan as approval will
    compute it (``sop.cycle._store_draft_policies``); approval applies it
    as it is when its fingerprint still matches its inputs.
    """

    _inherit = "sop.forecast"  # pylint: disable=consider-merging-classes-inherited

    # the engine's values as approval will write them, empty ones as null:
    # technical (debug mode), and an XML-RPC client reading every field of a
    # forecast gets no null it cannot receive
    draft_policy = fields.Json(readonly=True, copy=False, groups="base.group_no_one")
    draft_fingerprint = fields.Char(readonly=True, copy=False)
    draft_reorder_point = fields.Float(digits="Product Unit", readonly=True)
    draft_order_qty = fields.Float(
        string="Draft Order Quantity", digits="Product Unit", readonly=True
    )

    def _frozen_exempt_fields(self):
        """Approval clears the fingerprint once it used the draft."""
        return super()._frozen_exempt_fields() | {"draft_fingerprint"}
