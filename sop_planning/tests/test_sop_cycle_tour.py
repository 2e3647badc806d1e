from odoo.tests import HttpCase, new_test_user, tagged

from .common import one_line_plan
from .common_data import SopDataCase

CYCLES = "/odoo/action-sop_planning.sop_cycle_action"


@tagged("post_install", "-at_install")
class TestSopCycleTour(HttpCase):
    """A planner and an executive walk a cycle through a real browser."""

    def test_planner_submits_executive_rejects_then_approves(self):
        planner = new_test_user(
            self.env, "tour_planner", groups="sop_planning.group_sop_planner"
        )
        new_test_user(
            self.env, "tour_executive", groups="sop_planning.group_sop_executive"
        )
        cycle = self.env["sop.cycle"].with_user(planner).create({"note": "x"})
        cycle.name = "Tour cycle"

        self.start_tour(CYCLES, "sop_cycle_planner_submit", login="tour_planner")
        self.assertEqual(cycle.state, "executive_review")
        one_line_plan(cycle)  # a plan to approve
        self.start_tour(
            CYCLES, "sop_cycle_executive_reject_approve", login="tour_executive"
        )
        self.assertEqual(cycle.state, "approved")
        self.assertEqual(cycle.rejection_reason, "Capacity of vendor A is overstated")
        self.assertEqual(cycle.approved_by_id.login, "tour_executive")


@tagged("post_install", "-at_install")
class TestSopFullFlowTour(HttpCase, SopDataCase):
    """Forecast, adjustment, approval and the buyer's proposal, in a browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pump = cls._product("Tour Pump", standard_price=40.0)
        cls._vendor_price(cls.pump, 30)
        cls._monthly_sales({cls.pump: 10})
        cls.buyer = new_test_user(
            cls.env, "tour_buyer", groups="purchase.group_purchase_user"
        )

    def test_forecast_adjust_approve_then_buyer_sees_proposal(self):
        cycle = self._new_cycle(
            date_month=self.this_month,
            product_category_ids=[(6, 0, self.category.ids)],
            service_level=95.0,
        )
        cycle.name = "Tour full cycle"
        cycle.action_start_demand_review()

        self.start_tour(
            CYCLES, "sop_cycle_planner_forecast_adjust", login="sop_planner"
        )
        self.assertEqual(cycle.state, "executive_review")
        self.assertEqual(cycle.forecast_ids.state, "ok")
        lines = cycle.plan_line_ids.sorted("date_month")
        self.assertEqual(len(lines), 12)
        adjusted = lines.filtered("adjustment_qty")
        self.assertEqual(adjusted, lines[0])
        self.assertEqual(adjusted.adjustment_qty, 5.0)
        self.assertEqual(adjusted.adjustment_reason, "promotion")
        self.assertEqual(adjusted.adjusted_by_id, self.planner)
        self.assertAlmostEqual(
            adjusted.consensus_qty, adjusted.forecast_qty + 5.0, places=2
        )

        late_vendor = self.env["sop.scenario"].create(
            {
                "cycle_id": cycle.id,
                "name": "Vendor two weeks late",
                "lead_time_days": 14,
            }
        )
        self.start_tour(CYCLES, "sop_cycle_executive_approve", login="sop_executive")
        self.assertEqual(cycle.state, "approved")
        self.assertEqual(cycle.approved_by_id, self.executive)
        self.assertEqual(late_vendor.state, "scored")
        self.assertEqual(cycle.approved_scenario_id, late_vendor)
        self.assertEqual(cycle.policy_ids.product_id, self.pump)
        self.assertAlmostEqual(
            cycle.policy_ids.lead_time_days,
            cycle.forecast_ids.lead_time_days + 14.0,
            msg="the policy is computed with the chosen scenario's lead time",
        )

        self.env.ref("sop_planning.ir_cron_sop_replenish").method_direct_trigger()
        proposal = self.env["sop.reorder.proposal"].search(
            [("product_id", "=", self.pump.id)]
        )
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.state, "proposed")
        self.assertFalse(self.buyer.has_group("sop_planning.group_sop_user"))

        self.start_tour("/odoo/purchase", "sop_buyer_sees_proposal", login="tour_buyer")
        self.assertEqual(proposal.state, "proposed", "the buyer only looked")
