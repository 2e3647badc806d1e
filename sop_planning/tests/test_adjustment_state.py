from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_policy import SopPolicyCase

REFUSED = "demand is adjusted in the Demand Review step only"


@tagged("post_install", "-at_install")
class TestAdjustmentState(SopPolicyCase):
    """Plan lines are adjusted in demand review only, enforced on the server."""

    def test_adjustments_are_refused_after_demand_review(self):
        cycle = self._plan(self.pump)
        line = cycle.plan_line_ids.sorted("date_month")[0]
        planner_line = line.with_user(self.planner)
        planner_line.write({"adjustment_qty": 20.0, "adjustment_reason": "customer"})
        cycle.action_submit_supply_review()
        for state in ("supply_review", "reconciliation", "executive_review"):
            self.assertEqual(cycle.state, state)
            # what an RPC client sends: each adjustment field on its own too
            for values in (
                {"adjustment_qty": 50.0, "adjustment_reason": "promotion"},
                {"adjustment_mode": "percent", "adjustment_percent": 10.0},
                {"adjustment_reason": "market"},
                {"adjustment_note": "late customer call"},
            ):
                with (
                    self.subTest(state=state, values=values),
                    self.assertRaisesRegex(UserError, REFUSED),
                    self.cr.savepoint(),
                ):
                    planner_line.write(values)
            with self.assertRaisesRegex(UserError, REFUSED), self.cr.savepoint():
                self.env["sop.plan.line"].with_user(self.sop_admin).create(
                    dict(
                        # a user's copy: without the runs' figures
                        line.with_user(self.sop_admin).copy_data()[0],
                        date_month=self._month(13),
                        adjustment_qty=3.0,
                        adjustment_reason="customer",
                    )
                )
            # an import (load) gets the same error as a message, nothing saved
            result = self.env["sop.plan.line"].load(
                [".id", "adjustment_qty", "adjustment_reason"],
                [[str(line.id), "70", "customer"]],
            )
            self.assertFalse(result["ids"])
            self.assertIn(REFUSED, result["messages"][0]["message"])
            line.invalidate_recordset()
            self.assertEqual(line.adjustment_qty, 20.0, "the demand review's one")
            self.assertEqual(line.consensus_qty, line.forecast_qty + 20.0)
            if state == "reconciliation":
                # in the reader's language, the state too
                self.env["res.lang"]._activate_lang("da_DK")
                self.env["ir.module.module"]._load_module_terms(
                    ["sop_planning"], ["da_DK"]
                )
                with self.assertRaisesRegex(UserError, "er i Afstemning:"):
                    planner_line.with_context(lang="da_DK").write(
                        {"adjustment_note": "sent kundeopkald"}
                    )
            if state == "supply_review":
                cycle.action_submit_reconciliation()
            elif state == "reconciliation":
                cycle.action_submit_executive_review()
        # a line without an adjustment is still created in any open state
        created = self.env["sop.plan.line"].create(
            dict(
                line.copy_data()[0],
                date_month=self._month(13),
                adjustment_qty=0.0,
                adjustment_reason=False,
            )
        )
        self.assertEqual(created.consensus_qty, created.forecast_qty)

    def test_planner_cannot_type_in_the_runs_figures(self):
        """The statistical forecast and the projection are the runs', not a
        planner's: refused over RPC and in an import, nothing saved."""
        cycle = self._plan(self.pump)
        line = cycle.plan_line_ids[:1].with_user(self.planner)
        statistical = line.forecast_qty
        with self.assertRaisesRegex(UserError, "Statistical can only be computed"):
            line.write({"forecast_qty": statistical + 100.0})
        with self.assertRaisesRegex(UserError, "Projected On Hand"):
            line.write({"projected_on_hand": 1e6})
        result = (
            self.env["sop.plan.line"]
            .with_user(self.planner)
            .load([".id", "forecast_qty"], [[str(line.id), "999"]])
        )
        self.assertFalse(result["ids"])
        self.assertIn("can only be computed", result["messages"][0]["message"])
        line.invalidate_recordset()
        self.assertEqual(line.forecast_qty, statistical)
        # the planner's own figure is the adjustment
        line.write({"adjustment_qty": 5.0, "adjustment_reason": "promotion"})
        self.assertEqual(line.consensus_qty, statistical + 5.0)

    def test_planner_cannot_type_in_the_engines_statistics(self):
        """A forecast's model, error and supply data are the runs'."""
        cycle = self._plan(self.pump)
        forecast = cycle.forecast_ids[:1].with_user(self.planner)
        with self.assertRaisesRegex(UserError, "MASE"):
            forecast.write({"mase": 0.1})
        with self.assertRaisesRegex(UserError, "forecast run and the supply review"):
            forecast.write({"lead_time_days": 1.0})
