from dateutil.relativedelta import relativedelta
from markupsafe import escape

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import format_date

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestForecastRun(SopDataCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.steady = cls._product("Steady")
        cls.new = cls._product("Launch")
        cls.old = cls._product("Old")
        cls._monthly_sales({cls.steady: 10, cls.old: 4})
        cls.old.action_archive()

    def _cycle(self):
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        return cycle

    def test_run_creates_forecasts_lines_and_reasons(self):
        cycle = self._cycle()
        cycle.action_run_forecast()
        forecasts = {f.product_id: f for f in cycle.forecast_ids}
        self.assertEqual(forecasts[self.steady].state, "ok")
        self.assertTrue(forecasts[self.steady].model)
        self.assertEqual(forecasts[self.steady].n_periods, 12)
        self.assertEqual(forecasts[self.new].state, "no_history")
        self.assertIn("No sales history", forecasts[self.new].skip_reason)
        self.assertEqual(forecasts[self.old].state, "skipped")
        self.assertIn("Archived", forecasts[self.old].skip_reason)

        lines = cycle.plan_line_ids
        steady = lines.filtered(lambda line: line.product_id == self.steady)
        self.assertEqual(len(steady), 12)
        self.assertEqual(steady.mapped("date_month")[0], self._month(1))
        for qty in steady.mapped("forecast_qty"):
            self.assertAlmostEqual(qty, 10.0, places=2)
        launch = lines.filtered(lambda line: line.product_id == self.new)
        self.assertEqual(launch.mapped("forecast_qty"), [0.0] * 12)
        self.assertFalse(lines.filtered(lambda line: line.product_id == self.old))
        self.assertEqual(cycle.skipped_count, 2)
        # the product form's smart button and the cycle's buttons
        template = self.steady.product_tmpl_id.with_user(self.sop_user)
        self.assertEqual(template.sop_forecast_count, 1)
        action = template.action_open_sop_plan()
        self.assertEqual(self.env["sop.plan.line"].search(action["domain"]), steady)
        action = cycle.action_open_plan_lines()
        self.assertEqual(len(self.env["sop.plan.line"].search(action["domain"])), 24)

    def test_lines_carry_the_cumulative_error_for_policies(self):
        swing = self._product("Swing")
        for offset in range(1, 25):
            self._sale(swing, 10 if offset % 2 else 30, self._past_day(offset))
        cycle = self._cycle()
        cycle.action_run_forecast()
        lines = self._lines(cycle, swing).sorted("date_month")
        cumulative = lines.mapped("sigma_cum")
        self.assertGreater(cumulative[0], 0.0)
        self.assertEqual(cumulative, sorted(cumulative), "the error of a sum grows")
        self.assertGreater(cumulative[-1], cumulative[0])

    def test_one_large_order_of_a_new_product_is_not_a_monthly_rate(self):
        # Sold once, 1000 units last month: 1000 over half a year of history,
        # not 1000 every month (which would size a reorder point on it).
        one_off = self._product("One-off")
        self._sale(one_off, 1000, self._past_day(1))
        cycle = self._cycle()
        cycle.action_run_forecast()
        forecast = self._forecast(cycle, one_off)
        self.assertEqual(forecast.model, "new_item")
        self.assertIn("new item: first sold", forecast.engine_reason)
        self.env["res.lang"]._activate_lang("da_DK")
        danish = forecast.with_context(lang="da_DK").engine_reason_display
        self.assertIn("nyt produkt", danish)
        self.assertNotIn("new item", danish)
        lines = self._lines(cycle, one_off)
        self.assertEqual(len(lines), 12)
        for qty in lines.mapped("forecast_qty"):
            self.assertAlmostEqual(qty, 1000.0 / 6, places=1)

    def test_every_selection_reason_of_the_engine_is_worded(self):
        """The engine's reasons (``engine.selection``) are read back in the
        reader's words: each of its shapes is recognised."""
        self.env["res.lang"]._activate_lang("da_DK")
        forecast = self.env["sop.forecast"].with_context(lang="da_DK")
        for reason in (
            "backtest: median of the 3 best of 8 models over 48 points",
            "backtest: lowest MSE of 5 seasonal models over 36 points",
            "new item: first sold 1 period ago -> mean of the last 6 periods, "
            "or since the first sale if higher",
            "too little history: 4 periods -> mean rule",
            "no demand in history -> zero forecast",
        ):
            worded = forecast._worded_engine_reason(reason)
            self.assertNotEqual(worded, reason)
            self.assertNotIn("->", worded)
        self.assertEqual(
            forecast._worded_engine_reason("something else"), "something else"
        )

    def test_rerun_keeps_adjustments(self):
        cycle = self._cycle()
        cycle.action_run_forecast()
        lines = self._lines(cycle, self.steady).sorted("date_month")
        first, second = lines[0], lines[1]
        first.write({"adjustment_qty": 5, "adjustment_reason": "promotion"})
        second.write(
            {
                "adjustment_mode": "percent",
                "adjustment_percent": -20,
                "adjustment_reason": "market",
            }
        )
        launch = self._lines(cycle, self.new)[:1]
        launch.write({"adjustment_qty": 30, "adjustment_reason": "launch"})
        self.assertAlmostEqual(first.consensus_qty, 15.0, places=2)
        self.assertAlmostEqual(second.adjustment_qty, -2.0, places=2)
        self.assertAlmostEqual(second.consensus_qty, 8.0, places=2)
        self.assertEqual(first.adjusted_by_id, self.planner)
        self.assertTrue(first.date_adjusted)
        self.assertTrue(
            any(
                "adjusted 1 plan line" in body
                for body in cycle.message_ids.mapped("body")
            )
        )

        # clearing an adjustment says so, not "no reason"
        launch.write({"adjustment_qty": 0.0, "adjustment_reason": False})
        self.assertIn("Reasons: cleared (1)", cycle.message_ids[:1].body)
        # a Danish planner's note names the reason in Danish
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        launch.with_context(lang="da_DK").write(
            {"adjustment_qty": 30, "adjustment_reason": "launch"}
        )
        self.assertIn("Årsager: Nyt produkt / lancering (1)", cycle.message_ids[0].body)

        count = len(cycle.plan_line_ids)
        cycle.with_context(lang="da_DK").action_run_forecast()
        self.assertEqual(len(cycle.plan_line_ids), count)
        # the history window's dates as a Danish planner writes them
        start = format_date(
            cycle.with_context(lang="da_DK").env, cycle.date_history_from
        )
        self.assertIn(f"({start} til ", cycle.message_ids[0].body)
        self.assertNotIn(f"({cycle.date_history_from} ", cycle.message_ids[0].body)
        self.assertAlmostEqual(first.adjustment_qty, 5.0, places=2)
        self.assertAlmostEqual(first.consensus_qty, 15.0, places=2)
        self.assertEqual(first.adjustment_reason, "promotion")
        self.assertAlmostEqual(second.consensus_qty, 8.0, places=2)
        self.assertAlmostEqual(launch.consensus_qty, 30.0, places=2)
        self.assertEqual(launch.adjusted_by_id, self.planner)

    def test_next_months_plan_keeps_the_approved_plans_adjustments(self):
        """A campaign planned last month for the coming months is still in
        next month's plan: its first forecast run brings the approved plan's
        adjustments forward (percent of the new forecast, reason, note,
        author); the month the new plan no longer covers stays behind, and
        an adjustment the planner clears is not brought back by a re-run."""
        cycle = self._cycle()
        cycle.action_run_forecast()
        lines = self._lines(cycle, self.steady).sorted("date_month")
        lines[0].write({"adjustment_qty": 3, "adjustment_reason": "one_off"})
        lines[1].write(
            {
                "adjustment_mode": "percent",
                "adjustment_percent": 20,
                "adjustment_reason": "promotion",
                "adjustment_note": "Summer campaign",
            }
        )
        lines[2].write({"adjustment_qty": 5, "adjustment_reason": "customer"})
        when = lines[1].date_adjusted
        self._to_approved(cycle)

        following = self._new_cycle(
            date_month=self._month(2), product_category_ids=[(6, 0, self.category.ids)]
        )
        following.action_start_demand_review()
        following.action_run_forecast()
        carried = self._lines(following, self.steady).filtered("adjustment_reason")
        self.assertEqual(carried.mapped("date_month"), [self._month(2), self._month(3)])
        campaign, customer = carried.sorted("date_month")
        self.assertEqual(campaign.adjustment_mode, "percent")
        self.assertEqual(campaign.adjustment_percent, 20)
        self.assertEqual(campaign.adjustment_note, "Summer campaign")
        self.assertEqual(campaign.adjusted_by_id, self.planner)
        self.assertEqual(campaign.date_adjusted, when)
        self.assertAlmostEqual(campaign.consensus_qty, 12.0, places=2)
        self.assertEqual(customer.adjustment_reason, "customer")
        self.assertAlmostEqual(customer.consensus_qty, 15.0, places=2)
        note = following.message_ids[:1].body
        self.assertIn(
            f"2 adjustment(s) of the approved plan {escape(cycle.name)}", note
        )

        campaign.write({"adjustment_percent": 0, "adjustment_reason": False})
        following.action_run_forecast()
        self.assertFalse(campaign.adjustment_reason)
        self.assertAlmostEqual(campaign.consensus_qty, 10.0, places=2)
        self.assertNotIn(
            "adjustment(s) of the approved", following.message_ids[:1].body
        )
        # a re-plan of the approved month follows the plan it replaces
        replan = self._cycle()
        replan.action_run_forecast()
        again = self._lines(replan, self.steady).filtered("adjustment_reason")
        self.assertEqual(
            again.sorted("date_month").mapped("adjustment_reason"),
            ["one_off", "promotion", "customer"],
        )

    def test_a_product_out_of_the_narrowed_scope_leaves_the_plan(self):
        """The planner narrows the scope in demand review (here the product
        moved to another category): the next run removes its forecast and
        lines, so approval makes no policy or stock of it; the chatter says
        so. Adjusted lines are not deleted unasked: the run is refused until
        the planner clears them (or restores the scope)."""
        cycle = self._cycle()
        cycle.action_run_forecast()
        line = self._lines(cycle, self.steady)[:1].with_user(self.planner)
        line.write({"adjustment_qty": 5, "adjustment_reason": "promotion"})
        self.steady.categ_id = self.env["product.category"].create({"name": "Other"})
        with self.assertRaisesRegex(
            UserError, "1 adjusted plan line.* would be removed by this run: Steady"
        ):
            cycle.with_user(self.planner).action_run_forecast()
        self.assertTrue(self._lines(cycle, self.steady), "nothing lost")
        line.write({"adjustment_qty": 0.0, "adjustment_reason": False})
        cycle.with_user(self.planner).action_run_forecast()
        self.assertFalse(self._forecast(cycle, self.steady))
        self.assertFalse(self._lines(cycle, self.steady))
        self.assertTrue(self._lines(cycle, self.new), "the scope's products stay")
        note = cycle.message_ids.filtered(lambda m: "left the plan" in m.body)
        self.assertIn("1 product(s) x warehouse(s)", note.body)
        self.assertIn("left the plan: Steady", note.body)

    def test_rerun_rewrites_only_the_lines_whose_forecast_changed(self):
        """A re-run that changed nothing rewrites no plan line (their
        write_date stays); a product with a new sale gets new statistics."""
        cycle = self._cycle()
        cycle.action_run_forecast()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sop_plan_line SET write_date = '2000-01-01' WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.invalidate_all()
        steady = self._lines(cycle, self.steady).sorted("date_month")
        before = steady.mapped("forecast_qty")
        cycle.action_run_forecast()
        self.assertEqual(
            set(cycle.plan_line_ids.mapped("write_date")),
            {fields.Datetime.to_datetime("2000-01-01")},
        )
        self._sale(self.new, 50, self._past_day(1))
        cycle.action_run_forecast()
        launch = self._lines(cycle, self.new)
        self.assertGreater(sum(launch.mapped("forecast_qty")), 0)
        self.assertGreater(min(launch.mapped("write_date")).year, 2000)
        self.assertEqual(
            {line.write_date.year for line in self._lines(cycle, self.steady)},
            {2000},
            "the steady product's forecast did not change",
        )
        self.assertEqual(steady.mapped("forecast_qty"), before)
        for line, qty in zip(steady, before, strict=True):
            self.assertAlmostEqual(line.consensus_qty, qty, places=2)

    def test_forecast_rules_state_group_and_frozen(self):
        cycle = self._new_cycle(product_category_ids=[(6, 0, self.category.ids)])
        with self.assertRaises(UserError):
            cycle.action_run_forecast()  # draft
        cycle.action_start_demand_review()
        with self.assertRaises(AccessError):
            cycle.with_user(self.sop_user).action_run_forecast()
        cycle.action_run_forecast()
        line = cycle.plan_line_ids[:1]
        self._to_approved(cycle)
        with self.assertRaises(UserError):
            line.write({"adjustment_qty": 3})
        with self.assertRaises(UserError):
            cycle.plan_line_ids.unlink()

    def test_other_company_cannot_read_plan(self):
        cycle = self._cycle()
        cycle.action_run_forecast()
        lines = (
            self.env["sop.plan.line"]
            .with_user(self.planner_b)
            .search([("cycle_id", "=", cycle.id)])
        )
        self.assertFalse(lines)

    def _to_approved(self, cycle):
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()

    def test_actuals_and_forecast_value_added(self):
        cycle = self._new_cycle(
            date_month=self._month(-3),
            horizon_months=3,
            product_category_ids=[(6, 0, self.category.ids)],
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        lines = self._lines(cycle, self.steady).sorted("date_month")
        self.assertEqual(lines[0].date_month, self._month(-3))
        # history before month -3 is 10 a month (9 months of it)
        self.assertAlmostEqual(lines[0].forecast_qty, 10.0, places=2)
        lines[0].write({"adjustment_qty": 5, "adjustment_reason": "customer"})
        lines[1].write({"adjustment_qty": -4, "adjustment_reason": "market"})
        # what really happened: 14 in month -3 (on top of the 10 already there)
        self._sale(self.steady, 4, self._month(-3) + relativedelta(days=20))
        cycle.action_refresh_actuals()
        self.assertEqual(lines.mapped("actual_qty"), [14.0, 10.0, 10.0])
        self.assertTrue(all(lines.mapped("has_actual")))
        # |14 - 10| - |14 - 15| = 3 ; |10 - 10| - |10 - 6| = -4 ; 0
        self.assertEqual(
            [round(x, 2) for x in lines.mapped("fva_qty")], [3.0, -4.0, 0.0]
        )
        by_planner = dict(
            self.env["sop.plan.line"]._read_group(
                [("cycle_id", "=", cycle.id)], ["adjusted_by_id"], ["fva_qty:sum"]
            )
        )
        self.assertAlmostEqual(by_planner[self.planner], -1.0, places=2)
