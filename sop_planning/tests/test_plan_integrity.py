from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_policy import SopPolicyCase


@tagged("post_install", "-at_install")
class TestPlanIntegrity(SopPolicyCase):
    """Plan data stays in its cycle; who approved and adjusted is not typed."""

    def test_plan_data_cannot_move_into_another_cycle(self):
        approved = self._approve(self._plan(self.valve))
        cycle = self._plan(self.pump, ahead=1)
        line = cycle.plan_line_ids[:1].with_user(self.planner)
        forecast = cycle.forecast_ids.with_user(self.planner)
        scenario = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create(
                {
                    "cycle_id": cycle.id,
                    "name": "Promotion",
                    "category_line_ids": [
                        Command.create({"categ_id": self.category.id, "demand_pct": 5})
                    ],
                }
            )
        )
        other = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": "Other"})
        )
        month = line.date_month
        moves = [
            (line, {"cycle_id": approved.id}),
            (line, {"date_month": "2031-01-01"}),
            (line, {"product_id": self.valve.id}),
            (forecast, {"cycle_id": approved.id}),
            (scenario, {"cycle_id": approved.id}),
            (scenario.category_line_ids, {"scenario_id": other.id}),
        ]
        for records, vals in moves:
            with self.subTest(model=records._name, vals=vals):
                with self.assertRaisesRegex(UserError, "plan data stays"):
                    records.write(vals)
        self.assertEqual(line.cycle_id, cycle)
        self.assertEqual(line.date_month, month)
        self.assertEqual(scenario.cycle_id, cycle)
        self.assertFalse(approved.plan_line_ids.filtered(lambda pl: pl == line))
        # the same values written back (an export / import round trip) pass
        line.write(
            {
                "cycle_id": cycle.id,
                "product_id": self.pump.id,
                "date_month": str(month),
                "adjustment_qty": 5.0,
                "adjustment_reason": "promotion",
            }
        )
        self.assertEqual(line.adjustment_qty, 5.0)

    def test_a_planners_new_line_belongs_to_its_forecast_and_plan(self):
        """Over RPC a planner may create a plan line: it must be its
        forecast's product and warehouse, in a month of the plan (a line
        elsewhere was projected and bought by the supply review)."""
        self.gasket = self._product("Gasket")
        cycle = self._plan(self.pump, ahead=1)
        pump = cycle.forecast_ids.filtered(lambda f: f.product_id == self.pump)
        first = pump.plan_line_ids.sorted("date_month")[:1]
        values = {  # the company taken from the cycle
            "cycle_id": cycle.id,
            "forecast_id": pump.id,
            "product_id": self.pump.id,
            "warehouse_id": self.warehouse.id,
            "date_month": first.date_month,
        }
        first.sudo().unlink()
        Line = self.env["sop.plan.line"].with_user(self.planner)
        refused = [
            ({"product_id": self.gasket.id}, "must belong to that product's forecast"),
            (
                {"product_id": self.gasket.id, "forecast_id": False},
                "must belong to that product's forecast",
            ),
            ({"date_month": self._month(1).replace(day=15)}, "not a month of the plan"),
            ({"date_month": self._month(30)}, "not a month of the plan"),
            ({"date_month": self._month(-24)}, "not a month of the plan"),
        ]
        for change, message in refused:
            with (
                self.subTest(change=change),
                self.assertRaisesRegex(UserError, message),
                self.cr.savepoint(),
            ):
                Line.create(dict(values, **change))
        created = Line.create(values)
        self.assertEqual(created.forecast_id, pump)
        self.assertEqual(created.company_id, cycle.company_id)

    def test_approval_record_cannot_be_forged(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        forged = [
            {"approved_by_id": self.executive.id},
            {"date_approved": "2026-01-01 00:00:00"},
            {"rejection_reason": "Rejected by nobody"},
        ]
        for vals in forged:
            for user in (self.planner, self.executive):
                with self.subTest(vals=vals, user=user.login):
                    with self.assertRaisesRegex(UserError, "records who did what"):
                        cycle.with_user(user).write(vals)
        self.assertFalse(cycle.approved_by_id)
        self.assertFalse(cycle.rejection_reason)
        # a planner cannot approve by writing the state with the fields
        with self.assertRaises(AccessError):
            cycle.with_user(self.planner).write(
                {"state": "approved", "approved_by_id": self.executive.id}
            )
        # nor write them with a move its group may make: a forged rejection
        # from the supply review, an approval in another executive's name
        rejected = self._plan(self.valve, ahead=1)
        rejected.with_user(self.planner).action_submit_supply_review()
        with self.assertRaisesRegex(UserError, "records who did what"):
            rejected.with_user(self.planner).write(
                {"state": "reconciliation", "rejection_reason": "Rejected by nobody"}
            )
        self.assertEqual(rejected.state, "supply_review")
        with self.assertRaisesRegex(UserError, "records who did what"):
            cycle.with_user(self.executive).write(
                {"state": "approved", "approved_by_id": self.planner.id}
            )
        self.assertEqual(cycle.state, "executive_review")
        # the workflow still records them
        self.env["sop.cycle.reject"].with_user(self.executive).create(
            {"cycle_ids": [Command.set(cycle.ids)], "reason": "Too much stock"}
        ).action_confirm()
        self.assertEqual(cycle.rejection_reason, "Too much stock")
        cycle.with_user(self.planner).action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.approved_by_id, self.executive)
        self.assertTrue(cycle.date_approved)

    def test_adjustment_author_cannot_be_forged(self):
        cycle = self._plan(self.pump)
        line = cycle.plan_line_ids[:1].with_user(self.planner)
        for vals in (
            {"adjusted_by_id": self.executive.id},
            {"date_adjusted": "2026-01-01 00:00:00"},
            {
                "adjustment_qty": 3.0,
                "adjustment_reason": "customer",
                "adjusted_by_id": self.executive.id,
            },
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(UserError, "records who did what"):
                    line.write(vals)
        self.assertFalse(line.adjusted_by_id)
        line.write({"adjustment_qty": 3.0, "adjustment_reason": "customer"})
        self.assertEqual(line.adjusted_by_id, self.planner)
        # a line created with an adjustment records its author, a copy of
        # an adjusted line records who made the copy (in a month of the plan
        # left free for it)
        last = line.forecast_id.plan_line_ids.sorted("date_month")[-1:]
        month = last.date_month
        last.sudo().unlink()
        created = (
            self.env["sop.plan.line"]
            .with_user(self.executive)
            .create(
                dict(line.with_user(self.executive).copy_data()[0], date_month=month)
            )
        )
        self.assertEqual(created.adjustment_qty, 3.0)
        self.assertEqual(created.adjusted_by_id, self.executive)

    def test_scope_is_fixed_once_the_demand_is_handed_on(self):
        cycle = self._plan(self.pump)
        planner_cycle = cycle.with_user(self.planner)
        # demand review: the scope still changes, the forecast runs again on it
        planner_cycle.write({"horizon_months": 6, "history_months": 24})
        cycle.action_submit_supply_review()
        scope = [
            {"date_month": "2031-06-01"},
            {"horizon_months": 3},
            {"history_months": 12},
            {"warehouse_ids": [Command.clear()]},
            {"product_category_ids": [Command.clear()]},
            {"product_domain": "[('id', '=', 0)]"},
            {"company_id": self.company_b.id},
        ]
        for state in ("supply_review", "reconciliation", "executive_review"):
            self.assertEqual(cycle.state, state)
            for vals in scope:
                for user in (self.planner, self.sop_admin):
                    # a company not the user's is refused before the state
                    expected = (
                        "one of your companies"
                        if "company_id" in vals
                        and self.company_b not in user.company_ids
                        else "scope the forecast"
                    )
                    with (
                        self.subTest(state=state, vals=vals, user=user.login),
                        self.assertRaisesRegex(UserError, expected),
                        self.cr.savepoint(),
                    ):
                        cycle.with_user(user).write(vals)
            # what does not change the plan's scope stays open
            planner_cycle.write({"note": "Checked", "service_level": 97.0})
            if state == "supply_review":
                cycle.action_submit_reconciliation()
            elif state == "reconciliation":
                cycle.action_submit_executive_review()
        cycle.invalidate_recordset()
        self.assertEqual(cycle.horizon_months, 6)
        self.assertEqual(cycle.warehouse_ids, self.warehouse)
        self.assertEqual(cycle.date_month, self._month(0))

    def test_rejected_plan_goes_back_to_demand_review(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        line = cycle.plan_line_ids.sorted("date_month")[:1].with_user(self.planner)
        # not straight from the executive review, nor by a reader
        with self.assertRaisesRegex(
            UserError, "is in Executive Review: the demand review is reopened from"
        ):
            cycle.with_user(self.planner).action_reopen_demand_review()
        self.env["sop.cycle.reject"].with_user(self.executive).create(
            {"cycle_ids": [Command.set(cycle.ids)], "reason": "Cut the pumps"}
        ).action_confirm()
        with self.assertRaises(AccessError):
            cycle.with_user(self.sop_user).action_reopen_demand_review()
        # the form's Action menu, as the planner clicks it
        self.env.ref("sop_planning.sop_cycle_action_reopen_demand_review").with_user(
            self.planner
        ).with_context(active_model="sop.cycle", active_ids=cycle.ids).run()
        self.assertEqual(cycle.state, "demand_review")
        line.write({"adjustment_qty": -100.0, "adjustment_reason": "market"})
        cycle.with_user(self.planner).action_submit_supply_review()
        self.assertEqual(cycle.state, "supply_review")
        cycle.with_user(self.planner).action_reopen_demand_review()
        cycle.with_user(self.planner).action_submit_supply_review()
        cycle.with_user(self.planner).action_submit_reconciliation()
        cycle.with_user(self.planner).action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.state, "approved")
        ledger = cycle.accuracy_line_ids.filtered(
            lambda row: row.date_month == line.date_month
        )
        self.assertAlmostEqual(ledger.consensus_qty, line.forecast_qty - 100.0, 2)
