"""Demand before the plan ("forecast consumption") in the supply review.

The projection starts from today's stock, the plan from its first month. What
customers will still take between today and then is in no plan line: this
month's forecast less what has been delivered since the month began (it has
left today's stock; an order not delivered yet is still in it, and in the
first month's committed deliveries), and the forecast of the months in
between in full (the forecast run stores those months' forecast on each
forecast, ``gap_forecast``; months already over count nothing). The supply
review takes it from today's stock in the plan's first month
(``prior_demand_qty`` of that month's line). A plan that starts this month
takes from its first month what has been delivered this month instead, at
most the month's consensus: today's stock no longer holds it.
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
        starts this month: what has been delivered this month, at most the
        month's consensus), rounded as the consensus is; 0 on the other
        months, and in a plan whose first month is over."""
        lines["prior"] = 0.0
        this_month = first_of_this_month(self)
        first = (lines["period"] == pd.Timestamp(self.date_month)).to_numpy()
        if self.date_month < this_month or not first.any():
            return lines
        starts = lines.loc[first, KEYS]
        delivered = self._delivered_this_month(products, warehouses, this_month)
        if self.date_month == this_month:
            delivered = starts.merge(delivered, on=KEYS, how="left")["delivered"]
            prior = -np.minimum(
                delivered.fillna(0.0).to_numpy(),
                lines.loc[first, "consensus"].to_numpy(),
            )
        else:
            ahead = self._forecast_ahead(products, this_month, delivered)
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

    def _delivered_this_month(self, products, warehouses, this_month):
        """``product_id, warehouse_id, delivered``: what has left each warehouse
        for customers since ``this_month`` began, less what customers sent
        back, whatever the company counts as demand (an order not delivered
        yet is still in today's stock)."""
        History = self.env["sop.demand.history"]
        self.env["stock.move"].flush_model()
        window = (
            self.company_id.id,
            warehouses.ids,
            products.ids,
            this_month,
            this_month + relativedelta(months=1),
        )
        delivered, _mismatch = History._converted(History._shipped_query(*window))
        returned, _mismatch = History._converted(History._returns_query(*window))
        net = History._net_returns(delivered, returned)
        net = net.groupby(KEYS, as_index=False)["qty"].sum()
        return net.rename(columns={"qty": "delivered"}).astype(
            {"product_id": int, "warehouse_id": int, "delivered": float}
        )

    def _forecast_ahead(self, products, this_month, delivered):
        """``product_id, warehouse_id, ahead``: the stored forecast of the
        months before the plan that is still to come, the current month's
        less what was ``delivered`` in it (at least 0)."""
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
        gap = gap.merge(delivered, on=KEYS, how="left")
        current = gap["period"] == pd.Timestamp(this_month)
        gone = gap["delivered"].fillna(0.0).where(current, 0.0)
        gap["ahead"] = (gap["forecast"] - gone).clip(lower=0.0)
        return gap.groupby(KEYS, as_index=False)["ahead"].sum()
