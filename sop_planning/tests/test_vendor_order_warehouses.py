from datetime import date

from odoo.tests import tagged

from .common_policy import MONTH_DAYS, SopPolicyCase


@tagged("post_install", "-at_install")
class TestVendorOrderWarehouses(SopPolicyCase):
    """Transfers from another warehouse never become vendor-order lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.depot = cls.env["stock.warehouse"].create(
            {
                "name": "Depot",
                "code": "DEP",
                "resupply_wh_ids": [(6, 0, cls.warehouse.ids)],
            }
        )
        route = cls.depot.resupply_route_ids
        route.rule_ids.filtered(
            lambda r: r.location_dest_id == cls.depot.lot_stock_id
        ).delay = 2
        cls.pump.route_ids = route  # the valve keeps buying at the depot
        # a minimum no order reaches: everything that may be brought forward is
        cls.vendor.write(
            {
                "sop_order_weekday": str(date.today().weekday()),
                "sop_order_interval_days": 7,
                "sop_min_order_value": 10**9,
            }
        )

    def _two_warehouse_plan(self):
        warehouses = self.warehouse | self.depot
        cycle = self._new_cycle(
            warehouse_ids=[(6, 0, warehouses.ids)],
            product_category_ids=[(6, 0, self.category.ids)],
        )
        cycle.action_start_demand_review()
        for product in self.pump | self.valve:
            for warehouse in warehouses:
                forecast = self.env["sop.forecast"].create(
                    {
                        "cycle_id": cycle.id,
                        "company_id": cycle.company_id.id,
                        "product_id": product.id,
                        "warehouse_id": warehouse.id,
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
                            "warehouse_id": warehouse.id,
                            "date_month": self._month(offset),
                            "forecast_qty": 10.0 * MONTH_DAYS,
                        }
                        for offset in range(12)
                    ]
                )
        return cycle

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
