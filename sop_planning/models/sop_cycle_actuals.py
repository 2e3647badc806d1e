"""Actual demand of past plan months and forecast value added (FVA)."""

import pandas as pd

from odoo import models

from .sop_bulk import bulk_update
from .sop_common import GROUP_PLANNER, first_of_this_month

KEYS = ["product_id", "warehouse_id", "period"]


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    def action_refresh_actuals(self):
        """Button: record what was really sold in the plan's past months
        (not while a step of the cycle, its approval say, writes the plan)."""
        # the lines are read by a query: another company's cycle is refused here
        self.check_access("write")
        for cycle in self:
            cycle._sop_check_no_run()
            cycle._update_actuals()
        return True

    def _update_actuals(self):
        """Set ``actual_qty`` on lines of months that are over.

        Actuals are facts, not plan data: they are recorded on approved and
        closed cycles too, so the FVA of a frozen plan can be measured. An
        out-of-stock month (unknown demand) gets no actual.
        """
        self.ensure_one()
        self._check_group(GROUP_PLANNER, self.env._("refresh the actuals"))
        Line = self.env["sop.plan.line"]
        Line.flush_model()
        today = first_of_this_month(self)
        rows = self.env.execute_query(
            Line._search(
                [("cycle_id", "=", self.id), ("date_month", "<", today)]
            ).select("id", "product_id", "warehouse_id", "date_month")
        )
        if not rows:
            return False
        lines = pd.DataFrame(rows, columns=["id", *KEYS])
        lines["period"] = pd.to_datetime(lines["period"])
        lines = self.env["sop.demand.history"]._actuals(self.company_id, lines, today)
        bulk_update(
            Line,
            lines["id"].tolist(),
            {
                "actual_qty": lines["qty"].tolist(),
                "has_actual": lines["known"].tolist(),
            },
        )
        Line._sql_recompute(self)
        return True
