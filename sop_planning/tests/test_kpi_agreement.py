import math
from datetime import datetime, timedelta

from odoo.tests import tagged

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestKpiAgreement(SopDataCase):
    """A stockout lowers fill rate and OTIF and counts stockout days together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._product("Agreement P", standard_price=10.0)

    def _at(self, day):
        return datetime.combine(day, datetime.min.time()).replace(hour=10)

    def _order(self, qty, day):
        """A confirmed order of ``qty`` promised on ``day``; its delivery."""
        order = self._sale(self.product, qty, day, keep=True)
        order.commitment_date = self._at(day)
        return order, order.picking_ids

    def _ship(self, picking, qty, day, cancel_rest=False):
        """Ship ``qty`` on ``day``; the rest goes to a backorder or is cancelled."""
        picking.move_ids.write({"quantity": qty, "picked": True})
        picking.with_context(cancel_backorder=cancel_rest)._action_done()
        picking.date_done = self._at(day)
        picking.move_ids.filtered(lambda m: m.state == "done").write(
            {"date": self._at(day)}
        )

    def _snapshot(self, month):
        snapshots = self.env["sop.kpi.snapshot"]._compute_month(self.company_a, month)
        return snapshots.filtered(lambda s: s.warehouse_id == self.warehouse)

    def test_stockout_month_moves_all_three(self):
        calm, short = self._month(-2), self._month(-1)
        # calm month: 100 received on the 1st, 20 sold and shipped on the 5th
        self._done_move(self.product, self.suppliers, self.stock, 100.0, calm)
        _order, picking = self._order(20.0, calm + timedelta(days=4))
        self._ship(picking, 20.0, calm + timedelta(days=4))
        # short month: 70 shipped on the 3rd (10 left); 30 ordered on the 10th,
        # 10 shipped at once (stock 0 on days 10-19), 50 received on the 20th,
        # the backorder ships 10 more, the last 10 are a lost sale
        _order, picking = self._order(70.0, short + timedelta(days=2))
        self._ship(picking, 70.0, short + timedelta(days=2))
        order, picking = self._order(30.0, short + timedelta(days=9))
        self._ship(picking, 10.0, short + timedelta(days=9))
        backorder = order.picking_ids - picking
        self.assertEqual(backorder.move_ids.product_uom_qty, 20.0)
        self._done_move(
            self.product, self.suppliers, self.stock, 50.0, short + timedelta(days=19)
        )
        self._ship(backorder, 10.0, short + timedelta(days=19), cancel_rest=True)
        self.assertEqual(
            (backorder.move_ids.quantity, backorder.move_ids.product_uom_qty),
            (10.0, 20.0),
            "closed without backorder: 10 of the 20 waiting never shipped",
        )

        before, after = self._snapshot(calm), self._snapshot(short)
        self.assertEqual(
            (before.fill_rate, before.otif, before.stockout_days), (100.0, 100.0, 0)
        )
        # 80 of the 100 due left by their promised day: the 10 shipped on the
        # 20th were due on the 10th, the last 10 never left
        self.assertAlmostEqual(after.fill_rate, 80.0)
        # on time and in full: the 3rd only; the 10th is short, the backorder late
        self.assertEqual((after.delivery_count, after.otif_count), (3, 1))
        self.assertEqual(after.stockout_days, 10)
        self.assertEqual(after.stockout_products, 1)

        # the lost sale censors the month: its demand is unknown to the forecast
        history = self.env["sop.demand.history"]._extract(
            self.company_a, self.warehouse, self.product, calm, self._month(0)
        )
        qty = dict(zip(history["period"].dt.date, history["qty"], strict=True))
        self.assertEqual(qty[calm], 20.0)
        self.assertTrue(math.isnan(qty[short]))

    def test_waiting_for_stock_lowers_fill_rate(self):
        """A complete delivery that waited for stock fills nothing of its
        order; one on time and complete keeps the fill rate at 100 %."""
        month = self._month(-1)
        self._done_move(self.product, self.suppliers, self.stock, 30.0, month)
        _order, on_time = self._order(30.0, month + timedelta(days=2))
        self._ship(on_time, 30.0, month + timedelta(days=2))
        self.assertAlmostEqual(self._snapshot(month).fill_rate, 100.0)

        # 20 promised on the 5th, no stock until the 25th: the delivery waits
        # and leaves complete, 20 days late
        _order, waiting = self._order(20.0, month + timedelta(days=4))
        self._done_move(
            self.product, self.suppliers, self.stock, 20.0, month + timedelta(days=24)
        )
        self._ship(waiting, 20.0, month + timedelta(days=24))
        snapshot = self._snapshot(month)
        self.assertAlmostEqual(snapshot.fill_rate, 60.0)
        self.assertEqual((snapshot.due_qty, snapshot.on_time_qty), (50.0, 30.0))
        # OTIF counts deliveries: one of the two left on time and in full
        self.assertEqual((snapshot.delivery_count, snapshot.otif_count), (2, 1))

    def test_not_delivered_yet_counts_when_due(self):
        """A delivery still waiting after its promised day is unfilled demand
        of that month; one promised for next month is not due yet."""
        month = self._month(-1)
        self._done_move(self.product, self.suppliers, self.stock, 10.0, month)
        _order, picking = self._order(10.0, month + timedelta(days=1))
        self._ship(picking, 10.0, month + timedelta(days=1))
        self._order(30.0, month + timedelta(days=9))  # never shipped
        self._order(40.0, self._month(1))  # due next month
        snapshot = self._snapshot(month)
        self.assertAlmostEqual(snapshot.fill_rate, 25.0)
        self.assertEqual((snapshot.due_qty, snapshot.on_time_qty), (40.0, 10.0))
        # the update counts stored snapshots again with this definition
        snapshot.write({"due_qty": 10.0, "on_time_qty": 10.0, "fill_rate": 100.0})
        snapshot._recompute_fill_rate()
        self.assertEqual(
            (snapshot.due_qty, snapshot.on_time_qty, snapshot.fill_rate),
            (40.0, 10.0, 25.0),
        )
