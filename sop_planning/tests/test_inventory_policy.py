from math import ceil, sqrt

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common_policy import MONTH_DAYS, Z_95, SopPolicyCase


@tagged("post_install", "-at_install")
class TestInventoryPolicy(SopPolicyCase):
    """Approving a plan writes its policies to Odoo's reordering rules."""

    def test_approval_writes_expected_min_max(self):
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        # 30 days of 10 a day; the error of one month (sigma) spread pro rata.
        sigma_lead_time = MONTH_DAYS * sqrt(30 / MONTH_DAYS)
        safety_stock = Z_95 * sigma_lead_time
        self.assertAlmostEqual(policy.lead_time_demand, 300.0, places=1)
        # whole units: the reorder point rounds up, by less than one unit
        self.assertAlmostEqual(policy.safety_stock, safety_stock, delta=1.0)
        rule = policy.orderpoint_id.sudo()
        self.assertEqual(rule.product_id, self.pump)
        self.assertEqual(rule.location_id, self.stock)
        self.assertEqual(rule.product_min_qty, ceil(300.0 + safety_stock))
        # economic order quantity: 10 a day, 50 per order, 25 % of 40 a year
        eoq = ceil(sqrt(2 * 3650 * 50 / (0.25 * 40)))
        self.assertEqual(policy.order_qty, eoq)
        self.assertAlmostEqual(
            rule.product_max_qty, rule.product_min_qty + eoq, delta=0.05
        )
        self.assertTrue(rule.sop_managed)
        self.assertRegex(rule.name, r"^OP/\d+$", "named by Odoo's sequence")
        self.assertEqual(rule.trigger, "manual", "default: wait for purchasing")
        self.assertIn("1.645", policy.explanation)
        self.assertNotIn("recent demand", policy.explanation)

    def test_a_negative_vendor_minimum_reads_as_none(self):
        """A vendor price line keyed with a minimum of -5: no minimum, as
        Odoo's RFQ reads it; the policy is planned (the engine refused the
        item: 'column moq is negative', in the approval's chatter)."""
        self.pump.seller_ids.min_qty = -5.0
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        eoq = ceil(sqrt(2 * 3650 * 50 / (0.25 * 40)))
        self.assertEqual(policy.order_qty, eoq)

    def test_policy_costs_use_the_cycles_company(self):
        """Product cost is per company: the cycle's counts, not the user's."""
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)  # vendor lead times
        self.pump.with_company(self.company_b).standard_price = 99.0
        elsewhere = cycle.with_user(self.sop_admin).with_company(self.company_b)
        items, _skipped = elsewhere._policy_items(elsewhere.forecast_ids)
        self.assertEqual(items["unit_cost"].tolist(), [40.0])

    def test_skip_reasons_fall_back_to_their_default(self):
        """A forecast without statistics and without a stored reason, next to
        one with a reason, is skipped as "No statistical forecast."."""
        cycle = self._plan(self.pump | self.valve)
        self._to_executive_review_from_demand(cycle)
        pump, valve = (
            cycle.forecast_ids.filtered(lambda f, p=p: f.product_id == p)
            for p in (self.pump, self.valve)
        )
        pump.write({"state": "skipped", "skip_reason": "Engine failed"})
        valve.write({"state": "no_history", "skip_reason": False})
        _items, skipped = cycle._policy_items(cycle.forecast_ids)
        self.assertEqual(skipped[pump.id], "Engine failed")
        self.assertEqual(skipped[valve.id], "No statistical forecast.")

    def test_cumulative_error_sizes_safety_stock_from_this_month(self):
        cycle = self._plan(self.pump)
        lines = cycle.plan_line_ids.sorted("date_month")
        # level uncertainty: the error of the summed forecast grows linearly
        for months, line in enumerate(lines, start=1):
            line.sudo().sigma_cum = 60.0 * months
        # a month already over leaves the sum: its variance is taken out
        self.env["sop.plan.line"].create(
            dict(
                lines[0].copy_data()[0],
                date_month=self._month(-1),
                sigma_cum=40.0,
            )
        )
        policy = self._approve(cycle).policy_ids
        first_month = sqrt(60.0**2 - 40.0**2)
        self.assertGreater(first_month, MONTH_DAYS, "above the one-month sigma")
        self.assertAlmostEqual(
            policy.safety_stock,
            Z_95 * first_month * sqrt(30 / MONTH_DAYS),
            delta=1.0,  # whole units: the reorder point rounds up
        )

    def test_plan_below_recent_demand_sized_on_recent_demand(self):
        # sales: 300 a month, then 600 a month in the last six months, twice
        # the plan of 304.375: the policy keeps the recent rate (11 months of
        # history: too few to resample, the forecast's law sizes it)
        for offset in range(1, 12):
            self._sale(
                self.pump, 600.0 if offset <= 6 else 300.0, self._past_day(offset)
            )
        cycle = self._plan(self.pump)
        lines = cycle.plan_line_ids.sorted("date_month")
        policy = self._approve(cycle).policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertAlmostEqual(policy.lead_time_demand, 600.0 * 30 / MONTH_DAYS, 1)
        safety_stock = Z_95 * MONTH_DAYS * sqrt(30 / MONTH_DAYS)
        self.assertAlmostEqual(policy.safety_stock, safety_stock, delta=1.0)
        self.assertEqual(
            policy.orderpoint_id.sudo().product_min_qty,
            ceil(600.0 * 30 / MONTH_DAYS + safety_stock),
        )
        self.assertIn("recent demand of 600.00 a month", policy.explanation)
        self.env["res.lang"]._activate_lang("da_DK")
        danish = policy.with_context(lang="da_DK").explanation_display
        self.assertIn("600,00", danish, "the reader's decimal comma")
        # the plan itself is untouched
        for line in lines:
            self.assertAlmostEqual(line.consensus_qty, 10.0 * MONTH_DAYS, delta=0.01)

    def test_a_typo_in_the_sales_is_capped_before_it_sizes_the_policy(self):
        """Two years of 200 a month and one order keyed in as 1,000,000: the
        policy is planned on the history with that month capped at 30
        robust standard deviations (200 + 30 x 200 = 6200: the sales are all
        alike, the spread is the median), and its explanation says so; the
        recent rate the plan is raised to leaves that month out, whatever
        the item's pattern (this forecast has none), so the policy is sized
        on the plan (304.375 a month). Before: 'recent demand of 166866.67
        a month' and a reorder point above 164,000; then 1200.00 a month
        (5 x 200 + 6200 over the last six months)."""
        for offset in range(1, 25):
            self._sale(self.pump, 200.0, self._past_day(offset))
        self._sale(self.pump, 1_000_000.0, self._past_day(2))
        policy = self._approve(self._plan(self.pump)).policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertIn(
            "periods of its history above 6200.0 counted as that (a typo or a "
            "one-off order)",
            policy.explanation,
        )
        self.assertNotIn("recent demand of", policy.explanation)
        self.assertAlmostEqual(policy.lead_time_demand, 10.0 * 30, 0)
        # the capped month may still be drawn; the typo's 166,867 a month is not
        self.assertLess(policy.reorder_point, 50_000)

    def test_a_smooth_items_one_high_month_does_not_raise_its_plan(self):
        """Two years of 200 a month and one customer's one-off 1,000 (not a
        gross outlier: kept as it is), the item classed smooth: its recent
        rate leaves the last half-year's largest month out (200, where
        (5 x 200 + 1200) / 6 = 366.67 raised it), so the policy is sized on
        the plan (304.375 a month), not on the one-off month."""
        for offset in range(1, 25):
            self._sale(self.pump, 200.0, self._past_day(offset))
        self._sale(self.pump, 1_000.0, self._past_day(2))
        cycle = self._plan(self.pump)
        cycle.forecast_ids.sudo().write({"pattern": "smooth"})
        policy = self._approve(cycle).policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertNotIn("a typo", policy.explanation)
        self.assertNotIn("recent demand of", policy.explanation)
        self.assertAlmostEqual(policy.lead_time_demand, 10.0 * 30, 0)

    def test_the_rules_holding_over_a_year_of_stock_are_found(self):
        """A vendor selling 8,000 at a time to a product selling 10 a day:
        its rule holds over a year of stock on average (half an order is
        400 days); the policy list's "Over a Year of Cover" filter finds it,
        not the pump's rule (about two weeks) nor a product without demand
        (nothing held)."""
        washer = self._product("Washer", standard_price=0.5)
        self._vendor_price(washer, 30, min_qty=8000.0)
        idle = self._product("Idle part", standard_price=5.0)
        self._vendor_price(idle, 30)
        cycle = self._plan(self.pump | washer | idle)
        cycle.plan_line_ids.filtered(lambda line: line.product_id == idle).write(
            {
                "adjustment_mode": "percent",
                "adjustment_percent": -100.0,
                "adjustment_reason": "customer",
            }
        )
        cycle = self._approve(cycle)
        by_product = {p.product_id: p for p in cycle.policy_ids}
        self.assertGreater(by_product[washer].coverage_days, 400)
        self.assertLess(by_product[self.pump].coverage_days, 30)
        # no demand: min = max = 0 holds nothing, not an unknown cover that
        # sorts above every other
        self.assertEqual(by_product[idle].method, "zero_demand")
        self.assertEqual(by_product[idle].coverage_days, 0.0)
        search = self.env.ref("sop_planning.sop_inventory_policy_view_search")
        node = etree.fromstring(search.arch).xpath(
            "//filter[@name='cover_over_a_year']"
        )[0]
        found = self.env["sop.inventory.policy"].search(
            safe_eval(node.get("domain")) + [("cycle_id", "=", cycle.id)]
        )
        self.assertEqual(found.product_id, washer)

    def test_manual_rule_untouched_and_no_vendor_skipped(self):
        cycle = self._approve(self._plan(self.pump | self.valve | self.orphan))
        by_product = {p.product_id: p for p in cycle.policy_ids}
        self.assertEqual(by_product[self.valve].state, "manual")
        self.assertEqual(by_product[self.valve].orderpoint_id, self.manual_rule)
        self.assertEqual(self.manual_rule.product_min_qty, 5.0)
        self.assertEqual(self.manual_rule.product_max_qty, 10.0)
        self.assertFalse(self.manual_rule.sop_managed)
        orphan = by_product[self.orphan]
        self.assertEqual(orphan.state, "skipped")
        self.assertIn("vendor", orphan.skip_reason)
        self.assertFalse(orphan.orderpoint_id)
        self.assertEqual(by_product[self.pump].state, "applied")
        self.assertIn("1 reordering rules set", cycle.message_ids[:3].mapped("body")[0])

    def test_existing_rule_updated_and_trigger_setting(self):
        self.company_a.sop_orderpoint_trigger = "auto"
        rule = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.pump.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": 1.0,
                "product_max_qty": 2.0,
            }
        )
        cycle = self._approve(self._plan(self.pump))
        self.assertEqual(cycle.policy_ids.orderpoint_id, rule)
        self.assertGreater(rule.product_min_qty, 300.0)
        self.assertEqual(rule.trigger, "auto")
        self.assertEqual(rule.sop_cycle_id, cycle)
        self.assertTrue(rule.sop_managed)
        # what depends on min / max follows: nothing on hand, order up to max
        self.assertAlmostEqual(rule.qty_to_order, rule.product_max_qty, delta=0.01)
        self.assertEqual(
            self.env["stock.warehouse.orderpoint"].search_count(
                [("product_id", "=", self.pump.id), ("location_id", "=", self.stock.id)]
            ),
            1,
            "no second rule for the same product and location",
        )

    def test_rules_created_together_still_checked_for_their_company(self):
        """The batched company check lets Odoo's own check refuse a rule
        whose location is of another company, among valid ones."""
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_b.id)], limit=1
        )
        warehouse_a = self.stock.warehouse_id
        values = [
            {
                "product_id": product.id,
                "warehouse_id": warehouse_a.id,
                "location_id": location.id,
                "company_id": self.company_a.id,
            }
            for product, location in (
                (self.pump, self.stock),
                (self.valve, warehouse_b.lot_stock_id),
            )
        ]
        Rule = self.env["stock.warehouse.orderpoint"].sudo()
        with (
            self.assertRaisesRegex(UserError, "no company crossover"),
            self.env.cr.savepoint(),
        ):
            Rule.create(values)
        self.assertEqual(len(Rule.create(values[:1])), 1, "a valid rule passes")

    def test_other_company_rules_untouched(self):
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_b.id)], limit=1
        )
        rule_b = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.pump.id,
                "warehouse_id": warehouse_b.id,
                "location_id": warehouse_b.lot_stock_id.id,
                "company_id": self.company_b.id,
                "product_min_qty": 3.0,
                "product_max_qty": 4.0,
            }
        )
        self._approve(self._plan(self.pump))
        self.assertEqual(rule_b.product_min_qty, 3.0)
        self.assertFalse(rule_b.sop_managed)
        self.assertFalse(
            self.env["sop.inventory.policy"].with_user(self.planner_b).search([]),
            "company B sees none of company A's policies",
        )
