from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common_policy import SopPolicyCase


@tagged("post_install", "-at_install")
class TestScenarioInput(SopPolicyCase):
    """Scenario deltas are checked when typed; duplicating works on any."""

    def test_absurd_deltas_are_refused_when_typed(self):
        cycle = self._plan(self.pump)
        scenario = self._scenario(cycle, name="What if", demand_pct=10)
        refused = [
            ({"demand_pct": -150}, "Demand .* below -100 %"),
            ({"price_pct": -120}, "Price .* below -100 %"),
            ({"moq_pct": -300}, "MOQ .* below -100 %"),
            ({"capacity_pct": -200}, "Capacity .* below -100 %"),
            ({"lead_time_days": -400}, "between -365 and \\+365 days"),
            ({"lead_time_days": 1e9}, "between -365 and \\+365 days"),
            ({"service_level": 150}, "above 50 % and below 100 %"),
            ({"service_level": 30}, "above 50 % and below 100 %"),
        ]
        for vals, message in refused:
            with self.subTest(vals=vals):
                with (
                    self.assertRaisesRegex(ValidationError, f"What if: .*{message}"),
                    self.cr.savepoint(),
                ):
                    scenario.write(vals)
                with (
                    self.assertRaisesRegex(ValidationError, message),
                    self.cr.savepoint(),
                ):
                    self._scenario(cycle, name="Another what if", **vals)
                scenario.invalidate_recordset()
        with (
            self.assertRaisesRegex(ValidationError, "category .* below -100 %"),
            self.cr.savepoint(),
        ):
            scenario.write(
                {
                    "category_line_ids": [
                        Command.create(
                            {"categ_id": self.category.id, "demand_pct": -500}
                        )
                    ]
                }
            )
        scenario.invalidate_recordset()
        self.assertEqual(scenario.demand_pct, 10)
        self.assertFalse(scenario.category_line_ids)
        # the edges pass: no demand at all, the plan's own targets
        scenario.write({"demand_pct": -100, "service_level": 0, "lead_time_days": -365})

    def test_vendors_faster_than_their_lead_time_still_score(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        faster = self._scenario(
            cycle, name="Vendors 45 days faster", lead_time_days=-45
        )
        cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(set(cycle.scenario_ids.mapped("state")), {"scored"})
        self.assertGreater(faster.fill_rate, 0.0)

    def test_a_plan_that_starts_short_owes_its_backlog(self):
        """Nothing in stock and 50 still to deliver before next month's
        plan: the scenarios start 50 short (served by the first receipts and
        bought, ``tests/test_scenario.py``), not at zero."""
        cycle = self._plan(self.pump, ahead=1)
        self._forecast(cycle, self.pump).sudo().gap_forecast = {
            self.this_month.isoformat(): 50.0
        }
        self._to_executive_review_from_demand(cycle)
        self.assertEqual(self._forecast(cycle, self.pump).on_hand_qty, 0.0)
        items = cycle._scenario_inputs().items
        self.assertEqual(items["on_hand"].tolist(), [-50.0])

    def test_base_plan_is_duplicated_as_an_ordinary_scenario(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.planner).action_score_scenarios()
        base = cycle.scenario_ids.filtered("is_base").with_user(self.planner)
        self.assertTrue(base)
        copy = base.copy()
        self.assertFalse(copy.is_base)
        self.assertEqual(copy.name, "Base plan (copy)")
        copy.demand_pct = 5  # an ordinary scenario takes deltas
        self.assertEqual(cycle.scenario_ids.filtered("is_base"), base)
        # nobody types the base flag: a base plan with deltas would skew
        # every comparison
        with self.assertRaisesRegex(UserError, "not set by hand"):
            self._scenario(cycle, name="What if", is_base=True, demand_pct=50)
        with self.assertRaisesRegex(UserError, "not set by hand"):
            copy.is_base = True

    def test_scenario_chosen_for_approval_keeps_its_deltas(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        chosen = self._scenario(
            cycle,
            name="Promotion",
            demand_pct=15,
            category_line_ids=[
                Command.create({"categ_id": self.category.id, "demand_pct": 20})
            ],
        )
        cycle.with_user(self.executive).approved_scenario_id = chosen
        refused = "chosen to approve cycle"
        changes = [
            lambda: chosen.write({"demand_pct": 50}),
            lambda: chosen.write({"lead_time_days": 30}),
            lambda: chosen.category_line_ids.write({"demand_pct": 60}),
            lambda: (
                self.env["sop.scenario.category"]
                .with_user(self.planner)
                .create(
                    {
                        "scenario_id": chosen.id,
                        "categ_id": self.env.ref("product.product_category_goods").id,
                        "demand_pct": 5,
                    }
                )
            ),
            lambda: chosen.category_line_ids.unlink(),
            lambda: chosen.unlink(),
        ]
        for change in changes:
            with self.assertRaisesRegex(UserError, refused), self.cr.savepoint():
                change()
        chosen.invalidate_recordset()
        self.assertEqual(chosen.demand_pct, 15)
        self.assertEqual(chosen.category_line_ids.demand_pct, 20)
        self.assertEqual(cycle.approved_scenario_id, chosen)
        chosen.name = "Promotion (reviewed)"  # not a delta
        # once the executive clears the choice, the planner edits again
        cycle.with_user(self.executive).approved_scenario_id = False
        chosen.write({"demand_pct": 50})
        self.assertEqual(chosen.demand_pct, 50)

    def test_base_plan_is_no_scenario_to_approve_with(self):
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.planner).action_score_scenarios()
        base = cycle.scenario_ids.filtered("is_base")
        with self.assertRaisesRegex(ValidationError, "leave the scenario empty"):
            cycle.with_user(self.executive).approved_scenario_id = base
