from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sop_horizon_months = fields.Integer(
        related="company_id.sop_horizon_months", readonly=False
    )
    sop_history_months = fields.Integer(
        related="company_id.sop_history_months", readonly=False
    )
    sop_service_level = fields.Float(
        related="company_id.sop_service_level", readonly=False
    )
    sop_demand_source = fields.Selection(
        related="company_id.sop_demand_source", readonly=False
    )
    sop_demand_returns = fields.Selection(
        related="company_id.sop_demand_returns", readonly=False
    )
    sop_price_source = fields.Selection(
        related="company_id.sop_price_source", readonly=False
    )
    sop_pricelist_id = fields.Many2one(
        related="company_id.sop_pricelist_id", readonly=False
    )
    sop_orderpoint_trigger = fields.Selection(
        related="company_id.sop_orderpoint_trigger", readonly=False
    )
    sop_order_cost = fields.Float(related="company_id.sop_order_cost", readonly=False)
    sop_holding_rate = fields.Float(
        related="company_id.sop_holding_rate", readonly=False
    )
    sop_transfer_days = fields.Integer(
        related="company_id.sop_transfer_days", readonly=False
    )
    sop_auto_rfq = fields.Boolean(related="company_id.sop_auto_rfq", readonly=False)
    sop_purchase_user_id = fields.Many2one(
        related="company_id.sop_purchase_user_id", readonly=False
    )
    sop_excess_months = fields.Integer(
        related="company_id.sop_excess_months", readonly=False
    )
