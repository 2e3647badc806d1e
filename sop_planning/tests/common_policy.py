from .common_data import SopDataCase

Z_95 = 1.6448536269514722
MONTH_DAYS = 30.4375


class SopPolicyCase(SopDataCase):
    """Products with a vendor, a manual rule, and a flat plan to approve."""

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

    def _plan(self, products, warehouse=None, user=None, ahead=0):
        """A cycle in demand review with a flat plan of 304.375 a month,
        for the month ``ahead`` months from this one."""
        warehouse = warehouse or self.warehouse
        cycle = self._new_cycle(
            user=user,
            date_month=self._month(ahead),
            warehouse_ids=[(6, 0, warehouse.ids)],
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
                        "date_month": self._month(ahead + offset),
                        "forecast_qty": 10.0 * MONTH_DAYS,
                    }
                    for offset in range(12)
                ]
            )
        return cycle

    def _run_cron(self):
        """Run the daily replenishment job as Odoo's cron worker does."""
        with self.enter_registry_test_mode():
            self.env.ref("sop_planning.ir_cron_sop_replenish").method_direct_trigger()
        # the run marks rules as seen today; a new day starts afresh
        self.env["stock.warehouse.orderpoint"].search([]).sop_date_checked = False

    def _proposals(self, product):
        return self.env["sop.reorder.proposal"].search(
            [("product_id", "=", product.id)]
        )

    def _approve(self, cycle, executive=None):
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(executive or self.executive).action_approve()
        return cycle

    def _to_executive_review_from_demand(self, cycle):
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
