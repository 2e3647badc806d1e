from odoo import api, models


class SopReorderProposal(models.Model):
    _inherit = "sop.reorder.proposal"

    @api.model
    def _pending_rules_domain(self, today):
        """Not the rules of a company whose approval is still writing them."""
        busy = self.env["sop.cycle"]._sop_companies_approving()
        domain = super()._pending_rules_domain(today)
        return domain + [("company_id", "not in", busy.ids)] if busy else domain
