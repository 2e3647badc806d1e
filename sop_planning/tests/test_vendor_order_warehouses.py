from datetime import date

from odoo.tests import tagged

from .common_policy import SopDepotCase


@tagged("post_install", "-at_install")
class TestVendorOrderWarehouses(SopDepotCase):
    """Transfers from another warehouse never become vendor-order lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a minimum no order reaches: everything that may be brought forward is
        cls.vendor.write(
            {
                "sop_order_weekday": str(date.today().weekday()),
                "sop_order_interval_days": 7,
                "sop_min_order_value": 10**9,
            }
        )

    def test_resupplied_item_is_never_a_vendor_order_line(self):
        self._approve(self._two_warehouse_plan())
        self._run_cron()
        transfer = self._proposals(self.pump).filtered(
            lambda p: p.warehouse_id == self.depot
        )
        self.assertTrue(transfer, "the depot's pump is proposed as a transfer")
        self.assertFalse(transfer.vendor_id)
        orders = self.env["sop.vendor.order"].search([])
        depot_order = orders.filtered(lambda o: o.warehouse_id == self.depot)
        self.assertEqual(
            depot_order.line_ids.product_id, self.valve, "the valve is bought there"
        )
        self.assertFalse(
            orders.line_ids.filtered(lambda x: x.proposal_id == transfer),
            "a transfer proposal is no vendor-order line",
        )
        main_order = orders.filtered(lambda o: o.warehouse_id == self.warehouse)
        self.assertIn(self.pump, main_order.line_ids.product_id, "bought at WH")
