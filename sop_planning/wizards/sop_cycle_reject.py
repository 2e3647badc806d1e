from odoo import fields, models


class SopCycleReject(models.TransientModel):
    """Ask the executive why a plan is rejected, then send it back."""

    _name = "sop.cycle.reject"
    _description = "Reject an S&OP Cycle"

    cycle_ids = fields.Many2many("sop.cycle", string="Cycles", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Reject the cycles with the reason given."""
        self.ensure_one()
        self.cycle_ids._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
