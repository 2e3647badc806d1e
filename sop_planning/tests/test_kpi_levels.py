from odoo.tests import tagged
from odoo.tools import format_date

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestKpiLevels(SopDataCase):
    """Month-end levels (excess value, average stock value, products out of
    stock) add up over warehouses and average over months when the KPI
    pivot groups them; flows (stockout days, COGS) add up over both."""

    def test_levels_average_over_months_and_add_up_over_warehouses(self):
        second = self.env["stock.warehouse"].create({"name": "Second", "code": "SEC"})
        Snapshot = self.env["sop.kpi.snapshot"]
        Snapshot.search([]).unlink()
        rows = [
            # month, warehouse, excess, average stock, out of stock, stockout days
            (self._month(-2), self.warehouse, 100.0, 1000.0, 2, 10),
            (self._month(-2), second, 300.0, 500.0, 1, 5),
            (self._month(-1), self.warehouse, 500.0, 2000.0, 4, 20),
        ]
        Snapshot.create(
            [
                {
                    "company_id": self.company_a.id,
                    "date_month": month,
                    "warehouse_id": warehouse.id,
                    "excess_value": excess,
                    "avg_stock_value": stock,
                    "stockout_products": out,
                    "stockout_days": days,
                }
                for month, warehouse, excess, stock, out, days in rows
            ]
        )
        # a snapshot reads as its warehouse and month, not "sop.kpi.snapshot,14"
        first = Snapshot.search([("warehouse_id", "=", second.id)])
        self.assertEqual(
            first.display_name,
            f"Second {format_date(self.env, self._month(-2), date_format='MMM yyyy')}",
        )
        measures = [
            "excess_value:sum",
            "avg_stock_value:sum",
            "stockout_products:sum",
            "stockout_days:sum",
        ]
        reader = Snapshot.with_user(self.sop_user)
        ((excess, stock, out, days),) = reader._read_group([], [], measures)
        # two month ends: (100 + 300) and 500, on average 450
        self.assertAlmostEqual(excess, 450.0)
        self.assertAlmostEqual(stock, (1500.0 + 2000.0) / 2)
        self.assertAlmostEqual(out, (3 + 4) / 2)
        self.assertEqual(days, 35, "days out of stock add up")
        by_month = {
            month: (excess, out)
            for month, excess, out in reader._read_group(
                [], ["date_month:month"], ["excess_value:sum", "stockout_products:sum"]
            )
        }
        self.assertEqual(by_month[self._month(-2)], (400.0, 3))
        self.assertEqual(by_month[self._month(-1)], (500.0, 4))
        by_warehouse = dict(
            reader._read_group([], ["warehouse_id"], ["excess_value:sum"])
        )
        self.assertAlmostEqual(by_warehouse[self.warehouse], 300.0)
        self.assertAlmostEqual(by_warehouse[second], 300.0)
