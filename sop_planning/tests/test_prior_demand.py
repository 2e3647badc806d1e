import base64
import io
from datetime import date, datetime, time, timedelta

import openpyxl

from odoo.tests import freeze_time, tagged

from .common_data import SopDataCase

ON_HAND = 100.0


@tagged("post_install", "-at_install")
class TestPriorDemand(SopDataCase):
    """The projection starts from today's stock: the demand still expected
    between today and the plan's first month is taken from it there
    ("forecast consumption"), and what has sold this month is not taken
    twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.item = cls._product("Valve", list_price=50.0, standard_price=30.0)
        cls._vendor_price(cls.item, 7, price=25.0)
        cls._monthly_sales({cls.item: 10})
        cls._done_move(cls.item, cls.suppliers, cls.stock, ON_HAND, date.today())

    def _reviewed_cycle(self, date_month):
        """A cycle of ``date_month`` with its forecast run, in supply review."""
        cycle = self._new_cycle(
            date_month=date_month, product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        cycle.action_submit_supply_review()
        return cycle

    def _assert_projection(self, lines, prior, on_hand=ON_HAND):
        """Today's stock (``on_hand``), less ``prior`` and the consensus month
        by month; the projection with the plan adds its planned receipts."""
        lines = lines.sorted("date_month")
        stock, receipts = on_hand - prior, 0.0
        for line in lines:
            stock -= line.consensus_qty
            receipts += line.planned_receipt_qty
            self.assertAlmostEqual(line.projected_on_hand, stock, places=2)
            self.assertAlmostEqual(line.planned_on_hand, stock + receipts, places=2)
        self.assertAlmostEqual(lines[0].prior_demand_qty, prior, places=2)
        self.assertEqual(set(lines[1:].mapped("prior_demand_qty")), {0.0})

    def _deliver(self, product, qty, when):
        """A delivery of ``qty`` to a customer, done on ``when``."""
        self._done_move(product, self.stock, self.customers, qty, when)

    def test_next_months_plan_takes_the_rest_of_this_months_forecast(self):
        """Of this month's forecast, what was delivered has left today's
        stock; an order not delivered yet is still in it (and committed)."""
        self._deliver(self.item, 3, date.today())
        self._sale(self.item, 4, date.today(), keep=True)  # open delivery
        cycle = self._reviewed_cycle(self._month(1))
        gap = self._forecast(cycle, self.item).gap_forecast
        self.assertEqual(list(gap), [self.this_month.isoformat()])
        this_months = gap[self.this_month.isoformat()]
        self.assertAlmostEqual(this_months, 10.0, places=2)
        lines = self._lines(cycle, self.item).sorted("date_month")
        self.assertEqual(lines[0].committed_qty, 4.0)
        # 97 on hand - (this month's forecast 10 - 3 delivered) - January's 10:
        # the stock at the end of this month is 100 less its whole forecast
        self.assertAlmostEqual(
            lines[0].projected_on_hand,
            ON_HAND - this_months - lines[0].consensus_qty,
            places=2,
        )
        self._assert_projection(lines, this_months - 3, on_hand=ON_HAND - 3)
        # the workbook's Supply sheet shows it on the first month
        action = cycle.with_user(self.sop_user).action_export_workbook()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas)), data_only=True
        )
        shown = next(
            [cell.value for cell in row[2:]]
            for row in book["Supply"].iter_rows(min_row=2)
            if row[0].value == self.item.display_name
            and row[1].value == "Demand before the plan"
        )
        self.assertAlmostEqual(shown[0], lines[0].prior_demand_qty, places=2)
        self.assertEqual(shown[1:12], [0.0] * 11)

    def test_months_between_today_and_the_plan_are_taken_in_full(self):
        cycle = self._reviewed_cycle(self._month(3))
        gap = self._forecast(cycle, self.item).gap_forecast
        months = [self._month(k).isoformat() for k in range(3)]
        self.assertEqual(sorted(gap), months)
        # nothing sold this month yet: the three months' forecast in full
        self._assert_projection(self._lines(cycle, self.item), sum(gap.values()))

        # a month later, this month is over (today's stock holds what sold
        # in it), next month has sold 3 of its forecast, the third is ahead
        later = self._month(1) + timedelta(days=14)
        self._deliver(self.item, 3, later)
        with freeze_time(datetime.combine(later, time(12))):
            cycle.action_run_supply_review()
        self._assert_projection(
            self._lines(cycle, self.item),
            gap[months[1]] - 3 + gap[months[2]],
            on_hand=ON_HAND - 3,
        )

    def test_this_months_plan_does_not_take_what_was_delivered_twice(self):
        """Today's stock no longer holds this month's deliveries: the month's
        consensus less them is taken, never less than nothing."""
        big_seller = self._product("Seal", list_price=5.0, standard_price=2.0)
        self._monthly_sales({big_seller: 10})
        self._done_move(big_seller, self.suppliers, self.stock, ON_HAND, date.today())
        self._deliver(self.item, 4, date.today())
        self._deliver(big_seller, 30, date.today())  # beyond its month's plan
        cycle = self._reviewed_cycle(self.this_month)
        self.assertFalse(self._forecast(cycle, self.item).gap_forecast)
        lines = self._lines(cycle, self.item).sorted("date_month")
        # 96 on hand - (the month's consensus - 4 delivered)
        self.assertAlmostEqual(
            lines[0].projected_on_hand, ON_HAND - lines[0].consensus_qty, places=2
        )
        self._assert_projection(lines, -4.0, on_hand=ON_HAND - 4)
        sealed = self._lines(cycle, big_seller).sorted("date_month")
        # delivered more than planned: the first month takes nothing more
        self.assertAlmostEqual(sealed[0].projected_on_hand, ON_HAND - 30, places=2)
        self._assert_projection(sealed, -sealed[0].consensus_qty, on_hand=ON_HAND - 30)
