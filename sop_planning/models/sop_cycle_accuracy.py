from odoo import fields, models


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    """Approval freezes the plan's forecast into the accuracy ledger."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    accuracy_line_ids = fields.One2many("sop.accuracy.line", "cycle_id")

    def action_approve(self):
        """Approve, then freeze the forecast in the accuracy ledger."""
        result = super().action_approve()
        for cycle in self:
            self.env["sop.accuracy.line"]._freeze(cycle)
        return result
