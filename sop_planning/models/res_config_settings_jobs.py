from odoo import api, fields, models
from odoo.exceptions import ValidationError

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

    @api.constrains("sop_job_product_threshold")
    def _check_sop_job_product_threshold(self):
        if any(settings.sop_job_product_threshold < 0 for settings in self):
            raise ValidationError(
                self.env._(
                    "Background Jobs Above is a number of products, 0 or more "
                    "(0: every long step runs as background jobs)."
                )
            )
