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
            cls._vendor_price(product, 30, min_qty=50.0)
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

    def _plan(self, products, warehouse=None, user=None, ahead=0, category=None):
        """A cycle in demand review with a flat plan of 304.375 a month at
        each of ``warehouse`` (one or more), for the month ``ahead`` months
        from this one, of ``category`` (default: the products')."""
        warehouses = warehouse or self.warehouse
        cycle = self._new_cycle(
            user=user,
            date_month=self._month(ahead),
            warehouse_ids=[(6, 0, warehouses.ids)],
            product_category_ids=[(6, 0, (category or self.category).ids)],
            service_level=95.0,
        )
        cycle.action_start_demand_review()
        for product in products:
            for warehouse_ in warehouses:
                forecast = self.env["sop.forecast"].create(
                    {
                        "cycle_id": cycle.id,
                        "company_id": cycle.company_id.id,
                        "product_id": product.id,
                        "warehouse_id": warehouse_.id,
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
                            "warehouse_id": warehouse_.id,
                            "date_month": self._month(ahead + offset),
                            "forecast_qty": 10.0 * MONTH_DAYS,
                        }
                        for offset in range(12)
                    ]
                )
        return cycle

    def _scenario(self, cycle, name="Scenario", **vals):
        """A scenario of ``cycle`` created by the planner."""
        return (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": name, **vals})
        )

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


class SopDepotCase(SopPolicyCase):
    """A depot resupplied from the main warehouse by Odoo's own route (a
    2-day transit rule); the pump takes that route there, the valve buys."""

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
        cls.route = cls.depot.resupply_route_ids
        cls.route.rule_ids.filtered(
            lambda r: r.location_dest_id == cls.depot.lot_stock_id
        ).delay = 2
        cls.pump.route_ids = cls.route

    def _two_warehouse_plan(self, products=None):
        """A cycle in demand review with 304.375 a month at both warehouses."""
        return self._plan(
            products or self.pump | self.valve, self.warehouse | self.depot
        )
