from odoo import models
from odoo.exceptions import UserError


class SopPlanLine(models.Model):
    """Plan lines a running forecast job still writes are read-only."""

    _inherit = "sop.plan.line"  # pylint: disable=consider-merging-classes-inherited

    def write(self, vals):
        self._sop_check_not_being_written()
        return super().write(vals)

    def _sop_check_not_being_written(self):
        for cycle in self.cycle_id:
            running = cycle._sop_running_product_ids()
            if running == set():
                continue
            lines = self.filtered(lambda line, c=cycle: line.cycle_id == c)
            if running is None or any(line.product_id.id in running for line in lines):
                raise UserError(
                    self.env._(
                        "The forecast of cycle %s is still writing these plan "
                        "lines: edit them when it ends.",
                        cycle.display_name,
                    )
                )
