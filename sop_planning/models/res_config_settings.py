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
