from unittest.mock import patch

import pandas as pd

from odoo.tests import tagged

from ..engine import BASE, evaluate_plan
from ..models import sop_cycle_scenario, sop_step_run
from ..models.sop_cycle_scenario import SCENARIO_PATHS, SCENARIO_SEED
from .test_policy_backtest import SlowMoverCase

# a second lumpy spare part, 36 months oldest first, dearer: in one pattern
# with the slow mover, the two share their fill-rate target
RARE_HISTORY = [0, 0, 9, 0, 0, 0, 0, 0, 21, 0, 0, 0, 0, 2, 0, 0, 0, 0]
RARE_HISTORY += [0, 0, 0, 30, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 17]


@tagged("post_install", "-at_install")
class TestScenarioPolicy(SlowMoverCase):
    """The base plan is scored with the policies approval sets."""

    def test_base_plan_is_scored_with_the_policies_approval_sets(self):
        """A lumpy spare part with three years of sales: the scoring sizes it
        on its own history, as approval does (reorder point near 40), not on
        the forecast's negative binomial law (14), and the pump without
        sales on its plan, as approval does."""
        cycle = self._slow_plan(self.slow | self.pump)
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.planner).action_score_scenarios()
        base = cycle._base_scenario()
        self.assertEqual(base.state, "scored")
        scored = evaluate_plan(
            cycle._scenario_inputs(), BASE, n_paths=SCENARIO_PATHS, seed=SCENARIO_SEED
        ).policy.set_index("item_id")
        cycle.with_user(self.executive).action_approve()
        for product in self.slow | self.pump:
            policy = self._policy(cycle, product)
            self.assertEqual(policy.state, "applied", policy.skip_reason)
            row = scored.loc[policy.forecast_id.id]
            self.assertEqual(row["method"], policy.method, product.name)
            self.assertAlmostEqual(row["reorder_point"], policy.reorder_point, 6)
            self.assertAlmostEqual(row["order_up_to"], policy.order_up_to, 6)
        slow = self._policy(cycle, self.slow)
        self.assertEqual(slow.method, "bootstrap")
        self.assertGreaterEqual(slow.reorder_point, 35.0)

    def test_cycle_prepared_ahead_plans_every_item_on_the_plans_months(self):
        """Next month's cycle where one item has demand this month (a depot's
        pull a transfer's lead time early): approval sized the other item's
        lead-time demand on this month, in which it has no plan line, i.e.
        on nothing (reorder point 0 on the demo's January cycle for 30 of
        its 60 rules); it is planned on the plan's months, as scored."""
        self.vendor.sop_order_interval_days = 7
        cycle = self._plan(self.pump | self.valve, ahead=1)
        valve_line = self._lines(cycle, self.valve)[:1]
        valve_line.sudo().copy({"date_month": self._month(0)})
        self._approve(cycle)
        pump = self._policy(cycle, self.pump)
        self.assertEqual(pump.state, "applied", pump.skip_reason)
        window = pump.lead_time_days + 7.0
        self.assertAlmostEqual(
            pump.lead_time_demand, 10.0 * window, delta=0.05 * 10.0 * window
        )
        self.assertGreater(pump.reorder_point, pump.lead_time_demand)

    def test_one_product_the_engine_refuses_leaves_the_others_scored(self):
        """The valve's stored MOQ is -5 (the supply review reads a negative
        vendor minimum as none since 2026-12-08; a plan reviewed before kept
        it): the policy engine refuses the valve. Scoring left no scenario
        scored; now the pump is scored alone, as approval plans it alone,
        and the cycle's chatter names the valve and the reason."""
        cycle = self._plan(self.pump | self.valve)
        self._to_executive_review_from_demand(cycle)
        valve = self._forecast(cycle, self.valve)
        valve.sudo().moq = -5.0
        scenario = self._scenario(cycle, demand_pct=10.0)
        cycle.with_user(self.planner).action_score_scenarios()
        base = cycle._base_scenario()
        self.assertEqual((base | scenario).mapped("state"), ["scored"] * 2)
        self.assertGreater(base.revenue, 0.0)
        self.assertGreater(scenario.revenue, base.revenue)
        note = cycle.message_ids[:1]
        self.assertIn("1 product(s) left out of the scores", note.body)
        self.assertIn(f"{self.valve.display_name} in {self.warehouse.code}", note.body)
        self.assertIn("'moq'", note.body)
        self.assertNotIn(self.pump.display_name, note.body)
        # the pump alone scores as a plan of the pump alone
        scored = evaluate_plan(
            cycle._scenario_inputs(self.pump.ids),
            BASE,
            n_paths=SCENARIO_PATHS,
            seed=SCENARIO_SEED,
        )
        self.assertAlmostEqual(base.revenue, scored.kpis["revenue"], 2)
        cycle.with_user(self.executive).action_approve()
        self.assertEqual(self._policy(cycle, self.valve).state, "skipped")
        self.assertEqual(self._policy(cycle, self.pump).state, "applied")

    def test_cycle_of_two_blocks_shares_fill_rate_targets_as_approval(self):
        """Two lumpy spare parts in two blocks of the scoring (a block of one
        product): the base plan is scored with the reorder points approval
        sets, where the two share their pattern's fill-rate target, not
        each its own block's."""
        rare = self._product("Rare spare", standard_price=400.0)
        self._vendor_price(rare, 30)
        for index, qty in enumerate(RARE_HISTORY):
            if qty:
                self._sale(rare, qty, self._past_day(len(RARE_HISTORY) - index))
        cycle = self._slow_plan(self.slow | rare)
        self._forecast(cycle, rare).sudo().write({"sigma": 9.0, "pattern": "lumpy"})
        self._lines(cycle, rare).sudo().write({"forecast_qty": 2.3})
        self._to_executive_review_from_demand(cycle)
        policies, original = [], sop_cycle_scenario.evaluate_plan

        def evaluate(inputs, scenario=BASE, **options):
            evaluation = original(inputs, scenario, **options)
            if scenario is BASE:
                policies.append(evaluation.policy)
            return evaluation

        with (
            patch.object(sop_step_run, "CHUNK_SIZE", 1),
            patch.object(sop_cycle_scenario, "evaluate_plan", evaluate),
        ):
            cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(len(policies), 2, "one block per product")
        scored = pd.concat(policies).set_index("item_id")["reorder_point"]
        cycle.with_user(self.executive).action_approve()
        for product in self.slow | rare:
            policy = self._policy(cycle, product)
            self.assertEqual(policy.method, "bootstrap", product.name)
            self.assertAlmostEqual(
                scored[policy.forecast_id.id], policy.reorder_point, 6, product.name
            )
