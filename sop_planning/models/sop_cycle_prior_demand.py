"""Demand before the plan ("forecast consumption") in the supply review.

The projection starts from today's stock, the plan from its first month. What
customers will still take between today and then is in no plan line: this
month's forecast less what has sold since the month began (the history's
definition of demand), and the forecast of the months in between in full
(the forecast run stores those months' forecast on each forecast,
``gap_forecast``; months already over count nothing). The supply review takes
it from today's stock in the plan's first month (``prior_demand_qty`` of that
month's line). A plan that starts this month takes from its first month what
has sold this month instead, at most the month's consensus: today's stock no
longer holds it.
"""

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools import SQL

from .sop_bulk import query_frame
from .sop_common import first_of_this_month
from .sop_plan_line import _numeric_round

KEYS = ["product_id", "warehouse_id"]


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    def _prior_demand(self, lines, products, warehouses):
        """Add ``prior`` to the supply review's ``lines``: on the plan's first
        month, the demand still expected before it (negative in a plan that
        starts this month: what has sold this month, at most the month's
        consensus), rounded as the consensus is; 0 on the other months, and
        in a plan whose first month is over."""
        lines["prior"] = 0.0
        this_month = first_of_this_month(self)
        first = (lines["period"] == pd.Timestamp(self.date_month)).to_numpy()
        if self.date_month < this_month or not first.any():
            return lines
        starts = lines.loc[first, KEYS]
        sold = self._sold_this_month(products, warehouses, this_month)
        if self.date_month == this_month:
            sold = starts.merge(sold, on=KEYS, how="left")["sold"].fillna(0.0)
            prior = -np.minimum(
                sold.to_numpy(), lines.loc[first, "consensus"].to_numpy()
            )
        else:
            ahead = self._forecast_ahead(products, this_month, sold)
            prior = (
                starts.merge(ahead, on=KEYS, how="left")["ahead"].fillna(0.0).to_numpy()
            )
        digits = (
            self.env["sop.plan.line"]
            ._fields["prior_demand_qty"]
            .get_digits(self.env)[1]
        )
        # one value per product x warehouse, rounded as _sql_recompute
        # rounds the consensus (the stored value is the one projected)
        lines.loc[first, "prior"] = [_numeric_round(qty, digits) for qty in prior]
        return lines

    def _sold_this_month(self, products, warehouses, this_month):
        """``product_id, warehouse_id, sold``: the demand recorded since
        ``this_month`` began, as the history counts demand; a month whose
        demand is unknown so far (out of stock, lost sales) counts none."""
        history = self.env["sop.demand.history"]._extract(
            self.company_id,
            warehouses,
            products,
            this_month,
            this_month + relativedelta(months=1),
        )
        sold = history.groupby(KEYS, as_index=False)["qty"].sum()
        return sold.rename(columns={"qty": "sold"}).astype(
            {"product_id": int, "warehouse_id": int, "sold": float}
        )

    def _forecast_ahead(self, products, this_month, sold):
        """``product_id, warehouse_id, ahead``: the stored forecast of the
        months before the plan that is still to come, the current month's
        less what has ``sold`` in it (at least 0)."""
        Forecast = self.env["sop.forecast"]
        Forecast.flush_model(["cycle_id", "product_id", "warehouse_id", "gap_forecast"])
        stored = Forecast._search(
            [("cycle_id", "=", self.id), ("product_id", "in", products.ids)]
        ).select("product_id", "warehouse_id", "gap_forecast")
        gap = query_frame(
            self.env,
            SQL(
                """SELECT f.product_id, f.warehouse_id, month.key::date,
                          month.value::float8
                     FROM (%s) f, jsonb_each_text(f.gap_forecast) month
                    WHERE month.key::date >= %s""",
                stored,
                this_month,
            ),
            [*KEYS, "period", "forecast"],
            dates=["period"],
        ).astype({"product_id": int, "warehouse_id": int, "forecast": float})
        gap = gap.merge(sold, on=KEYS, how="left")
        current = gap["period"] == pd.Timestamp(this_month)
        sold_before = gap["sold"].fillna(0.0).where(current, 0.0)
        gap["ahead"] = (gap["forecast"] - sold_before).clip(lower=0.0)
        return gap.groupby(KEYS, as_index=False)["ahead"].sum()
