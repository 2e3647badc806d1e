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
most the month's consensus: today's stock no longer holds it. A depot planned
in another approved plan gives its source warehouse the same demand before
the plan, from its own plan's months (and before them from its stored
``gap_forecast``).
"""

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, models
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
        own = [("cycle_id", "=", self.id), ("product_id", "in", products.ids)]
        return self._with_prior(
            lines,
            products,
            warehouses,
            lambda this_month: self._gap_months(own, this_month),
        )

    def _other_plans_prior(self, lines, forecasts):
        """Add ``prior`` to ``lines`` of ``forecasts``, depots planned in the
        company's other approved plans (their months, those before their plan
        included): on this plan's first month, what they still expect to
        sell before it, as ``_prior_demand`` counts it for this cycle's own."""
        start = pd.Timestamp(self.date_month)

        def months_before(this_month):
            before = (lines["period"] >= pd.Timestamp(this_month)) & (
                lines["period"] < start
            )
            return lines.loc[before, [*KEYS, "period", "consensus"]].rename(
                columns={"consensus": "forecast"}
            )

        return self._with_prior(
            lines, forecasts.product_id, forecasts.warehouse_id, months_before
        )

    def _with_prior(self, lines, products, warehouses, months_before):
        """``lines`` with ``prior`` on this plan's first month (see
        ``_prior_demand``); ``months_before(this_month)``: the forecast of
        each product and warehouse for the months from this one to the
        plan's (``product_id, warehouse_id, period, forecast``)."""
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
            ahead = self._ahead(months_before(this_month), delivered, this_month)
            prior = (
                starts.merge(ahead, on=KEYS, how="left")["ahead"].fillna(0.0).to_numpy()
            )
        lines.loc[first, "prior"] = self._rounded_prior(prior)
        return lines

    def _rounded_prior(self, prior):
        """One value per product x warehouse, rounded as ``_sql_recompute``
        rounds the consensus (the stored value is the one projected)."""
        digits = (
            self.env["sop.plan.line"]
            ._fields["prior_demand_qty"]
            .get_digits(self.env)[1]
        )
        return [_numeric_round(qty, digits) for qty in prior]

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

    def _gap_months(self, domain, this_month):
        """``product_id, warehouse_id, period, forecast``: the forecast that
        the forecasts of ``domain`` stored for the months before their plan
        (``gap_forecast``), from ``this_month`` on."""
        Forecast = self.env["sop.forecast"]
        Forecast.flush_model(["cycle_id", "product_id", "warehouse_id", "gap_forecast"])
        stored = Forecast._search(domain).select(
            "product_id", "warehouse_id", "gap_forecast"
        )
        return query_frame(
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

    @api.model
    def _ahead(self, months, delivered, this_month):
        """``product_id, warehouse_id, ahead``: the ``forecast`` of ``months``
        still to come, the current month's less what was ``delivered`` in it
        (at least 0)."""
        months = months.merge(delivered, on=KEYS, how="left")
        current = months["period"] == pd.Timestamp(this_month)
        gone = months["delivered"].fillna(0.0).where(current, 0.0)
        months["ahead"] = (months["forecast"] - gone).clip(lower=0.0)
        return months.groupby(KEYS, as_index=False)["ahead"].sum()
