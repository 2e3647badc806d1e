from datetime import date

import pandas as pd

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestDemandHistory(SopDataCase):
    def _extract(self, products, date_from=date(2025, 1, 1), date_to=date(2025, 7, 1)):
        frame = self.env["sop.demand.history"]._extract(
            self.company_a, self.warehouse, products, date_from, date_to
        )
        return {
            row.period.date(): row.qty
            for row in frame.itertuples()
            if row.product_id == products.id
        }

    def _known(self, products):
        return {
            month: qty for month, qty in self._extract(products).items() if qty == qty
        }

    def test_ordered_history_uom_returns_company_cancel(self):
        product = self._product("Pump")
        self._sale(product, 10, date(2025, 2, 3))
        self._sale(product, 2, date(2025, 2, 20), uom=self.dozen)  # 24 units
        self._sale(product, 5, date(2025, 3, 4), state="cancel")
        self._sale(product, 6, date(2025, 3, 5), state="draft")
        self._sale(product, 7, date(2025, 3, 6), company=self.company_b)
        self._sale(product, 8, date(2025, 7, 1))  # outside the window
        self._done_move(product, self.customers, self.stock, 4, date(2025, 2, 25))

        self.company_a.sop_demand_returns = "net"
        # January: no stock and no sale -> unknown, see the out-of-stock test
        self.assertEqual(self._known(product), {date(2025, 2, 1): 30.0})
        self.company_a.sop_demand_returns = "exclude"
        self.assertEqual(self._known(product), {date(2025, 2, 1): 34.0})

    def test_shipped_history_excludes_internal_and_dropship(self):
        product = self._product("Valve")
        self.company_a.sop_demand_source = "shipped"
        self.company_a.sop_demand_returns = "exclude"
        self._done_move(product, self.suppliers, self.stock, 50, date(2025, 1, 2))
        self._done_move(product, self.stock, self.customers, 12, date(2025, 4, 9))
        self._done_move(product, self.stock, self.customers, 3, date(2025, 4, 19))
        internal = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock.id, "usage": "internal"}
        )
        self._done_move(product, self.stock, internal, 9, date(2025, 4, 20))
        self._done_move(product, self.suppliers, self.customers, 20, date(2025, 4, 21))
        self._sale(product, 99, date(2025, 4, 2))  # ordered, not shipped
        self.assertEqual(self._known(product), {date(2025, 4, 1): 15.0})

    def test_out_of_stock_months_are_unknown(self):
        product = self._product("Seal")
        self._done_move(product, self.suppliers, self.stock, 10, date(2025, 1, 5))
        self._sale(product, 10, date(2025, 1, 15))
        self._done_move(product, self.stock, self.customers, 10, date(2025, 1, 20))
        # February, March: no stock at all and no sale -> unknown
        self._done_move(product, self.suppliers, self.stock, 5, date(2025, 4, 10))
        self._sale(product, 3, date(2025, 4, 12))
        # May: 5 in stock and no sale -> a real zero; June starts with 5 in
        # stock before the delivery of the 1st -> not out of stock all month
        self._done_move(product, self.stock, self.customers, 5, date(2025, 6, 1))
        history = self._extract(product)
        self.assertEqual(history.pop(date(2025, 1, 1)), 10.0)
        self.assertEqual(history.pop(date(2025, 4, 1)), 3.0)
        self.assertEqual(sorted(history), [date(2025, 2, 1), date(2025, 3, 1)])
        self.assertTrue(all(pd.isna(qty) for qty in history.values()))

    def test_uom_mismatch_is_reported(self):
        product = self._product("Cable")
        kg = self.env.ref("uom.product_uom_kgm")
        self._sale(product, 4, date(2025, 3, 3))
        order = self._sale(product, 1, date(2025, 3, 3))
        self.env.cr.execute(
            "UPDATE sale_order_line SET product_uom_id = %s WHERE order_id = %s",
            (kg.id, order.id),
        )
        with mute_logger("odoo.addons.sop_planning.models.sop_demand_history"):
            frame = self.env["sop.demand.history"]._extract(
                self.company_a,
                self.warehouse,
                product,
                date(2025, 1, 1),
                date(2025, 7, 1),
            )
        self.assertEqual(frame["qty"].sum(), 4.0)
        self.assertEqual(frame.attrs["uom_mismatch"], {product.id: 1})
