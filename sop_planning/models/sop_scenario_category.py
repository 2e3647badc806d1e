from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SopScenarioCategory(models.Model):
    """Demand change of one product category (and its sub-categories)."""

    _name = "sop.scenario.category"
    _inherit = ["sop.frozen.mixin"]
    _description = "S&OP Scenario Demand per Category"
    _order = "scenario_id, categ_id"

    scenario_id = fields.Many2one(
        "sop.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="scenario_id.company_id", store=True, precompute=True
    )
    categ_id = fields.Many2one("product.category", string="Category", required=True)
    demand_pct = fields.Float(string="Demand (%)", required=True)

    _categ_unique = models.UniqueIndex(
        "(scenario_id, categ_id)", "A category appears once per scenario."
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.scenario_id._check_not_chosen_for_approval()
        return lines

    def write(self, vals):
        self.scenario_id._check_not_chosen_for_approval()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_chosen_for_approval(self):
        self.scenario_id._check_not_chosen_for_approval()

    @api.constrains("demand_pct")
    def _check_demand_pct(self):
        for line in self.filtered(lambda rec: rec.demand_pct < -100):
            raise ValidationError(
                self.env._(
                    "Scenario %(scenario)s, category %(category)s: the demand "
                    "change cannot go below -100 %% (-100 %% already brings it "
                    "to zero).",
                    scenario=line.scenario_id.name,
                    category=line.categ_id.display_name,
                )
            )

    def _frozen_cycles(self):
        return self.scenario_id.cycle_id

    def _frozen_fixed_fields(self):
        return super()._frozen_fixed_fields() | {"scenario_id"}

    def _demand_by_category(self):
        """``{category id (str): demand %}``, sub-categories included; the
        most specific category's line wins."""
        result = {}
        for line in self.sorted(lambda rec: len(rec.categ_id.parent_path or "")):
            children = self.env["product.category"].search(
                [("id", "child_of", line.categ_id.id)]
            )
            result.update(dict.fromkeys(map(str, children.ids), line.demand_pct))
        return result
