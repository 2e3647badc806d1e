from datetime import date, datetime, timedelta

from odoo.tests import tagged

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestSupplyReview(SopDataCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.item = cls._product("Filter", list_price=50.0, standard_price=30.0)
        cls.orphan = cls._product("No Vendor", list_price=5.0, standard_price=2.0)
        cls._vendor_price(cls.item, 7, min_qty=12, price=25.0)
        cls._monthly_sales({cls.item: 10, cls.orphan: 2})

    def test_demand_review_shows_the_plans_revenue(self):
        """Revenue, cost and margin as soon as the forecast exists, valued as
        the supply review values them (sales price, or realised price)."""
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        self.assertEqual(cycle.state, "demand_review")
        lines = self._lines(cycle, self.item)
        self.assertEqual(set(lines.mapped("price_unit")), {50.0})
        # 12 x 10 x 50 revenue, x 30 cost; orphan 12 x 2 x (5 - 2)
        self.assertAlmostEqual(cycle.revenue_total, 6000.0 + 120.0, places=2)
        self.assertAlmostEqual(cycle.cost_total, 3600.0 + 48.0, places=2)
        self.assertAlmostEqual(cycle.margin_total, 2400.0 + 72.0, places=2)
        # an adjustment moves the money with the demand
        lines.sorted("date_month")[0].with_user(self.planner).write(
            {"adjustment_qty": 5.0, "adjustment_reason": "promotion"}
        )
        self.assertAlmostEqual(cycle.revenue_total, 6120.0 + 250.0, places=2)

        # the realised price (10 a piece in the history) from the first run on
        self.company_a.sop_price_source = "average"
        other = self._new_cycle(
            date_month=self._month(2), product_category_ids=[(6, 0, self.category.ids)]
        )
        other.action_start_demand_review()
        other.action_run_forecast()
        self.assertEqual(
            set(self._lines(other, self.item).mapped("price_unit")), {10.0}
        )

    def _purchase(self, product, qty, promised):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "price_unit": 25.0,
                            "date_planned": promised,
                        },
                    )
                ],
            }
        )
        order.button_confirm()
        return order

    def test_projection_shortage_and_finance(self):
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        # on hand 20; 15 coming in the plan's 2nd month; 25 promised to a
        # customer now (late -> first month, larger than the forecast of 10)
        self._done_move(self.item, self.suppliers, self.stock, 20, date.today())
        self._purchase(
            self.item,
            15,
            datetime.combine(self._month(2), datetime.min.time()) + timedelta(days=4),
        )
        self._sale(self.item, 25, date.today(), keep=True)
        cycle.action_submit_supply_review()

        lines = self._lines(cycle, self.item).sorted("date_month")
        for line in lines:
            self.assertAlmostEqual(line.consensus_qty, 10.0, places=2)
        self.assertEqual(lines[0].committed_qty, 25.0)
        self.assertEqual(lines[1].incoming_qty, 15.0)
        # 20 - 25 = -5; -5 + 15 - 10 = 0; then -10 per month
        expected = [-5.0, 0.0] + [-10.0 * k for k in range(1, 11)]
        self.assertEqual(
            [round(x, 2) for x in lines.mapped("projected_on_hand")], expected
        )
        # a shortage is what an order placed today (7 days) cannot cover:
        # only the first month, and only when it starts within 7 days
        first_uncoverable = self._month(1) < date.today() + timedelta(days=7)
        self.assertEqual(
            lines.mapped("is_shortage"), [first_uncoverable] + [False] * 11
        )
        forecast = self._forecast(cycle, self.item)
        self.assertEqual(forecast.on_hand_qty, 20.0)
        self.assertEqual(forecast.vendor_id, self.vendor)
        self.assertEqual(forecast.lead_time_days, 7)
        self.assertEqual(forecast.moq, 12.0)
        self.assertEqual(forecast.order_multiple, 1.0)
        self.assertEqual(forecast.shortage_months, int(first_uncoverable))
        orphan = self._forecast(cycle, self.orphan)
        self.assertIn("No vendor", orphan.supply_note)
        # orphan: no stock, no vendor -> -2, -4, ... shortage every month
        self.assertEqual(cycle.shortage_count, int(first_uncoverable) + 12)

        # money: 12 x 10 x 50 revenue, x 30 cost; orphan 12 x 2 x (5 - 2)
        self.assertAlmostEqual(cycle.revenue_total, 6000.0 + 120.0, places=2)
        self.assertAlmostEqual(cycle.cost_total, 3600.0 + 48.0, places=2)
        self.assertAlmostEqual(cycle.margin_total, 2400.0 + 72.0, places=2)
        self.assertAlmostEqual(lines[1].margin, 200.0, places=2)
        # without new orders nothing is left at year end; with the plan's
        # orders the item ends with stock (the orphan, without vendor, not)
        self.assertEqual(lines[-1].inventory_value, 0.0)
        self.assertGreater(lines[-1].planned_on_hand, 0.0)
        self.assertAlmostEqual(
            cycle.inventory_value_end, lines[-1].planned_on_hand * 30.0, places=2
        )

    def test_shortage_is_what_an_order_today_cannot_cover(self):
        slow = self._product("Slow Casting", list_price=50.0, standard_price=30.0)
        self._vendor_price(slow, 400)  # beyond the whole 12-month horizon
        self._monthly_sales({slow: 10})
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        cycle.action_submit_supply_review()
        lines = self._lines(cycle, slow)
        self.assertTrue(all(line.projected_on_hand < 0 for line in lines))
        self.assertEqual(lines.mapped("is_shortage"), [True] * 12)

    def test_a_fraction_of_a_piece_is_no_shortage(self):
        """A part counted in pieces, planned at 0.2 a month (this month
        too, before the plan) with nothing on hand and no vendor: -0.2 this
        month and -0.4 at the plan's first month are no shortage, -0.6 is
        one (a piece short once rounded)."""
        gasket = self._product("Gasket", list_price=5.0, standard_price=2.0)
        self._monthly_sales({gasket: 1})
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        self._lines(cycle, gasket).sudo().write({"forecast_qty": 0.2})
        self._forecast(cycle, gasket).sudo().write(
            {"gap_forecast": {self.this_month.isoformat(): 0.2}}
        )
        cycle.action_submit_supply_review()
        lines = self._lines(cycle, gasket).sorted("date_month")
        self.assertAlmostEqual(lines[0].prior_demand_qty, 0.2, places=6)
        # 0.2 before the plan, then 0.2 a month
        self.assertAlmostEqual(lines[0].projected_on_hand, -0.4, places=6)
        self.assertAlmostEqual(lines[1].projected_on_hand, -0.6, places=6)
        self.assertEqual(lines.mapped("is_shortage"), [False] + [True] * 11)
        self.assertEqual(self._forecast(cycle, gasket).shortage_months, 11)

    def test_vendor_reliability_from_receipts(self):
        promised = datetime(2025, 3, 10, 12, 0)
        receipts = {  # line -> (day offset, qty) of each receipt
            "late": [(2, 10)],
            "early": [(-1, 10)],
            "split": [(0, 6), (4, 4)],
        }
        for parts in receipts.values():
            order = self._purchase(self.item, 10, promised)
            line = order.order_line
            order.picking_ids.move_ids._action_cancel()
            for offset, qty in parts:
                self._done_move(
                    self.item,
                    self.suppliers,
                    self.stock,
                    qty,
                    promised.date() + timedelta(days=offset),
                    purchase_line_id=line.id,
                )
            line.date_planned = promised
        data = self.env["sop.supply.data"]
        frame = data._receipts(
            self.company_a, self.item, date(2025, 1, 1), date(2025, 12, 1)
        )
        stats = data._reliability(frame, "product_id").iloc[0]
        # delays 2, -1, 0, 4: mean 1.25, population std sqrt(14.75 / 4)
        self.assertAlmostEqual(stats["delay_mean"], 1.25)
        self.assertAlmostEqual(stats["delay_std"], (14.75 / 4) ** 0.5)
        self.assertAlmostEqual(stats["otif_rate"], 100 / 3)
        vendor = data._reliability(frame, "vendor_id").iloc[0]
        self.assertEqual(vendor["vendor_id"], self.vendor.id)
        self.assertAlmostEqual(vendor["otif_rate"], 100 / 3)

    def test_capacity_load_per_category_and_vendor(self):
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        Capacity = self.env["sop.capacity"]
        # receipts against capacity: the category's 10 a month (the item's
        # planned lots, the orphan has no vendor and receives nothing) and
        # the vendor's 40 (the item only): the category's is the highest
        Capacity.create({"categ_id": self.category.id, "capacity_qty": 10})
        Capacity.create({"vendor_id": self.vendor.id, "capacity_qty": 40})
        cycle.action_submit_supply_review()
        item = self._lines(cycle, self.item)
        receipts = [line.planned_receipt_qty + line.incoming_qty for line in item]
        self.assertTrue(any(receipts))
        self.assertEqual(
            [round(x, 2) for x in item.mapped("capacity_load")],
            [round(qty / 10 * 100, 2) for qty in receipts],
        )
        self.assertEqual(item.mapped("is_over_capacity"), [q > 10 for q in receipts])
        orphan = self._lines(cycle, self.orphan)
        self.assertFalse(any(orphan.mapped("is_over_capacity")))
        self.assertEqual(cycle.over_capacity_count, sum(q > 10 for q in receipts))

    def test_a_re_plan_is_compared_with_the_plan_it_would_replace(self):
        scope = {"product_category_ids": [(6, 0, self.category.ids)]}
        steps = (
            "action_start_demand_review",
            "action_run_forecast",
            "action_submit_supply_review",
        )
        earlier = self._new_cycle(date_month=self._month(1), **scope)
        plan = self._new_cycle(date_month=self._month(2), **scope)
        for cycle in (earlier, plan):
            for step in steps:
                getattr(cycle, step)()
            cycle.action_submit_reconciliation()
            cycle.action_submit_executive_review()
            cycle.with_user(self.executive).action_approve()
        re_plan = self._new_cycle(date_month=self._month(2), **scope)
        for step in steps:
            getattr(re_plan, step)()
        self.assertEqual(re_plan.previous_cycle_id, plan, "not the month before")
        self.assertEqual(plan.previous_cycle_id, earlier)

    def _to_approved(self, cycle):
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()

    def test_difference_to_a_previous_plan_of_more_products(self):
        """The previous plan planned the filter and another part; this one
        plans the other part only: "vs previous" compares the part with the
        part, not with both (the filter's whole plan read as a fall)."""
        first = self._new_cycle(
            date_month=self._month(1),
            product_category_ids=[(6, 0, self.category.ids)],
        )
        self._to_approved(first)
        self.assertEqual(first.forecast_ids.product_id, self.item | self.orphan)
        second = self._new_cycle(
            date_month=self._month(2),
            product_category_ids=[(6, 0, self.category.ids)],
            product_domain=f"[('id', '=', {self.orphan.id})]",
        )
        second.action_start_demand_review()
        second.action_run_forecast()
        self.assertEqual(second.previous_cycle_id, first)
        self.assertEqual(second.forecast_ids.product_id, self.orphan)
        # the same statistics for the part: about no difference
        self.assertGreater(second.revenue_total, 0.0)
        self.assertLess(abs(second.revenue_diff), 0.05 * second.revenue_total)
        self.assertLess(abs(second.margin_diff), 0.05 * second.margin_total)

    def test_difference_to_previous_approved_cycle(self):
        scope = {"product_category_ids": [(6, 0, self.category.ids)]}
        first = self._new_cycle(date_month=self._month(1), **scope)
        first.action_start_demand_review()
        first.action_run_forecast()
        # a one-off in the first plan's first month, a month the second
        # plan does not cover: not a change of plan
        self._lines(first, self.item).sorted("date_month")[0].write(
            {"adjustment_qty": 100, "adjustment_reason": "one_off"}
        )
        first.action_submit_supply_review()
        first.action_submit_reconciliation()
        first.action_submit_executive_review()
        first.with_user(self.executive).action_approve()
        self.assertAlmostEqual(first.revenue_total, 6120.0 + 5000.0, places=2)

        # a product the first plan never planned is not a change of plan
        newcomer = self._product("Newcomer", list_price=50.0, standard_price=30.0)
        second = self._new_cycle(date_month=self._month(2), **scope)
        second.action_start_demand_review()
        second.action_run_forecast()
        line = self._lines(second, self.item).sorted("date_month")[0]
        line.write({"adjustment_qty": 4, "adjustment_reason": "customer"})
        self._lines(second, newcomer)[:1].write(
            {"adjustment_qty": 10, "adjustment_reason": "launch"}
        )
        # in demand review the revenue is compared already; the spend and
        # stock are not, before this plan's supply review (they read as the
        # whole of the previous plan's, a decrease)
        self.assertAlmostEqual(second.revenue_diff, 200.0, places=2)
        self.assertFalse(second.supply_plans_compared)
        self.assertEqual(second.purchase_spend_diff, 0.0)
        self.assertEqual(second.inventory_value_end_diff, 0.0)
        second.action_submit_supply_review()
        self.assertEqual(second.previous_cycle_id, first)
        # same statistics, +4 units at 50 (cost 30)
        self.assertAlmostEqual(second.revenue_diff, 200.0, places=2)
        self.assertAlmostEqual(second.margin_diff, 80.0, places=2)
        self.assertTrue(second.supply_plans_compared)
        self.assertLess(
            abs(second.purchase_spend_diff), 0.5 * second.purchase_spend_total
        )
        # the list reads both cycles at once: each its own year-end stock
        # (the second's last month is not added to the first's)
        alone = []
        for cycle in (first, second):
            self.env.invalidate_all()
            alone.append(cycle.inventory_value_end)
        self.env.invalidate_all()
        listed = (first | second).read(["inventory_value_end"])
        self.assertEqual([row["inventory_value_end"] for row in listed], alone)
        self.assertGreater(min(alone), 0.0)
        # a plan approved before the supply plan existed (an upgraded
        # database) has no spend to compare with: no difference is shown,
        # not the whole spend
        self.env.cr.execute(
            "UPDATE sop_plan_line SET purchase_spend = 0,"
            " planned_inventory_value = 0 WHERE cycle_id = %s",
            [first.id],
        )
        self.env.invalidate_all()
        self.assertFalse(second.supply_plans_compared)
        self.assertEqual(second.purchase_spend_diff, 0.0)
