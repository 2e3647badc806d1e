from odoo import api, fields, models

from .sop_common import filtered_action


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    """Approval freezes the plan's forecast into the accuracy ledger."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    accuracy_line_ids = fields.One2many("sop.accuracy.line", "cycle_id")
    accuracy_line_count = fields.Integer(compute="_compute_accuracy_line_count")

    @api.depends("accuracy_line_ids")
    def _compute_accuracy_line_count(self):
        counts = dict(
            self.env["sop.accuracy.line"]._read_group(
                [("cycle_id", "in", self.ids)], ["cycle_id"], ["__count"]
            )
        )
        for cycle in self:
            cycle.accuracy_line_count = counts.get(cycle, 0)

    def action_approve(self):
        """Approve, then freeze the forecast in the accuracy ledger."""
        result = super().action_approve()
        for cycle in self:
            self.env["sop.accuracy.line"]._freeze(cycle)
        return result

    def action_open_accuracy(self):
        """Open the frozen forecast of this cycle and its accuracy."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_accuracy_line_action",
            [("cycle_id", "=", self.id)],
        )
