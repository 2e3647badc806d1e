from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestPlanningChart(HttpCase, SopDataCase):
    """The planning chart draws the records: history, plan lines, policy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pump = cls._product("Chart Pump", standard_price=40.0)
        cls._vendor_price(cls.pump, 20)
        cls._monthly_sales({cls.pump: 10.0})
        # three months ago 4 were in stock for an order of 6: 4 shipped, the
        # delivery closed without backorder (a lost sale)
        lost_month = cls._past_day(3) + timedelta(days=2)
        cls._done_move(cls.pump, cls.suppliers, cls.stock, 4.0, lost_month)
        order = cls._sale(cls.pump, 6.0, lost_month, keep=True)
        order.picking_ids.move_ids.write({"quantity": 4.0, "picked": True})
        order.picking_ids.with_context(cancel_backorder=True)._action_done()
        cls.lost_month = cls._past_day(3).replace(day=1)

    def _approved_cycle(self):
        cycle = self._next_month_cycle()
        cycle.name = "Chart cycle"
        cycle._run_forecast()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()
        return cycle

    def test_chart_data_are_the_records(self):
        cycle = self._approved_cycle()
        forecast = self._forecast(cycle, self.pump)
        policy = self._policy(cycle, self.pump)
        lines = self._lines(cycle, self.pump).sorted("date_month")
        data = forecast.with_user(self.sop_user).get_planning_chart()

        months = data["months"]
        history_months = [self._month(-n).isoformat() for n in range(12, 0, -1)]
        self.assertEqual(
            months, history_months + [m.isoformat() for m in lines.mapped("date_month")]
        )
        lost = months.index(self.lost_month.isoformat())
        self.assertEqual(
            [i for i, unknown in enumerate(data["unknown"]) if unknown],
            [lost],
            "the month with a lost sale is marked; its demand is unknown",
        )
        self.assertIs(data["history"][lost], False)
        self.assertEqual(
            [q for i, q in enumerate(data["history"][:12]) if i != lost], [10.0] * 11
        )
        self.assertEqual(data["history"][12:], [False] * len(lines))
        self.assertEqual(data["consensus"][:12], [False] * 12)
        self.assertEqual(data["consensus"][12:], lines.mapped("consensus_qty"))
        self.assertEqual(data["forecast"][12:], lines.mapped("forecast_qty"))
        self.assertEqual(data["low"][12:], lines.mapped("lower_qty"))
        self.assertEqual(data["high"][12:], lines.mapped("upper_qty"))
        self.assertEqual(data["projected"][12:], lines.mapped("projected_on_hand"))
        self.assertEqual(data["planned"][12:], lines.mapped("planned_on_hand"))
        self.assertEqual(data["receipts"][12:], lines.mapped("planned_receipt_qty"))
        self.assertTrue(
            sum(data["receipts"][12:]) > 0,
            "the supply plan orders the pump: its receipts are drawn",
        )
        self.assertTrue(
            data["planned"][-1] > data["projected"][-1],
            "with the plan's receipts the stock stays above the no-new-orders line",
        )
        self.assertTrue(policy.reorder_point > 0)
        self.assertEqual(data["reorder_point"], policy.reorder_point)
        self.assertEqual(data["maximum"], policy.order_up_to)

        # next month's cycle, not approved yet: the policy in force is drawn
        draft = self._new_cycle(
            date_month=self._month(2),
            warehouse_ids=[(6, 0, self.warehouse.ids)],
            product_category_ids=[(6, 0, self.category.ids)],
        )
        draft.action_start_demand_review()
        draft._run_forecast()
        data = self._forecast(draft, self.pump).get_planning_chart()
        self.assertEqual(data["reorder_point"], policy.reorder_point)
        self.assertEqual(data["policy_cycle"], cycle.display_name)

    def test_chart_over_xmlrpc(self):
        """An RPC client reads the chart of a plan not approved yet: False,
        not None (XML-RPC has no null), where a month has no value and where
        no policy exists."""
        cycle = self._next_month_cycle()
        cycle._run_forecast()
        forecast = self._forecast(cycle, self.pump)
        data = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.sop_user.id,
            "sop_reader",
            "sop.forecast",
            "get_planning_chart",
            [forecast.ids],
        )
        months = data["months"]
        lost = months.index(self.lost_month.isoformat())
        self.assertIs(data["history"][lost], False, "unknown demand")
        self.assertEqual(data["history"][lost - 1], 10.0)
        # no value is False, not 0 (False == 0 in Python: compare identities)
        self.assertTrue(all(value is False for value in data["history"][12:]))
        self.assertTrue(all(value is False for value in data["consensus"][:12]))
        self.assertEqual(
            data["consensus"][12:],
            self._lines(cycle, self.pump).mapped("consensus_qty"),
        )
        self.assertIs(data["reorder_point"], False, "no policy yet")
        self.assertIs(data["maximum"], False)
        self.assertIs(data["policy_cycle"], False)

    def test_tour_plan_line_opens_the_chart(self):
        self._approved_cycle()
        self.start_tour(
            "/odoo/action-sop_planning.sop_plan_line_action",
            "sop_planning_chart_from_plan_line",
            login="sop_executive",
        )
