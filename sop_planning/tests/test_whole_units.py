from odoo import fields
from odoo.tests import new_test_user, tagged

from .common_policy import SopPolicyCase

QUANTITIES = ("reorder_point", "order_up_to", "order_qty")


@tagged("post_install", "-at_install")
class TestWholeUnits(SopPolicyCase):
    """Products counted in units get whole rules, proposals and RFQ lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls.env.ref("uom.product_uom_pack_6")
        cls.bottle = cls._product("Bottle 0.5 L", standard_price=1.2)
        cls._vendor_price(cls.bottle, 30, product_uom_id=cls.pack.id, price=6.0)
        cls.buyer = new_test_user(
            cls.env, "sop_units_buyer", groups="purchase.group_purchase_user"
        )

    def _put_on_hand(self, product, qty):
        self.env["stock.quant"]._update_available_quantity(product, self.stock, qty)

    def _assert_whole(self, value, what):
        self.assertEqual(value, round(value), f"{what} is whole: {value}")

    def test_rules_of_a_units_product_are_whole_from_fractional_demand(self):
        # the plan: 304.375 a month, 10 a day, sigma of a month: fractional
        policy = self._approve(self._plan(self.pump)).policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        for name in QUANTITIES:
            self._assert_whole(policy[name], name)
        self.assertEqual(policy.qty_multiple, 1.0)
        self.assertAlmostEqual(
            policy.safety_stock, policy.reorder_point - policy.lead_time_demand, 6
        )
        # the engine's levels were fractional: the explanation says so
        self.assertIn("rounded up: min", policy.explanation)
        rule = policy.orderpoint_id.sudo()
        self._assert_whole(rule.product_min_qty, "min")
        self._assert_whole(rule.product_max_qty, "max")
        self.assertEqual(rule.product_min_qty, policy.reorder_point)
        self.assertGreaterEqual(rule.product_max_qty, rule.product_min_qty)
        self.assertFalse(rule.replenishment_uom_id, "the vendor sells single units")

    def test_proposal_and_rfq_line_whole_and_up_to_the_maximum(self):
        policy = self._approve(self._plan(self.pump)).policy_ids
        rule = policy.orderpoint_id.sudo()
        self._put_on_hand(self.pump, 12.75)  # a fraction left on hand
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(len(proposal), 1)
        self._assert_whole(proposal.quantity, "proposal")
        # rounded up: the order reaches the maximum, never below the minimum
        self.assertGreaterEqual(
            proposal.qty_projected + proposal.quantity, rule.product_max_qty
        )
        self.assertLess(
            proposal.qty_projected + proposal.quantity, rule.product_max_qty + 1
        )
        proposal.with_user(self.buyer).action_confirm()
        line = proposal.purchase_line_id
        self.assertEqual(line.product_uom_id, self.unit)
        self._assert_whole(line.product_qty, "RFQ line")
        self.assertEqual(line.product_qty, proposal.quantity)

    def test_vendor_pack_is_the_rules_multiple_and_the_rfq_orders_packs(self):
        policy = self._approve(self._plan(self.bottle)).policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertEqual(policy.purchase_uom_id, self.pack)
        self.assertEqual(policy.qty_multiple, 6.0)
        self.assertEqual(policy.order_qty % 6, 0.0)
        self.assertEqual(policy.order_up_to % 6, 0.0)
        self._assert_whole(policy.reorder_point, "min")
        rule = policy.orderpoint_id.sudo()
        self.assertEqual(rule.replenishment_uom_id, self.pack, "the rule's multiple")
        self._put_on_hand(self.bottle, 7.5)
        self._run_cron()
        proposal = self._proposals(self.bottle)
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.quantity % 6, 0.0, proposal.quantity)
        self.assertGreaterEqual(
            proposal.qty_projected + proposal.quantity, rule.product_max_qty
        )
        proposal.with_user(self.buyer).action_confirm()
        line = proposal.purchase_line_id
        self.assertTrue(line)
        self.assertEqual(line.product_uom_id, self.pack)
        self._assert_whole(line.product_qty, "packs on the RFQ line")
        self.assertEqual(line.product_qty * 6, proposal.quantity)

    def test_a_pack_of_two_and_a_half_units_orders_whole_packs_and_units(self):
        """Counted in six-packs, bought in boxes of 15 (2.5 six-packs): the
        lot, the maximum, the proposal and the RFQ are whole six-packs and
        whole boxes, steps of 5 six-packs (the lot was in steps of 3, 1.2
        boxes, and the RFQ asked for 123.2 trays in a drive)."""
        box = self.env["uom.uom"].create(
            {
                "name": "Box of 15",
                "relative_factor": 15,
                "relative_uom_id": self.unit.id,
            }
        )
        pens = self._product("Pens", uom_id=self.pack.id, standard_price=3.0)
        self._vendor_price(pens, 30, product_uom_id=box.id, price=7.5)
        policy = self._approve(self._plan(pens)).policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertEqual(policy.order_qty % 5, 0.0, policy.order_qty)
        self.assertEqual(policy.order_up_to % 5, 0.0, policy.order_up_to)
        self._put_on_hand(pens, 8.0)  # 2 six-packs short of whole boxes
        # a vendor ordered weekly, today: the daily run builds its order
        self.vendor.write(
            {
                "sop_order_weekday": str(fields.Date.today().weekday()),
                "sop_order_interval_days": 7,
            }
        )
        self._run_cron()
        proposal = self._proposals(pens)
        self.assertEqual(proposal.quantity % 5, 0.0, proposal.quantity)
        ordered = self.env["sop.vendor.order.line"].search(
            [("product_id", "=", pens.id)]
        )
        self.assertEqual(len(ordered), 1, "the run built the vendor's order")
        self.assertEqual(ordered.quantity % 5, 0.0, ordered.quantity)
        proposal.with_user(self.buyer).action_confirm()
        line = proposal.purchase_line_id
        self.assertEqual(line.product_uom_id, box)
        self._assert_whole(line.product_qty, "boxes on the RFQ line")
        self.assertEqual(line.product_qty * 2.5, proposal.quantity)

    def test_manual_multiple_of_a_rule_is_replaced_by_the_plan(self):
        rule = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.pump.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "replenishment_uom_id": self.pack.id,
            }
        )
        self._approve(self._plan(self.pump | self.bottle))
        self.assertEqual(rule.sop_policy_id.product_id, self.pump)
        self.assertFalse(rule.replenishment_uom_id, "the pump's vendor sells units")
