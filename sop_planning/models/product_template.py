from odoo import fields, models

from .sop_common import GROUP_USER, filtered_action


class ProductTemplate(models.Model):
    _inherit = "product.template"

    sop_forecast_count = fields.Integer(
        string="S&OP Forecasts",
        compute="_compute_sop_forecast_count",
        groups=GROUP_USER,
    )

    def _compute_sop_forecast_count(self):
        counts = dict(
            self.env["sop.forecast"]._read_group(
                [("product_tmpl_id", "in", self.ids)], ["product_tmpl_id"], ["__count"]
            )
        )
        for template in self:
            template.sop_forecast_count = counts.get(template, 0)

    def action_open_sop_plan(self):
        """Smart button: the product's plan lines across cycles."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_plan_line_action",
            [("product_tmpl_id", "=", self.id)],
            {"search_default_group_cycle": 1},
        )
