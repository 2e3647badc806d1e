from odoo import fields, models


class SopScenarioMonth(models.Model):
    """Money of one scenario in one month, for the comparison graphs."""

    _name = "sop.scenario.month"
    _inherit = ["sop.frozen.mixin", "sop.run.fields.mixin"]
    _description = "S&OP Scenario Month"
    _order = "scenario_id, date_month"
    # the scoring's money (``sop.scenario._store_scores``)
    _sop_run_fields = frozenset(
        {"date_month", "revenue", "margin", "purchase_spend", "stock_value"}
    )

    scenario_id = fields.Many2one(
        "sop.scenario", required=True, ondelete="cascade", index=True
    )
    cycle_id = fields.Many2one(related="scenario_id.cycle_id", store=True)
    company_id = fields.Many2one(
        related="scenario_id.company_id", store=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_month = fields.Date(string="Month", required=True)
    # the plan's, not the simulation's served figures the scenario heads with
    revenue = fields.Monetary(string="Plan Revenue", help="Plan demand x price.")
    margin = fields.Monetary(string="Plan Margin", help="Plan demand x (price - cost).")
    purchase_spend = fields.Monetary(help="Cash out for the month's receipts.")
    stock_value = fields.Monetary(help="Projected stock at the month's end x cost.")

    def _frozen_fixed_fields(self):
        return super()._frozen_fixed_fields() | {"scenario_id"}

    def _sop_run_name(self):
        return self.env["sop.scenario"]._sop_run_name()
