from contextlib import ExitStack
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_policy import SopPolicyCase

# action_approve's steps, in the order it must run them.
APPROVAL_STEPS = (
    "_approve_close_previous",
    "_approve_mark_approved",
    "_compute_policy_values",
    "_apply_policies_to_rules",
    "_approve_freeze_accuracy",
    "_approve_notify",
)


@tagged("post_install", "-at_install")
class TestCycleFreeze(SopPolicyCase):
    """Approval as one pipeline; a frozen cycle refuses all but exempt fields."""

    def _approved_with_scenario(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        scenario = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": "Vendor late", "lead_time_days": 14})
        )
        cycle.with_user(self.planner).action_score_scenarios()
        cycle.with_user(self.executive).approved_scenario_id = scenario
        cycle.with_user(self.executive).action_approve()
        return cycle, scenario

    def test_approval_runs_its_steps_in_order(self):
        previous = self._approve(self._plan(self.valve))
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        late = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": "Vendor late", "lead_time_days": 14})
        )
        cycle.with_user(self.planner).action_score_scenarios()
        cycle.with_user(self.executive).approved_scenario_id = late
        Cycle = type(self.env["sop.cycle"])
        calls = []

        def spy(name):
            original = getattr(Cycle, name)

            def step(records, *args, **kwargs):
                calls.append((name, records.state, args, kwargs))
                return original(records, *args, **kwargs)

            return patch.object(Cycle, name, step)

        with ExitStack() as stack:
            for name in APPROVAL_STEPS:
                stack.enter_context(spy(name))
            cycle.with_user(self.executive).action_approve()

        self.assertEqual([call[0] for call in calls], list(APPROVAL_STEPS))
        states = {name: state for name, state, _args, _kwargs in calls}
        self.assertEqual(states["_approve_mark_approved"], "executive_review")
        self.assertEqual(
            states["_compute_policy_values"], "approved", "after the state"
        )
        policies_kwargs = calls[APPROVAL_STEPS.index("_compute_policy_values")][3]
        self.assertEqual(policies_kwargs, {"scenario": late}, "scenario as argument")
        # the effect of each step
        self.assertEqual(previous.state, "closed")
        self.assertEqual(cycle.state, "approved")
        self.assertEqual(cycle.approved_by_id, self.executive)
        self.assertEqual(cycle.policy_ids.lead_time_days, 30 + 14)
        self.assertTrue(cycle.policy_ids.orderpoint_id)
        self.assertTrue(cycle.accuracy_line_ids, "plan frozen in the ledger")
        self.assertFalse(cycle.activity_ids, "review to-dos closed")
        self.assertIn("Vendor late", cycle.message_ids[0].body)

    def test_buttons_of_an_approved_plan_are_refused(self):
        cycle, scenario = self._approved_with_scenario()
        self.assertTrue(cycle.is_frozen)
        scored_on = cycle.scenario_ids.mapped("date_scored")
        for records, button, what in (
            (cycle, "action_score_scenarios", "score S&OP scenarios"),
            (scenario, "action_score", "score S&OP scenarios"),
            (cycle, "action_run_forecast", "run a forecast"),
            (cycle, "action_run_supply_review", "run the supply review"),
        ):
            with self.assertRaisesRegex(UserError, f"frozen, you cannot {what}"):
                getattr(records.with_user(self.planner), button)()
        self.assertEqual(
            cycle.scenario_ids.mapped("date_scored"), scored_on, "nothing scored again"
        )

    def test_frozen_cycle_accepts_only_exempt_fields(self):
        cycle, scenario = self._approved_with_scenario()
        # exempt: actuals (facts), chatter
        line = cycle.plan_line_ids[:1]
        line.sudo().write({"actual_qty": 7.0, "has_actual": True})  # the actuals step
        self.assertEqual(line.actual_qty, 7.0)
        cycle.with_user(self.planner).message_post(body="Chatter stays open")
        scenario.with_user(self.planner).sequence = 5  # list order, not plan data
        # not exempt: the plan, its forecasts and scenarios
        refused = [
            (cycle.with_user(self.sop_admin), {"note": "reopen"}),
            (line.with_user(self.planner), {"adjustment_qty": 5.0}),
            (cycle.forecast_ids.with_user(self.planner), {"moq": 10.0}),
            (scenario.with_user(self.planner), {"name": "Renamed"}),
            (scenario.sudo(), {"fill_rate": 0.5}),
        ]
        for records, vals in refused:
            with self.subTest(model=records._name, vals=vals):
                with self.assertRaisesRegex(UserError, "frozen"):
                    records.write(vals)
        self.assertEqual(scenario.name, "Vendor late")
        with self.assertRaisesRegex(UserError, "frozen"):
            scenario.with_user(self.planner).write(
                {
                    "category_line_ids": [
                        Command.create({"categ_id": self.category.id, "demand_pct": 5})
                    ]
                }
            )
        with self.assertRaisesRegex(UserError, "frozen"):
            self.env["sop.scenario"].with_user(self.planner).create(
                {"cycle_id": cycle.id, "name": "Too late"}
            )
        with self.assertRaisesRegex(UserError, "frozen"):
            scenario.with_user(self.planner).unlink()

    def test_closing_keeps_the_freeze(self):
        cycle, _scenario = self._approved_with_scenario()
        cycle.with_user(self.executive).action_close()
        self.assertEqual(cycle.state, "closed")
        self.assertTrue(cycle.is_frozen)
        frozen = self.env["sop.cycle"].search([("is_frozen", "=", True)])
        self.assertIn(cycle, frozen)
        self.assertNotIn(self._plan(self.valve), frozen)
        with self.assertRaisesRegex(UserError, "frozen"):
            cycle.plan_line_ids[:1].with_user(self.planner).write(
                {"adjustment_qty": 1.0}
            )

    def test_forecast_rerun_outdates_scenario_scores(self):
        cycle = self._plan(self.pump)
        scenario = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": "Demand +10 %", "demand_pct": 10})
        )
        scenario.sudo().write({"state": "scored"})
        cycle.with_user(self.planner).action_run_forecast()
        self.assertEqual(scenario.state, "draft", "rescore before comparing")

    def test_scoring_ignores_the_approved_scenario(self):
        """Scoring sizes the plan as is, whatever scenario is chosen."""
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        before = cycle._scenario_inputs()
        late = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": "Late", "lead_time_days": 14})
        )
        cycle.with_user(self.executive).approved_scenario_id = late
        after = cycle._scenario_inputs()
        self.assertEqual(
            after.items["lead_time_days"].tolist(),
            before.items["lead_time_days"].tolist(),
        )
        with_deltas, _skipped = cycle._policy_items(cycle.forecast_ids, late)
        self.assertEqual(
            with_deltas["lead_time_days"].tolist(),
            [lead + 14 for lead in before.items["lead_time_days"]],
        )
