from odoo.tests import tagged

from .common_policy import SopPolicyCase


@tagged("post_install", "-at_install")
class TestScenarioPolicy(SopPolicyCase):
    """The base plan is scored with the policies approval sets."""

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
