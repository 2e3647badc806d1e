from odoo import fields, models

from .sop_step_run import DEFAULT_THRESHOLD, THRESHOLD_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    sop_job_product_threshold = fields.Integer(
        string="Background Jobs Above",
        config_parameter=THRESHOLD_PARAM,
        default=DEFAULT_THRESHOLD,
        help="Long S&OP steps of more products than this run as background "
        "jobs; smaller ones run at once in the request.",
    )
