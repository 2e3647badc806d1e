from math import sqrt

from odoo.tests import tagged

from .common_data import SopDataCase

Z_95 = 1.6448536269514722
MONTH_DAYS = 30.4375


@tagged("post_install", "-at_install")
class TestInventoryPolicy(SopDataCase):
    """Approving a plan writes its policies to Odoo's reordering rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pump = cls._product("Pump", standard_price=40.0)
        cls.valve = cls._product("Valve", standard_price=10.0)
        cls.orphan = cls._product("Orphan part", standard_price=5.0)
        for product in cls.pump | cls.valve:
            cls.env["product.supplierinfo"].create(
                {
                    "partner_id": cls.vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "delay": 30,
                    "min_qty": 50.0,
                }
            )
        cls.manual_rule = cls.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": cls.valve.id,
                "warehouse_id": cls.warehouse.id,
                "location_id": cls.stock.id,
                "product_min_qty": 5.0,
                "product_max_qty": 10.0,
                "sop_manual": True,
            }
        )

    def _plan(self, products):
        """A cycle in demand review with a flat plan of 304.375 a month."""
        cycle = self._new_cycle(
            warehouse_ids=[(6, 0, self.warehouse.ids)],
            product_category_ids=[(6, 0, self.category.ids)],
            service_level=95.0,
        )
        cycle.action_start_demand_review()
        for product in products:
            forecast = self.env["sop.forecast"].create(
                {
                    "cycle_id": cycle.id,
                    "company_id": cycle.company_id.id,
                    "product_id": product.id,
                    "warehouse_id": self.warehouse.id,
                    "state": "ok",
                    "sigma": MONTH_DAYS,
                }
            )
            self.env["sop.plan.line"].create(
                [
                    {
                        "cycle_id": cycle.id,
                        "forecast_id": forecast.id,
                        "company_id": cycle.company_id.id,
                        "product_id": product.id,
                        "warehouse_id": self.warehouse.id,
                        "date_month": self._month(offset),
                        "forecast_qty": 10.0 * MONTH_DAYS,
                    }
                    for offset in range(12)
                ]
            )
        return cycle

    def _approve(self, cycle):
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.executive).action_approve()
        return cycle

    def _to_executive_review_from_demand(self, cycle):
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()

    def test_approval_writes_expected_min_max(self):
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        # 30 days of 10 a day; the error of one month (sigma) spread pro rata.
        sigma_lead_time = MONTH_DAYS * sqrt(30 / MONTH_DAYS)
        safety_stock = Z_95 * sigma_lead_time
        self.assertAlmostEqual(policy.lead_time_demand, 300.0, places=1)
        self.assertAlmostEqual(policy.safety_stock, safety_stock, delta=0.05)
        rule = policy.orderpoint_id
        self.assertEqual(rule.product_id, self.pump)
        self.assertEqual(rule.location_id, self.stock)
        self.assertAlmostEqual(rule.product_min_qty, 300.0 + safety_stock, delta=0.05)
        # no order cost: the lot is the vendor's minimum order quantity
        self.assertAlmostEqual(
            rule.product_max_qty, rule.product_min_qty + 50.0, delta=0.05
        )
        self.assertTrue(rule.sop_managed)
        self.assertEqual(rule.trigger, "manual", "default: wait for purchasing")
        self.assertIn("1.645", policy.explanation)

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
        self.assertEqual(
            self.env["stock.warehouse.orderpoint"].search_count(
                [("product_id", "=", self.pump.id), ("location_id", "=", self.stock.id)]
            ),
            1,
            "no second rule for the same product and location",
        )

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
