from odoo.tests import tagged

from ..engine import BASE, evaluate_plan
from ..models.sop_cycle_scenario import SCENARIO_PATHS, SCENARIO_SEED
from .test_policy_backtest import SlowMoverCase


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
