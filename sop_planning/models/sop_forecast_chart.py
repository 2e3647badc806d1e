"""Data of the planning chart of one product in one warehouse."""

import math

from dateutil.relativedelta import relativedelta

from odoo import models


# sop.forecast is extended here for the planning chart only.
class SopForecast(models.Model):
    """Month by month: history, forecast with its band, consensus, supply, policy."""

    _inherit = "sop.forecast"

    def get_planning_chart(self):
        """Return the series the planning chart draws, one value per month.

        History months come from the demand history the forecast ran on
        (``unknown``: out of stock or lost sales, demand not known); plan
        months from the plan lines: ``planned`` is the stock with the supply
        plan, ``receipts`` its planned receipts, ``projected`` the stock if
        nothing more is ordered. The reorder point and maximum are those of
        this cycle's inventory policy, else of the company's latest applied
        policy of the product in the warehouse (``policy_cycle`` names it).
        A month without a value, and a missing policy, are False (not None:
        XML-RPC cannot send None).
        """
        self.ensure_one()
        self.check_access("read")
        cycle = self.cycle_id
        lines = self.env["sop.plan.line"].search(
            [("forecast_id", "=", self.id)], order="date_month"
        )
        history_months = []
        history = {}
        if cycle.date_history_from and cycle.date_history_to:
            frame = self.env["sop.demand.history"]._extract(
                cycle.company_id,
                self.warehouse_id,
                self.product_id,
                cycle.date_history_from,
                cycle.date_history_to,
            )
            history = {
                period.date(): qty
                for period, qty in zip(frame["period"], frame["qty"], strict=True)
            }
            month = cycle.date_history_from.replace(day=1)
            # the series starts at its first sale, as the engine starts it
            first_sale = min(
                (m for m, qty in history.items() if qty > 0),
                default=cycle.date_history_to,
            )
            while month < cycle.date_history_to:
                if month >= first_sale:
                    history_months.append(month)
                month += relativedelta(months=1)
        plan_months = [line.date_month for line in lines]
        months = history_months + [m for m in plan_months if m not in history]
        by_month = {line.date_month: line for line in lines}

        def plan(name):
            return [by_month[m][name] if m in by_month else False for m in months]

        policy = self._chart_policy()
        return {
            "product": self.product_id.display_name,
            "warehouse": self.warehouse_id.display_name,
            "uom": self.product_id.uom_id.name,
            "months": [m.isoformat() for m in months],
            "history": [
                _known(history.get(m, 0.0)) if m in history_months else False
                for m in months
            ],
            "unknown": [
                m in history_months and _is_unknown(history.get(m)) for m in months
            ],
            "forecast": plan("forecast_qty"),
            "low": plan("lower_qty"),
            "high": plan("upper_qty"),
            "consensus": plan("consensus_qty"),
            "planned": plan("planned_on_hand"),
            "receipts": plan("planned_receipt_qty"),
            "projected": plan("projected_on_hand"),
            "reorder_point": policy.reorder_point if policy else False,
            "maximum": policy.order_up_to if policy else False,
            "policy_cycle": policy.cycle_id.display_name if policy else False,
        }

    def _chart_policy(self):
        """This cycle's policy of the forecast, else the latest applied one."""
        Policy = self.env["sop.inventory.policy"]
        return Policy.search([("forecast_id", "=", self.id)], limit=1) or Policy.search(
            [
                ("company_id", "=", self.company_id.id),
                ("product_id", "=", self.product_id.id),
                ("warehouse_id", "=", self.warehouse_id.id),
                ("state", "=", "applied"),
            ],
            order="id desc",
            limit=1,
        )


def _is_unknown(qty):
    return qty is not None and math.isnan(qty)


def _known(qty):
    return False if _is_unknown(qty) else float(qty)
